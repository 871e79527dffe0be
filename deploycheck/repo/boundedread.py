"""Reading one small repository file without trusting it: inside the boundary, regular, capped.

The rules are deploycheck.repo.safefs's; this module phrases its refusals for findings about declaration files
("is a symlink to outside the repository") and decodes what it read.
"""

from __future__ import annotations

import os
from pathlib import Path

from deploycheck.repo import safefs

# Declarations are a few lines; 256 KiB is far above any real one and bounds every parse that follows.
CAP = 256 * 1024


class Unreadable(Exception):
    """Why a file was not read, phrased for a message: "is a symlink to outside the repository"."""


def read(path: Path, boundary: Path, *, cap: int = CAP) -> bytes:
    """The file's bytes; Unreadable when it resolves outside `boundary`, is not a regular file, or is over `cap`.
    Missing files raise FileNotFoundError."""
    if not os.path.lexists(path):
        raise FileNotFoundError(str(path))
    try:
        return safefs.read_bytes(path, boundary, cap=cap)
    except safefs.OutsideBoundary:
        raise Unreadable("is a symlink to outside the repository") from None
    except safefs.NotRegular:
        raise Unreadable("is not a regular file") from None
    except safefs.TooLarge:
        raise Unreadable(f"is over the {cap:,}-byte limit for this kind of file") from None
    except safefs.Unreadable as exc:
        if not os.path.lexists(path):
            raise FileNotFoundError(str(path)) from None
        raise Unreadable(exc.reason) from None
    except safefs.UnsafePath as exc:
        raise Unreadable(exc.reason) from None


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
