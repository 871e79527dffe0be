"""Finding the lockfiles of a project and what each was compiled from.

A lockfile is a .txt whose header says pip-compile or uv wrote it, or a requirements*.txt beside a
.in of the same name. A requirements*.txt with neither is a plain requirements file (no lock workflow).
Each becomes a `Lock` (deploycheck.locks.model), the only form the checks read; a lock is also paired with
the command that recompiles it (`LockPair`). Every file is read once: sources and includes that the scan
parsed are carried on the Lock, never read again.
"""

from __future__ import annotations

import os
from pathlib import Path

from deploycheck.errors import CheckError
from deploycheck.locks import formats
from deploycheck.locks.model import INCLUDE, SOURCE, Lock, Source
from deploycheck.locks.requirements import compilecmd, header, reqfile, reqtext
from deploycheck.locks.requirements import lock as requirements
from deploycheck.locks.requirements.compilecmd import CompileCommand
from deploycheck.locks.requirements.reqfile import ReqFile
from deploycheck.locks.tools import PIP_COMPILE, UV
from deploycheck.project.candidates import candidates
from deploycheck.project.records import OUTSIDE_FIX, LockPair, Scanned, Violation
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository

_BUILD_SOURCES = ("setup.py", "setup.cfg", "pyproject.toml")
# pip-compile's own rule for a command with no source: the first of these that exists.
DEFAULT_SOURCES = ("requirements.in", "setup.py", "pyproject.toml", "setup.cfg")
FOREIGN = "a requirement installs from an absolute path on another machine"


def _decode(raw: bytes, path: Path, display: str) -> ReqFile:
    """As pip reads it (BOMs, UTF-16 from PowerShell); content problems are the file's issues, not errors."""
    return reqfile.parse_bytes(raw, path, display)


def _head(raw: bytes) -> str:
    """The first lines as text, whatever encoding pip would read the file in: enough to see a header."""
    return reqtext.decode(raw[:4096]).text


def _default_output(sources: list[str], tool: str) -> str | None:
    if tool == UV:
        return None  # uv writes to stdout unless told; the user redirected it
    if len(sources) == 1:
        src = sources[0]
        if Path(src).name in _BUILD_SOURCES:
            return str(Path(src).parent / "requirements.txt")
        return src.rsplit(".", 1)[0] + ".txt"  # pip-compile's own rule
    return "requirements.txt"


# Real layered requirements nest a few levels (base <- dev <- test); this bounds a hostile chain.
MAX_INCLUDE_DEPTH = 32


