"""The repository boundary (issue #6 items 1, 3, 6, 7): nothing outside the repository is read, copied,
quoted or written; hostile header options stay in the temporary copy; refusals are one line, exit 2.

Each CLI test runs deploycheck in a subprocess with TMPDIR pointed at a fresh folder, and checks the
exit code, the message, that the repository and a sentinel folder outside it are byte for byte
unchanged, and that no temporary copy is left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, pip_compile, snapshot, write

from deploycheck.errors import CheckError
from deploycheck.project import scan
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository
from deploycheck.resolve.workspace import Workspace

SECRET = "sentinel-secret-do-not-copy"


def run_tmpdir(tmp: Path) -> Path:
    """The TMPDIR of the run under test: fresh per test, and outside pytest's own folders (mode 0700), which
    the unprivileged user resolvers run as when the tests run as root could not enter."""
    folder = Path(tempfile.gettempdir()) / f"dc-tmpdir-{hashlib.sha256(str(tmp).encode()).hexdigest()[:12]}"
    folder.mkdir(mode=0o755, exist_ok=True)
    return folder


def dc(*args: str, tmp: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(run_tmpdir(tmp))}
    argv = [sys.executable, str(ROOT / "entrypoint.py"), *args]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository, holding what a hostile pull request would like to reach."""
    folder = tmp_path / "outside"
    write(folder, {"requirements.in": f"# {SECRET}\nhelperlib\n", "requirements.txt": f"# {SECRET}\nhelperlib==1.0\n"})
    return folder


def guarded(tmp: Path, *folders: Path):
    """Snapshots taken now; call the result after the run to assert nothing changed and no copy is left."""
    before = [snapshot(f) for f in folders]

    def check() -> None:
        assert [snapshot(f) for f in folders] == before, "a file in the repository or outside it changed"
        assert not list(run_tmpdir(tmp).glob("deploycheck-*")), "a temporary copy was left behind"

    return check


def repo_app(app, *, git: bool = True) -> Path:
    folder = app("3.11")
    if git:
        (folder / ".git").mkdir()
    return folder


def test_symlinked_source_to_a_system_file_is_refused_and_never_copied(app, tmp_path, outside):
    folder = repo_app(app)
    (folder / "requirements.in").unlink()
    (folder / "requirements.in").symlink_to("/etc/hostname")
    done_check = guarded(tmp_path, folder, outside)
    done = dc(str(folder), "--format", "json", tmp=tmp_path)
    report = json.loads(done.stdout)
    assert done.returncode == 1, done.stderr
    (finding,) = [f for f in report["findings"] if f["code"] == "DC106"]
    assert finding["path"] == "requirements.txt" and finding["line"] == 5
    assert "requirements.in resolves outside the repository" in finding["message"]
    assert report["lockfiles"][0]["status"] == "error"
    hostname = Path("/etc/hostname").read_text().strip()
    assert not hostname or hostname not in done.stdout.replace(str(folder), "")
    done_check()


def test_workspace_copies_only_regular_files_inside_the_boundary(app, tmp_path):
    folder = repo_app(app)
    (folder / "requirements.in").unlink()
    (folder / "requirements.in").symlink_to("/etc/hostname")
    write(
        folder,
        {
            ".git/config": "[core]\n",
            "node_modules/x/index.js": "x\n",
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib/big.py": "x\n",
            "data/notes.md": "kept\n",
        },
    )
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "up").symlink_to(folder.parent)
    (folder / "link-inside.txt").symlink_to(folder / "data" / "notes.md")
    os.mkfifo(folder / "pipe")
    project = scan.scan(Repository.at(folder))
    with Workspace(project) as ws:
        copied = sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*") if not p.is_dir())
        assert all(not p.is_symlink() for p in ws.root.rglob("*"))
    assert copied == [".python-version", "data/notes.md", "link-inside.txt", "requirements.txt"]
    assert not ws.root.exists()


def test_workspace_caps_size_and_time_with_a_clear_message(app):
    folder = repo_app(app)
    write(folder, {"data/a.bin": "x" * 5000, "data/b.bin": "y" * 5000})
    project = scan.scan(Repository.at(folder))
    with pytest.raises(CheckError) as err:
        Workspace(project, max_bytes=4000)
    assert "more than" in err.value.message and "--lockfile" in err.value.fix
    with pytest.raises(CheckError) as err:
        Workspace(project, max_files=2)
    assert "more than 2 files" in err.value.message
    with pytest.raises(CheckError) as err:
        Workspace(project, timeout=-1)
    assert "longer than the time allowed" in err.value.message and "--timeout" in err.value.fix


