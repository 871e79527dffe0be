"""--format github (workflow-command annotations) and --format sarif (SARIF 2.1.0, validated against the
official schema), each finding's documentation URL, and `deploycheck rule CODE` from the installed package."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, write

from deploycheck import cli
from deploycheck.checks import all_codes, rules
from deploycheck.report import ruledocs

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
DOCS = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")


def run(folder: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main([str(folder), *args])
    return code, capsys.readouterr().out


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A repository whose app lives in app/: findings in the app's folder and one in the repository's root
    packages.txt (shown from the top), a finding on a notebook cell, and a folder name that is hostile."""
    notebook = {"cells": [{"cell_type": "code", "source": ["import os\n"]}], "nbformat": 4}
    return write(
        tmp_path / "repo",
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "packages.txt": "libgl1\nnot-a-pkg!\n",
            "app/app.yaml": "runtime: python38\n",
            "app/requirements.txt": "",
            "app/main.py": "",
            "app/nb.ipynb": json.dumps(notebook),
        },
    )


def test_format_help_names_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in ("text:", "json:", "markdown:", "github:", "sarif:"):
        assert name in text
    assert "SARIF 2.1.0" in text and "annotation" in text
    assert "deploycheck rule DC101" in text


def test_sarif_is_valid_and_complete(monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(monorepo / "app", capsys, "--format", "sarif", "--select", "DC205,DC206")
    assert code == 1
    sarif = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)  # the official schema says it is SARIF 2.1.0
    (run_,) = sarif["runs"]
    driver = run_["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == all_codes()  # a rule entry per code, in a stable order
    by_id = {r["id"]: r for r in driver["rules"]}
    for code_, (_, rule) in rules().items():
        entry = by_id[code_]
        assert entry["shortDescription"]["text"] == rule.title
        assert entry["helpUri"] == f"{ruledocs.CODES_URL}#{code_.lower()}"
        assert entry["help"]["text"].startswith(f"## {code_} ")
        assert (
            entry["defaultConfiguration"]["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
        )
    results = {(r["ruleId"], r["level"]) for r in run_["results"]}
    assert results == {("DC205", "warning"), ("DC206", "error")}
    for result in run_["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        # From the repository's top, which is what code scanning resolves %SRCROOT% to.
        assert physical["artifactLocation"] == {"uri": "app/app.yaml", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": 1}
    assert run_["invocations"][0]["executionSuccessful"] is True


def test_paths_from_the_repository_top(monorepo: Path) -> None:
    """A report shows paths from the checked folder, and a file above it from the repository's top: both are
    named from the top in annotations and SARIF."""
    from deploycheck.repo.repository import Repository
    from deploycheck.report.located import from_top

    locate = from_top(Repository.at(monorepo / "app"))
    assert locate("app.yaml") == "app/app.yaml" and locate(".") == "app"
    assert locate("packages.txt") == "packages.txt"  # only the top has it
    assert locate("not/there.txt") == "app/not/there.txt"  # taken to be the checked folder's
    assert from_top(Repository.at(monorepo))("packages.txt") == "packages.txt"


def test_sarif_notebook_cell_has_no_file_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from deploycheck.report import sarif
    from deploycheck.report.model import Finding, Problem, Report

    report = Report(
        root=".",
        runtime={},
        findings=[
            Finding("DC501", "error", "nb dir/a#b.ipynb", 2, "cell 3, line 2: `import cv2`", "add it", cell=3),
            Finding("DC203", "info", "pyproject.toml", 4, "range"),
        ],
        problems=[Problem("the index did not answer", "requirements.txt", 3, "try again")],
    )
    doc = json.loads(sarif.to_sarif(report, [rule for _, rule in rules().values()], version="0"))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    first, second = doc["runs"][0]["results"]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "nb%20dir/a%23b.ipynb", "uriBaseId": "%SRCROOT%"}
    }
    assert second["level"] == "note"
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 1  # not ready, not all checked
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "the index did not answer" in note["message"]["text"]


def test_github_format_annotations_from_the_repository_top(monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(monorepo / "app", capsys, "--format", "github", "--select", "DC205,DC206,DC309")
    assert code == 1
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert any(c.startswith("::warning file=app/app.yaml,line=1,title=deploycheck DC205::") for c in commands)
    assert any(c.startswith("::error file=app/app.yaml,line=1,title=deploycheck DC206::") for c in commands)
    assert "deploycheck: NOT ready to deploy" in out  # the text report is there too


def test_github_format_keeps_repository_text_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder name that holds a workflow command, a newline and the escapes' own characters: every line that
    starts a command is one of deploycheck's, each with one file and one message."""
    hostile = "svc\n::add-mask::x%0A,line=9::"
    folder = write(tmp_path / "repo", {".git/HEAD": "x\n", f"{hostile}/app.yaml": "runtime: python38\n"})
    write(folder / hostile, {"requirements.txt": "", "main.py": ""})
    _, out = run(folder, capsys, "--format", "github", "--select", "DC205")
    commands = [line for line in out.splitlines() if line.lstrip().startswith("::")]
    assert commands and all(re.match(r"^::(error|warning|notice) ", c) for c in commands)
    assert "##[" not in out.replace("##\u2060[", "")
    (annotation,) = [c for c in commands if "DC205" in c]
    properties = annotation.split("::")[1]
    assert "file=svc\u240a%3A%3Aadd-mask%3A%3Ax%250A%2Cline=9%3A%3A/app.yaml" in properties  # ␊: visible()
    keys = [pair.split("=", 1)[0] for pair in properties.split(" ", 1)[1].split(",")]
    assert keys == ["file", "line", "title"]  # the escaped comma makes no property of its own


def test_json_findings_carry_their_documentation_url(monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(monorepo / "app", capsys, "--format", "json", "--select", "DC205")
    (finding,) = json.loads(out)["findings"]
    assert finding["url"] == "https://github.com/deploycheck/deploycheck/blob/main/docs/codes.md#dc205"


@pytest.mark.parametrize("code", all_codes())
def test_every_code_has_a_stable_anchor(code: str) -> None:
    """The URL's anchor is written in docs/codes.md right above the entry, so rewording a title keeps it."""
    assert re.search(rf'^<a id="{code.lower()}"></a>\n\n## {code} ', DOCS, re.M), code


def test_rule_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rule", "dc501"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## DC501 an import that no requirement provides (error)\n")
    assert "Fix:" in out and "## DC502" not in out and "<a id" not in out
    assert out.rstrip().endswith("docs/codes.md#dc501") and "Checked by: imports-declared" in out
    assert cli.main(["rule", "DC999"]) == 2
    assert "DC999 is not a code" in capsys.readouterr().err
    assert cli.main(["rule", "--all"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == all_codes()


def test_rule_without_a_code_says_how_to_name_one(capsys: pytest.CaptureFixture[str]) -> None:
    """`deploycheck rule` alone is a newcomer's first try: it said "no code is not a code"."""
    assert cli.main(["rule"]) == 2
    err = capsys.readouterr().err
    assert "deploycheck rule DC101" in err and "--all" in err and "is not a code" not in err


def test_rule_entry_keeps_fenced_headings() -> None:
    text = "## DC101 x (error)\n\n```\n# not a heading\n## nor this\n```\n\nFix: y\n\n### Next section\n"
    assert ruledocs.entry("DC101", text) == "## DC101 x (error)\n\n```\n# not a heading\n## nor this\n```\n\nFix: y\n"


def test_the_wheel_carries_the_rule_docs(tmp_path: Path) -> None:
    """`deploycheck rule` reads docs/codes.md from the installed package: the wheel holds it as a file."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), ROOT],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("deploycheck-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("deploycheck/report/codes.md").decode("utf-8") == DOCS
        zf.extractall(site)
    shown = subprocess.run(
        [sys.executable, "-c", "import sys; from deploycheck.cli import main; sys.exit(main(['rule', 'DC101']))"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("## DC101 lock drift (error)")
