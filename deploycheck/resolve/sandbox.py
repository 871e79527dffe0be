"""An unprivileged user of its own for each run that runs package code, when deploycheck runs as root.

Resolvers build sdists, which runs their setup.py. As root (the action's container, some CI jobs) that
code could read every process's /proc/<pid>/environ and memory and write deploycheck's own venv and
toolchains. Each run (one CLI or action invocation) therefore gets a user and group id that nothing else
has: no account, no file outside the run, no process, never an id of /etc/passwd, /etc/group or
/etc/subuid. Package code runs as it, in a HOME of its own per resolver step and with pip's and uv's
caches of this run only; it can write only its run's copy of the project and those. When a resolver
step ends, every process of that id is killed and /proc must show none left (deploycheck.resolve.reaper), so
nothing it started outlives the step, and the next run's package code is another user altogether: it
cannot see this run's copy (0700, that user's), processes or caches.

Files in the copy belong to that user once it has run: deploycheck reads and writes them only through
read_produced/write_into, which refuse links the user could have planted (to /proc/1/environ, to a
file of root's) and anything that is not a regular file.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import pwd
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploycheck import cache
from deploycheck.errors import CheckError
from deploycheck.resolve import ids, reaper

NOBODY = 65534
PRODUCED_LIMIT = 32 * 1024 * 1024  # bytes read back from a file a resolver wrote
TEMP_FALLBACKS = ("/tmp", "/var/tmp", "/dev/shm")


@dataclass(frozen=True)
class User:
    uid: int
    gid: int
    fresh: bool = False  # an id of this run alone; False: the fixed account (a user namespace maps no fresh id)

    def __str__(self) -> str:
        return f"uid {self.uid}"


class Cancelled(BaseException):
    """A worker's run was cancelled (the run was interrupted or timed out in the main thread): raised where
    the worker would start its next resolver step. A BaseException, so that no check's handling swallows it."""


class SandboxRun:
    """One run's sandbox: its user (None unless we are root) and its private folder for HOMEs and caches."""

    def __init__(self, notice: bool, user: User | None = None) -> None:
        self.user = user or (_allocate() if _is_root() else None)
        self.notice = notice  # say once that package code runs as the user (the CLI as a normal user)
        self.noticed = False
        self.cancelled = False
        self._folder: Path | None = None

    def cancel(self) -> list[reaper.Proc]:
        """From another thread: no further step starts (Cancelled), and every process of the user is killed."""
        self.cancelled = True
        return reaper.stop_uid(self.user.uid, self.user.gid) if self.user is not None else []

    def folder(self) -> Path:
        """Root's, 0711: the user reaches what it is given inside (cache/, a HOME per step), lists nothing."""
        if self._folder is None:
            assert self.user is not None
            folder = Path(tempfile.mkdtemp(prefix="deploycheck-run-", dir=scratch_parent(self.user)))
            folder.chmod(0o711)
            (folder / "cache").mkdir(mode=0o700)
            os.chown(folder / "cache", self.user.uid, self.user.gid)
            self._folder = folder
        return self._folder

    def close(self) -> list[reaper.Proc]:
        survivors = reaper.stop_uid(self.user.uid, self.user.gid) if self.user is not None else []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)  # fd-based on Linux: links it left are not followed
            self._folder = None
        if self.user is not None and self.user.fresh and not survivors:
            with _drawn_lock:
                _drawn.discard(self.user.uid)
        return survivors


_runs: list[SandboxRun] = []
_process_run: SandboxRun | None = None
# Worker threads of one run (deploycheck.pipeline, --jobs) each run package code as a user of their own:
# ending a step kills every process of its user, so two steps at once under one user would kill each other.
_worker = threading.local()
# Ids drawn by this process and not yet released: two workers drawing at once must not get the same one
# (ids.fresh sees only ids that some process already has).
_drawn: set[int] = set()
_drawn_lock = threading.Lock()


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@contextlib.contextmanager
def scope(notice: bool = True) -> Iterator[SandboxRun]:
    """One run: a fresh sandbox user for everything inside (an enclosing scope's, when nested). At the end
    every process of that user is stopped and its folder removed."""
    if _runs:
        yield _runs[-1]
        return
    run = SandboxRun(notice)
    _runs.append(run)
    try:
        yield run
    finally:
        _runs.remove(run)
        run.close()


def current() -> SandboxRun:
    """The run in progress (in a worker thread, the worker's own); outside any scope (a library call), one for
    this process, closed at exit."""
    global _process_run
    mine: SandboxRun | None = getattr(_worker, "run", None)
    if mine is not None:
        return mine
    if _runs:
        return _runs[-1]
    if _process_run is None:
        _process_run = SandboxRun(notice=False)
        atexit.register(_process_run.close)
    return _process_run


def user() -> User | None:
    """The user package code runs as: None (ourselves) unless we are root; else this run's own."""
    return current().user if _is_root() else None


def _draw() -> int | None:
    with _drawn_lock:
        uid = ids.fresh(exclude=_drawn)
        if uid is not None:
            _drawn.add(uid)
    return uid


