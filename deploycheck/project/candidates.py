"""The files the scan looks at: every .txt of the checked folder (the Repository's one walk, with its
skip-list), or the --lockfile names, each checked against the repository's boundary before it is opened."""

from __future__ import annotations

from pathlib import Path

from deploycheck.errors import CheckError
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository


def candidates(repo: Repository, lockfiles: list[str] | None) -> list[Path]:
    """The --lockfile names given, or every .txt below the checked folder in the walk's order."""
    if lockfiles:
        return [given_lockfile(name, repo) for name in lockfiles]
    return [folder / name for folder, files in repo.walk(repo.root) for name in files if name.endswith(".txt")]


def given_lockfile(name: str, repo: Repository, *, must_exist: bool = True) -> Path:
    """A --lockfile, checked before it is opened. Each refusal is a usage error (exit 2)."""
    path = repo.root / name
    if safefs.is_loop(path):
        raise CheckError("the lockfile is a symlink loop", path=name, fix="pass the file the symlink should point to")
    if not repo.inside(path):
        raise CheckError(
            "the lockfile is outside the repository, which deploycheck never reads",
            path=name,
            fix="pass a lockfile inside the repository",
        )
    if path.is_dir():
        raise CheckError(
            "is a folder, not a lockfile", path=name, fix="pass the lockfile's path, e.g. DIR/requirements.txt"
        )
    if must_exist and not repo.is_file(path):
        raise CheckError("no such lockfile", path=name, fix="pass a path relative to the checked folder")
    return path
