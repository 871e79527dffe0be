"""The text rendering says each thing once (#18 item 12): the runtime, a fix, a note; plurals are right; a
plain requirements file is not said to have a source it lacks."""

from __future__ import annotations

from deploycheck.locks.diff import Change
from deploycheck.report import render
from deploycheck.report.model import Finding, LockResult, Report

REASON = "Streamlit Community Cloud takes the Python version from its deploy dialog, not from files"
FIX = "uvx --python 3.12 --from pip-tools==7.6.2 pip-compile requirements.in"
NOTE = "Keep the packages you use, with loose ranges, in requirements.in"


def _runtime(folder: str, python: str = "3.11", **more: object) -> dict[str, object]:
    source = ".python-version" if folder == "." else f"{folder}/.python-version"
    return {"python": python, "source": source, "line": 1, "exact": True, "platform": "heroku", **more}


def _app(folder: str, python: str = "3.11") -> dict[str, object]:
    lock = "requirements.txt" if folder == "." else f"{folder}/requirements.txt"
    installs = {"file": lock, "why": "the only package manager file Heroku finds", "certain": True, "files": []}
    return {"path": folder, "runtime": _runtime(folder, python), "platform": "heroku", "installs": installs}


def _plain(folder: str, python: str = "3.11") -> LockResult:
    return LockResult(
        f"{folder}/requirements.txt",
        [f"{folder}/requirements.in"],  # what --fix-dir would write: no file of the repository
        "uv",
        "unlocked",
        _runtime(folder, python),
        notes=[NOTE],
        fix_command=f"cd {folder} && mv requirements.txt requirements.in && uv pip compile requirements.in",
    )


def test_a_folder_of_three_apps_says_each_runtime_once():
    apps = [_app("api"), _app("web"), _app("worker", "3.12")]
    report = Report(".", _runtime("api"), [_plain("api"), _plain("web"), _plain("worker", "3.12")], apps=apps)
    text = render.to_text(report)
    for app in apps:
        assert text.count(render._runtime(app["runtime"])) == 1, text  # type: ignore[arg-type]
    assert "runtime:" not in text
    assert text.count("Python 3.11") == 2 and text.count("Python 3.12") == 1


def test_a_lock_on_another_runtime_than_its_app_says_so():
    lock = _plain("api", "3.12")
    text = render.to_text(Report(".", _runtime("api"), [lock], apps=[_app("api")]))
    assert "  runtime: Python 3.12" in text


def test_a_plain_requirements_file_has_no_sources_line():
    text = render.to_text(Report(".", _runtime("api"), [_plain("api")], apps=[_app("api")]))
    assert "requirements.in" not in text.split("note:")[0].split("[unlocked]")[1]
    assert "sources:" not in text


def test_the_same_note_is_written_once():
    apps = [_app("api"), _app("web")]
    text = render.to_text(Report(".", _runtime("api"), [_plain("api"), _plain("web")], apps=apps))
    assert text.count(NOTE) == 1
    assert "note: the same as for api/requirements.txt" in text


def test_the_runtime_reason_is_not_repeated_by_its_finding():
    runtime = {"python": "3.12", "source": ".python-version", "line": 1, "exact": False, "reason": REASON}
    report = Report(".", runtime, [])
    report.findings.append(
        Finding("DC203", "info", ".python-version", 1, f"the deploy's Python was inferred: 3.12, {REASON}", "check")
    )
    text = render.to_text(report)
    assert text.count(REASON) == 1 and "runtime: Python 3.12 (from .python-version:1)" in text


def test_the_drift_fix_is_written_once():
    change = Change("watchdog", "added", None, "watchdog==6.0.0", None, reason="compiled on macOS")
    runtime = {"python": "3.12", "source": ".python-version", "line": 1}
    lock = LockResult("requirements.txt", ["requirements.in"], "pip-tools 7.6.2", "drift", runtime, changes=[change])
    lock.fix_command = FIX
    report = Report(".", runtime, [lock])
    report.findings.append(Finding("DC101", "error", "requirements.txt", None, "watchdog added", FIX))
    text = render.to_text(report)
    assert text.count(FIX) == 1 and "sources: requirements.in" in text
    assert "requirements.txt: error DC101 watchdog added\n      fix: as above" in text
    md = render.to_markdown(report)
    assert md.count("pip\\-compile requirements") + md.count("pip-compile requirements") == 1, md
    assert "the fix of `requirements.txt` above |" in md


def test_plurals():
    runtime = {"python": "3.12", "source": ".python-version", "line": 1}
    report = Report(".", runtime, [], passed=["runtime"])
    assert "1 check passed" in render.to_text(report)
    report.passed.append("pins")
    assert "2 checks passed" in render.to_text(report)
    lock = LockResult("r.txt", ["r.in"], "uv", "drift", runtime, changes=[Change("a", "added", None, "a==1", None)] * 3)
    assert "… 1 more change, see" in render.to_markdown(Report(".", runtime, [lock]), rows=2)


def test_the_comment_says_each_runtime_once_too():
    apps = [_app("api"), _app("web"), _app("worker", "3.12")]
    report = Report(".", _runtime("api"), [_plain("api"), _plain("web"), _plain("worker", "3.12")], apps=apps)
    md = render.to_markdown(report)
    assert "Runtime:" not in md and md.count("Python 3\\.11") == 2 and md.count("Python 3\\.12") == 1
    assert "sources:" not in md
