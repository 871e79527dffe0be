"""DC302-DC303: the dependency file the platform installs from, on real folder layouts."""

from __future__ import annotations

import os

import pytest
from conftest import run_check, write

UV_LOCK = 'version = 1\nrequires-python = ">=3.12"\n'


def found(report: dict, code: str) -> list[str]:
    return sorted(f["path"] for f in report["findings"] if f["code"] == code)


@pytest.mark.parametrize(
    ("files", "hidden"),
    [
        # Streamlit Community Cloud: a stray uv.lock hides requirements.txt.
        (
            {".streamlit/config.toml": "[theme]\n", "requirements.txt": "streamlit==1.40.0\n", "uv.lock": UV_LOCK},
            "requirements.txt",
        ),
        # Railway: the reverse, requirements.txt hides uv.lock.
        ({"railway.json": "{}", "requirements.txt": "flask==3.0.0\n", "uv.lock": UV_LOCK}, "uv.lock"),
        # Render: uv.lock first.
        (
            {"render.yaml": "services: []\n", "requirements.txt": "flask==3.0.0\n", "uv.lock": UV_LOCK},
            "requirements.txt",
        ),
    ],
)
def test_a_hidden_file_is_a_warning_naming_the_one_installed(tmp_path, files, hidden):
    folder = write(tmp_path / "app", {".python-version": "3.12\n", **files})
    code, report = run_check(folder, "--select", "DC302")
    assert found(report, "DC302") == [hidden] and code == 0  # a warning
    (finding,) = report["findings"]
    installed = ({"uv.lock", "requirements.txt"} - {hidden}).pop()
    assert f"installs from {installed}" in finding["message"] and "delete" in finding["fix"]


@pytest.mark.parametrize(
    "files",
    [
        {".streamlit/config.toml": "[theme]\n", "requirements.txt": "streamlit==1.40.0\n"},
        # pyproject.toml for tools beside requirements.txt: never called hidden
        {
            ".streamlit/config.toml": "",
            "requirements.txt": "x==1\n",
            "pyproject.toml": '[project]\nname="a"\ndependencies=["x"]\n',
        },
        # a uv.lock of another app in the repository root does not hide the subfolder app's file
        {
            "uv.lock": UV_LOCK,
            "pyproject.toml": '[project]\nname="a"\ndependencies=[]\n',
            "dash/requirements.txt": "streamlit==1.40.0\n",
        },
        # Docker installs whatever its Dockerfile says
        {"Dockerfile": "FROM python:3.12-slim\n", "requirements.txt": "x==1\n", "uv.lock": UV_LOCK},
    ],
)
def test_one_file_or_unrelated_files_do_not_fire(tmp_path, files):
    folder = write(tmp_path / "app", {".python-version": "3.12\n", **files})
    code, report = run_check(folder, "--select", "DC302,DC303")
    assert (code, report["findings"]) == (0, [])


def test_heroku_refuses_several_package_managers(tmp_path):
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn app:app\n",
            "requirements.txt": "flask==3.0.0\n",
            "poetry.lock": "",
            ".python-version": "3.12\n",
        },
    )
    # A Procfile alone may be Railway's too (#17.8): the platform is set, as a Heroku user's workflow would.
    code, report = run_check(folder, "--select", "DC303", "--platform", "heroku")
    assert code == 1 and found(report, "DC303") == ["poetry.lock"]
    assert "requirements.txt (pip), poetry.lock (Poetry)" in report["findings"][0]["message"]


def test_heroku_uv_needs_python_version_and_refuses_runtime_txt(tmp_path):
    folder = write(tmp_path / "app", {"Procfile": "web: gunicorn app:app\n", "uv.lock": UV_LOCK, "pyproject.toml": ""})
    _, report = run_check(folder, "--select", "DC303")
    assert found(report, "DC303") == ["uv.lock"] and ".python-version" in report["findings"][0]["message"]
    write(folder, {"runtime.txt": "python-3.12\n", ".python-version": "3.12\n"})
    _, report = run_check(folder, "--select", "DC303,DC207")
    assert [(f["code"], f["path"]) for f in report["findings"]] == [("DC303", "runtime.txt")]  # no DC207 twice over
    (folder / "runtime.txt").unlink()
    assert run_check(folder, "--select", "DC303")[1]["findings"] == []


def test_app_engine_refuses_a_pipfile(tmp_path):
    folder = write(
        tmp_path / "app",
        {"app.yaml": "runtime: python312\n", "requirements.txt": "flask==3.0.0\n", "Pipfile": "[packages]\n"},
    )
    code, report = run_check(folder, "--select", "DC303")
    assert code == 1 and found(report, "DC303") == ["Pipfile"]


def test_odd_entries_are_names_only(tmp_path):
    # A directory named uv.lock, a FIFO, a symlink out of the repository: listed by name, never read.
    outside = tmp_path / "outside"
    outside.write_text("secret\n")
    folder = write(tmp_path / "app", {".streamlit/config.toml": "", "requirements.txt": "streamlit==1.40.0\n"})
    (folder / "uv.lock").symlink_to(outside)
    os.mkfifo(folder / "Pipfile")
    code, report = run_check(folder, "--select", "DC302")
    assert found(report, "DC302") == ["Pipfile", "requirements.txt"] and code == 0
    assert "secret" not in str(report)


def test_the_drift_result_says_the_platform_installs_another_file(app, index):
    folder = app("3.11", files={".streamlit/config.toml": "", "uv.lock": UV_LOCK})
    _, report = run_check(folder, "--index-url", index, "--select", "DC1,DC302")
    (lock,) = [lock for lock in report["lockfiles"] if lock["path"] == "requirements.txt"]
    assert any("installs uv.lock, not this file" in note for note in lock["notes"])
    assert found(report, "DC302") == ["requirements.txt"]
    # The stray uv.lock has no project beside it: the platform's `uv sync` fails there too.
    assert found(report, "DC127") == ["uv.lock"]
