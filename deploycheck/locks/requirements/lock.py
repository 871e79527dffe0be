"""requirements.txt as a `Lock` (deploycheck.locks.model): the format's reader.

A parsed file and, for a lock, the command that compiles it and its sources as the scan read them
(deploycheck.project.scan pairs a lock with its command); the `Lock` carries what every check reads. Its
`IndexSources` are read here, once: the file's option lines in pip's order (a -r/-c file's at the line
that names it), else, when the file names no index, its compile command's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from deploycheck.locks.indexes import FILE, FIND_LINKS, INDEX_LIKE, OPTIONS, IndexOption, IndexSources, Origin
from deploycheck.locks.model import COMPILE_AS_SOURCE, RECOMPILE, Lock, Source
from deploycheck.locks.requirements import reqfile
from deploycheck.locks.requirements.compilecmd import CompileCommand
from deploycheck.locks.requirements.reqfile import ReqFile

FORMAT = "requirements.txt"
MAX_INCLUDE_DEPTH = 32  # as the scan's: real layered requirements nest a few levels

# The file a -r/-c line of a file names, as the scan read it (inside the repository); None when it did not.
Included = Callable[[ReqFile, int], "ReqFile | None"]


def file_options(file: ReqFile, included: Included | None = None) -> list[IndexOption]:
    """The index options pip reads from the file, in its order: a nested file's at its -r/-c line."""
    found: list[IndexOption] = []

    def walk(current: ReqFile, within: frozenset[Path]) -> None:
        if len(within) > MAX_INCLUDE_DEPTH or current.path in within:
            return  # a loop, or a chain deeper than the scan reads
        for name, value, line in current.options:
            if name in ("-r", "-c"):
                nested = included(current, line) if included else None
                if nested is not None:
                    walk(nested, within | {current.path})
            elif name in OPTIONS:
                found.append(IndexOption(name, value, Origin(FILE, current.display, line)))

    walk(file, frozenset())
    return found


def names_an_index(files: Iterable[ReqFile | None]) -> bool:
    """Whether any of these files (a lock's sources and includes as the scan read them; None: not read) has an
    index line other than --find-links, or includes a file by URL, which nobody read: uv then reads an index
    from the files as well as from its command line."""
    for file in files:
        if file is None:
            return True
        for name, value, _ in file.options:
            if (name in INDEX_LIKE and name != FIND_LINKS) or (name in ("-r", "-c") and "://" in value):
                return True
    return False


def indexes_of(file: ReqFile, command: CompileCommand | None = None, included: Included | None = None) -> IndexSources:
    """`pip install -r` reads the file's own index lines. When they name no index, the lock's command's are the
    ones it was compiled against (its index lines are left out by --no-emit-index-url, or by uv)."""
    own = file_options(file, included)
    sources = IndexSources.read(own)
    if sources.says or command is None:
        return sources
    return IndexSources.read([*own, *command.indexes(file.display).options])


def build(
    file: ReqFile,
    command: CompileCommand | None = None,
    sources: Iterable[Source] = (),
    included: Included | None = None,
) -> Lock:
    """The Lock of a parsed file: with a command, a lock that its tool recompiles; without, a plain file."""
    return Lock(
        path=file.path,
        display=file.display,
        format=FORMAT,
        text=file.text,
        pins=file.pins,
        indexes=indexes_of(file, command, included),
        alternates=file.alternates,
        sources=list(sources),
        tool=command.tool if command else None,
        command=command.command_line() if command else "",
        python=file.header.python,
        verify=RECOMPILE if command else COMPILE_AS_SOURCE,
        issues=file.issues,
        universal=file.universal,
    )


def read(raw: bytes, path: Path, display: str) -> Lock:
    """A file alone, as a Lock: no command (the scan pairs a lock with its command and sources)."""
    return build(reqfile.parse_bytes(raw, path, display))


def from_text(text: str, path: Path, display: str) -> Lock:
    """A resolver's output (decoded text) as a Lock, e.g. the lock a compile proposes."""
    return build(reqfile.parse_text(text, path, display))
