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
