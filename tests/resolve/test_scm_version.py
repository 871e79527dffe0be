"""setuptools-scm projects (#17 class 15): a lock compiled from the project's own pyproject.toml or setup.py,
whose version comes from git tags. pip-compile and uv read static `[project] dependencies` without a build, so
the cases here are the ones that build: dynamic dependencies, and setup.py. The workspace copy has no .git
(never copied), so the build is given a version the way setuptools-scm documents for builds without one
(SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<NAME>), and only for the project itself: a dependency's sdist keeps its own.

The build backend is real: setuptools, setuptools-scm and their dependencies are the published wheels
(tests/data/wheels), served with the usual test distributions by a local index of this file's own."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import UNIVERSE, interp, pip_compile, run_check, uv_compile, write
from packaging.utils import canonicalize_name
from pkgindex import IndexServer, build_index, publish_wheel

from deploycheck.resolve import resolver

WHEELS = Path(__file__).parents[1] / "data" / "wheels"


@pytest.fixture(scope="module")
def scm_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("scm-index")
    real = {canonicalize_name(w.name.split("-")[0]) for w in WHEELS.glob("*.whl")}
    build_index([d for d in UNIVERSE if canonicalize_name(d.name) not in real], root)
    for wheel in sorted(WHEELS.glob("*.whl")):
        publish_wheel(wheel, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "Scm.App"
dynamic = ["version", "dependencies"]

[tool.setuptools.dynamic]
dependencies = {file = ["deps.in"]}

[tool.setuptools_scm]
"""

SETUP_PY = """\
from setuptools import setup

setup(
    name="legacy-scm-app",
    use_scm_version=True,
    setup_requires=["setuptools-scm"],
    py_modules=["app"],
    install_requires=["webapp-core"],
)
"""


GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]


