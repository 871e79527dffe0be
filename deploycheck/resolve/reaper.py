"""Stopping everything package code started, whatever it did to escape (issue #13).

A setup.py can double-fork, call setsid() and close its stdio: it then leaves the resolver's process
group and session, and its parent dies, so neither a process-group kill nor waiting for the resolver
finds it. Two ways that do not depend on groups or sessions:

- As root, every resolver runs as a user id of its own (deploycheck.resolve.sandbox). kill(-1, SIGKILL) sent *as
  that uid* reaches every process that uid may signal, that is every process whose real or saved uid is
  it (a setuid program it started included), in any session, group or child PID namespace; then /proc
  says whether any is left (all four user ids, zombies aside).
- Without root (the CLI as a user) package code runs as that user, like the user's own processes, so
  no uid can tell them apart. deploycheck makes itself a child subreaper while a resolver runs, so an
  orphaned daemon is reparented to deploycheck rather than to init, and kills whatever new descendant it
  has afterwards. Best effort: it stops what ran, it cannot confine what it could reach meanwhile.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
SETTLE = 10.0  # seconds a killed process gets to be gone (one in uninterruptible sleep can take a moment)


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str
    uids: tuple[int, ...]
    gids: tuple[int, ...]
    started: int  # clock ticks after boot: a pid reused by another process has another start time
    threads: int

    @property
    def dead(self) -> bool:
        # A zombie runs no code (its parent, maybe us, reaps it); unless only its first thread exited and
        # others still run, which /proc shows as a zombie with several threads.
        return self.state in ("Z", "X") and self.threads <= 1


def _slurp(path: str) -> bytes:
    # os.read, not Path.read_text: the whole table is read after every resolver step, and the text layer
    # costs more than the read. Both files are far below one page.
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def _read(entry: Path) -> Proc | None:
    try:
        text = _slurp(f"{entry}/status")
        stat = _slurp(f"{entry}/stat")
    except OSError:
        return None  # gone meanwhile
    after_name = stat[stat.rindex(b")") + 2 :].split()  # the name may hold spaces and parentheses
    try:
        return Proc(
            int(entry.name),
            int(after_name[1]),
            after_name[0].decode("ascii"),
            tuple(int(x) for x in _field(text, b"Uid").split()),
            tuple(int(x) for x in _field(text, b"Gid").split()),
            int(after_name[19]),
            int(_field(text, b"Threads", b"1")),
        )
    except (KeyError, ValueError, IndexError):
        return None


def _field(status: bytes, name: bytes, default: bytes | None = None) -> bytes:
    """One line's value of /proc/PID/status. The last such line: the process's name, which the process sets,
    comes first (escaped by the kernel, so no newline of its own, but older kernels are not this one)."""
    start = status.rfind(b"\n" + name + b":")
    if start < 0:
        if default is None:
            raise KeyError(name)
        return default
    start += len(name) + 2
    end = status.find(b"\n", start)
    return status[start : end if end >= 0 else len(status)]


def processes() -> list[Proc]:
    return [p for entry in PROC.iterdir() if entry.name.isdigit() and (p := _read(entry)) is not None]


def ids_in_use() -> set[int]:
    """Every user and group id some process has now: a fresh sandbox id must be none of them."""
    return {i for p in processes() for i in (*p.uids, *p.gids)}


def owned_by(uid: int) -> list[Proc]:
    """Live processes any of whose user ids (real, effective, saved, filesystem) is uid."""
    return [p for p in processes() if uid in p.uids and not p.dead]


def _kill_as(uid: int, gid: int) -> None:
    """kill(-1, SIGKILL) as uid: in a child that drops to it, so root's own right to signal anyone is not
    used. fork, not subprocess: nothing to exec, and the child only makes system calls before _exit."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child; coverage cannot follow it)
        code = 0
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            with contextlib.suppress(ProcessLookupError):  # ESRCH: nothing of that uid is left
                os.kill(-1, signal.SIGKILL)
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise OSError(f"could not signal as uid {uid}")


def _reap(candidates: list[Proc]) -> None:
    """Zombies that are our children (an orphan reparented to us as subreaper or PID 1) are collected."""
    me = os.getpid()
    for proc in candidates:
        if proc.ppid == me:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, os.WNOHANG)


def stop_uid(uid: int, gid: int, settle: float = SETTLE) -> list[Proc]:
    """Kill every process of uid and return those still alive after `settle` seconds (none, normally)."""
    end = time.monotonic() + settle
    while True:
        _kill_as(uid, gid)
        everything = processes()
        _reap([p for p in everything if uid in p.uids and p.dead])
        alive = [p for p in everything if uid in p.uids and not p.dead]
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.01)  # a SIGKILLed process is torn down asynchronously: look again, kill again


def descendants(pid: int, everything: list[Proc] | None = None) -> list[Proc]:
    everything = processes() if everything is None else everything
    children: dict[int, list[Proc]] = {}
    for proc in everything:
        children.setdefault(proc.ppid, []).append(proc)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child.pid)
    return found


def _subreaper(on: bool | None) -> bool:
    """Set (True/False) or read (None) whether orphans of our descendants are reparented to us."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        if on is not None:
            return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0)
        flag = ctypes.c_int(0)
        libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0)
        return bool(flag.value)
    return False


_was_subreaper = False


def adopt(on: bool = True) -> set[int]:
    """on: make us a child subreaper, so what a resolver we start orphans is reparented to us, not to init,
    and return the pids of our descendants now (not the resolver's; only the main thread starts
    subprocesses). off (after the run and its stop_new_descendants): as we were before."""
    global _was_subreaper
    if not PROC.is_dir():
        return set()
    if on:
        _was_subreaper = _subreaper(None)
        _subreaper(True)
        return {p.pid for p in descendants(os.getpid())}
    if not _was_subreaper:
        _subreaper(False)
    return set()


def stop_new_descendants(before: set[int], settle: float = SETTLE) -> list[Proc]:
    end = time.monotonic() + settle
    while True:
        found = [p for p in descendants(os.getpid()) if p.pid not in before]
        alive = [p for p in found if not p.dead]
        for proc in alive:
            _kill(proc)
        _reap([p for p in found if p.dead])
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.01)


def _kill(proc: Proc) -> None:
    """SIGKILL to that process, never to another that got its pid meanwhile: through a pidfd, after
    checking that the pid still has the start time we listed."""
    try:
        fd = os.pidfd_open(proc.pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfds (Linux before 5.3): the pid, as we found it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(proc.pid, signal.SIGKILL)
        return
    try:
        now = _read(PROC / str(proc.pid))
        if now is not None and now.started == proc.started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                signal.pidfd_send_signal(fd, signal.SIGKILL)
    finally:
        os.close(fd)
