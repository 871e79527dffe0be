"""DC110/DC111: a requirements.txt with no .in, compiled to show what the deploy leaves unpinned."""

from __future__ import annotations

import subprocess

from conftest import run_check, write


def test_unpinned_lines_and_transitive_dependencies(tmp_path, index):
    folder = write(
        tmp_path / "app", {"requirements.txt": "webapp-core\nfancy>=1.0\nhelperlib==2.1\n", ".python-version": "3.11\n"}
    )
    code, report = run_check(folder, "--index-url", index)
    assert code == 0  # warnings: the app deploys, but not reproducibly
    by_code = {}
    for f in report["findings"]:
        by_code.setdefault(f["code"], []).append(f)
    assert [(f["line"], f["message"].split(" ")[0]) for f in by_code["DC110"]] == [(1, "webapp-core"), (2, "fancy")]
    (transitive,) = by_code["DC111"]
    assert "backport-x" not in transitive["message"] and "macwatch" in transitive["message"]
    (entry,) = report["lockfiles"]
    assert entry["status"] == "unlocked" and "requirements.in" in entry["notes"][0]


def test_fix_dir_offers_in_and_lock_that_git_applies(tmp_path, index):
    folder = write(tmp_path / "app", {"requirements.txt": "webapp-core\n", ".python-version": "3.11\n"})
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    fix = tmp_path / "fix"
    run_check(folder, "--index-url", index, "--fix-dir", str(fix))
    assert (fix / "requirements.in").read_text() == "webapp-core\n"
    assert "helperlib==2.1" in (fix / "requirements.txt").read_text()
    subprocess.run(["git", "apply", str(fix / "deploycheck.patch")], cwd=folder, check=True)
    assert (folder / "requirements.in").exists()
    # Now it is a lock workflow, and deploycheck agrees it is in sync.
    code, report = run_check(folder, "--index-url", index)
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync"


def test_fully_pinned_file_has_no_findings_but_transitive(tmp_path, index):
    folder = write(tmp_path / "app", {"requirements.txt": "helperlib==2.1\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--index-url", index)
    assert code == 0 and report["findings"] == []
