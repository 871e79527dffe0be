"""Package code dies with its resolver step, and one run's package code cannot reach another run (issue #13
items 1, 2 and 9).

The daemon is a real sdist built here, named by path in requirements.in as a pull request would: its setup.py
double-forks, calls setsid(), closes every descriptor and keeps trying to open the checkout's .git/config (and,
in the two-run test, another run's copy of its project). What it manages to read it appends to a log in a
world-writable folder of the test's; it writes its pid and uid there first, then tells its setup.py it has
(a pipe), so the test always knows which process to look for.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import select
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, interp, write
from fakegithub import FakeGitHub
from pkgindex import Dist, write_sdist
from test_action import HEAD_SHA, TOKEN, Runner

from deploycheck.resolve import resolver, sandbox

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox user exists only when deploycheck is root")

SECRET = "run-b-private-4c1d"

DAEMON = r"""
import glob, os, time
from setuptools import setup

DROP, TARGET, TEMP, BLOCK = {drop!r}, {target!r}, {temp!r}, {block!r}
END = time.time() + 60  # bounded, so that a deploycheck that fails to kill it does not leave it for ever


def log(line):
    with open(os.path.join(DROP, "log-%d" % os.getuid()), "a") as f:
        f.write(line + "\n")


def attack():
    if TARGET:
        try:
            with open(TARGET) as f:
                log("READ " + TARGET + ": " + f.read().replace("\n", " | "))
        except OSError:
            pass
    for copy in glob.glob(os.path.join(TEMP or "/nonexistent", "deploycheck-*", "src")):
        if not os.path.exists(os.path.join(copy, "secret.txt")):
            continue  # its own run's copy: that one it may change
        try:
            with open(os.path.join(copy, "secret.txt")) as f:
                log("READ " + copy + "/secret.txt: " + f.read())
        except OSError:
            pass
        try:
            with open(os.path.join(copy, "requirements.in"), "a") as f:
                f.write("fancy\n")
            log("WROTE " + copy + "/requirements.in")
        except OSError:
            pass


def daemon(ready):
    os.setsid()
    if os.fork():
        os._exit(0)
    with open(os.path.join(DROP, "pids"), "a") as f:
        f.write("%d %d\n" % (os.getpid(), os.getuid()))
    os.write(ready, b"x")
    os.closerange(0, 4096)  # stdio and the resolver's pipes: nothing holds it to the step that started it
    while time.time() < END:
        attack()
        time.sleep(0.005)
    os._exit(0)


r, w = os.pipe()
child = os.fork()
if child == 0:
    os.close(r)
    try:
        daemon(w)
    finally:
        os._exit(0)
os.close(w)
os.waitpid(child, 0)
os.read(r, 1)  # the daemon has written its pid
if BLOCK:  # the step is then ended by a signal or the deadline, not by the resolver
    open(BLOCK + ".ready", "w").close()
    open(BLOCK).read()
setup(name="evil", version="1.0")
"""

# Run A plants, run B looks: a file in the caches that the resolver of a later run would use.
PLANT = r"""
import os
from setuptools import setup

DROP, DEPLOYCHECK_CACHE = {drop!r}, {cache!r}
places = [os.environ.get(n) for n in ("UV_CACHE_DIR", "PIP_CACHE_DIR", "XDG_CACHE_HOME")]
places += [os.path.join(DEPLOYCHECK_CACHE, name) for name in os.listdir(DEPLOYCHECK_CACHE)]
for place in filter(None, places):
    try:
        os.makedirs(place, exist_ok=True)
        with open(os.path.join(place, "poison"), "w") as f:
            f.write("planted by run A")
        with open(os.path.join(DROP, "log-%d" % os.getuid()), "a") as f:
            f.write("PLANTED " + place + "\n")
    except OSError:
        pass
setup(name="plant", version="1.0")
"""

LOOK = r"""
import os
from setuptools import setup

