"""The scan's records: a lock and what compiles it (LockPair), a reference refused at the boundary (Violation),
what one scan found (Scanned), and how paths are shown."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.locks.model import Lock
from deploycheck.locks.requirements.compilecmd import CompileCommand
from deploycheck.locks.requirements.reqfile import ReqFile
from deploycheck.repo.repository import Repository, relative

OUTSIDE_FIX = "keep every file the app needs inside the repository, and refer to it by a relative path"


@dataclass
class Violation:
    """A reference from the repository to something outside it (or unreadable): never followed."""

    path: str  # the file that refers, as shown to the user
    line: int | None
    message: str
    fix: str = OUTSIDE_FIX


@dataclass
class LockPair:
    """A requirements.txt lock and how it is recompiled: its command, the folder it runs in, its sources."""

    path: Path
    display: str
    file: ReqFile  # the format's own parse: for the recompile only; checks read `lock`
    command: CompileCommand
    cwd: Path  # the folder the compile command runs in
    sources: list[Path]
    lock: Lock
    needs: list[Path] = field(default_factory=list)  # other locks this one's sources include (-r/-c)
    needed: set[Path] = field(default_factory=set)  # the files and folders its recompile reads
    names_an_index: bool = False  # a source or include has an index line (or a -r/-c by URL): see resolve.relayed
    blocked: str = ""  # why this lock must not be compiled (a violation); "" when it can be
    notes: list[str] = field(default_factory=list)  # how the header was read, for the report


@dataclass
class Scanned:
    """What the scan found: the project's locks and requirements files, before they are grouped into apps
    (deploycheck.project.apps.Project adds the apps)."""

    repo: Repository
    locks: list[LockPair]
    plain: list[Lock]  # requirements files with no .in and no compile header
    violations: list[Violation] = field(default_factory=list)
    inputs: set[Path] = field(default_factory=set)  # every file read (resolved): never overwritten
    needed: set[Path] = field(default_factory=set)  # files and folders a recompile reads (the workspace copies)
    # Plain requirements files with a line that installs from an absolute path outside the repository (`pip
    # freeze` in conda: `x @ file:///croot/...`): a path on another machine, never read, the file never compiled;
    # only DC355 (checks/local_paths) reads them.
    foreign: list[Lock] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.repo.root

    @property
    def boundary(self) -> Path:
        return self.repo.boundary


def rel(path: Path, root: Path) -> str:
    """`path` from `root` (Repository.display's rule, for callers that have only the root)."""
    return relative(path, root) or str(path)


def cd_prefix(folder: Path, root: Path) -> str:
    """`cd sub/dir && ` for a command that must run in folder, given from the checked root."""
    where = rel(folder, root)
    return "" if where in (".", "") else f"cd {shlex.quote(where)} && "  # folder names come from the PR
