"""poetry.lock and pdm.lock (deploycheck/locks/poetry.py, pdm.py) and checks/hash_locks.py (DC130-DC132, DC209).

Every lock here is made by the real tool (Poetry 2.5.1, PDM 2.29.4, installed once into a venv of their own
under the test cache: they are not in requirements-dev, whose pins they conflict with) against a local
index, with pip's configuration shut out. The native content hashes are proved against the tools' own
verdicts (`poetry check --lock`, `pdm lock --check`) on every fixture, fresh and stale.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_check, write
from pkgindex import Dist, IndexServer, build_index

from deploycheck.locks import formats, pdm, poetry, tomllock

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TOOLS = ("poetry==2.5.1", "pdm==2.29.4", "hishel==1.4.0")  # hishel: pdm 2.29.4 breaks with hishel 1.5+
TOOLS_PYTHON = "3.11"
INDEX = [
    Dist("flask", "3.0.0", ["blinker>=1", "itsdangerous"]),
    Dist("blinker", "1.9.0"),
    Dist("itsdangerous", "2.2.0"),
    Dist("gunicorn", "23.0.0"),
    Dist("pytest", "8.0.0", ['colorama; sys_platform == "win32"']),
    Dist("colorama", "0.4.6"),
    Dist("requests", "2.32.0"),
]

PROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["flask>=3", "gunicorn"]
"""
DEV_GROUP = '\n[dependency-groups]\ndev = ["pytest"]\n'
POETRY_LEGACY = """\
[tool.poetry]
name = "app"
version = "0.1.0"
description = ""
authors = []
package-mode = false

[tool.poetry.dependencies]
python = "^3.12"
flask = ">=3"
gunicorn = "*"

[tool.poetry.group.dev.dependencies]
pytest = "*"
"""
PDM_LEGACY_DEV = '\n[tool.pdm]\ndistribution = false\n\n[tool.pdm.dev-dependencies]\nTest_Tools = ["pytest"]\n'


@pytest.fixture(scope="session")
def hash_tools() -> Path:
    """Poetry and PDM in a venv of their own, made once per machine (about 10 s from PyPI) and reused."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "deploycheck-tests"
    venv = cache / ("hashtools-" + "-".join(t.replace("==", "") for t in TOOLS))
    if (venv / "ok").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    python = shutil.which(f"python{TOOLS_PYTHON}") or next(
        str(p) for p in Path.home().glob(f".pyenv/versions/{TOOLS_PYTHON}*/bin/python")
    )
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    subprocess.run([str(venv / "bin/pip"), "install", "-q", *TOOLS], check=True, env=env, timeout=600)
    (venv / "ok").write_text("")
    return venv


@pytest.fixture(scope="session")
def hash_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("hash-index")
    build_index(INDEX, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


def _tool_env(venv: Path, index: str, home: Path) -> dict[str, str]:
    """Nothing of this machine's pip, Poetry or PDM configuration; the local index is the only source."""
    # Poetry locks with an interpreter its project admits: pyenv's, when the project excludes the tools' own.
    pythons = ":".join(str(p.parent) for p in sorted(Path.home().glob(".pyenv/versions/3.1[2-3]*/bin/python")))
    return {
        "PATH": f"{venv / 'bin'}:{pythons}:/usr/bin:/bin",
        "HOME": str(home),
        "PIP_CONFIG_FILE": os.devnull,
        "POETRY_CONFIG_DIR": str(home / "poetry-config"),
        "POETRY_CACHE_DIR": str(home / "poetry-cache"),
        "PDM_HOME": str(home / "pdm-home"),
        "PDM_CACHE_DIR": str(home / "pdm-cache"),
        "PDM_CHECK_UPDATE": "false",
        "PDM_PYPI_URL": index,
        "PDM_PYTHON": str(venv / "bin/python"),
    }