def _allocate() -> User:
    uid = _draw()
    return User(uid, uid, fresh=True) if uid is not None else _fixed_account()


@contextlib.contextmanager
def workers(count: int) -> Iterator[list[SandboxRun]]:
    """Sandboxes for `count` worker threads, each with a fresh user of its own; [] when steps cannot run at
    once: not root (package code then runs as ourselves, and ending a step kills every new descendant of
    ours, whichever step started it), or no fresh id (the fixed account is one user for all). Each is closed
    (every process of its user stopped, its folder removed) when the block ends, however it ends."""
    made: list[SandboxRun] = []
    try:
        main = current().user
        if count > 1 and _is_root() and main is not None and main.fresh:
            for _ in range(count):
                uid = _draw()
                if uid is None:
                    break
                made.append(SandboxRun(notice=False, user=User(uid, uid, fresh=True)))
        yield made if len(made) == count else []
    finally:
        for run in made:
            run.close()


@contextlib.contextmanager
def working_as(run: SandboxRun) -> Iterator[None]:
    """In a worker thread: every step started here runs as `run`'s user, in its folders."""
    _worker.run = run
    try:
        yield
    finally:
        _worker.run = None


_fixed_lock: int | None = None


def _fixed_account() -> User:
    """Where no fresh id is mapped: the image's `deploycheck` account, else nobody. Runs that share it take
    turns (a lock held for the process's life), since ending a step kills every process of it."""
    global _fixed_lock
    who = User(NOBODY, NOBODY)
    with contextlib.suppress(KeyError):
        entry = pwd.getpwnam("deploycheck")
        if entry.pw_uid != 0:
            who = User(entry.pw_uid, entry.pw_gid)
    if _fixed_lock is None:
        _fixed_lock = os.open(cache.folder() / f"sandbox-{who.uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(_fixed_lock, fcntl.LOCK_EX)
    return who


def scratch_parent(who: User | None) -> Path:
    """Where a run's copies and HOMEs go. Ourselves: the usual temporary folder. The sandbox user: one it can
    traverse and in which no one but root can rename or replace what we make (TMPDIR when it is such a
    folder, else /tmp, /var/tmp or /dev/shm); what we make in it is 0700 and that user's or root's."""
    first = Path(tempfile.gettempdir())
    if who is None:
        return first
    why = _unsuitable(first)
    if why is None:
        return first
    for candidate in map(Path, TEMP_FALLBACKS):
        if _unsuitable(candidate) is None:
            return candidate
    raise CheckError(
        f"no temporary folder that {who}, the user deploycheck runs package code as, can reach: {first} {why}, "
        "and /tmp, /var/tmp and /dev/shm are missing or unsafe",
        fix="set TMPDIR to a folder that other users can traverse and only root can change, like /tmp",
    )


def _unsuitable(path: Path) -> str | None:
    """Why the sandbox user's folders cannot go in `path`, or None when they can."""
    try:
        real = path.resolve(strict=True)
        for folder in (real, *real.parents):
            st = os.stat(folder)
            if not stat.S_ISDIR(st.st_mode):
                return f"is not a folder ({folder})"
            if not st.st_mode & stat.S_IXOTH:
                return "is closed to other users" + ("" if folder == real else f" ({folder} is)")
            # Others could rename our folder and put theirs, with links in it, in its place.
            if st.st_uid != 0 or (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not st.st_mode & stat.S_ISVTX):
                return "can be changed by users other than root" + ("" if folder == real else f" ({folder} can)")
    except OSError as exc:
        return f"cannot be used ({exc.strerror})"
    return None


def stop(who: User) -> None:
    """The end of a resolver step: no process of the sandbox user is left, or "could not check"."""
    survivors = reaper.stop_uid(who.uid, who.gid)
    if survivors:
        raise CheckError(
            f"package code the resolver ran could not be stopped: {len(survivors)} process(es) of {who} still "
            f"run after SIGKILL (pid {', '.join(str(p.pid) for p in survivors[:5])})",
            fix="look for a process stuck in the kernel (state D); nothing was published while it lives",
        )


def announce_unconfined() -> None:
    """Once per run of the CLI as a normal user: package code runs as that user, and deploycheck says so."""
    run = current()
    if run.notice and not run.noticed:
        run.noticed = True
        print(
            "deploycheck: not running as root, so the setup.py of any sdist the resolvers build runs as you, "
            "with your files in reach (deploycheck as root or in its container runs it as a user of its own; "
            "--only-binary builds nothing)",
            file=sys.stderr,
        )


def spawn_options(who: User | None) -> dict[str, Any]:
    """subprocess arguments that start a child as `who`, with no supplementary groups of root's."""
    if who is None:
        return {}
    return {"user": who.uid, "group": who.gid, "extra_groups": [], "umask": 0o077}


def hand_over(folder: Path, who: User | None) -> None:
    """Give a folder deploycheck just made (the project's temporary copy) to the user, links unfollowed."""
    if who is None:
        return
    os.chown(folder, who.uid, who.gid)
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.chown(os.path.join(top, name), who.uid, who.gid, follow_symlinks=False)


@contextlib.contextmanager
def session(who: User) -> Iterator[dict[str, str]]:
    """Environment for one resolver step as `who`: a fresh HOME and TMPDIR, removed afterwards, and the
    caches of this run (pip's and uv's), which no other run's package code can reach."""
    if current().cancelled:
        raise Cancelled()
    folder = current().folder()
    home = Path(tempfile.mkdtemp(prefix="home-", dir=folder))
    try:
        (home / "tmp").mkdir()
        hand_over(home, who)
        caches = folder / "cache"
        yield {
            "HOME": str(home),
            "TMPDIR": str(home / "tmp"),
            "USER": "deploycheck",
            "XDG_CACHE_HOME": str(caches),
            "UV_CACHE_DIR": str(caches / "uv"),
            "PIP_CACHE_DIR": str(caches / "pip"),
        }
    finally:
        shutil.rmtree(home, ignore_errors=True)  # fd-based on Linux: links the user left are not followed


def unreachable(path: str, who: User, what: str) -> str:
    return (
        f"{what} {path} cannot be run by {who}, the unprivileged user deploycheck runs package code as when "
        f"it is root: make every folder above it traversable (e.g. `chmod o+x {_first_closed(path)}`), "
        "install that Python somewhere world-readable (/usr/local, /opt), or run deploycheck as a normal user"
    )


def _first_closed(path: str) -> str:
    for parent in reversed(Path(path).parents):
        with contextlib.suppress(OSError):
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return str(parent)
    return str(Path(path).parent)


def _parent_fd(path: Path, who: User | None, create: bool = False) -> tuple[int, str]:
    """An open descriptor of path's folder, reached without following a link in a folder that root does
    not own (the user's copy): the user cannot redirect root's reads and writes. Without a sandbox user
    the resolver could read and write all we can anyway, and every link is followed as usual."""
    parts = Path(os.path.abspath(path)).parts
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[1:-1]:
            flags = os.O_RDONLY | os.O_DIRECTORY
            if who is not None and os.fstat(fd).st_uid != 0:
                flags |= os.O_NOFOLLOW
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
                    if who is not None:
                        os.chown(part, who.uid, who.gid, dir_fd=fd, follow_symlinks=False)
            try:
                nxt = os.open(part, flags, dir_fd=fd)
            except FileNotFoundError:
                raise
            except OSError as exc:
                raise CheckError(f"{path}: the resolver left {part} as something deploycheck will not follow") from exc
            os.close(fd)
            fd = nxt
        return fd, parts[-1]
    except BaseException:
        os.close(fd)
        raise


def read_produced(path: Path, limit: int = PRODUCED_LIMIT) -> bytes:
    """A file a resolver wrote, only if it is a regular file there and not a link or a pipe."""
    try:
        folder, name = _parent_fd(path, user())
    except FileNotFoundError as exc:
        raise CheckError(f"{path}: the resolver wrote no output") from exc
    try:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
        except OSError as exc:
            raise CheckError(f"{path}: cannot read what the resolver wrote ({exc.strerror})") from exc
    finally:
        os.close(folder)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise CheckError(f"{path}: the resolver's output is not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise CheckError(f"{path}: the resolver's output is larger than {limit} bytes")
    return data


def write_into(path: Path, data: bytes) -> None:
    """Write a file in the copy, for the user to read and rewrite, never through what it put there."""
    who = user()
    folder, name = _parent_fd(path, who, create=True)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=folder)  # a link, a pipe or a hard link to another file goes, not its target
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=folder)
    finally:
        os.close(folder)
    with os.fdopen(fd, "wb") as f:
        if who is not None:
            os.fchown(f.fileno(), who.uid, who.gid)
        f.write(data)