class _Scan:
    """One scan's state: the boundary, what was read, and what was refused."""

    def __init__(self, repo: Repository, only_binary: bool) -> None:
        self.repo = repo
        self.root = repo.root
        self.boundary = repo.boundary
        self.only_binary = only_binary
        self.violations: list[Violation] = []
        self.inputs: set[Path] = set()
        self.needed: set[Path] = {repo.root}
        self.builds_local = False  # the lock being read has a local path requirement (pair)
        self.foreign: list[Lock] = []
        self.included: dict[Path, list[Path]] = {}  # each lock's -r/-c files, recursively
        self.parsed: dict[Path, ReqFile] = {}  # every requirements file read, by resolved path: read once
        self.include_at: dict[tuple[Path, int], Path] = {}  # (file, line of its -r/-c) -> the file it names

    def display(self, path: Path) -> str:
        return self.repo.display(path)

    def read_raw(self, path: Path, display: str) -> bytes:
        """A file inside the boundary. Out-of-boundary paths are the caller's to check first."""
        try:
            raw = safefs.read_bytes(path, self.boundary)
        except safefs.SymlinkLoop:
            raise CheckError(
                "is a symlink loop", path=display, fix="replace the symlink with the file it should point to"
            ) from None
        except safefs.UnsafePath as exc:
            raise CheckError(f"cannot be read: it {exc.reason}", path=display, fix=OUTSIDE_FIX) from None
        return raw

    def read(self, path: Path, display: str) -> ReqFile:
        parsed = _decode(self.read_raw(path, display), path, display)
        self.inputs.add(safefs.resolve(path))
        self.parsed[safefs.resolve(path)] = parsed
        return parsed

    def included_file(self, file: ReqFile, line: int) -> ReqFile | None:
        """The file that line `line` of `file` names with -r/-c, as read here; None when it was not read."""
        target = self.include_at.get((safefs.resolve(file.path), line))
        return self.parsed.get(target) if target is not None else None

    def source(self, path: Path, role: str) -> Source:
        parsed = self.parsed.get(path)
        if parsed is None:
            return Source(path, self.display(path), role, None)
        return Source(path, parsed.display, role, parsed.pins)

    def outside(self, path: Path, line: int | None, what: str) -> str:
        """Record a reference outside the boundary; returns the reason for the lock it blocks."""
        message = f"{what} resolves outside the repository: it was not read"
        self.violations.append(Violation(path=self.display(path), line=line, message=message))
        return message

    def includes(
        self, source: Path, seen: set[Path], blocked: list[str], depth: int = 0, cwd: Path | None = None
    ) -> list[Path]:
        """Files a requirements file pulls in with -r/-c, recursively; local path requirements are needed (from
        the file's folder, and from `cwd`, the folder the lock is compiled in, where pip reads them)."""
        if depth > MAX_INCLUDE_DEPTH:
            raise CheckError(
                f"-r/-c includes nested more than {MAX_INCLUDE_DEPTH} deep; deploycheck reads no further",
                path=self.display(source),
                fix="flatten the chain of included requirements files",
            )
        if (
            source in seen
            or source.suffix in (".toml", ".py", ".cfg")
            or not safefs.is_regular_inside(source, self.boundary)
        ):
            return []
        seen.add(source)
        display = self.display(source)
        try:
            parsed = self.read(source, display)
        except CheckError:
            return []
        if parsed.errors and source.suffix != ".txt":
            # The deploy does not read a .in, but the lock cannot be recompiled from one pip refuses. (A .txt
            # is a lock or requirements file of its own: its issues are findings.)
            first = parsed.errors[0]
            where = f"{display}:{first.line}" if first.line else display
            blocked.append(f"{where}: {first.message} (fix: {first.fix})")
        found = []
        for opt, value, line in parsed.options:
            if opt not in ("-r", "-c", "--find-links") or not value or value.startswith(("http:", "https:")):
                continue  # an index or page on the network: no file of the repository
            if "://" in value and not value.startswith("file:"):
                blocked.append(self.outside(source, line, f"`{opt} ...` on line {line} of {display} (not http(s))"))
                continue
            target = source.parent / compilecmd.local_path(value)
            if not safefs.inside(target, self.boundary):
                # Neither the file's content nor its path's target is quoted: only the referring line.
                blocked.append(self.outside(source, line, f"`{opt} ...` on line {line} of {display}"))
                continue
            target = safefs.resolve(target)
            self.needed.add(target)
            if opt != "--find-links":
                self.include_at[(safefs.resolve(source), line)] = target
                found.append(target)
                found += self.includes(target, seen, blocked, depth + 1, cwd)
            else:
                self._from_cwd(cwd, compilecmd.local_path(value))  # pip's fallback when the file's does not exist
        for pin in parsed.pins.values():
            local = pin.url.removeprefix("file:") if pin.url.startswith((".", "/", "file:")) else ""
            if not local:
                continue
            target = source.parent / local.split("#", 1)[0]
            if local.startswith("/") and not safefs.inside(target, self.boundary):
                blocked.append(f"{FOREIGN} on line {pin.line} of {display}: it was not read")  # DC355, not DC106
            elif not safefs.inside(target, self.boundary):
                blocked.append(self.outside(source, pin.line, f"the local requirement on line {pin.line} of {display}"))
            else:
                self.needed.add(safefs.resolve(target))
                self._from_cwd(cwd, local.split("#", 1)[0])
                self.builds_local = True  # its build code may read any file of the repository
        return found

    def _from_cwd(self, cwd: Path | None, value: str) -> None:
        """pip reads a relative path of a requirements file from the folder it runs in: that one is needed too
        (a --jobs worker copies only what its locks need). Nothing is reported for it: the file's own reading
        is the one checked against the boundary above."""
        if cwd is not None and not value.startswith("/") and safefs.inside(cwd / value, self.boundary):
            self.needed.add(safefs.resolve(cwd / value))

    def compile_cwd(self, lock_path: Path, command: CompileCommand) -> Path:
        output = command.output_file or _default_output(command.sources, command.tool)
        folder = lock_path.parent
        if output in (None, "-"):
            return folder
        for candidate in [folder, *folder.parents]:
            if not safefs.inside(candidate, self.boundary):
                break
            if safefs.resolve(candidate / output) == safefs.resolve(lock_path):
                return candidate
        return folder

    def map_absolute(self, value: str, lock_dir: Path) -> Path | None:
        """An absolute path from the author's machine, on this repository: the longest suffix of it that
        exists, tried from the lock's folder up to the boundary."""
        parts = [p for p in value.replace("\\", "/").split("/") if p and not p.endswith(":")]
        for base in [lock_dir, *lock_dir.parents]:
            if not safefs.inside(base, self.boundary):
                break
            for k in range(len(parts)):
                candidate = base.joinpath(*parts[k:])
                if os.path.lexists(candidate) and safefs.inside(candidate, self.boundary):
                    return candidate
        return None

    def remap_absolute(self, command: CompileCommand, path: Path, notes: list[str]) -> None:
        """The header's absolute paths (sources, output), each read as the file of this repository it names."""
        for value in [*command.sources, *([command.output_file] if command.output_file else [])]:
            if compilecmd.is_absolute(value):
                mapped = self.map_absolute(value, path.parent)
                if mapped is not None:
                    command.remap(value, os.path.relpath(mapped, path.parent))
                    notes.append(
                        f"the header's absolute path {value} (from the machine that compiled the lock) "
                        f"was read as {self.display(mapped)}"
                    )

    def command_for(self, path: Path, lock: ReqFile, display: str) -> tuple[CompileCommand, list[str]]:
        """The command that compiles this lock, and notes on how it was read."""
        head = lock.header
        notes: list[str] = []
        command = compilecmd.parse(head.command, only_binary=self.only_binary) if head.command else None
        if command is None and head.tool == header.CUSTOM:
            command = self._from_annotations(path, lock, notes)
        if command is None and tuple(head.argv[:2]) == header.UV_EXPORT:
            # Exported from uv.lock: checks/uv_lock.py exports it again and compares; never recompiled.
            command = compilecmd.infer(lock, "pyproject.toml", UV)
        if command is None:
            sibling = path.with_suffix(".in")
            tool = UV if head.tool == UV else PIP_COMPILE
            if safefs.is_regular_inside(sibling, self.boundary):
                command = compilecmd.infer(lock, sibling.name, tool)
            elif head.tool == header.CUSTOM and safefs.is_regular_inside(
                path.parent / "requirements.in", self.boundary
            ):
                command = compilecmd.infer(lock, "requirements.in", tool)
            else:
                raise CheckError(
                    "cannot tell what this lock was compiled from: its header names no command and there is "
                    f"no {sibling.name} beside it",
                    path=display,
                    line=1,
                    fix=f"add {sibling.name} with the top-level requirements, or pass the source with --lockfile",
                )
        if head.tool == header.CUSTOM:
            command.original = head.command  # kept in the regenerated header; never run
        return command, notes + command.notes

    def _from_annotations(self, path: Path, lock: ReqFile, notes: list[str]) -> CompileCommand | None:
        """CUSTOM_COMPILE_COMMAND (`make requirements`): the lock's `# via -r X` annotations still name its
        sources, relative to the folder pip-compile ran in: the nearest folder where they all exist."""
        sources, constraints = compilecmd.via_sources(lock)
        if not sources:
            return None
        for base in [path.parent, *path.parent.parents]:
            if not safefs.inside(base, self.boundary):
                return None
            if all(os.path.lexists(base / s) for s in sources):
                tool = UV if lock.header.tool == UV else PIP_COMPILE
                command = compilecmd.infer(lock, sources, tool, constraints)
                output = os.path.relpath(path, base)
                command.output_file = output
                command.args += ["--output-file", output]
                notes.append(
                    f"the header names a custom command ({lock.header.tool}); the sources were read from the lock's "
                    f"`# via` annotations: {', '.join(sources)}"
                )
                return command
        return None

    def pair(self, path: Path, lock: ReqFile) -> LockPair:
        """The lock's recompile plan; what it reads is kept on the pair as well as in the project's `needed`
        (a --jobs worker copies only its own locks' files)."""
        outer, self.needed = self.needed, set()
        self.builds_local = False
        try:
            made = self._pair(path, lock)
            # A build's reads are not traced here ([tool.uv.sources] paths, setup.py's own code reading
            # ../VERSION, a backend's direct references): a lock compiled from a project, or with a local path
            # requirement, keeps `needed` empty, unknown, and a --jobs worker copies what one at a time does.
            traced = not self.builds_local and not any(s.suffix in (".toml", ".py", ".cfg") for s in made.sources)
            made.needed = set(self.needed) if traced else set()
            return made
        finally:
            self.needed = outer | self.needed

    def _pair(self, path: Path, lock: ReqFile) -> LockPair:
        display = lock.display
        command, notes = self.command_for(path, lock, display)
        line = _command_line(lock)
        blocked: list[str] = []
        for reason in command.refused:
            self.violations.append(Violation(display, line, reason, "remove it from the header's --pip-args"))
            blocked.append(reason)
        self.remap_absolute(command, path, notes)
        cwd = safefs.resolve(self.compile_cwd(path, command))
        if not command.sources and command.tool == PIP_COMPILE:
            default = next((n for n in DEFAULT_SOURCES if safefs.is_regular_inside(cwd / n, self.boundary)), None)
            if default is None:
                raise CheckError(
                    f"the header's command names no source, and none of {', '.join(DEFAULT_SOURCES)} exists "
                    f"in {self.display(cwd)}",
                    path=display,
                    line=line,
                    fix="add the source file, or recompile the lock naming its source",
                )
            command.sources = [default]
            notes.append(f"the header's command names no source: pip-compile's default is {default} (the first found)")
        if command.self_output:
            notes.append("the command's source is its own output: it was recompiled from the committed copy")
        sources = []
        for name in command.sources:
            source = cwd / name
            if not safefs.inside(source, self.boundary):
                blocked.append(self.outside(path, line, f"the header's source {compilecmd.short(name)}"))
                continue
            if not safefs.is_regular_inside(source, self.boundary):
                raise CheckError(
                    f"the header's command compiles {self.display(source)}, which does not exist",
                    path=display,
                    line=line,
                    fix="restore that file, or recompile the lock from the file that now holds the requirements",
                )
            sources.append(safefs.resolve(source))
        for opt, value in command.path_options():
            target = cwd / value
            if not safefs.inside(target, self.boundary):
                blocked.append(self.outside(path, line, f"the header's {opt}"))
            else:
                self.needed.add(safefs.resolve(target))
        seen: set[Path] = set()
        included: list[Path] = []
        for source in sources:
            if source.suffix not in (".toml", ".py", ".cfg") and source != safefs.resolve(path):
                self.inputs.add(source)
            self.needed.add(source.parent if source.suffix in (".toml", ".py", ".cfg") else source)
            included += self.includes(source, seen, blocked, cwd=cwd)
        self.included[safefs.resolve(path)] = included
        self.needed |= {cwd, safefs.resolve(path)}
        read = [self.source(s, SOURCE) for s in sources] + [self.source(p, INCLUDE) for p in included]
        model = requirements.build(lock, command, read, self.included_file)
        pair = LockPair(safefs.resolve(path), display, lock, command, cwd, sources, model, notes=notes)
        pair.blocked = blocked[0] if blocked else ""
        read_files = [s for s in [*sources, *included] if s.suffix not in (".toml", ".py", ".cfg")]
        pair.names_an_index = requirements.names_an_index(self.parsed.get(s) for s in read_files)
        return pair


