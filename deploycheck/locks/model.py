"""The lock model every check reads: a `Lock` of `Pin`s, where they come from, and how it is kept fresh.

A lock format (deploycheck.locks.formats lists them) turns its files into `Lock` values; checks read only
these, never a format's own parse. requirements.txt is the first format: a lock compiled by pip-compile
or uv, or a plain requirements file that nothing compiles (`tool` None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from packaging.utils import NormalizedName

from deploycheck.locks import markers
from deploycheck.locks.indexes import IndexSources

# How a lock's freshness is verified; each kind has the check that runs it.
RECOMPILE = "recompile"  # recompiled from its sources by its own tool, compared pin by pin (lock_drift)
COMPILE_AS_SOURCE = "compile-as-source"  # nothing compiles it: compiled as if it were a source (unpinned)

# Where a source stands to the lock.
SOURCE = "source"  # the lock is compiled from it (a .in, pyproject.toml, setup.py)
INCLUDE = "include"  # a file a source or the lock pulls in with -r / -c

# Issue kind -> severity. Errors are what the installer refuses, so the deploy's install fails; warnings
# are what it accepts but that deserves a look. "too-many-issues" takes the worst of what it counts.
ISSUE_KINDS = {
    "syntax": "error",  # pip cannot parse the line (also pasted junk: fences, commands, conflict markers)
    "unknown-option": "error",  # pip: "no such option"
    "duplicate": "error",  # the same package twice with versions no install can satisfy at once
    "not-text": "error",  # bytes pip cannot decode, NUL bytes
    "too-large": "error",  # over the reader's size caps (then not parsed), or another cap reached
    "line-too-long": "error",  # a line over the reader's line cap
    "name-too-long": "error",  # a package name no index holds
    "repeated": "warning",  # the same package twice, compatibly: pip merges them
    "encoding": "warning",  # UTF-16/UTF-32 or a `# coding:` declaration: pip reads it, other tools may not
    "ignored-option": "warning",  # an option pip ignores where it stands (--index-url after a requirement)
    "env-var": "warning",  # ${VAR}: pip fills it in from the deploy's environment, unknown here
    "too-many-issues": "warning",
}


@dataclass
class Issue:
    """What the installer would refuse (or question) in a lock file, at a line."""

    line: int | None
    message: str
    fix: str
    kind: str
    severity: str = ""  # from ISSUE_KINDS unless given

    def __post_init__(self) -> None:
        self.severity = self.severity or ISSUE_KINDS.get(self.kind, "error")


@dataclass
class Pin:
    name: NormalizedName
    line: int
    raw: str
    version: str | None = None  # exact version when the line is `name==version`
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str = ""
    url: str = ""  # a URL or local path requirement (`name @ URL`, `./pkg`, `-e ./pkg`)
    editable: bool = False
    hashes: tuple[str, ...] = ()
    via: list[str] = field(default_factory=list)  # what needs it, as the lock's annotations say
    file: str = field(default="", compare=False)  # the file that holds the line, as shown

    @property
    def is_exact(self) -> bool:
        return self.version is not None or bool(self.url)

    def describe(self) -> str:
        """Short human form: `name[extra]==1.2 ; marker`."""
        text = self.name + (f"[{','.join(self.extras)}]" if self.extras else "")
        text += f" @ {self.url}" if self.url else (f"=={self.version}" if self.version else self.specifier)
        return text + (f" ; {self.marker}" if self.marker else "")


class Source(NamedTuple):
    """A file a lock is compiled from or includes, as the scan read it (once, inside the repository)."""

    path: Path  # resolved
    display: str
    role: str  # SOURCE | INCLUDE
    pins: Mapping[NormalizedName, Pin] | None  # its requirements; None: not a requirements file, or unread


@dataclass
class Lock:
    path: Path
    display: str  # the path as shown to the user
    format: str  # the format's id (deploycheck.locks.formats), e.g. "requirements.txt"
    text: str  # the file as the installer decodes it
    pins: dict[NormalizedName, Pin]
    indexes: IndexSources = field(default_factory=IndexSources)
    # Further lines for a name already in `pins`, under other markers (uv --universal writes these).
    alternates: list[Pin] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    tool: str | None = None  # deploycheck.locks.tools: the tool that writes it; None when nothing does
    command: str = ""  # that tool's command, quoted for display (never run from here)
    python: str | None = None  # the Python the file says it was made with ("3.11")
    verify: str = COMPILE_AS_SOURCE  # how its freshness is verified: RECOMPILE | COMPILE_AS_SOURCE
    issues: list[Issue] = field(default_factory=list)
    # Resolved for every platform and Python it allows (uv --universal, uv.lock): its markers were not chosen
    # by the Python that made it, so they tell nothing of that Python.
    universal: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def locked(self) -> bool:
        """A tool writes this file (a lock workflow); else it is kept by hand."""
        return self.tool is not None

    def every_pin(self) -> list[Pin]:
        """Every requirement line, a name's lines under other markers included."""
        return [*self.pins.values(), *self.alternates]

    def installed(self, env: dict[str, str]) -> list[Pin]:
        """The pins pip installs in that marker environment (deploycheck.locks.markers.environment): every line
        whose marker holds, a name's lines under other markers included (a universal lock's numpy for 3.12 is
        one of those)."""
        return [pin for pin in self.every_pin() if markers.holds(pin.marker, env)]

    def compiled_from(self) -> list[Source]:
        return [source for source in self.sources if source.role == SOURCE]
