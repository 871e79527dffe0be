"""One recommended Python per app (issue #17.17): the version every runtime fix names, and where it goes."""

from __future__ import annotations

import datetime
import re

import pytest
from conftest import run_check, write

from deploycheck.runtime import cpython, platforms
from deploycheck.runtime.model import Runtime
from deploycheck.runtime.recommend import choose_version
from deploycheck.runtime.versions import Declaration

HEROKU = {"Procfile": "web: gunicorn app:app\n", "app.py": "import flask\n", "requirements.txt": "flask==3.0.0\n"}
STREAMLIT = {".streamlit/config.toml": "", "streamlit_app.py": "import streamlit\n", "requirements.txt": "streamlit\n"}
RUNTIME_CODES = ("DC201", "DC202", "DC203", "DC204", "DC205", "DC206", "DC207")
DEC_2026 = datetime.date(2026, 12, 4)  # 3.10 is past its end of life (2026-10-31), 3.11 is not


def _decl(version: str, name: str, line: int = 1) -> Declaration:
    from pathlib import Path

    return Declaration(version, Path("/r") / name, line, version)


def _runtime_fixes(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["code"] in RUNTIME_CODES]


def _versions(text: str) -> set[str]:
    return {cpython.minor_of(v) for v in re.findall(r"(?<![\d.])3\.\d+(?:\.\d+)?", text)}


def test_the_issue_example_tells_one_story(tmp_path):
    """runtime.txt python-3.8 and .python-version 3.12 on Heroku: every fix says 3.12 in .python-version and
    removes runtime.txt (it comes first on Heroku and is deprecated), none says 3.8."""
    folder = write(tmp_path / "app", {**HEROKU, "runtime.txt": "python-3.8\n", ".python-version": "3.12\n"})
    _, report = run_check(folder, "--platform", "heroku", "--select", ",".join(RUNTIME_CODES))
    found = _runtime_fixes(report)
    assert {f["code"] for f in found} >= {"DC201", "DC205", "DC206", "DC207"}
    for finding in found:
        assert _versions(finding["fix"]) == {"3.12"}, finding
        assert "echo 3.12 > .python-version" in finding["fix"] and "git rm runtime.txt" in finding["fix"], finding
    assert report["runtime"]["recommended"]["python"] == "3.12"
    (note,) = [n for n in report["runtime"]["notes"] if n.startswith("recommended:")]
    assert "Python 3.12" in note and "git rm runtime.txt" in note  # said once where the runtime is shown


def test_streamlit_with_nothing_declared_points_at_the_deploy_dialog(tmp_path):
    folder = write(tmp_path / "app", STREAMLIT)
    _, report = run_check(folder, "--platform", "streamlit-cloud", "--select", "DC202")
    (finding,) = report["findings"]
    assert "deploy dialog" in finding["fix"] and ".python-version" not in finding["fix"]
    assert _versions(finding["fix"]) == {"3.12"}  # the dialog's default, offered and maintained


def test_streamlit_runtime_txt_fix_names_the_recommended_version_not_the_ignored_one(tmp_path):
    """runtime.txt python-3.8 on Streamlit: ignored (DC207); the fix must not ask to choose 3.8 in the
    dialog, which does not offer it."""
    folder = write(tmp_path / "app", {**STREAMLIT, "runtime.txt": "python-3.8\n"})
    _, report = run_check(folder, "--platform", "streamlit-cloud", "--select", "DC207")
    (finding,) = report["findings"]
    assert "3.8" not in finding["fix"] and "deploy dialog" in finding["fix"]
    (version,) = _versions(finding["fix"])
    assert platforms.STREAMLIT.offers(version) and not cpython.eol(version)


@pytest.mark.parametrize("platform", ["heroku", "generic", "railway"])
def test_a_subfolder_app_gets_a_command_with_its_path(tmp_path, platform):
    folder = write(tmp_path / "repo", {f"app/{name}": text for name, text in HEROKU.items()})
    _, report = run_check(folder, "--platform", platform, "--select", "DC202")
    (finding,) = report["findings"]
    assert re.search(r"echo 3\.\d+ > app/\.python-version", finding["fix"]), finding["fix"]


@pytest.mark.parametrize(
    ("files", "platform"),
    [
        ({**HEROKU, "runtime.txt": "python-3.8\n"}, "heroku"),
        ({**HEROKU, ".python-version": "3.9\n"}, "heroku"),
        ({**HEROKU, ".python-version": "3.7\n"}, "railway"),
        ({**HEROKU, "runtime.txt": "python-3.15\n"}, "heroku"),
        ({**STREAMLIT, ".python-version": "3.9\n"}, "streamlit-cloud"),
        ({"app.yaml": "runtime: python39\n", "requirements.txt": "flask==3.0.0\n"}, "app-engine"),
        ({**HEROKU, ".python-version": "pypy3.10\n"}, "heroku"),
        ({**HEROKU, ".python-version": "3.8\n", "runtime.txt": "python-3.9\n"}, "heroku"),
    ],
)
def test_no_fix_names_a_version_the_tables_reject(tmp_path, files, platform):
    folder = write(tmp_path / "app", files)
    _, report = run_check(folder, "--platform", platform, "--select", ",".join(RUNTIME_CODES))
    plat = platforms.get(platform)
    named = set().union(*(_versions(f["fix"]) for f in _runtime_fixes(report)))
    assert len(named) <= 1, named  # one story
    for version in named:
        assert plat.offers(version) and not cpython.eol(version) and cpython.released(version), version


