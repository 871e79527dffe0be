"""The few folders a platform looks in, listed with os.scandir: the platform checks read names here
instead of walking the tree again, and each listing is bounded whatever a folder holds."""

from __future__ import annotations

import os
from pathlib import Path

from deploycheck.repo import boundedread

# A deploy's folder holds tens of entries; a listing stops here so a folder of a million files costs nothing.
MAX_ENTRIES = 10_000


def listing(folder: Path) -> dict[str, bool]:
    """Entry name -> whether it is a directory (symlinks are not followed: a link is never a directory here)."""
    out: dict[str, bool] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if len(out) >= MAX_ENTRIES:
                    break
                try:
                    out[entry.name] = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
    except OSError:
        return {}
    return out


def chain(folder: Path, root: Path) -> list[Path]:
    """`folder`, then each parent up to and including `root` (the platforms look nearest first)."""
    folder, root = folder.resolve(), root.resolve()
    out = [folder]
    while out[-1] != root and root in out[-1].parents:
        out.append(out[-1].parent)
    return out


def display(path: Path, root: Path) -> str:
    """The path as the repository writes it: the folder resolved, the name kept (a symlink shows as itself)."""
    try:
        shown = (path.parent.resolve() / path.name).relative_to(root.resolve()).as_posix()
    except ValueError:  # outside: the name only, never a path outside the repository
        return path.name
    return shown or "."


def read_text(path: Path, root: Path, *, cap: int = boundedread.CAP) -> tuple[str | None, str]:
    """(text, "") or (None, why it was not read), for a finding that names the file: a symlink out of the
    repository, a FIFO, binary junk and an oversized file each get a reason, never a traceback."""
    try:
        data = boundedread.read(path, root, cap=cap)
    except boundedread.Unreadable as exc:
        return None, str(exc)
    except FileNotFoundError:
        return None, "is missing"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or type(exc).__name__})"
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "is binary, not text"
    return boundedread.decode(data), ""
