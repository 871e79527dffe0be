"""The check contract: every code declared once and documented; a check may emit only its own codes; an
exception in a check is that check's "could not check"; the installed wheel has one top-level name."""

from __future__ import annotations

import re
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, write

from deploycheck import checks, pipeline
from deploycheck.checks import CHECKS, all_codes, name_of, rules
from deploycheck.report.rules import Rule
from deploycheck.settings import build

DOCS = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")


def test_codes_are_unique_and_owned_by_one_check():
    owners = rules()
    assert len(owners) == sum(len(m.RULES) for m in CHECKS)
    twice = types.ModuleType("deploycheck.checks.copycat")
    twice.RULES = (Rule("DC101", "error", "again"),)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="DC101 is declared by both lock-drift and copycat"):
        rules((*CHECKS, twice))


@pytest.mark.parametrize("code", all_codes())
def test_every_code_is_documented_with_an_example_and_a_fix(code):
    m = re.search(rf"^## {code} (.+?)\n(.*?)(?=^## |\Z)", DOCS, re.M | re.S)
    assert m, f"docs/codes.md has no '## {code}' entry"
    body = m.group(2)
    assert "Example" in body or "```" in body, f"{code}: no example"
    assert "Fix:" in body, f"{code}: no fix"
    _, rule = rules()[code]
    assert f"({rule.severity}" in m.group(1), f"{code}: the heading names another severity than the rule's"


def test_every_check_declares_a_scope_and_a_check_function():
    for module in CHECKS:
        assert module.SCOPE in ("app", "project"), name_of(module)
        assert callable(module.check), name_of(module)


def fake_check(name: str, code: str, behaviour):
    module = types.ModuleType(f"deploycheck.checks.{name}")
    module.RULES = (Rule(code, "error", "a test rule"),)  # type: ignore[attr-defined]
    module.SCOPE = "app"  # type: ignore[attr-defined]
    module.check = behaviour  # type: ignore[attr-defined]
    return module


def plain_app(tmp_path: Path) -> Path:
    return write(tmp_path / "app", {"requirements.txt": "math\n", ".python-version": "3.12\n"})


def test_a_check_that_raises_is_a_problem_naming_it_and_the_others_still_report(tmp_path, monkeypatch):
    def boom(app, settings):
        raise KeyError("surprise")

    monkeypatch.setattr(pipeline, "CHECKS", (fake_check("exploding", "DC999", boom), *CHECKS))
    monkeypatch.setattr(pipeline, "all_codes", lambda: [*all_codes(), "DC999"])
    report = pipeline.run(build({"select": ["DC301", "DC999"]}, root=plain_app(tmp_path)))
    (problem,) = report.problems
    assert "the exploding check could not run: KeyError" in problem.message
    assert [f.code for f in report.findings] == ["DC301"]  # the stdlib check still reported
    assert report.outcome == "not-ready"  # a certain "not ready" stands; exit 2 alone would hide it
    report.findings.clear()
    assert report.exit_code == 2


def test_a_check_emitting_an_undeclared_code_is_refused(tmp_path, monkeypatch):
    def stray(app, settings):
        return [Rule("DC998", "error", "x").finding("requirements.txt", 1, "not mine")]

    monkeypatch.setattr(pipeline, "CHECKS", (fake_check("stray", "DC997", stray),))
    monkeypatch.setattr(pipeline, "all_codes", lambda: ["DC997"])
    report = pipeline.run(build({}, root=plain_app(tmp_path)))
    assert report.findings == [] and "undeclared code(s) DC998" in report.problems[0].message
    assert report.exit_code == 2


def test_the_cli_never_shows_a_traceback_for_a_failing_check(tmp_path, monkeypatch, capsys):
    from deploycheck import cli

    def boom(app, settings):
        raise RuntimeError("bug")

    monkeypatch.setattr(pipeline, "CHECKS", (fake_check("exploding", "DC999", boom),))
    monkeypatch.setattr(pipeline, "all_codes", lambda: ["DC999"])
    assert cli.main([str(plain_app(tmp_path))]) == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and "the exploding check could not run" in out.out


def test_wheel_installs_one_top_level_name(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("deploycheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"deploycheck", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "deploycheck/checks/lock_drift.py" in names and "deploycheck/checks/stdlib_requirements.py" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next(venv.glob("lib/python*/site-packages"))
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)  # what an installer puts in site-packages, without resolving dependencies
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith("_")) == sorted(top)
    entry_points = (site / next(t for t in top if t.endswith(".dist-info")) / "entry_points.txt").read_text()
    assert "deploycheck = deploycheck.console:run" in entry_points


def test_action_without_pygithub_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    from deploycheck.github import action

    monkeypatch.setitem(sys.modules, "github", None)  # what an install without the [github] extra has
    env = {"GITHUB_WORKSPACE": str(plain_app(tmp_path)), "INPUT_GITHUB-TOKEN": "t", "GITHUB_REPOSITORY": "o/r"}
    assert action.run(env) == 2
    out = capsys.readouterr().out
    assert "pip install 'deploycheck[github]'" in out and "Traceback" not in out
    assert len([line for line in out.splitlines() if "deploycheck[github]" in line]) == 1


def test_registry_names_each_module_once():
    assert len({name_of(m) for m in checks.CHECKS}) == len(checks.CHECKS)


def test_the_suite_reads_nothing_beside_the_repository():
    """A fresh clone with nothing beside it runs the whole suite: no test reaches ../shared (the steering
    repository's fixtures are copied into tests/data/github with their licences) or any folder above the
    clone."""
    tests = Path(__file__).resolve().parent
    offenders = []
    for path in tests.rglob("*.py"):
        if "data" in path.relative_to(tests).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("../shared", "shared/fixtures", '"shared" / "fixtures"', "ROOT.parent", ".parents[2]"):
            if needle in text and path.name != "test_contract.py":
                offenders.append(f"{path.relative_to(tests)}: {needle}")
    assert offenders == []
    assert (tests / "data" / "github" / "github-api" / "openapi-subset.json").is_file()
    assert (tests / "data" / "github" / "LICENSE-octokit-webhooks.txt").is_file()
