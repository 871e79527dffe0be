"""uv --universal locks: valid for every platform and every Python from their floor up. deploycheck checks
what pip installs from them on the deploy (Linux, its Python): the machine they were made on is no cause of
drift, and a deploy below the floor is reported (DC107)."""

from __future__ import annotations

from conftest import run_check, uv_compile, write


def universal_lock(tmp_path, index, *floor: str, deploy: str) -> object:
    folder = write(tmp_path / "app", {"requirements.in": "webapp-core\n", ".python-version": f"{deploy}\n"})
    uv_compile(folder, "3.11", "--universal", *floor, "requirements.in", "-o", "requirements.txt", index_url=index)
    return folder


def test_in_sync_on_every_python_it_covers(tmp_path, index):
    folder = universal_lock(tmp_path, index, "--python-version", "3.9", deploy="3.11")
    text = (folder / "requirements.txt").read_text()
    assert "winonly==3.0 ; sys_platform == 'win32'" in text and "< '3.11'" in text
    code, report = run_check(folder, "--index-url", index)
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync", report["lockfiles"][0]
    assert "--universal" in report["lockfiles"][0]["resolver"]
    (folder / ".python-version").write_text("3.9\n")
    code, report = run_check(folder, "--index-url", index)
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync"


def test_made_without_a_floor(tmp_path, index):
    folder = universal_lock(tmp_path, index, deploy="3.11")
    code, report = run_check(folder, "--index-url", index)
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync"


def test_deploy_below_the_floor_is_reported(tmp_path, index):
    folder = universal_lock(tmp_path, index, "--python-version", "3.11", deploy="3.9")
    code, report = run_check(folder, "--index-url", index)
    assert code == 1
    (finding,) = [f for f in report["findings"] if f["code"] == "DC107"]
    assert "Python 3.11 and newer" in finding["message"] and "--python-version 3.9" in finding["fix"]
    changes = {c["name"]: c for c in report["lockfiles"][0]["changes"]}
    assert changes["backport-x"]["kind"] == "added"  # what 3.9 needs and the lock does not say


def test_a_missing_pin_is_drift_with_no_machine_to_blame(tmp_path, index):
    folder = universal_lock(tmp_path, index, "--python-version", "3.9", deploy="3.11")
    lock = folder / "requirements.txt"
    lines = lock.read_text().splitlines(keepends=True)
    lock.write_text("".join(line for line in lines if not line.startswith("macwatch")))
    code, report = run_check(folder, "--index-url", index)
    assert code == 1
    (change,) = report["lockfiles"][0]["changes"]
    assert change["name"] == "macwatch" and change["kind"] == "added"
    assert "compiled on" not in change["cause"]
