"""Where a run writes: --output (the report) and --fix-dir (proposed locks), checked before any work.

Neither ever overwrites a file deploycheck reads as input (a lock, a source, an include), and every
refusal is one line and exit 2, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from deploycheck.errors import CheckError
from deploycheck.project.candidates import given_lockfile
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository
from deploycheck.settings import Settings

if TYPE_CHECKING:  # the scanned project's model (locks, requirement files): 30 ms a run from the cache never needs
    from deploycheck.project import records


def one_line(exc: CheckError) -> str:
    text = exc.where() + exc.message
    return f"{text} ({exc.fix})" if exc.fix else text


def check_output(path: Path, read: set[Path]) -> None:
    name = str(path)
    if path.is_dir():
        raise CheckError("--output names a folder", path=name, fix="name a file, e.g. report.json")
    if safefs.resolve(path) in read:
        raise CheckError(
            "--output would overwrite a file that deploycheck reads as input",
            path=name,
            fix="write the report to another file",
        )
    _writable_parent(path, "--output")


def check_fix_dir(path: Path, read: set[Path], locks: list[str]) -> None:
    name = str(path)
    if path.exists() and not path.is_dir():
        raise CheckError("--fix-dir names a file, not a folder", path=name, fix="name a folder (it is created)")
    for lock in locks:
        if safefs.resolve(path / lock) in read:
            raise CheckError(
                f"--fix-dir would overwrite {lock}, which deploycheck reads as input",
                path=name,
                fix="name a folder outside the checked one, e.g. /tmp/deploycheck-fix",
            )
    _writable_parent(path, "--fix-dir")


def _writable_parent(path: Path, option: str) -> None:
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise CheckError(f"{option} cannot be written: {folder} is not a writable folder", path=str(path))


def write_report(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CheckError(f"--output cannot be written ({exc.strerror})", path=str(path)) from None


def preflight(settings: Settings) -> str:
    """Refusals that need no scan, before any work: --lockfile outside the repository or a folder, --output a
    folder or unwritable, --fix-dir a file. One line each (exit 2), or ""."""
    try:
        if settings.lockfiles and settings.root.is_dir():
            repo = Repository.at(settings.root, settings.boundary)
            for name in settings.lockfiles:
                given_lockfile(name, repo, must_exist=False)
        if settings.output:
            check_output(settings.output, set())
        if settings.fix_dir:
            check_fix_dir(settings.fix_dir, set(), [])
    except CheckError as exc:
        return one_line(exc)
    return ""


def guard(settings: Settings, project: records.Scanned) -> None:
    """After the scan, before any resolver runs: neither --output nor --fix-dir may overwrite an input."""
    if settings.output:
        check_output(settings.output, project.inputs)
    if settings.fix_dir:
        check_fix_dir(settings.fix_dir, project.inputs, [lock.display for lock in project.locks])
