"""Finding the lockfiles of a project and what each was compiled from.

A lockfile is a .txt whose header says pip-compile or uv wrote it, or a requirements*.txt beside a
.in of the same name. A requirements*.txt with neither is a plain requirements file (no lock workflow).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from deploycheck import compilecmd, reqfile
from deploycheck.compilecmd import CompileCommand
from deploycheck.errors import CheckError
from deploycheck.reqfile import ReqFile

if TYPE_CHECKING:
    from deploycheck.apps import App

# Folders that never hold an app's own requirements but can be huge.
SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".venv",
    "venv",
    "site-packages",
    ".eggs",
    "build",
    "dist",
}
_BUILD_SOURCES = ("setup.py", "setup.cfg", "pyproject.toml")


@dataclass
class LockPair:
    path: Path
    display: str
    lock: ReqFile
    command: CompileCommand
    cwd: Path  # the folder the compile command runs in
    sources: list[Path]
    needs: list[Path] = field(default_factory=list)  # other locks this one's sources include (-r/-c)


@dataclass
class Project:
    root: Path
    locks: list[LockPair]
    plain: list[ReqFile]  # requirements files with no .in and no compile header
    apps: list[App] = field(default_factory=list)  # built once from the above by deploycheck.apps


def rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def cd_prefix(folder: Path, root: Path) -> str:
    """`cd sub/dir && ` for a command that must run in folder, given from the checked root."""
    where = rel(folder, root)
    return "" if where in (".", "") else f"cd {where} && "


def _walk(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not (Path(folder, d) / "pyvenv.cfg").exists())
        # Regular files only: opening a FIFO named *.txt to read its header would block the run.
        found += [Path(folder, f) for f in sorted(files) if f.endswith(".txt") and Path(folder, f).is_file()]
    return found


def _head(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return "".join(f.readline() for _ in range(12))
    except OSError:
        return ""


def _default_output(sources: list[str], tool: str) -> str | None:
    if tool == "uv":
        return None  # uv writes to stdout unless told; the user redirected it
    if len(sources) == 1:
        src = Path(sources[0])
        if src.name in _BUILD_SOURCES:
            return str(src.parent / "requirements.txt")
        return str(src.with_suffix(".txt"))
    return "requirements.txt"


def _compile_cwd(lock_path: Path, command: CompileCommand, root: Path) -> Path:
    output = command.output_file or _default_output(command.sources, command.tool)
    if output in (None, "-"):
        return lock_path.parent
    folder = lock_path.parent
    for candidate in [folder, *folder.parents]:
        if (candidate / output).resolve() == lock_path.resolve():
            return candidate
        if candidate == root or root not in candidate.parents:
            break
    return lock_path.parent


def _pair(path: Path, root: Path, lock: ReqFile) -> LockPair:
    display = rel(path, root)
    header = lock.header
    command = compilecmd.from_argv(header.argv, header.command) if header.argv else None
    if command is None:
        sibling = path.with_suffix(".in")
        tool = "uv" if header.tool == "uv" else "pip-compile"
        if sibling.is_file():
            command = compilecmd.infer(lock, sibling.name, tool)
        elif header.tool == "custom" and (path.parent / "requirements.in").is_file():
            command = compilecmd.infer(lock, "requirements.in", tool)
        else:
            raise CheckError(
                "cannot tell what this lock was compiled from: its header names no command and there is "
                f"no {sibling.name} beside it",
                path=display,
                line=1,
                fix=f"add {sibling.name} with the top-level requirements, or pass the source with --lockfile",
            )
        if header.tool == "custom":
            command.original = header.command
    cwd = _compile_cwd(path, command, root)
    names = command.sources or ["requirements.in"]
    sources = [(cwd / s).resolve() for s in names]
    line = header.lines - 1 if header.lines else 1
    for source in sources:
        if not source.exists():
            raise CheckError(
                f"the header's command compiles {rel(source, root)}, which does not exist",
                path=display,
                line=max(line, 1),
                fix="restore that file, or recompile the lock from the file that now holds the requirements",
            )
    return LockPair(path.resolve(), display, lock, command, cwd.resolve(), sources)


def _includes(source: Path, seen: set[Path]) -> list[Path]:
    """Files a .in pulls in with -r/-c, recursively (.txt ones are often other locks)."""
    if source in seen or source.suffix in (".toml", ".py", ".cfg") or not source.is_file():
        return []
    seen.add(source)
    try:
        parsed = reqfile.read(source)
    except CheckError:
        return []
    found = []
    for opt, value, _line in parsed.options:
        if opt in ("-r", "-c") and value:
            target = (source.parent / value).resolve()
            found.append(target)
            found += _includes(target, seen)
    return found


def _ordered(locks: list[LockPair]) -> list[LockPair]:
    """Locks that others include (-c base.txt) first, as they are compiled by hand."""
    by_path = {lock.path: lock for lock in locks}
    for lock in locks:
        seen: set[Path] = set()
        lock.needs = [p for s in lock.sources for p in _includes(s, seen) if p in by_path and p != lock.path]
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


def scan(root: Path, lockfiles: list[str] | None = None) -> Project:
    root = root.resolve()
    if not root.is_dir():
        raise CheckError("no such folder", path=str(root), fix="pass the folder of the app to check")
    if lockfiles:
        candidates = []
        for name in lockfiles:
            path = (root / name).resolve()
            if not path.is_file():
                raise CheckError("no such lockfile", path=name, fix="pass a path relative to the checked folder")
            candidates.append(path)
    else:
        candidates = _walk(root)
    locks: list[LockPair] = []
    plain: list[ReqFile] = []
    for path in candidates:
        head = _head(path)
        compiled = "autogenerated by pip-compile" in head or "autogenerated by uv" in head
        named = path.name.startswith("requirements") or path.parent.name == "requirements"
        if not (compiled or named or lockfiles):
            continue
        lock = reqfile.read(path, rel(path, root))
        if compiled or path.with_suffix(".in").is_file():
            locks.append(_pair(path, root, lock))
        else:
            plain.append(lock)
    return Project(root, _ordered(locks), plain)
