"""pylock.toml written by `uv pip compile ... -o pylock.toml` (#15 part 3): re-created with the command its header
records, by the pinned uv in the workspace copy and the sandbox, and handed back for comparison.

As for a requirements.txt lock, the committed file is in place as the output, so uv keeps its pins as
preferences (a consistency check, not a freshness check); the header's options go through the same allowlist
(compilecmd) and the same boundary rule (sources and constraint files inside the repository). The target is the
deploy's: its CPython on Linux, or, for a --universal file, every platform from the lower of its recorded floor
and the deploy's Python (recompile's rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.locks import pylock
from deploycheck.locks.indexes import EXTRA_INDEX_URL, FILE, INDEX_URL
from deploycheck.locks.model import Lock
from deploycheck.locks.requirements import compilecmd
from deploycheck.project.records import rel
from deploycheck.repo import safefs
from deploycheck.report.model import Problem
from deploycheck.resolve import drivers, fixcmd, interpreters, recompile, scmversion
from deploycheck.resolve.failures import failure
from deploycheck.resolve.workspace import Workspace
from deploycheck.settings import Settings

PREFIX = ("uv", "pip", "compile")
_PROJECT = (".toml", ".py", ".cfg")  # a source that is a project: it is built to read its dependencies


def is_compiled(lock: Lock) -> bool:
    """The header records a `uv pip compile` command (not `uv export`, which checks/uv_lock exports again)."""
    return lock.format == pylock.FORMAT and tuple(lock.command.split()[:3]) == PREFIX


@dataclass
class Recreated:
    text: str | None = None  # the file uv wrote, as the repository would hold it
    problem: Problem | None = None
    resolver: str = ""
    fix: str = ""  # the command that regenerates it for the deploy, to run in the checked root
    notes: list[str] = field(default_factory=list)


def recreate(lock: Lock, ws: Workspace, python: str, settings: Settings, root: Path, boundary: Path) -> Recreated:
    out = Recreated(resolver="uv pip compile")
    cmd = compilecmd.parse(lock.command, only_binary=settings.only_binary)
    folder = lock.path.parent
    if cmd is None or not cmd.sources:
        out.problem = Problem(f"{lock.display}: its header's command names no source to compile", lock.display, 2)
        return out
    out.notes += cmd.notes
    floor = recompile.floor_of(compilecmd.split_command(lock.command)[0])
    out.fix = fixcmd.uv_fix(cmd, folder, root, python, output=lock.path.name, floor=floor)
    outside = [s for s in cmd.sources + [v for _, v in cmd.path_options()] if not safefs.inside(folder / s, boundary)]
    if outside or cmd.refused:
        why = f"it names {compilecmd.short(outside[0])}, outside the repository" if outside else cmd.refused[0]
        out.problem = Problem(f"{lock.display} was not re-created: {why}", lock.display, 2)
        return out
    missing = [s for s in cmd.sources if not safefs.is_regular_inside(folder / s, boundary)]
    if missing:
        out.problem = Problem(
            f"{lock.display}'s header compiles {compilecmd.short(missing[0])}, which does not exist beside it",
            lock.display,
            2,
            "restore that file, or compile the pylock.toml again from the file that now holds the requirements",
        )
        return out
    try:
        job = _job(lock, cmd, ws, python, settings, root)
    except ValueError:  # its folder is not in the copy (the scan copies what the app's checks read)
        out.problem = Problem(f"{lock.display}: its folder was not copied for the recompile", lock.display, None)
        return out
    out.resolver = recompile.label(job)
    out.notes += scmversion.notes(job.build_env)
    compiled = drivers.uv_compile(job, lock.text)
    if not compiled.text:
        out.problem = failure(compiled, lock.display, python, only_binary=settings.only_binary, job=job)
    out.text = compiled.text
    return out


def _job(
    lock: Lock, cmd: compilecmd.CompileCommand, ws: Workspace, python: str, settings: Settings, root: Path
) -> drivers.Job:
    mapped: dict[str, str] = {}
    folder = lock.path.parent
    indexes = (
        settings.index_options() or cmd.index_options or lock.indexes.argv((INDEX_URL, EXTRA_INDEX_URL), kind=FILE)
    )
    interp = interpreters.find(python)
    words, _, _ = compilecmd.split_command(lock.command)
    return drivers.Job(
        cwd=ws.path(folder),
        output=lock.path.name,
        sources=cmd.sources,
        options=ws.into_copy(cmd.options, mapped),
        index_options=ws.into_copy(indexes, mapped),
        original=lock.command,
        header=True,
        python=python,
        interpreter=interp,
        timeout=settings.timeout,
        only_binary=settings.only_binary,
        tool="uv",
        src_dir=ws.src_dir,
        universal_floor=recompile.deploy_floor(recompile.floor_of(words), python) if cmd.universal else None,
        workspace=(str(ws.root), rel(ws.source_root, root)),
        paths=mapped,
        build_env=scmversion.env_for([(folder / s).parent for s in cmd.sources if s.endswith(_PROJECT)], ws.path),
    )