DROP = {drop!r}
for name in ("UV_CACHE_DIR", "PIP_CACHE_DIR", "XDG_CACHE_HOME"):
    place = os.environ.get(name) or ""
    found = os.path.exists(os.path.join(place, "poison"))
    with open(os.path.join(DROP, "log-%d" % os.getuid()), "a") as f:
        f.write("LOOKED %s %s %s\n" % (name, place, "POISONED" if found else "clean"))
setup(name="look", version="1.0")
"""


def _setup_py(template: str, **values: str | None) -> str:
    values.setdefault("block", None)
    for name, value in values.items():
        template = template.replace("{" + name + "!r}", repr(value))
    return template


@pytest.fixture
def drop() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="dc-daemons-"))
    folder.chmod(0o1777)
    yield folder
    for pid, _ in _daemons(folder):  # a deploycheck that failed to kill them: the test does
        _kill(pid)
    subprocess.run(["rm", "-rf", str(folder)], check=False)


@pytest.fixture
def temp() -> Iterator[Path]:
    """TMPDIR for the runs: root's, 0755, under /tmp, so the daemon knows where the copies are."""
    folder = Path(tempfile.mkdtemp(prefix="dc-daemons-tmp-"))
    folder.chmod(0o755)
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _daemons(drop: Path) -> list[tuple[int, int]]:
    path = drop / "pids"
    lines = path.read_text().split("\n") if path.exists() else []
    return [(int(a), int(b)) for a, b in (line.split() for line in lines if line.strip())]


def _log(drop: Path) -> str:
    """What package code wrote, one file per uid (each run's user makes its own, mode 600)."""
    return "".join(path.read_text() for path in sorted(drop.glob("log-*")))


def _alive(pid: int) -> bool:
    """Read by the test from /proc: a zombie runs no code, so it counts as dead."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] not in "ZX"


def _lock(index: str, body: str) -> str:
    return (
        "#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n#\n"
        f"#    pip-compile --no-build-isolation --index-url={index} requirements.in\n#\n"
        f"--index-url {index}\n\n{body}"
    )


def _evil_repo(folder: Path, index: str, name: str, setup_py: str) -> Path:
    """A repository whose requirements.in names a local sdist, as `./vendor/evil-1.0.tar.gz`."""
    write(
        folder,
        {
            ".python-version": "3.11\n",
            "requirements.in": f"./vendor/{name}-1.0.tar.gz\n",
            "requirements.txt": _lock(index, f"./vendor/{name}-1.0.tar.gz\n    # via -r requirements.in\n"),
        },
    )
    (folder / "vendor").mkdir()
    write_sdist(Dist(name, "1.0", setup_py=setup_py), folder / "vendor")
    return folder


def _cli(folder: Path, temp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as root starts it, with a TMPDIR that the daemon watches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["TMPDIR"] = str(temp)
    argv = [sys.executable, str(ROOT / "entrypoint.py"), str(folder), "--resolver", "pip-tools", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)


# inotify, through libc: the test watches .git itself, nothing of deploycheck's reports it.
_IN_ATTRIB = 0x4


class AttribWatch:
    """Calls `seen(mode)` each time the folder's own mode changes, from a thread, right after the change."""

    def __init__(self, folder: Path, seen) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        assert self.fd >= 0
        assert self.libc.inotify_add_watch(self.fd, str(folder).encode(), _IN_ATTRIB) >= 0
        self.folder, self.seen = folder, seen
        self.stop_r, self.stop_w = os.pipe()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            ready, _, _ = select.select([self.fd, self.stop_r], [], [])
            if self.stop_r in ready and self.fd not in ready:
                return
            data = os.read(self.fd, 65536)
            at = 0
            while at < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, at)
                if mask & _IN_ATTRIB and length == 0:  # the folder itself, not an entry in it
                    self.seen(stat.S_IMODE(os.stat(self.folder).st_mode))
                at += 16 + length

    def close(self) -> None:
        os.write(self.stop_w, b"x")
        self.thread.join(10)
        for fd in (self.fd, self.stop_r, self.stop_w):
            os.close(fd)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.add_user(TOKEN, "github-actions[bot]")
        fake.add_pull(2, HEAD_SHA)
        yield fake