def _command_line(lock: ReqFile) -> int:
    """The header line that holds the command, for messages about it."""
    command = lock.header.command
    for number, text in enumerate(lock.text.splitlines()[: max(lock.header.lines, 1)], 1):
        if command and command in text:
            return number
    return max(lock.header.lines - 1, 1)


def _ordered(locks: list[LockPair], state: _Scan) -> list[LockPair]:
    """Locks that others include (-c base.txt) first, as they are compiled by hand."""
    by_path = {lock.path: lock for lock in locks}
    for lock in locks:
        lock.needs = [p for p in state.included.get(lock.path, []) if p in by_path and p != lock.path]
    done: list[LockPair] = []
    visiting: set[Path] = set()

    def visit(lock: LockPair) -> None:
        if lock in done or lock.path in visiting:
            return
        visiting.add(lock.path)
        for need in lock.needs:
            visit(by_path[need])
        done.append(lock)

    for lock in locks:
        visit(lock)
    return done


def scan(repo: Repository, lockfiles: list[str] | None = None, *, only_binary: bool = False) -> Scanned:
    """The project's locks and plain requirements files; every path is checked against the repository's
    boundary before it is opened."""
    boundary = repo.boundary
    state = _Scan(repo, only_binary)
    locks: list[LockPair] = []
    plain: list[Lock] = []
    for path in candidates(repo, lockfiles):
        named = path.name.startswith("requirements") or path.parent.name == "requirements"
        display = repo.display(path)
        if os.path.islink(path) and not safefs.inside(path, boundary):
            if named or lockfiles:
                state.violations.append(
                    Violation(display, None, "is a symlink to a file outside the repository: it was not read")
                )
            continue
        if not (named or lockfiles) and not safefs.is_regular_inside(path, boundary):
            continue
        if not (named or lockfiles) and path.stat().st_size > safefs.DEFAULT_CAP:
            continue
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # a symlink loop, or gone: read_raw below says which
        if (named or lockfiles) and size > reqfile.MAX_FILE_BYTES:
            # The deploy's pip would read it; deploycheck reads no further: a finding, not "could not check".
            state.inputs.add(safefs.resolve(path))
            plain.append(requirements.build(reqfile.too_large(path, display, f"{size} bytes")))
            continue
        raw = state.read_raw(path, display)
        compiled = formats.REQUIREMENTS_TXT.is_lock(_head(raw))
        if not (compiled or named or lockfiles):
            continue
        lock = _decode(raw, path, display)
        state.inputs.add(safefs.resolve(path))
        if compiled or safefs.is_regular_inside(path.with_suffix(".in"), boundary):
            locks.append(state.pair(path, lock))
            continue
        blocked: list[str] = []
        included = state.includes(path, set(), blocked)  # a plain file is compiled as a source: its -r/-c too
        if not blocked:
            sources = [state.source(p, INCLUDE) for p in included]
            plain.append(requirements.build(lock, sources=sources, included=state.included_file))
            state.needed.add(safefs.resolve(path))
        elif all(reason.startswith(FOREIGN) for reason in blocked):
            state.foreign.append(requirements.build(lock))
    return Scanned(
        repo,
        _ordered(locks, state),
        plain,
        violations=state.violations,
        inputs=state.inputs,
        needed=state.needed,
        foreign=state.foreign,
    )
