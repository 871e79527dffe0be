"""Reading one small repository file without trusting it: inside the boundary, regular, capped.

TODO(lead): deploycheck/safefs.py (h-headers) provides `read_bytes(path, boundary, *, cap)` with the same
rules; when it lands, make `read` call it and keep `Unreadable` as the one exception runtime.py handles.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Declarations are a few lines; 256 KiB is far above any real one and bounds every parse that follows.
CAP = 256 * 1024


class Unreadable(Exception):
    """Why a file was not read, phrased for a message: "is a symlink to outside the repository"."""


def read(path: Path, boundary: Path, *, cap: int = CAP) -> bytes:
    """The file's bytes; Unreadable when it resolves outside `boundary`, is not a regular file, or is over `cap`.
    Missing files raise FileNotFoundError."""
    try:
        real = path.resolve(strict=True)
    except RuntimeError as exc:  # a symlink loop on older Pythons
        raise Unreadable("is a symlink loop") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable("is a symlink loop") from exc
        raise
    root = boundary.resolve()
    if real != root and root not in real.parents:
        raise Unreadable("is a symlink to outside the repository")
    try:
        # O_NONBLOCK: a FIFO planted under this name must not hang the run; O_NOFOLLOW: no swap after resolve.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable("changed into a symlink while being read") from exc
        raise
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("is not a regular file")
        if info.st_size > cap:
            raise Unreadable(f"is {info.st_size:,} bytes, over the {cap:,}-byte limit for this kind of file")
        data = f.read(cap + 1)
    if len(data) > cap:
        raise Unreadable(f"is over the {cap:,}-byte limit for this kind of file")
    return data


def text(path: Path, boundary: Path, *, cap: int = CAP) -> str | None:
    """Decoded text, or None when the file is missing or unreadable (for callers that only peek)."""
    try:
        return decode(read(path, boundary, cap=cap))
    except (OSError, Unreadable):
        return None


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or UTF-16 as PowerShell writes it; undecodable bytes become U+FFFD."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")