@root_only
def test_a_setsid_daemon_from_a_setup_py_is_dead_before_git_is_reopened_and_never_reads_its_config(
    tmp_path, github, index, drop
):
    """Issue #13 item 1: the action as the runner starts it; the checkout's .git/config holds the token."""
    workspace = tmp_path / "ws"
    config = workspace / ".git" / "config"
    _evil_repo(workspace, index, "evil", _setup_py(DAEMON, drop=str(drop), target=str(config), temp=None))
    extraheader = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    config_text = f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {extraheader}\n'
    write(workspace, {".git/config": config_text})
    (workspace / ".git").chmod(0o755)
    config.chmod(0o644)
    at_reopening: list[list[int]] = []

    def seen(mode: int) -> None:
        if mode & 0o077:  # reopened: what of the daemon is alive at this moment
            at_reopening.append([pid for pid, _ in _daemons(drop) if _alive(pid)])

    (tmp_path / "r").mkdir()
    runner = Runner(tmp_path / "r", github, workspace)
    watch = AttribWatch(workspace / ".git", seen)
    try:
        done = subprocess.run(
            runner.argv, cwd=workspace, env=runner.environment(resolver="pip-tools"), capture_output=True, text=True
        )
    finally:
        watch.close()
    daemons = _daemons(drop)
    assert daemons, done.stdout + done.stderr  # the setup.py really ran and really forked its daemon
    assert all(uid != 0 for _, uid in daemons)
    assert [pid for pid, _ in daemons if _alive(pid)] == []  # none outlives deploycheck
    assert at_reopening == [[]], at_reopening  # .git was reopened once, with no daemon alive
    log = _log(drop)
    assert "READ" not in log and extraheader not in log


@root_only
def test_one_runs_package_code_cannot_read_or_change_the_next_runs_copy(tmp_path, index, drop, temp, compiled):
    """Issue #13 item 2: the CLI as root on a shared machine, two runs back to back."""
    repo_a = _evil_repo(tmp_path / "a", index, "evil", _setup_py(DAEMON, drop=str(drop), target=None, temp=str(temp)))
    done_a = _cli(repo_a, temp)
    daemons = _daemons(drop)
    assert daemons, done_a.stdout + done_a.stderr
    alive_after_a = [pid for pid, _ in daemons if _alive(pid)]

    repo_b = tmp_path / "b"
    repo_b.mkdir()
    for name in ("requirements.in", "requirements.txt"):
        (repo_b / name).write_bytes((compiled("3.11", "pip-compile", "helperlib\n") / name).read_bytes())
    write(repo_b, {".python-version": "3.11\n", "secret.txt": SECRET + "\n"})
    (repo_b / "secret.txt").chmod(0o600)
    done_b = _cli(repo_b, temp, "--format", "json")
    report = json.loads(done_b.stdout[: done_b.stdout.rindex("}") + 1])
    assert done_b.returncode == 0, done_b.stdout + done_b.stderr
    assert [lock["status"] for lock in report["lockfiles"]] == ["in-sync"]
    log = _log(drop)
    assert SECRET not in log and "WROTE" not in log, log
    assert alive_after_a == []  # A's daemon died with A's resolver step


