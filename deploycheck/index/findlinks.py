"""A local --find-links folder, read as pip reads it: its distribution files, by project.

The caller has checked that the folder resolves inside the repository. Only regular files are listed (a
symlink is not followed, so no file of another place is read), the listing is capped, and files are hashed
(for the hashes check) while a byte budget lasts.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.index.simpleapi import Entry, folder_entry, project_of

MAX_FOLDER_FILES = 10_000
HASHED_FILE_CAP = 64_000_000  # bigger files of a find-links folder get no hash (their hashes are not judged)
HASHED_TOTAL_CAP = 512_000_000


def folder_links(folder: Path) -> dict[NormalizedName, list[Entry]]:
    """A find-links folder's distribution files (regular files only: a symlink is not followed), with their
    sha256 while the hashing budget lasts."""
    out: dict[NormalizedName, list[Entry]] = {}
    budget = HASHED_TOTAL_CAP
    try:
        listing = sorted(os.scandir(folder), key=lambda e: e.name)[:MAX_FOLDER_FILES]
    except OSError:
        return out
    for item in listing:
        if item.is_symlink() or not item.is_file(follow_symlinks=False):
            continue
        size = item.stat(follow_symlinks=False).st_size
        hashes = {}
        if size <= min(HASHED_FILE_CAP, budget):
            budget -= size
            digest = _sha256(Path(item.path))
            hashes = {"sha256": digest} if digest else {}
        entry = folder_entry(item.name, Path(item.path).as_uri(), hashes)
        if entry is not None:
            out.setdefault(project_of(item.name) or canonicalize_name(entry.filename), []).append(entry)
    return out


def _sha256(path: Path) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