def test_a_docker_app_is_pointed_at_its_from_line(tmp_path):
    folder = write(tmp_path / "app", {"Dockerfile": "FROM python:3.8-slim\n", "requirements.txt": "flask\n"})
    _, report = run_check(folder, "--platform", "docker", "--select", "DC205")
    (finding,) = report["findings"]
    assert "Dockerfile" in finding["fix"] and re.search(r"python:3\.\d+-slim", finding["fix"])
    assert "3.8" not in finding["fix"] and ".python-version" not in finding["fix"]


def test_choose_version_keeps_an_offered_maintained_declaration():
    rt = Runtime("3.12", ".python-version", 1, declaration=_decl("3.12", ".python-version"))
    assert choose_version(rt, platforms.HEROKU, today=DEC_2026)[0] == "3.12"


def test_choose_version_moves_an_end_of_life_declaration_to_the_nearest_supported():
    rt = Runtime("3.8", "runtime.txt", 1, declaration=_decl("python-3.8", "runtime.txt"))
    rt.declaration = _decl("3.8", "runtime.txt")
    version, why = choose_version(rt, platforms.HEROKU, today=DEC_2026)
    assert version == "3.11" and "runtime.txt:1" in why  # 3.10 is offered by Heroku but past its end of life
    assert choose_version(rt, platforms.HEROKU, today=datetime.date(2026, 6, 1))[0] == "3.10"


def test_choose_version_follows_what_the_lock_resolves_on():
    from packaging.specifiers import SpecifierSet

    rt = Runtime("3.9", ".python-version", 1, declaration=_decl("3.9", ".python-version"))
    assert choose_version(rt, platforms.HEROKU, SpecifierSet(">=3.13"), today=DEC_2026)[0] == "3.13"
    nothing = Runtime("3.14", "default", exact=False)
    assert choose_version(nothing, platforms.RAILWAY, today=DEC_2026)[0] == "3.13"  # Railway's default
    assert choose_version(nothing, platforms.RAILWAY, SpecifierSet("<3.13"), today=DEC_2026)[0] == "3.12"


def test_choose_version_prefers_the_declaration_the_platform_offers():
    rt = Runtime(
        "3.8", "runtime.txt", 1, declaration=_decl("3.8", "runtime.txt"), conflicts=[_decl("3.12", ".python-version")]
    )
    version, why = choose_version(rt, platforms.HEROKU, today=DEC_2026)
    assert version == "3.12" and ".python-version:1" in why


def test_a_bad_version_file_the_platform_does_not_read_is_a_warning_pointing_at_the_dialog(tmp_path):
    """On Streamlit Community Cloud .python-version is a hint: `pypy3.10` there breaks no deploy (warning), and
    the fix starts with the deploy dialog; Heroku reads the file, so there it stays an error."""
    folder = write(tmp_path / "app", {**STREAMLIT, ".python-version": "pypy3.10\n"})
    code, report = run_check(folder, "--platform", "streamlit-cloud", "--select", "DC204")
    (finding,) = report["findings"]
    assert (finding["severity"], code) == ("warning", 0) and "does not read .python-version" in finding["message"]
    assert finding["fix"].startswith("choose Python 3.12 in the deploy dialog")
    folder = write(tmp_path / "heroku", {**HEROKU, ".python-version": "pypy3.10\n"})
    code, report = run_check(folder, "--platform", "heroku", "--select", "DC204")
    assert (report["findings"][0]["severity"], code) == ("error", 1)


def test_a_hostile_folder_name_is_quoted_in_the_command(tmp_path):
    folder = write(tmp_path / "repo", {f"a b$(touch x)/{name}": text for name, text in HEROKU.items()})
    _, report = run_check(folder, "--platform", "heroku", "--select", "DC202")
    (finding,) = report["findings"]
    assert re.search(r"echo 3\.\d+ > 'a b\$\(touch x\)/\.python-version'", finding["fix"]), finding["fix"]


def test_heroku_s_uv_refusals_name_the_same_version_as_the_runtime_findings(tmp_path):
    """uv.lock beside runtime.txt python-3.8 on Heroku: DC303 (runtime.txt refused with uv), DC205, DC206 and
    DC207 all say the one recommended version, which requires-python >=3.12 allows."""
    files = {
        **HEROKU,
        "uv.lock": 'version = 1\nrequires-python = ">=3.12"\n',
        "pyproject.toml": '[project]\nname = "a"\nversion = "0"\nrequires-python = ">=3.12"\n',
        "runtime.txt": "python-3.8\n",
    }
    files.pop("requirements.txt")
    folder = write(tmp_path / "app", files)
    _, report = run_check(folder, "--platform", "heroku", "--select", ",".join((*RUNTIME_CODES, "DC303")))
    fixes = {f["code"]: f["fix"] for f in report["findings"]}
    assert {"DC303", "DC205", "DC206"} <= set(fixes), fixes
    named = set().union(*(_versions(fix) for fix in fixes.values()))
    assert len(named) == 1 and int(named.pop().split(".")[1]) >= 12, fixes
    assert "git rm runtime.txt" in fixes["DC303"] and ".python-version" in fixes["DC303"]


