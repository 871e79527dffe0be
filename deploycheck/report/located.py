"""Where a path that a report shows is in the repository.

A report shows paths from the checked folder, and a file of the repository above it (a root packages.txt
for an app in a subfolder) from the repository's top (Repository.display). Inline comments read that file,
and annotations and SARIF name it from the repository's top, as GitHub resolves them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from deploycheck.repo.repository import Repository


def _base(repo: Repository, shown: str) -> Path | None:
    """The folder a shown path is from: the checked folder, else the repository's top; None when neither has
    it, or when the path is absolute or climbs (`..`), which no shown path does."""
    pure = PurePosixPath(shown)
    if not pure.parts or pure.is_absolute() or ".." in pure.parts:
        return None
    return next((base for base in (repo.root, repo.boundary) if os.path.lexists(Path(base, *pure.parts))), None)


def shown_file(repo: Repository, shown: str) -> Path | None:
    """The file (or folder) a shown path names, not yet checked against the boundary: read it through repo."""
    base = _base(repo, shown)
    return Path(base, *PurePosixPath(shown).parts) if base is not None else None


def from_top(repo: Repository | None) -> Callable[[str], str]:
    """shown path -> path from the repository's top (a path no file has is taken to be from the checked folder)."""
    if repo is None:
        return lambda shown: shown
    folder = repo.root.relative_to(repo.boundary).as_posix()
    prefix = "" if folder == "." else folder + "/"

    def locate(shown: str) -> str:
        if shown in ("", "."):
            return folder
        return shown if _base(repo, shown) == repo.boundary and prefix else prefix + shown

    return locate