def _poetry_source(index: str) -> str:
    return f'\n[[tool.poetry.source]]\nname = "local"\nurl = "{index}"\npriority = "primary"\n'


class Tools:
    def __init__(self, venv: Path, index: str, home: Path) -> None:
        self.venv, self.index, self.env = venv, index, _tool_env(venv, index, home)
        self.made: dict[tuple[str, str], Path] = {}

    def run(self, folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
        tool = str(self.venv / "bin" / argv[0])
        return subprocess.run([tool, *argv[1:]], cwd=folder, env=self.env, capture_output=True, text=True, timeout=300)

    def locked(self, tool: str, pyproject: str) -> Path:
        """A folder with this pyproject.toml and the lock the real tool made of it (made once per session)."""
        key = (tool, pyproject)
        if key not in self.made:
            folder = Path(tempfile.mkdtemp(prefix=f"dc-{tool}-"))
            write(folder, {"pyproject.toml": pyproject})
            done = self.run(folder, tool, "lock", *(["-p", "."] if tool == "pdm" else []))
            assert done.returncode == 0, done.stdout + done.stderr
            shutil.rmtree(folder / ".venv", ignore_errors=True)
            self.made[key] = folder
        return self.made[key]

    def fresh(self, tool: str, folder: Path) -> bool:
        """The tool's own verdict: `poetry check --lock` / `pdm lock --check` (exit 1: stale)."""
        argv = ("poetry", "check", "--lock") if tool == "poetry" else ("pdm", "lock", "--check", "-p", ".")
        done = self.run(folder, *argv)
        assert done.returncode in (0, 1), done.stdout + done.stderr
        return done.returncode == 0


@pytest.fixture(scope="session")
def tools(hash_tools: Path, hash_index: str, tmp_path_factory: pytest.TempPathFactory) -> Tools:
    return Tools(hash_tools, hash_index, tmp_path_factory.mktemp("tool-home"))


def _app(tmp_path: Path, made: Path, files: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "app"
    folder.mkdir(parents=True)
    for name in ("pyproject.toml", "poetry.lock", "pdm.lock"):
        if (made / name).exists():
            shutil.copy(made / name, folder / name)
    return write(folder, files or {})


def _codes(report: dict) -> list[str]:
    return sorted(f["code"] for f in report["findings"])


def _finding(report: dict, code: str) -> dict:
    return next(f for f in report["findings"] if f["code"] == code)


def _native_fresh(folder: Path, lock_name: str) -> bool:
    pyproject = tomllib.loads((folder / "pyproject.toml").read_text())
    text = (folder / lock_name).read_text()
    data = tomllib.loads(text)
    if lock_name == "poetry.lock":
        return poetry.is_fresh(text, poetry.locked_hash(data) or "", pyproject)
    return pdm.is_fresh(pdm.locked_hash(data) or "", pyproject)


# Each case: (tool, pyproject as locked, the edit made afterwards without re-locking, fresh after the edit).
POETRY_CASES = {
    "in-sync": (PROJECT, None, True),
    "dev-group": (PROJECT + DEV_GROUP, None, True),
    "edited-not-relocked": (PROJECT, ('"gunicorn"]', '"gunicorn", "requests"]'), False),
    "description-edited": (PROJECT, ('version = "0.1.0"', 'version = "0.2.0"\ndescription = "x"'), True),
    "dev-group-edited": (PROJECT + DEV_GROUP, ('dev = ["pytest"]', 'dev = ["pytest", "requests"]'), False),
    "python-constraint-legacy": (POETRY_LEGACY, None, True),
    "legacy-python-edited": (POETRY_LEGACY, ('python = "^3.12"', 'python = "^3.11"'), False),
}
PDM_CASES = {
    "in-sync": (PROJECT + DEV_GROUP, None, True),
    "stale": (PROJECT + DEV_GROUP, ('"gunicorn"]', '"gunicorn", "requests"]'), False),
    "version-bumped": (PROJECT, ('version = "0.1.0"', 'version = "0.2.0"'), True),
    "legacy-dev-dependencies": (PROJECT + PDM_LEGACY_DEV, None, True),
    "requires-python-edited": (PROJECT, ('">=3.11"', '">=3.10"'), False),
}


def _made(tools: Tools, tool: str, case: tuple[str, tuple[str, str] | None, bool], tmp_path: Path) -> Path:
    pyproject, edit, _ = case
    if tool == "poetry":
        pyproject += _poetry_source(tools.index)
    folder = _app(tmp_path, tools.locked(tool, pyproject))
    if edit:
        path = folder / "pyproject.toml"
        assert edit[0] in path.read_text()
        path.write_text(path.read_text().replace(*edit))
    return folder


@pytest.mark.parametrize("name", POETRY_CASES)
def test_the_poetry_hash_agrees_with_poetry_check_lock(tools: Tools, tmp_path: Path, name: str) -> None:
    case = POETRY_CASES[name]
    folder = _made(tools, "poetry", case, tmp_path)
    assert tools.fresh("poetry", folder) is case[2]
    assert _native_fresh(folder, "poetry.lock") is case[2]


@pytest.mark.parametrize("name", PDM_CASES)
def test_the_pdm_hash_agrees_with_pdm_lock_check(tools: Tools, tmp_path: Path, name: str) -> None:
    case = PDM_CASES[name]
    folder = _made(tools, "pdm", case, tmp_path)
    assert tools.fresh("pdm", folder) is case[2]
    assert _native_fresh(folder, "pdm.lock") is case[2]


def test_the_issue_poetry_app_is_not_ready_for_its_undeclared_import(tools: Tools, tmp_path: Path) -> None:
    """Issue #16: `poetry lock`, Flask + gunicorn, app.py importing the undeclared requests: was "ready", exit 0."""
    folder = _app(tmp_path, tools.locked("poetry", PROJECT + _poetry_source(tools.index)))
    write(folder, {"app.py": "import flask\nimport requests\n", ".python-version": "3.11\n"})
    code, report = run_check(folder)
    assert code == 1
    missing = _finding(report, "DC501")
    assert missing["path"] == "app.py" and missing["line"] == 2 and "requests" in missing["message"]
    assert "poetry lock" in missing["fix"]
    assert "DC130" not in _codes(report)


def test_a_stale_poetry_lock_fails_with_the_relock_command(tools: Tools, tmp_path: Path) -> None:
    folder = _made(tools, "poetry", POETRY_CASES["edited-not-relocked"], tmp_path)
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--platform", "heroku")
    assert code == 1
    stale = _finding(report, "DC130")
    assert stale["path"] == "poetry.lock" and stale["severity"] == "error"
    assert "declares requests, which the lock does not install" in stale["message"]
    assert stale["fix"].startswith("`poetry lock`")


def test_only_the_main_group_is_the_installed_set(tools: Tools, tmp_path: Path) -> None:
    folder = _made(tools, "poetry", POETRY_CASES["dev-group"], tmp_path)
    lock = poetry.read((folder / "poetry.lock").read_bytes(), folder / "poetry.lock", "poetry.lock")
    assert set(lock.pins) == {"flask", "blinker", "itsdangerous", "gunicorn"}  # not pytest, not colorama
    assert lock.pins["flask"].via == ["pyproject.toml"] and lock.pins["blinker"].via == ["flask"]
    assert lock.pins["flask"].hashes and lock.indexes.urls == (tools.index.rstrip("/"),)
    text = (folder / "poetry.lock").read_text().splitlines()
    assert text[lock.pins["gunicorn"].line - 1] == 'name = "gunicorn"'


def test_the_default_group_is_pdms_installed_set(tools: Tools, tmp_path: Path) -> None:
    folder = _made(tools, "pdm", PDM_CASES["in-sync"], tmp_path)
    lock = pdm.read((folder / "pdm.lock").read_bytes(), folder / "pdm.lock", "pdm.lock")
    assert set(lock.pins) == {"flask", "blinker", "itsdangerous", "gunicorn"}
    assert lock.tool == "pdm" and lock.verify == tomllock.CONTENT_HASH


def test_a_python_constraint_that_excludes_the_deploy_is_dc209(tools: Tools, tmp_path: Path) -> None:
    folder = _made(tools, "poetry", POETRY_CASES["python-constraint-legacy"], tmp_path)
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--index-url", tools.index)
    assert code == 1 and "DC130" not in _codes(report)
    excluded = _finding(report, "DC209")
    assert "python = '^3.12'" in excluded["message"] and "excludes Python 3.11" in excluded["message"]


def test_a_stale_pdm_lock_fails_and_a_fresh_one_passes(tools: Tools, tmp_path: Path) -> None:
    stale = _made(tools, "pdm", PDM_CASES["stale"], tmp_path / "a")
    fresh = _made(tools, "pdm", PDM_CASES["in-sync"], tmp_path / "b")
    for folder in (stale, fresh):
        write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(stale, "--index-url", tools.index)
    assert code == 1 and _finding(report, "DC130")["fix"].startswith("`pdm lock --update-reuse`")
    code, report = run_check(fresh, "--index-url", tools.index)
    assert code == 0 and not {"DC130", "DC131", "DC132", "DC501"} & set(_codes(report))


def test_a_lock_without_its_pyproject_or_hash_is_reported(tools: Tools, tmp_path: Path) -> None:
    alone = _made(tools, "pdm", PDM_CASES["in-sync"], tmp_path / "a")
    (alone / "pyproject.toml").unlink()
    write(alone, {".python-version": "3.11\n"})
    code, report = run_check(alone, "--index-url", tools.index)
    assert code == 1 and "there is none beside it" in _finding(report, "DC132")["message"]
    unhashed = _made(tools, "pdm", PDM_CASES["in-sync"], tmp_path / "b")
    lock = unhashed / "pdm.lock"
    lock.write_text("".join(line for line in lock.read_text().splitlines(True) if "content_hash" not in line))
    write(unhashed, {".python-version": "3.11\n"})
    code, report = run_check(unhashed, "--index-url", tools.index)
    assert "DC130" not in _codes(report) and "no content hash" in _finding(report, "DC131")["message"]


def test_a_lock_that_is_not_toml_is_one_issue_with_its_line(tmp_path: Path) -> None:
    fmt = formats.claiming("poetry.lock")
    assert fmt is formats.POETRY_LOCK and formats.claiming("pdm.lock") is formats.PDM_LOCK
    lock = fmt.read(b'[[package]]\nname = "a"\nversion = \n', tmp_path / "poetry.lock", "poetry.lock")
    assert not lock.pins and lock.issues[0].line == 3 and "not valid TOML" in lock.issues[0].message
    assert fmt.read(b"\xff\xfe", tmp_path / "poetry.lock", "poetry.lock").issues[0].kind == "not-text"


@pytest.mark.parametrize(
    ("constraint", "version", "admits"),
    [
        ("^3.11", "3.10.0", False),
        ("^3.11", "3.13.1", True),
        ("~3.10", "3.11.0", False),
        (">=3.9 <3.12", "3.12.0", False),
        ("~3.10 || ^3.12", "3.13.0", True),
        ("3.11", "3.11.4", True),
        ("*", "3.14.0", True),
        ("^x", "3.11.0", None),
    ],
)
def test_poetry_python_constraints(constraint: str, version: str, admits: bool | None) -> None:
    assert poetry.python_admits(constraint, version) is admits


def _poetry_lockfile(report: dict) -> dict | None:
    return next((lk for lk in report["lockfiles"] if lk["path"].endswith("poetry.lock")), None)


def test_a_stale_poetry_lock_gets_the_diff_of_a_relock_that_keeps_its_versions(tools: Tools, tmp_path: Path) -> None:
    """Issue #16: `poetry lock` (the pinned Poetry, in the sandbox) on the copy; the deploy's installed set before
    and after, as requirements.txt drift shows it."""
    folder = _made(tools, "poetry", POETRY_CASES["edited-not-relocked"], tmp_path)
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--platform", "heroku")
    assert code == 1 and "DC130" in _codes(report)
    result = _poetry_lockfile(report)
    assert result is not None and result["status"] == "drift" and result["resolver"] == "Poetry 2.5.1"
    changes = {(c["name"], c["kind"], c["after"]) for c in result["changes"]}
    assert changes == {("requests", "added", "requests==2.32.0")}  # flask, gunicorn... kept as locked
    assert result["fix_command"] == "poetry lock" and not result["notes"]


def test_an_in_sync_poetry_lock_runs_no_relock(tools: Tools, tmp_path: Path) -> None:
    folder = _made(tools, "poetry", POETRY_CASES["in-sync"], tmp_path)
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--platform", "heroku")
    assert code == 0 and "DC130" not in _codes(report)
    assert _poetry_lockfile(report) is None  # no LockResult: `poetry lock` never ran


def test_a_relock_that_fails_keeps_dc130_and_says_why_there_is_no_diff(tools: Tools, tmp_path: Path) -> None:
    edit = ('"gunicorn"]', '"gunicorn", "not-on-the-index"]')
    folder = _made(tools, "poetry", (PROJECT, edit, False), tmp_path)
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--platform", "heroku")
    assert code == 1 and "DC130" in _codes(report)  # the verdict's exit code, not "could not check"
    result = _poetry_lockfile(report)
    assert result is not None and result["status"] == "drift" and not result["changes"]
    assert result["notes"][0].startswith("the diff was not made: `poetry lock` failed")
    assert "not-on-the-index" in result["notes"][0]


def test_with_only_binary_a_stale_poetry_lock_is_not_relocked(tools: Tools, tmp_path: Path) -> None:
    folder = _made(tools, "poetry", POETRY_CASES["edited-not-relocked"], tmp_path)
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--platform", "heroku", "--only-binary")
    assert code == 1 and "DC130" in _codes(report)
    result = _poetry_lockfile(report)
    assert result is not None and not result["changes"] and "only-binary" in result["notes"][0]


def test_a_project_that_excludes_the_deploys_python_is_relocked_with_one_it_admits(
    tools: Tools, tmp_path: Path
) -> None:
    """Poetry refuses to lock with a Python the project excludes: the newest one here that it admits locks."""
    edit = ('gunicorn = "*"', 'gunicorn = "*"\nrequests = "*"')
    folder = _made(tools, "poetry", (POETRY_LEGACY, edit, False), tmp_path)  # python = "^3.12"
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--platform", "heroku")
    assert code == 1 and {"DC130", "DC209"} <= set(_codes(report))
    result = _poetry_lockfile(report)
    assert result is not None and not result["notes"] and "(3.1" in result["interpreter"]
    assert "(3.11" not in result["interpreter"]
    assert [(c["name"], c["kind"]) for c in result["changes"]] == [("requests", "added")]


def test_a_path_dependency_outside_the_repository_is_not_relocked(tools: Tools, tmp_path: Path) -> None:
    folder = _made(tools, "poetry", POETRY_CASES["edited-not-relocked"], tmp_path / "repo")
    (tmp_path / "repo" / ".git").mkdir()
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.poetry.dependencies]\nlib = {path = "../../lib"}\n')
    write(folder, {"app.py": "import flask\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--platform", "heroku")
    assert code == 1 and "DC130" in _codes(report)
    result = _poetry_lockfile(report)
    assert result is not None and "a path outside the repository" in result["notes"][0]