def scm_project(tmp_path: Path, files: dict[str, str]) -> Path:
    """The repository as its author has it: committed and tagged, which is where the version comes from."""
    folder = write(tmp_path / "author", {"app.py": "import webapp_core\n", ".python-version": "3.11\n", **files})
    folder.joinpath(".gitignore").write_text("*.egg-info/\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "app"], ["tag", "v1.4.0"]):
        subprocess.run([*GIT, *args], cwd=folder, check=True, capture_output=True)
    return folder


def checkout(author: Path) -> Path:
    """What the action sees: a clone, without the author's build leftovers (the .egg-info a compile writes holds
    the version, and hid the failure)."""
    subprocess.run([*GIT, "add", "-A"], cwd=author, check=True, capture_output=True)
    subprocess.run([*GIT, "commit", "-qm", "lock"], cwd=author, check=True, capture_output=True)
    clone = author.parent / "app"
    subprocess.run([*GIT, "clone", "-q", str(author), str(clone)], check=True, capture_output=True)
    return clone


@pytest.mark.parametrize("tool", ["pip-compile", "uv"])
def test_a_lock_compiled_from_a_setuptools_scm_pyproject_is_checked(tmp_path, scm_index, tool):
    folder = scm_project(tmp_path, {"pyproject.toml": PYPROJECT, "deps.in": "webapp-core\n"})
    if tool == "pip-compile":
        pip_compile(folder, "3.11", "pyproject.toml", index_url=scm_index)
    else:
        uv_compile(folder, "3.11", "pyproject.toml", "-o", "requirements.txt", index_url=scm_index)
    assert "webapp-core==2.0" in (folder / "requirements.txt").read_text()
    code, report = run_check(checkout(folder), "--index-url", scm_index)
    (lock,) = report["lockfiles"]
    assert lock["error"] is None, lock["error"]
    assert code == 0 and lock["status"] == "in-sync", lock


def test_stale_setuptools_scm_lock_is_drift(tmp_path, scm_index):
    folder = scm_project(tmp_path, {"pyproject.toml": PYPROJECT, "deps.in": "webapp-core\n"})
    pip_compile(folder, "3.11", "pyproject.toml", index_url=scm_index)
    (folder / "deps.in").write_text("webapp-core\nfancy\n")
    code, report = run_check(checkout(folder), "--index-url", scm_index)
    (lock,) = report["lockfiles"]
    assert code == 1 and lock["status"] == "drift", lock
    assert [c["name"] for c in lock["changes"]] == ["fancy"]


def test_a_setup_py_with_use_scm_version(tmp_path, scm_index):
    folder = scm_project(tmp_path, {"setup.py": SETUP_PY})
    pip_compile(folder, "3.11", "setup.py", index_url=scm_index)
    code, report = run_check(checkout(folder), "--index-url", scm_index)
    (lock,) = report["lockfiles"]
    assert code == 0 and lock["status"] == "in-sync", lock


def test_the_note_names_the_variable(tmp_path, scm_index):
    folder = scm_project(tmp_path, {"setup.py": SETUP_PY})
    pip_compile(folder, "3.11", "setup.py", index_url=scm_index)
    _, report = run_check(checkout(folder), "--index-url", scm_index)
    (lock,) = report["lockfiles"]
    assert any("SETUPTOOLS_SCM_PRETEND_VERSION_FOR_LEGACY_SCM_APP" in note for note in lock["notes"]), lock["notes"]


@pytest.mark.parametrize(
    ("files", "env"),
    [
        # The per-distribution variable only: a dependency's sdist built with setuptools-scm keeps its version.
        ({"pyproject.toml": PYPROJECT}, {"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_SCM_APP": "0.0.0"}),
        ({"setup.py": SETUP_PY}, {"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_LEGACY_SCM_APP": "0.0.0"}),
        (
            {
                "setup.py": "from setuptools import setup\nsetup(use_scm_version=True)\n",
                "setup.cfg": "[metadata]\nname = cfg.app\n",
            },
            {"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_CFG_APP": "0.0.0"},
        ),
        # hatch-vcs does not pass the name to setuptools-scm: only the generic variable reaches it.
        (
            {
                "pyproject.toml": '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
                'build-backend = "hatchling.build"\n[project]\nname = "hv"\ndynamic = ["version"]\n'
                '[tool.hatch.version]\nsource = "vcs"\n'
            },
            {"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_HV": "0.0.0", "SETUPTOOLS_SCM_PRETEND_VERSION": "0.0.0"},
        ),
        # No name to read: the generic one.
        (
            {"setup.py": "import setuptools\nsetuptools.setup(use_scm_version=True)\n"},
            {"SETUPTOOLS_SCM_PRETEND_VERSION": "0.0.0"},
        ),
        # Versioned otherwise: nothing.
        ({"pyproject.toml": '[project]\nname = "plain"\nversion = "1.0"\n'}, {}),
        ({"setup.py": "from setuptools import setup\nsetup(name='x', version='1.0')\n"}, {}),
        # A name that is no distribution name never becomes a variable's name.
        (
            {"pyproject.toml": '[project]\nname = "a b=c"\n[tool.setuptools_scm]\n'},
            {"SETUPTOOLS_SCM_PRETEND_VERSION": "0.0.0"},
        ),
        ({"pyproject.toml": "[tool.setuptools_scm\n"}, {}),  # unreadable: the build says what is wrong
    ],
)
def test_which_variables(tmp_path, files, env):
    from deploycheck.resolve import scmversion

    assert scmversion.project_env(write(tmp_path, files)) == env


def test_a_uv_project_versioned_from_git(tmp_path, scm_index):
    """uv.lock of a setuptools-scm project with dynamic dependencies: `uv lock --locked` builds it too."""
    uv_index = f'\n[[tool.uv.index]]\nurl = "{scm_index}"\ndefault = true\n'
    folder = scm_project(tmp_path, {"pyproject.toml": PYPROJECT + uv_index, "deps.in": "webapp-core\n"})
    env = resolver.clean_env()
    env.pop("UV_NO_CONFIG")  # the project's [tool.uv] index is read, as a user's uv reads it
    argv = [resolver.uv_binary(), "lock", "--python", interp("3.11").path]
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    code, report = run_check(checkout(folder), "--ignore", "DC4,DC5")
    (lock,) = [r for r in report["lockfiles"] if r["path"] == "uv.lock"]
    assert lock["error"] is None and lock["status"] == "in-sync", lock
    assert code == 0


def test_an_editable_install_of_the_project_in_requirements_in(tmp_path, scm_index):
    """`-e .` in requirements.in: the project is built as a local requirement of the .in file."""
    folder = scm_project(tmp_path, {"setup.py": SETUP_PY, "requirements.in": "-e .\n"})
    pip_compile(folder, "3.11", "requirements.in", index_url=scm_index)
    assert "webapp-core==2.0" in (folder / "requirements.txt").read_text()
    code, report = run_check(checkout(folder), "--index-url", scm_index)
    (lock,) = report["lockfiles"]
    assert lock["error"] is None, lock["error"]
    assert code == 0 and lock["status"] == "in-sync", lock
