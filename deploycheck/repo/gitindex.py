"""Which paths git tracks, read from the index file of the checked root (`.git/index`), without running git:
a check may not start processes (only the resolver does). Index versions 2, 3 and 4 (path prefix
compression) are read; anything else, a capped size exceeded, or no `.git` folder at the root answers None
("cannot tell"), and the caller then treats every file present as committed, as a CI checkout is."""

from __future__ import annotations

import struct
from pathlib import Path

from deploycheck.repo import safefs

# An index holds ~100 bytes per tracked file: 32 MiB is some 300,000 files.
CAP = 32 * 1024 * 1024


def tracked(root: Path) -> set[str] | None:
    """Tracked paths relative to `root` (POSIX), or None when they cannot be told."""
    git = root / ".git"
    if git.is_symlink() or not git.is_dir():
        return None  # a worktree's or submodule's .git file points outside the repository: not read
    try:
        # Bounded by the .git folder itself: git metadata is no repository content, and no other file of
        # .git (config holds the checkout token) is read.
        data = safefs.read_bytes(git / "index", git, cap=CAP)
    except (OSError, safefs.UnsafePath):
        return None
    try:
        return _parse(data)
    except (struct.error, ValueError, IndexError):
        return None


def _parse(data: bytes) -> set[str] | None:
    signature, version, count = struct.unpack(">4sLL", data[:12])
    if signature != b"DIRC" or version not in (2, 3, 4):
        return None
    paths: set[str] = set()
    pos, previous = 12, b""
    for _ in range(count):
        (flags,) = struct.unpack(">H", data[pos + 60 : pos + 62])
        start = pos + 62 + (2 if version >= 3 and flags & 0x4000 else 0)
        if version == 4:
            strip, start = _varint(data, start)
            end = data.index(b"\x00", start)
            if strip > len(previous):
                raise ValueError("bad prefix")
            path = previous[: len(previous) - strip] + data[start:end]
            pos = end + 1
        else:
            end = data.index(b"\x00", start)
            path = data[start:end]
            pos += (end - pos + 8) // 8 * 8  # entries are NUL-padded to a multiple of 8 bytes
        previous = path
        paths.add(path.decode("utf-8", errors="replace"))
    return paths


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """git's offset encoding (varint.c), as index v4 writes the length of the prefix to strip."""
    byte = data[pos]
    value = byte & 0x7F
    while byte & 0x80:
        pos += 1
        byte = data[pos]
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, pos + 1
