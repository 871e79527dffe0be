"""Pipfile.lock, Pipfile and environment.yml (issue #16 parts 2 and 4), Hugging Face Spaces and Vercel.

The Pipenv fixtures are made by the real pipenv (pinned below, installed once into a venv of its own)
against a local index; deploycheck's native hash must equal what pipenv wrote. conda cannot run here (its
channels are unreachable), so environment.yml is written as `conda env export` writes it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_check, write
from pkgindex import Dist, IndexServer, build_index

from deploycheck.locks import formats, pipfile

PIPENV = "2026.10.3"
DISTS = [
    Dist("fastapi", "0.110.0", ["starlette>=0.36"]),
    Dist("starlette", "0.36.0"),
    Dist("Six_Pack", "1.0", modules={"six_pack/__init__.py": ""}),
    Dist("uvicorn", "0.29.0"),
    Dist("streamlit", "1.40.0", ["altair>=5"]),
    Dist("altair", "5.0.0"),
    Dist("torch", "2.5.0"),
]


@pytest.fixture(scope="module")
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("pipenv-index")
    build_index(DISTS, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple"


@pytest.fixture(scope="session")
def pipenv_bin() -> Path:
    """pipenv PIPENV in a venv of its own, made once and kept (the tests' own tool cache)."""
    home = Path(tempfile.gettempdir()) / f"deploycheck-tests-pipenv-{PIPENV}"
    exe = home / "bin" / "pipenv"
    if not exe.exists():
        venv.create(home, with_pip=True)
        env = dict(os.environ, PIP_CONFIG_FILE="/dev/null")
        done = subprocess.run(
            [str(home / "bin" / "python"), "-m", "pip", "install", "-q", f"pipenv=={PIPENV}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            pytest.skip(f"pipenv {PIPENV} could not be installed: {done.stderr[-300:]}")
    return exe


def pipenv_lock(pipenv_bin: Path, folder: Path) -> dict:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder.parent / "home"),
        "PIP_CONFIG_FILE": "/dev/null",
        "PIPENV_VENV_IN_PROJECT": "1",
        "PIPENV_YES": "1",
        "PIPENV_NOSPIN": "1",
        "PIPENV_IGNORE_VIRTUALENVS": "1",
    }
    done = subprocess.run(
        [str(pipenv_bin), "lock", "--python", sys.executable],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    subprocess.run(["rm", "-rf", str(folder / ".venv")], check=True)
    return json.loads((folder / "Pipfile.lock").read_text())


def pipfile_text(index: str, packages: str, python: str = "3.11") -> str:
    return (
        f'[[source]]\nurl = "{index}"\nverify_ssl = false\nname = "local"\n\n[packages]\n{packages}\n'
        f'[dev-packages]\n\n[requires]\npython_version = "{python}"\n'
    )


def codes(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["code"], []).append(finding)
    return found


@pytest.fixture(scope="module")
def pipenv_app(tmp_path_factory: pytest.TempPathFactory, pipenv_bin: Path, local_index: str) -> Path:
    """The issue's Pipenv app: `pipenv lock`, FastAPI, main.py importing the undeclared numpy."""
    folder = tmp_path_factory.mktemp("pipenv") / "app"
    write(folder, {"Pipfile": pipfile_text(local_index, 'fastapi = "*"\nSix_Pack = ">=1.0"\n')})
    pipenv_lock(pipenv_bin, folder)
    write(folder, {"main.py": "import fastapi\nimport six_pack\nimport numpy\n", ".python-version": "3.11\n"})
    return folder


def test_native_hash_is_what_the_real_pipenv_writes(pipenv_app: Path) -> None:
    import tomllib

    locked = json.loads((pipenv_app / "Pipfile.lock").read_text())["_meta"]["hash"]["sha256"]
    parsed = tomllib.loads((pipenv_app / "Pipfile").read_text())
    assert pipfile.content_hash(parsed) == locked
    assert pipfile.content_hash(parsed, canonical=False) != locked  # Six_Pack: names are normalised since 2026.4


def test_pipfile_lock_reads_default_pins_with_hashes_and_python(pipenv_app: Path) -> None:
    raw = (pipenv_app / "Pipfile.lock").read_bytes()
    lock = formats.claiming("Pipfile.lock").read(raw, pipenv_app / "Pipfile.lock", "Pipfile.lock")  # type: ignore[union-attr]
    assert set(lock.pins) == {"fastapi", "starlette", "six-pack"}
    assert lock.pins["fastapi"].version == "0.110.0" and lock.pins["fastapi"].hashes
    assert lock.python == "3.11" and lock.pins["fastapi"].line > 1
    assert lock.indexes.urls and lock.indexes.urls[0].startswith("http://127.0.0.1")


def test_pipenv_app_is_not_ready_with_its_undeclared_import(pipenv_app: Path, local_index: str) -> None:
    code, report = run_check(pipenv_app, "--platform", "heroku", "--index-url", local_index + "/")
    found = codes(report)
    assert code == 1
    assert [f["message"] for f in found["DC501"]] and "numpy" in found["DC501"][0]["message"]
    assert all("fastapi" not in f["message"] and "six_pack" not in f["message"] for f in found["DC501"])
    assert "DC140" not in found and "DC210" not in found


def test_edited_pipfile_is_stale(pipenv_app: Path, tmp_path: Path, local_index: str) -> None:
    folder = tmp_path / "app"
    subprocess.run(["cp", "-r", str(pipenv_app), str(folder)], check=True)
    (folder / "Pipfile").write_text(
        (folder / "Pipfile").read_text().replace('fastapi = "*"', 'fastapi = "*"\nuvicorn = "*"')
    )
    code, report = run_check(folder, "--platform", "heroku", "--index-url", local_index + "/", "--select", "DC1")
    found = codes(report)
    assert code == 1 and len(found["DC140"]) == 1 and found["DC140"][0]["path"] == "Pipfile.lock"


def test_python_version_mismatch(tmp_path: Path, pipenv_bin: Path, local_index: str) -> None:
    folder = tmp_path / "app"
    write(folder, {"Pipfile": pipfile_text(local_index, 'fastapi = "*"\n', python="3.10")})
    pipenv_lock(pipenv_bin, folder)
    write(folder, {".python-version": "3.12\n", "main.py": "import fastapi\n"})
    code, report = run_check(folder, "--platform", "heroku", "--index-url", local_index + "/", "--select", "DC1,DC210")
    found = codes(report)
    assert code == 1 and "DC140" not in found
    assert {f["path"] for f in found["DC210"]} == {"Pipfile.lock"} and "3.10" in found["DC210"][0]["message"]
    # The fix names the recommended 3.12 (declared, offered, maintained) once: `pipenv lock` rewrites both files.
    fix = found["DC210"][0]["fix"]
    assert fix == 'set [requires] python_version = "3.12" in Pipfile and run `pipenv lock`', fix


ENVIRONMENT = """name: app
channels:
  - conda-forge
dependencies:
  - python=3.11
  - streamlit=1.40.0
  - pip
  - pip:
    - altair==5.0.0
    - mkl-fft @ file:///croot/mkl_fft_1695058164594/work
    - pytorch==2.5.0
prefix: /home/me/miniconda3/envs/app
"""


def test_conda_app_is_not_ready_with_its_undeclared_import(tmp_path: Path, local_index: str) -> None:
    folder = write(
        tmp_path / "app",
        {"environment.yml": ENVIRONMENT, "streamlit_app.py": "import streamlit\nimport altair\nimport plotly\n"},
    )
    code, report = run_check(folder, "--index-url", local_index + "/")
    found = codes(report)
    assert code == 1
    assert report["apps"][0]["runtime"]["python"] == "3.11"
    assert "plotly" in found["DC501"][0]["message"] and len(found["DC501"]) == 1  # streamlit: a conda package
    assert [(f["path"], f["line"]) for f in found["DC355"]] == [("environment.yml", 10)]
    assert [(f["line"], "torch" in f["message"]) for f in found["DC356"]] == [(11, True)]
    assert [f["line"] for f in found["DC357"]] == [12]
    assert "streamlit=1.40.0" in found["DC358"][0]["message"]


def test_croot_path_in_requirements_txt(tmp_path: Path) -> None:
    # A path on the machine that made the file: DC355 at its line (not DC106: nothing of the repository reaches
    # out), and the path is never read nor the file compiled (no "unlocked" result for it).
    folder = write(tmp_path / "app", {"requirements.txt": "six==1.0\nmkl-fft @ file:///croot/mkl_fft_1/work\n"})
    code, report = run_check(folder, "--select", "DC106,DC355,DC11")
    found = codes(report)
    assert code == 1 and [(f["path"], f["line"]) for f in found["DC355"]] == [("requirements.txt", 2)]
    assert "conda" in found["DC355"][0]["message"] and "DC106" not in found
    assert not report["lockfiles"]


def test_croot_path_in_a_compiled_lock_is_dc355_and_its_drift_is_not_checked(tmp_path: Path) -> None:
    header = "#\n# This file is autogenerated by pip-compile with Python 3.11\n#\n#    pip-compile\n#\n"
    folder = write(
        tmp_path / "app",
        {
            "requirements.in": "six\nmkl-fft @ file:///croot/mkl_fft_1/work\n",
            "requirements.txt": header + "mkl-fft @ file:///croot/mkl_fft_1/work\n    # via -r requirements.in\n"
            "six==1.0\n    # via -r requirements.in\n",
            ".python-version": "3.11\n",
        },
    )
    code, report = run_check(folder, "--select", "DC1,DC355")
    found = codes(report)
    assert code == 1 and [(f["path"], f["line"]) for f in found["DC355"]] == [("requirements.txt", 6)]
    assert "DC106" not in found
    (lock,) = report["lockfiles"]
    assert lock["status"] == "error" and "absolute path on another machine" in lock["error"]["message"]


def test_a_relative_path_out_of_the_repository_is_still_dc106(tmp_path: Path) -> None:
    folder = write(tmp_path / "repo" / "app", {"requirements.txt": "six==1.0\nx @ file:../../outside\n"})
    (tmp_path / "repo" / ".git").mkdir()
    code, report = run_check(folder, "--select", "DC106,DC355")
    assert code == 1 and [(f["path"], f["line"]) for f in codes(report)["DC106"]] == [("requirements.txt", 2)]


def test_local_path_check_reads_every_requirements_lock(tmp_path: Path) -> None:
    from deploycheck.checks import local_paths
    from deploycheck.locks.requirements import lock as requirements

    text = "six==1.0\nmkl-fft @ file:///croot/mkl_fft_1/work\n./local\nx @ https://example.org/x.whl\n"
    plain = requirements.from_text(text, tmp_path / "requirements.txt", "requirements.txt")

    class FakeApp:  # the check reads only requirement_files()
        def requirement_files(self) -> list:
            return [plain]

    from types import SimpleNamespace

    # The project's apps and the files the scan set aside; the same file twice is reported once.
    project = SimpleNamespace(apps=[FakeApp()], foreign=[plain])
    found = local_paths.check(project, None)  # type: ignore[arg-type]
    assert [(f.path, f.line) for f in found] == [("requirements.txt", 2)] and "conda" in found[0].message


SPACE = """---
title: Demo
sdk: gradio
sdk_version: 4.44.0
python_version: 3.11
app_file: app.py
---
# Demo
"""


def test_space_front_matter_python_and_missing_app_file(tmp_path: Path) -> None:
    folder = write(tmp_path / "app", {"README.md": SPACE, "requirements.txt": "six==1.0\n", "main.py": ""})
    code, report = run_check(folder, "--select", "DC315")
    found = codes(report)
    assert report["apps"][0]["runtime"]["platform"] == "hf-spaces"
    assert report["apps"][0]["runtime"]["python"] == "3.11"
    assert code == 1 and [f["line"] for f in found["DC315"]] == [6]
    (folder / "app.py").write_text("")
    code, report = run_check(folder, "--select", "DC315")
    assert code == 0 and "DC315" not in codes(report)


def test_space_sdk_version_against_the_sdk_pinned_in_requirements(tmp_path: Path) -> None:
    folder = write(tmp_path / "app", {"README.md": SPACE, "requirements.txt": "gradio==5.9.1\n", "app.py": ""})
    _, report = run_check(folder, "--select", "DC319")
    (finding,) = codes(report)["DC319"]
    assert finding["line"] == 4 and "gradio==5.9.1" in finding["message"] and "4.44.0" in finding["message"]
    (folder / "requirements.txt").write_text("gradio==4.44.0\nsix==1.0\n")
    _, report = run_check(folder, "--select", "DC319")
    assert "DC319" not in codes(report)
    # A line per range of Pythons (uv --universal): the Space's 3.11 installs the second one.
    per_python = "gradio==4.0.0 ; python_version < '3.10'\ngradio==4.44.0 ; python_version >= '3.10'\n"
    (folder / "requirements.txt").write_text(per_python)
    _, report = run_check(folder, "--select", "DC319")
    assert "DC319" not in codes(report)
    (folder / "requirements.txt").write_text(per_python.replace("4.44.0", "5.0.0"))
    _, report = run_check(folder, "--select", "DC319")
    assert "gradio==5.0.0" in codes(report)["DC319"][0]["message"]


def test_space_without_python_version_gets_the_default(tmp_path: Path) -> None:
    folder = write(tmp_path / "app", {"README.md": SPACE.replace("python_version: 3.11\n", ""), "app.py": ""})
    (folder / "requirements.txt").write_text("six==1.0\n")
    _, report = run_check(folder, "--select", "DC315")
    assert report["apps"][0]["runtime"]["python"] == "3.10"
    _, report = run_check(folder, "--select", "DC205")  # 3.10's end of life: what Spaces offers, no other
    (eol,) = codes(report)["DC205"]
    assert "end of life" in eol["message"] and "Vercel" not in eol["message"] and "Heroku" not in eol["message"]


def test_vercel_is_detected_and_reads_pipfile_lock_python(tmp_path: Path) -> None:
    lock = {"_meta": {"hash": {"sha256": "0" * 64}, "requires": {"python_version": "3.13"}}, "default": {}}
    folder = write(
        tmp_path / "app", {"vercel.json": "{}", "Pipfile.lock": json.dumps(lock, indent=4), "api/index.py": ""}
    )
    _, report = run_check(folder, "--select", "DC2")
    assert report["apps"][0]["runtime"]["platform"] == "vercel"
    assert report["apps"][0]["runtime"]["python"] == "3.13"


def test_the_spaces_and_vercel_checks_follow_the_platform_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DC315 and DC318 ask the table (front_matter_config, ignored_locks), never a platform id."""
    import dataclasses

    from deploycheck.runtime import platforms

    folder = write(
        tmp_path / "app",
        {"render.yaml": "services: []\n", "README.md": SPACE, "requirements.txt": "six==1.0\n", "poetry.lock": ""},
    )
    write(folder, {".python-version": "3.11\n"})
    _, report = run_check(folder, "--platform", "render", "--select", "DC315,DC318")
    assert report["findings"] == []
    render = dataclasses.replace(platforms.get("render"), front_matter_config=True, ignored_locks=("poetry.lock",))
    monkeypatch.setitem(platforms.PLATFORMS, "render", render)
    _, report = run_check(folder, "--platform", "render", "--select", "DC315,DC318")
    found = codes(report)
    assert [f["line"] for f in found["DC315"]] == [6] and found["DC318"][0]["path"] == "poetry.lock"
    assert "Render ignores poetry.lock" in found["DC318"][0]["message"]
