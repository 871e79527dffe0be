"""Reading files of the repository under check, which is hostile input.

A pull request can make any path a symlink to /etc/shadow, a FIFO that blocks forever, /proc/kmsg, or a
symlink loop. Every path is resolved and checked against the boundary (the repository) BEFORE it is
opened; only regular files are read, and never more than a cap.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# A requirements file, header or build file larger than this is not one a person wrote.
DEFAULT_CAP = 5 * 1024 * 1024


class UnsafePath(Exception):
    """A path the check must not read. `reason` is a short phrase for the user's message."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class OutsideBoundary(UnsafePath):
    pass


class NotRegular(UnsafePath):
    pass


class TooLarge(UnsafePath):
    pass


class SymlinkLoop(UnsafePath):
    pass


class Unreadable(UnsafePath):
    pass


def resolve(path: Path) -> Path:
    """The real path, with no exception for loops (Path.resolve raises RuntimeError on them before 3.13)."""
    return Path(os.path.realpath(path))


def is_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    except ValueError:  # a NUL in the name (JSON's \u0000 in a platform file): no such file
        return False
    return False


def inside(path: Path, boundary: Path) -> bool:
    """Whether path resolves to the boundary or below it (symlinks followed), and not into a `.git` folder:
    git's own files are not the repository's content, and `.git/config` can hold the checkout's token
    (actions/checkout's extraheader)."""
    if "\x00" in os.fspath(path):
        return False  # no file has a NUL in its name, and realpath raises ValueError on one
    real, top = resolve(path), resolve(boundary)
    if not (real == top or top in real.parents):
        return False
    return ".git" not in real.relative_to(top).parts


def check_inside(path: Path, boundary: Path) -> Path:
    """The resolved path, or OutsideBoundary / SymlinkLoop. Nothing is opened."""
    if is_loop(path):
        raise SymlinkLoop(path, "is a symlink loop")
    if not inside(path, boundary):
        raise OutsideBoundary(path, "resolves outside the repository")
    return resolve(path)


def read_bytes(path: Path, boundary: Path, *, cap: int = DEFAULT_CAP) -> bytes:
    """The content of a regular file inside the boundary, at most `cap` bytes."""
    real = check_inside(path, boundary)
    # O_NONBLOCK: opening a FIFO with no writer would block; O_NOFOLLOW: the path was resolved above,
    # so a symlink here means it was swapped in between.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SymlinkLoop(path, "changed into a symlink while being read") from None
        raise Unreadable(path, exc.strerror or "cannot be opened") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(path, "is not a regular file (a folder, FIFO, socket or device)")
        if info.st_size > cap:
            raise TooLarge(path, f"is {info.st_size} bytes, over the limit of {cap}")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 16, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:
                raise TooLarge(path, f"is over the limit of {cap} bytes")
        return b"".join(chunks)
    except BlockingIOError:
        raise NotRegular(path, "is not a regular file") from None
    finally:
        os.close(fd)


def is_regular_inside(path: Path, boundary: Path) -> bool:
    """A non-raising test for `exists` checks: only regular files inside the boundary count."""
    try:
        real = check_inside(path, boundary)
    except UnsafePath:
        return False
    try:
        return stat.S_ISREG(os.stat(real).st_mode)
    except OSError:
        return False


def git_top(path: Path) -> Path | None:
    """The top of the git work tree holding path (a .git folder or file, as in worktrees), found by walking
    up the path as given: a committed symlink `app -> /elsewhere` inside a repository must not make
    /elsewhere's repository the boundary. The result is resolved."""
    start = Path(os.path.abspath(path))
    for folder in [start, *start.parents]:
        if os.path.lexists(folder / ".git"):
            return resolve(folder)
    return None
