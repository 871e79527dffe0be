"""An unprivileged user for everything that runs package code, when deploycheck runs as root.

Resolvers build sdists, which runs their setup.py. As root (the action's container, some CI jobs) that
code could read every process's /proc/<pid>/environ and memory and write deploycheck's own venv and
toolchains. As this user it can read what any user can, write only the temporary copy it works in, a
HOME of its own for the run and its persistent pip/uv caches; the toolchains stay root's.

Files in the copy belong to that user once it has run: deploycheck reads and writes them only through
read_produced/write_into, which refuse links the user could have planted (to /proc/1/environ, to a
file of root's) and anything that is not a regular file.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploycheck import cache
from deploycheck.errors import CheckError

NOBODY = 65534
PRODUCED_LIMIT = 32 * 1024 * 1024  # bytes read back from a file a resolver wrote


@dataclass(frozen=True)
class User:
    uid: int
    gid: int

    def __str__(self) -> str:
        return f"uid {self.uid}"


def user() -> User | None:
    """The user package code runs as: None (ourselves) unless we are root; a `deploycheck` account when
    one exists, else nobody (65534)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        entry = pwd.getpwnam("deploycheck")
        if entry.pw_uid != 0:
            return User(entry.pw_uid, entry.pw_gid)
    return User(NOBODY, NOBODY)


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


def _persistent_caches(who: User) -> Path | None:
    """pip's and uv's caches of this user, kept across runs for speed; None when unusable."""
    folder = cache.folder() / f"sandbox-{who.uid}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
        os.chown(folder, who.uid, who.gid)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != who.uid:
        return None
    return folder


@contextlib.contextmanager
def session(who: User) -> Iterator[dict[str, str]]:
    """Environment for one run as `who`: a fresh HOME and TMPDIR, removed afterwards, and its caches."""
    home = Path(tempfile.mkdtemp(prefix="deploycheck-home-"))
    try:
        (home / "tmp").mkdir()
        hand_over(home, who)
        caches = _persistent_caches(who) or home / ".cache"
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
    group and other lose access, so the owner (the runner's user, for later steps) keeps it; the mode is put
    back when the run ends, interrupted or not."""
    if user() is None or folder.is_symlink() or not folder.is_dir():
        yield
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    os.chmod(folder, mode & ~0o077)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.chmod(folder, mode)