_CORPUS_POETRY = "data/app-corpus/runtime-procfile-could-be-railway"


def _poetry_files(constraint: str) -> dict[str, str]:
    from pathlib import Path

    folder = Path(__file__).parent.parent / _CORPUS_POETRY
    pyproject = (folder / "pyproject.toml").read_text().replace('python = "^3.11"', f'python = "{constraint}"')
    return {"poetry.lock": (folder / "poetry.lock").read_text(), "pyproject.toml": pyproject}


def _uv_files(requires: str) -> dict[str, str]:
    return {
        "uv.lock": f'version = 1\nrequires-python = "{requires}"\n',
        "pyproject.toml": f'[project]\nname = "a"\nversion = "0"\nrequires-python = "{requires}"\n',
    }


def _pipfile(version: str) -> dict[str, str]:
    return {"Pipfile": f'[packages]\nflask = "*"\n\n[requires]\npython_version = "{version}"\n'}


PROCFILE = {"Procfile": "web: gunicorn app:app\n", "app.py": "import flask\n"}


@pytest.mark.parametrize(
    ("code", "files", "deploys", "says"),
    [
        # the deploy's 3.9 is past its end of life; requires-python admits 3.12 up: declare 3.12
        ("DC208", _uv_files(">=3.12"), "3.9", "`echo 3.12 > .python-version`"),
        # the declared 3.13 is offered and maintained, requires-python stops at 3.11: widen it for 3.13
        ("DC208", _uv_files(">=3.9,<3.12"), "3.13", "requires-python in pyproject.toml to admit 3.13"),
        ("DC209", _poetry_files("^3.11"), "3.9", "`echo 3.11 > .python-version`"),
        ("DC209", _poetry_files("~3.11"), "3.13", "python in pyproject.toml to admit 3.13"),
        # the Pipfile's 3.8 is past its end of life: the Pipfile is to say the deploy's 3.12, not the other way
        ("DC210", {**_pipfile("3.8"), "requirements.txt": "flask\n"}, "3.12", 'python_version = "3.12"'),
        # the Pipfile's 3.13 is the recommended one (the deploy's 3.9 is past its end of life): declare it
        ("DC210", {**_pipfile("3.13"), "requirements.txt": "flask\n"}, "3.9", "`echo 3.13 > .python-version`"),
    ],
)
def test_range_findings_fix_with_the_recommended_version(tmp_path, code, files, deploys, says):
    """DC208-DC210 (a project range or a Pipfile that excludes the deploy's Python) fix with the app's one
    recommended version, where the platform reads it, never with the deploy's end-of-life version or the one
    the range happens to name."""
    folder = write(tmp_path / "app", {**PROCFILE, **files, ".python-version": f"{deploys}\n"})
    _, report = run_check(folder, "--platform", "heroku", "--select", ",".join((*RUNTIME_CODES, code)))
    rec = report["runtime"]["recommended"]["python"]
    fixes = {f["code"]: f["fix"] for f in report["findings"] if f["code"] in (*RUNTIME_CODES, code)}
    assert code in fixes, report["findings"]
    assert says in fixes[code] and f"recommended: Python {rec}" in _finding_message(report, code)
    named = set().union(*(_versions(fix) for fix in fixes.values()))
    assert named == {rec}, fixes
    assert platforms.HEROKU.offers(rec) and not cpython.eol(rec) and cpython.released(rec)


def _finding_message(report: dict, code: str) -> str:
    return next(f["message"] for f in report["findings"] if f["code"] == code)


def test_a_docker_variant_from_the_repository_is_kept_only_when_it_is_a_tag_word(tmp_path):
    """The FROM line's variant (`-slim-bookworm`) is repository text: a crafted one (backticks, Markdown, an
    @-mention) is not copied into the fix, which then says `-slim`."""
    hostile = "FROM python:3.8-a`<img/src=x>[x](https://evil.example)@octocat\n"
    folder = write(tmp_path / "app", {"Dockerfile": hostile, "requirements.txt": "flask\n"})
    _, report = run_check(folder, "--platform", "docker", "--select", "DC205")
    (finding,) = report["findings"]
    assert re.search(r"`python:3\.\d+-slim`", finding["fix"]) and "evil" not in finding["fix"], finding["fix"]
    kept = write(tmp_path / "kept", {"Dockerfile": "FROM python:3.8-slim-bookworm\n", "requirements.txt": "flask\n"})
    _, report = run_check(kept, "--platform", "docker", "--select", "DC205")
    assert re.search(r"`python:3\.\d+-slim-bookworm`", report["findings"][0]["fix"])
