"""Messages that keep the useful part (#6.8, #8.11): an unreachable index reads as one, naming it and the
settings to look at; temporary-copy paths never reach the report; a hostile 1 MB name is not echoed."""

from __future__ import annotations

import socket

import pytest
from conftest import run_check, write


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_unreachable_index_reads_as_unreachable(app, resolver, monkeypatch):
    monkeypatch.setenv("PIP_RETRIES", "0")  # not passed to the resolver: its environment is an allowlist
    folder = app("3.11")
    (folder / "requirements.in").write_text("webapp-core\nfancy\n")  # drift: the resolver must reach the index
    url = f"http://127.0.0.1:{closed_port()}/simple/"
    code, report = run_check(folder, "--resolver", resolver, "--index-url", url)
    assert code == 2 and report["drift"] is False
    error = report["lockfiles"][0]["error"]
    assert "did not answer" in error["message"] and url in error["message"]
    assert "cannot be resolved" not in error["message"] and "conflicting" not in error["fix"]
    assert "proxy" in error["fix"] and "PIP_CERT" in error["fix"]


def test_temp_copy_paths_are_mapped_back(app):
    folder = app("3.11")
    write(folder, {"broken/setup.py": "raise SystemExit('this package does not build')\n"})
    (folder / "requirements.in").write_text("webapp-core\n-e ./broken\n")
    code, report = run_check(folder, "--resolver", "pip-tools")
    assert code == 2
    error = report["lockfiles"][0]["error"]
    assert "deploycheck-" not in str(report) and "/tmp/" not in error["message"]
    assert "file:./broken (from -r requirements.in (line 2))" in error["message"]  # pip's own words, kept
    assert "failed to build" in error["fix"]


def test_a_huge_name_is_not_echoed(tmp_path):
    name = "a" * 1_000_000
    folder = write(tmp_path / "app", {"requirements.in": f"{name}\n", "requirements.txt": f"{name}==1.0\n"})
    _, report = run_check(folder)
    assert len(str(report)) < 20_000