@root_only
def test_package_code_of_one_run_cannot_write_the_caches_a_later_run_resolves_with(tmp_path, index, drop, temp):
    """Issue #13 item 2: the sandbox's pip/uv caches are this run's own; deploycheck's own stay root's."""
    cache = Path(os.environ["DEPLOYCHECK_CACHE_DIR"])
    repo_a = _evil_repo(tmp_path / "a", index, "plant", _setup_py(PLANT, drop=str(drop), cache=str(cache)))
    done_a = _cli(repo_a, temp)
    log = _log(drop)
    assert "PLANTED" in log, done_a.stdout + done_a.stderr  # it wrote into its own caches (they are its run's)
    repo_b = _evil_repo(tmp_path / "b", index, "look", _setup_py(LOOK, drop=str(drop)))
    done_b = _cli(repo_b, temp)
    log = _log(drop)
    assert "LOOKED UV_CACHE_DIR" in log, done_b.stdout + done_b.stderr
    assert "POISONED" not in log, log
    assert f"PLANTED {cache}" not in log  # nothing of deploycheck's own cache was writable
    for top, dirs, files in os.walk(cache):
        for name in [top, *(os.path.join(top, n) for n in dirs + files)]:
            st = os.lstat(name)
            assert st.st_uid == 0, name
            assert stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o022, name
    assert not list(temp.iterdir())  # both runs removed their copies, HOMEs and caches


@root_only
@pytest.mark.parametrize("end", ["SIGTERM", "timeout"])
def test_a_daemon_dies_when_its_step_is_ended_by_a_signal_or_the_deadline(tmp_path, index, drop, temp, end):
    fifo = drop / "block"
    os.mkfifo(fifo)
    fifo.chmod(0o666)
    setup_py = _setup_py(DAEMON, drop=str(drop), target=None, temp=None, block=str(fifo))
    repo = _evil_repo(tmp_path / "a", index, "evil", setup_py)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    argv = [sys.executable, str(ROOT / "entrypoint.py"), str(repo), "--resolver", "pip-tools", "--timeout", "10"]
    proc = subprocess.Popen(argv, env={**env, "TMPDIR": str(temp)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if end == "SIGTERM":
            deadline = time.monotonic() + 300
            while not (drop / "block.ready").exists():  # bounded poll: the setup.py is blocked, its daemon up
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == (143 if end == "SIGTERM" else 2), (out, err)
    daemons = _daemons(drop)
    assert daemons and [pid for pid, _ in daemons if _alive(pid)] == []


# A resolver that exits at once, leaving a setsid() grandchild that holds its stdout open: reading the
# output to its end would wait for that grandchild, and a process-group kill does not reach it.
HOLDER = r"""
import os, sys, time
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork():
        os._exit(0)
    with open(sys.argv[1], "w") as f:
        f.write(str(os.getpid()))
    os.write(w, b"x")
    time.sleep(20)
    os._exit(0)
os.read(r, 1)
print("resolved")
"""


def _holder_run(drop: Path, python: str) -> tuple[resolver.Run, int]:
    pidfile = drop / "holder.pid"
    done = resolver.run([python, "-c", HOLDER, str(pidfile)], cwd=drop, env={}, timeout=10)
    return done, int(pidfile.read_text())


@root_only
def test_a_daemon_holding_the_resolvers_output_is_killed_when_its_step_ends(drop):
    done, pid = _holder_run(drop, interp("3.11").path)  # an interpreter the sandbox user can run
    alive = _alive(pid)
    _kill(pid)
    assert done.ok and done.stdout == "resolved\n", (done.stdout, done.stderr)  # not a timeout
    assert not alive


def test_as_a_normal_user_the_orphans_a_resolver_leaves_are_killed(drop, monkeypatch):
    """No uid tells package code apart from the user's own processes: deploycheck adopts the orphans
    (a child subreaper) and kills what is new under it."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as deploycheck sees it: not root
    done, pid = _holder_run(drop, sys.executable)
    alive = _alive(pid)
    _kill(pid)
    assert done.ok and done.stdout == "resolved\n", (done.stdout, done.stderr)
    assert not alive


def test_as_a_normal_user_the_cli_says_once_that_package_code_runs_as_you(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with sandbox.scope():  # what the CLI's run opens (the action's says nothing: it is always root)
        for _ in range(2):
            assert resolver.run([sys.executable, "-c", "pass"], cwd=tmp_path, env={}, timeout=30).ok
    with sandbox.scope(notice=False):
        assert resolver.run([sys.executable, "-c", "pass"], cwd=tmp_path, env={}, timeout=30).ok
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "runs as you" in err[0], err
