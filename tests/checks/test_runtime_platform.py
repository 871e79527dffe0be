"""DC206-DC207, and the Dockerfile FROM that disagrees with the declared version (reported as DC201)."""

from __future__ import annotations

import pytest
from conftest import run_check, write

HEROKU = {"Procfile": "web: gunicorn app:app\n", "app.py": "", "requirements.txt": "flask==3.0.0\n"}
STREAMLIT = {".streamlit/config.toml": "", "requirements.txt": "streamlit==1.40.0\n"}


def codes(report: dict) -> list[tuple[str, str, int | None]]:
    return [(f["code"], f["path"], f["line"]) for f in report["findings"]]


@pytest.mark.parametrize(
    ("files", "where"),
    [
        ({**HEROKU, ".python-version": "3.9\n"}, ".python-version"),  # removed by Heroku in 2026-01
        ({**HEROKU, ".python-version": "3.15\n"}, ".python-version"),  # a release Heroku does not offer yet
        ({"app.yaml": "runtime: python39\n", "requirements.txt": "flask==3.0.0\n"}, "app.yaml"),
        ({**STREAMLIT, ".python-version": "3.9\n"}, ".python-version"),  # the deploy dialog has no 3.9
    ],
)
def test_a_version_the_platform_does_not_install_is_an_error(tmp_path, files, where):
    folder = write(tmp_path / "app", files)
    code, report = run_check(folder, "--select", "DC206")
    assert code == 1 and [(c, p) for c, p, _ in codes(report)] == [("DC206", where)]
    assert "does not install Python 3." in report["findings"][0]["message"]


@pytest.mark.parametrize(
    "files",
    [
        {**HEROKU, ".python-version": "3.12\n"},
        {**HEROKU},  # nothing declared: the platform's default is offered by definition
        {"Dockerfile": "FROM python:3.9-slim\n", "requirements.txt": "flask==3.0.0\n"},  # images: any version
        {"requirements.txt": "flask==3.0.0\n", ".python-version": "3.8\n"},  # unknown platform: DC205's alone
    ],
)
def test_offered_or_unknown_does_not_fire(tmp_path, files):
    folder = write(tmp_path / "app", files)
    assert run_check(folder, "--select", "DC206")[1]["findings"] == []


def test_python_version_setting_wins_and_silences(tmp_path):
    folder = write(tmp_path / "app", {**HEROKU, ".python-version": "3.9\n"})
    assert run_check(folder, "--select", "DC206,DC207", "--python-version", "3.12")[1]["findings"] == []


def test_runtime_txt_on_streamlit_is_ignored(tmp_path):
    folder = write(tmp_path / "app", {**STREAMLIT, "runtime.txt": "python-3.11\n"})
    code, report = run_check(folder, "--select", "DC207")
    assert codes(report) == [("DC207", "runtime.txt", 1)] and code == 0
    assert "deploy dialog" in report["findings"][0]["message"]


def test_runtime_txt_on_heroku_is_deprecated(tmp_path):
    folder = write(tmp_path / "app", {**HEROKU, "runtime.txt": "python-3.12.7\n"})
    _, report = run_check(folder, "--select", "DC207")
    (finding,) = report["findings"]
    assert "deprecated" in finding["message"] and "echo 3.12 > .python-version" in finding["fix"]


def test_runtime_txt_a_docker_build_ignores(tmp_path):
    folder = write(
        tmp_path / "app",
        {"Dockerfile": "FROM python:3.12-slim\n", "requirements.txt": "x==1\n", "runtime.txt": "python-3.8\n"},
    )
    _, report = run_check(folder, "--select", "DC207")
    assert codes(report) == [("DC207", "runtime.txt", 1)]
    assert "runs Python 3.12 (Dockerfile)" in report["findings"][0]["message"]
    write(folder, {"runtime.txt": "python-3.12\n"})  # ignored, but says what the image runs: harmless
    assert run_check(folder, "--select", "DC207")[1]["findings"] == []


@pytest.mark.parametrize("platform", ["railway", "generic"])
def test_runtime_txt_where_it_is_read_or_nothing_is_known(tmp_path, platform):
    folder = write(tmp_path / "app", {"requirements.txt": "x==1\n", "runtime.txt": "python-3.12\n"})
    assert run_check(folder, "--select", "DC207", "--platform", platform)[1]["findings"] == []


def test_dockerfile_from_disagreeing_with_the_declared_version_is_dc201(tmp_path):
    folder = write(
        tmp_path / "app",
        {
            "fly.toml": 'app = "x"\n',
            "Dockerfile": "ARG PY=3.11\nFROM python:${PY}-slim AS build\nRUN pip install -r requirements.txt\n",
            ".python-version": "3.12\n",
            "requirements.txt": "flask==3.0.0\n",
        },
    )
    _, report = run_check(folder, "--select", "DC201,DC206,DC207")
    assert codes(report) == [("DC201", ".python-version", 1)]
    assert "Dockerfile:2 declares Python 3.11" in report["findings"][0]["message"]


def test_unreadable_declarations_stay_dc204s(tmp_path):
    folder = write(tmp_path / "app", STREAMLIT)
    (folder / "runtime.txt").write_bytes(b"\x00\x01" * 6_000_000)  # 12 MB of junk
    code, report = run_check(folder, "--select", "DC206,DC207")
    assert (code, report["findings"], report["problems"]) == (0, [], [])
