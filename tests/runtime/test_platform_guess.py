"""A platform guessed from evidence that several platforms read (issue #17.8): the report says so, and the
guessed platform's own rules are warnings until `--platform` settles it; evidence that singles a platform
out keeps them errors."""

from __future__ import annotations

import pytest
from conftest import run_check, write

from deploycheck.repo.repository import Repository
from deploycheck.runtime import which_platform

PROCFILE_APP = {"Procfile": "web: gunicorn app:app\n", "app.py": "import flask\n", "requirements.txt": "flask\n"}
# Heroku refuses requirements.txt beside poetry.lock (two package managers); Railpack installs requirements.txt.
TWO_MANAGERS = {**PROCFILE_APP, "pyproject.toml": '[tool.poetry]\nname = "a"\n', "poetry.lock": ""}


def _by_code(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


@pytest.mark.parametrize(
    ("files", "expected", "alternatives"),
    [
        (PROCFILE_APP, "heroku", ("railway",)),
        ({**PROCFILE_APP, "app.json": "{}"}, "heroku", ()),  # Heroku's alone
        ({**PROCFILE_APP, "heroku.yml": "build: {}\n"}, "heroku", ()),
        ({**PROCFILE_APP, "railway.json": "{}"}, "railway", ()),
        ({"fly.toml": 'app = "x"\n', "Dockerfile": "FROM python:3.12-slim\n"}, "fly", ()),
        ({".streamlit/config.toml": "", "requirements.txt": "streamlit\n"}, "streamlit-cloud", ()),
    ],
)
def test_guess_names_the_other_platforms_the_evidence_fits(tmp_path, files, expected, alternatives):
    write(tmp_path, files)
    pid, _, _, others = which_platform.guess(tmp_path, Repository.at(tmp_path))
    assert (pid, others) == (expected, alternatives)


def test_a_heroku_only_refusal_is_a_warning_when_the_procfile_may_be_railways(tmp_path):
    folder = write(tmp_path / "app", TWO_MANAGERS)
    code, report = run_check(folder, "--select", "DC303")
    (finding,) = _by_code(report, "DC303")
    assert finding["severity"] == "warning" and code == 0
    assert "--platform heroku" in finding["message"] and "railway" in finding["message"]
    assert report["runtime"]["platform_alternatives"] == ["railway"]
    (note,) = [n for n in report["runtime"]["notes"] if "guess" in n]
    assert "Procfile" in note and "Railway" in note and "--platform railway" in note


@pytest.mark.parametrize("settle", [("--platform", "heroku"), ()])
def test_evidence_or_the_setting_that_singles_heroku_out_keeps_the_error(tmp_path, settle):
    files = TWO_MANAGERS if settle else {**TWO_MANAGERS, "app.json": "{}"}
    folder = write(tmp_path / "app", files)
    code, report = run_check(folder, "--select", "DC303", *settle)
    (finding,) = _by_code(report, "DC303")
    assert finding["severity"] == "error" and code == 1 and "guess" not in finding["message"]
    assert "platform_alternatives" not in report["runtime"]


def test_a_heroku_format_rule_is_a_warning_on_a_guess(tmp_path):
    """Heroku's .python-version takes 3.N or 3.N.N only; another platform reading the Procfile may accept
    `python-3.12`."""
    folder = write(tmp_path / "app", {**PROCFILE_APP, ".python-version": "python-3.12\n"})
    code, report = run_check(folder, "--select", "DC204")
    (finding,) = _by_code(report, "DC204")
    assert finding["severity"] == "warning" and code == 0 and "--platform" in finding["message"]
    code, report = run_check(folder, "--select", "DC204", "--platform", "heroku")
    assert _by_code(report, "DC204")[0]["severity"] == "error" and code == 1


def test_an_error_every_candidate_platform_gives_stays_an_error(tmp_path):
    """Neither Heroku nor Railway installs 3.8: DC206 is right whichever reads the Procfile."""
    folder = write(tmp_path / "app", {**PROCFILE_APP, ".python-version": "3.8\n"})
    code, report = run_check(folder, "--select", "DC206")
    (finding,) = _by_code(report, "DC206")
    assert finding["severity"] == "error" and code == 1 and "guess" not in finding["message"]


def test_no_dependency_file_is_an_error_on_every_platform_that_reads_a_procfile(tmp_path):
    folder = write(tmp_path / "app", {"Procfile": "web: gunicorn app:app\n", "app.py": "import flask\n"})
    code, report = run_check(folder, "--select", "DC311")
    (finding,) = _by_code(report, "DC311")
    assert finding["severity"] == "error" and code == 1


def test_heroku_s_runtime_txt_deprecation_names_the_guess(tmp_path):
    folder = write(tmp_path / "app", {**PROCFILE_APP, "runtime.txt": "python-3.12\n"})
    _, report = run_check(folder, "--select", "DC207")
    (finding,) = report["findings"]
    assert finding["severity"] == "warning" and "--platform railway" in finding["message"]


def test_each_candidate_platform_reads_its_own_declaration(tmp_path):
    """Heroku reads runtime.txt (3.9, removed) before .python-version (3.12); Railway reads .python-version
    first and installs 3.12: on a Procfile guess, DC206 is not an error."""
    folder = write(tmp_path / "app", {**PROCFILE_APP, "runtime.txt": "python-3.9\n", ".python-version": "3.12\n"})
    code, report = run_check(folder, "--select", "DC206")
    (finding,) = _by_code(report, "DC206")
    assert finding["severity"] == "warning" and code == 0 and "--platform railway" in finding["message"]
    code, report = run_check(folder, "--select", "DC206", "--platform", "heroku")
    assert _by_code(report, "DC206")[0]["severity"] == "error" and code == 1


def _installs(report: dict) -> dict:
    (app,) = report["apps"]
    return app["installs"]


def test_the_install_record_does_not_take_heroku_s_refusal_for_a_fact_on_a_guess(tmp_path):
    """requirements.txt beside poetry.lock in a Procfile app: Heroku would refuse the build, Railpack installs
    requirements.txt. On the guess the record says neither for certain (no "installs no dependency file"
    stated as fact); `--platform heroku` makes the refusal certain again."""
    folder = write(tmp_path / "app", TWO_MANAGERS)
    _, report = run_check(folder, "--select", "DC303")
    installs = _installs(report)
    assert not installs["refused"] and not installs["certain"], installs
    assert installs["file"] == "requirements.txt"
    assert "Heroku" in installs["why"] and "Railway" in installs["why"] and "guess" in installs["why"]
    _, report = run_check(folder, "--select", "DC303", "--platform", "heroku")
    installs = _installs(report)
    assert installs["refused"] and installs["certain"] and installs["file"] is None


def test_the_install_record_keeps_what_every_candidate_platform_agrees_on(tmp_path):
    folder = write(tmp_path / "app", PROCFILE_APP)
    _, report = run_check(folder, "--select", "DC303")
    installs = _installs(report)
    assert installs["certain"] and installs["file"] == "requirements.txt" and not installs["refused"]