def test_fifo_in_the_repository_does_not_hang_the_run(app, tmp_path):
    folder = repo_app(app)
    os.mkfifo(folder / "events.fifo")
    done_check = guarded(tmp_path, folder)
    done = dc(str(folder), "--format", "json", tmp=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["lockfiles"][0]["status"] == "in-sync"
    done_check()


def test_header_source_outside_the_repository(app, tmp_path, outside):
    folder = repo_app(app)
    lock = folder / "requirements.txt"
    lock.write_text(lock.read_text().replace(" requirements.in", " ../outside/requirements.in"))
    done_check = guarded(tmp_path, folder, outside)
    done = dc(str(folder), "--format", "json", tmp=tmp_path)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    (finding,) = [f for f in report["findings"] if f["code"] == "DC106"]
    assert (finding["path"], finding["line"]) == ("requirements.txt", 5)
    assert "outside the repository" in finding["message"] and SECRET not in done.stdout
    done_check()


@pytest.mark.parametrize("option", ["-r", "-c"])
def test_include_of_a_system_file_is_refused_and_not_quoted(app, tmp_path, option):
    folder = repo_app(app)
    (folder / "requirements.in").write_text(f"webapp-core\n{option} /etc/passwd\n")
    done_check = guarded(tmp_path, folder)
    done = dc(str(folder), "--format", "markdown", tmp=tmp_path)
    assert done.returncode == 1
    assert "requirements.in:2" in done.stdout or "`requirements.in` line 2" in done.stdout or "DC106" in done.stdout
    assert "root:" not in done.stdout and "root:" not in done.stderr
    project = scan.scan(Repository.at(folder))
    (violation,) = project.violations
    assert (violation.path, violation.line) == ("requirements.in", 2)
    assert project.locks[0].blocked and Path("/etc/passwd") not in project.inputs
    done_check()


def test_include_of_a_parent_file_inside_the_repository_works(tmp_path, index):
    repo = write(
        tmp_path / "repo",
        {".git/HEAD": "ref\n", "common.in": "webapp-core\n", "app/requirements.in": "-r ../common.in\n"},
    )
    pip_compile(repo / "app", "3.11", "requirements.in", index_url=index)
    (repo / "app" / ".python-version").write_text("3.11\n")
    done_check = guarded(tmp_path, repo)
    done = dc(str(repo / "app"), "--format", "json", tmp=tmp_path)
    report = json.loads(done.stdout)
    assert done.returncode == 0, report
    assert report["lockfiles"][0]["status"] == "in-sync" and not report["findings"]
    done_check()


def test_symlink_loop_is_one_line_and_exit_2(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "requirements.txt").symlink_to(folder / "requirements.txt")
    done_check = guarded(tmp_path, folder)
    done = dc(str(folder), tmp=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert "requirements.txt: is a symlink loop" in done.stdout
    done_check()


def test_output_refuses_an_input_a_folder_and_an_unwritable_path(app, tmp_path):
    folder = repo_app(app)
    (tmp_path / "plain-file").write_text("x\n")
    done_check = guarded(tmp_path, folder)
    cases = {
        "requirements.txt": "--output would overwrite a file that deploycheck reads as input",
        "requirements.in": "--output would overwrite a file that deploycheck reads as input",
        str(tmp_path): "--output names a folder",
        str(tmp_path / "plain-file" / "report.json"): "is not a writable folder",
    }
    for target, message in cases.items():
        done = dc(".", "--output", target, tmp=tmp_path, cwd=folder)
        assert done.returncode == 2, target
        (line,) = done.stderr.splitlines()
        assert line.startswith("deploycheck: error: ") and message in line, line
        assert done.stdout == ""
    done_check()


def test_fix_dir_refuses_a_file_and_the_checked_folder(app, tmp_path):
    folder = repo_app(app)
    (tmp_path / "plain-file").write_text("x\n")
    done_check = guarded(tmp_path, folder)
    for target, message in [
        (str(tmp_path / "plain-file"), "--fix-dir names a file"),
        (".", "--fix-dir would overwrite requirements.txt"),
    ]:
        done = dc(".", "--fix-dir", target, tmp=tmp_path, cwd=folder)
        assert done.returncode == 2
        (line,) = done.stderr.splitlines()
        assert message in line, line
    done_check()


def test_lockfile_refuses_a_folder_and_a_file_outside(app, tmp_path, outside):
    folder = repo_app(app)
    (folder / "sub").mkdir()
    done_check = guarded(tmp_path, folder, outside)
    for args, message in [
        (["--lockfile", "sub"], "sub: is a folder, not a lockfile"),
        (["--lockfile", "../outside/requirements.txt"], "the lockfile is outside the repository"),
        (
            ["--lockfile", "../outside/requirements.txt", "--fix-dir", str(tmp_path / "fix")],
            "the lockfile is outside the repository",
        ),
    ]:
        done = dc(str(folder), *args, tmp=tmp_path)
        assert done.returncode == 2
        (line,) = done.stderr.splitlines()
        assert message in line and SECRET not in line, line
    assert not (tmp_path / "fix").exists()
    done_check()


def test_fix_dir_writes_only_below_itself(tmp_path):
    from deploycheck.report import fixes
    from deploycheck.report.model import LockResult, Report

    repo = write(tmp_path / "repo", {"requirements.txt": "six==1\n"})
    fix = tmp_path / "fix"
    locks = [
        LockResult(name, [], "", "drift", {}, proposed="six==2\n")
        for name in ("requirements.txt", "../escape.txt", "/tmp/abs.txt")
    ]
    written = fixes.write(Report(".", {}, locks), Repository.at(repo, repo), fix)
    assert {p.name for p in written} == {"requirements.txt", "deploycheck.patch"}
    assert not (tmp_path / "escape.txt").exists() and all(safefs.inside(p, fix) for p in written)


def test_safefs_refuses_outside_special_large_and_loops(tmp_path):
    repo = write(tmp_path / "repo", {"ok.txt": "fine\n", "big.txt": "x" * 100})
    (repo / "out").symlink_to("/etc/passwd")
    (repo / "loop").symlink_to(repo / "loop")
    os.mkfifo(repo / "fifo")
    assert safefs.read_bytes(repo / "ok.txt", repo) == b"fine\n"
    for name, error in [
        ("out", safefs.OutsideBoundary),
        ("loop", safefs.SymlinkLoop),
        ("fifo", safefs.NotRegular),
        ("big.txt", safefs.TooLarge),
    ]:
        with pytest.raises(error):
            safefs.read_bytes(repo / name, repo, cap=50)