def remove_from(path: Path) -> None:
    try:
        folder, name = _parent_fd(path, user())
    except FileNotFoundError:
        return
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=folder)
    finally:
        os.close(folder)


@contextlib.contextmanager
def sealed(folder: Path) -> Iterator[None]:
    """Keep the sandbox user out of a folder while package code runs: the workspace's `.git`, whose config
    holds the checkout's token (actions/checkout's extraheader, unless persist-credentials is false). Only
    group and other lose access, so the owner (the runner's user, for later steps) keeps it. The mode is
    put back when the run ends, interrupted or not, and only once no process of the sandbox user is alive:
    while one is, the folder stays closed."""
    who = user()
    if who is None or folder.is_symlink() or not folder.is_dir():
        yield
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    os.chmod(folder, mode & ~0o077)
    try:
        yield
    finally:
        survivors = reaper.stop_uid(who.uid, who.gid)
        with _drawn_lock:  # workers' users (--jobs) whose processes outlived their close: still not done
            lingering = sorted(_drawn - {who.uid})
        for uid in lingering:
            survivors += reaper.stop_uid(uid, uid)
        if survivors:
            print(
                f"deploycheck: {folder} stays closed to other users: package code ({who}) could not be stopped",
                file=sys.stderr,
            )
        else:
            with contextlib.suppress(OSError):
                os.chmod(folder, mode)
