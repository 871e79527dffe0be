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


def self_referential_lock(tmp_path, index, requirements: str, *, deploy: str, sub: str = "") -> object:
    """`uv pip compile requirements.txt --universal --output-file requirements.txt`: the lock is its own source,
    as in public repositories (#17 class 14)."""
    folder = write(tmp_path / "app", {f"{sub}requirements.txt": requirements, f"{sub}.python-version": f"{deploy}\n"})
    args = ("--universal", "requirements.txt", "--output-file", "requirements.txt")
    uv_compile(folder / sub, "3.11", *args, index_url=index)
    return folder


def test_a_self_referential_universal_lock_is_in_sync(tmp_path, index):
    folder = self_referential_lock(tmp_path, index, "webapp-core\n", deploy="3.11", sub="web/")
    code, report = run_check(folder, "--index-url", index)
    (lock,) = report["lockfiles"]
    assert code == 0 and lock["status"] == "in-sync", lock
    assert lock["fix_command"].startswith("cd web && ")


def test_a_self_referential_lock_keeps_its_source_for_a_fresh_compile(tmp_path, index):
    """The pins cannot resolve together on the deploy's Python, so deploycheck compiles afresh: the source is the
    lock itself, which must still be there (it was deleted as a stale output: 'File not found')."""
    folder = self_referential_lock(tmp_path, index, "webapp-core\nnewonly\n", deploy="3.9")
    assert "newonly==2.0" in (folder / "requirements.txt").read_text()
    _, report = run_check(folder, "--index-url", index)
    (lock,) = report["lockfiles"]
    message = lock["error"]["message"]
    assert "File not found" not in message and "newonly" in message, message


def test_a_name_locked_per_python_is_judged_by_the_line_the_deploy_installs(tmp_path, index):
    """newonly has a line for Pythons below 3.11 and one for 3.11 on: on a 3.11 deploy the import is declared,
    the lock says nothing of the Python that made it, and a lock without 3.11's line is drift (the comparison
    saw only each name's first line: numpy's for old Pythons)."""
    folder = write(
        tmp_path / "app",
        {"requirements.in": "webapp-core\nnewonly\n", ".python-version": "3.11\n", "app.py": "import newonly\n"},
    )
    args = ("--universal", "--python-version", "3.9", "requirements.in", "-o", "requirements.txt")
    uv_compile(folder, "3.11", *args, index_url=index)
    lock = folder / "requirements.txt"
    text = lock.read_text()
    assert (
        "newonly==1.0 ; python_full_version < '3.11'" in text and "newonly==2.0 ; python_full_version >= '3.11'" in text
    )
    code, report = run_check(folder, "--index-url", index)
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync", report
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
    assert "looks made for" not in str(report["runtime"])
    lock.write_text("".join(line for line in text.splitlines(keepends=True) if not line.startswith("newonly==2.0")))
    code, report = run_check(folder, "--index-url", index)
    assert code == 1
    changes = [(c["name"], c["kind"]) for c in report["lockfiles"][0]["changes"]]
    assert changes == [("newonly", "added")], changes  # uv may now prefer 1.0 everywhere: either is a fix
    assert "DC501" in {f["code"] for f in report["findings"]}  # and indeed nothing installs it on 3.11
