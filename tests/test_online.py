"""Against the real package registry: the shipped Streamlit examples.

The locks pin exact releases, so new releases on PyPI do not change the verdict: the in-sync example
stays in sync and the macOS-made one keeps lacking watchdog, whatever is published later."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, run_check

pytestmark = pytest.mark.online


def test_streamlit_example_is_in_sync(tmp_path):
    folder = shutil.copytree(ROOT / "examples" / "streamlit-app", tmp_path / "app")
    code, report = run_check(folder)
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync", report


def test_lock_made_on_macos_lacks_watchdog(tmp_path):
    folder = shutil.copytree(ROOT / "examples" / "streamlit-made-on-macos", tmp_path / "app")
    code, report = run_check(folder)
    assert code == 1
    (change,) = report["lockfiles"][0]["changes"]
    assert (change["name"], change["kind"]) == ("watchdog", "added")
    assert "compiled on macOS" in change["cause"]


def test_stale_pins_backtrack_is_replaced_by_fresh_compile(tmp_path):
    """The measured case: a pytest lock from Python 3.11 recompiled for 3.9 with its pins as preferences
    gives pytest 3.2.5; a fresh compile gives pytest 8.4.2 and the backports."""
    folder = shutil.copytree(ROOT / "tests" / "data" / "pytest-locked-on-3.11", tmp_path / "app")
    code, report = run_check(folder, "--python-version", "3.9")
    assert code == 1
    (entry,) = report["lockfiles"]
    assert entry["fresh"] is True and "DC105" in {f["code"] for f in report["findings"]}
    changes = {c["name"]: c for c in entry["changes"]}
    assert changes["pytest"]["after"].startswith("pytest==8.")
    assert {"tomli", "exceptiongroup"} <= {n for n, c in changes.items() if c["kind"] == "added"}
    assert "--upgrade" in entry["fix_command"]


def _uv(folder, *args):
    import subprocess

    from deploycheck.resolve import resolver, uvproject

    env = uvproject.project_env(folder)  # no user or system uv.toml, no ambient index settings
    done = subprocess.run(
        [resolver.uv_binary(), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


def test_uv_project_locked_against_pypi(tmp_path):
    """A real uv project made with the pinned uv against PyPI: in sync as locked; a dependency added to
    pyproject.toml without `uv lock` is DC120. Exact pins (==), so new releases change nothing."""
    from conftest import interp

    app = tmp_path / "app"
    app.mkdir()
    python = interp("3.11").path
    _uv(app, "init", "--bare", "--name", "online-app", "--python", python, "--no-workspace")
    (app / ".python-version").write_text("3.11\n")
    _uv(app, "add", "--no-sync", "--python", python, "six==1.17.0")
    code, report = run_check(app, "--select", "DC12")
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync", report
    pyproject = app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"six==1.17.0"', '"six==1.17.0", "idna==3.10"'))
    code, report = run_check(app, "--select", "DC12")
    (stale,) = [f for f in report["findings"] if f["code"] == "DC120"]
    assert code == 1 and "[project].dependencies edited" in stale["message"]
    assert [(c["name"], c["kind"]) for c in report["lockfiles"][0]["changes"]] == [("idna", "added")]
