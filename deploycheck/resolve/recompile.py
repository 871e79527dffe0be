"""The recompile strategy: which tool compiles a lock, in which interpreter, with which preferences.

The lock is recompiled in a copy of the project, with the committed lock in place as the output file so
its pins are preferences (a consistency check, not a freshness check), by the lock's own tool in a real
interpreter of the deploy's version. For a pip-compile lock, `auto` asks uv first (same interpreter, same
preferences): when uv keeps every pin, pip-compile would too, so the lock is in sync; any difference is
confirmed and rendered by pip-compile itself. Stale preferences that drive a resolver into an absurd
backtrack are caught by a fresh compile (DC105).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from deploycheck.errors import CheckError
from deploycheck.locks import diff as lockdiff
from deploycheck.locks.change import Change
from deploycheck.locks.indexes import EXTRA_INDEX_URL, FILE, INDEX_URL, NO_INDEX
from deploycheck.locks.requirements import reqfile
from deploycheck.locks.tools import PIP_COMPILE, PIP_TOOLS, UV
from deploycheck.project.records import LockPair, rel
from deploycheck.report.model import Problem
from deploycheck.resolve import drivers, interpreters, scmversion, toolchain
from deploycheck.resolve.drivers import Compiled, Job
from deploycheck.resolve.failures import failure
from deploycheck.resolve.relayed import IndexRelay, relayed
from deploycheck.resolve.workspace import Workspace
from deploycheck.runtime import detect as runtime
from deploycheck.settings import Settings

Compile = Callable[[Job, "str | None"], Compiled]


@dataclass
class Verdict:
    """What recompiling one lock found; the drift check turns it into findings and a LockResult."""

    status: str = "error"  # "in-sync" | "drift" | "error"
    resolver: str = ""  # what produced the verdict
    interpreter: interpreters.Interpreter | None = None
    changes: list[Change] = field(default_factory=list)
    cosmetic: list[str] = field(default_factory=list)
    proposed: str | None = None
    fresh: bool = False  # the proposal is a fresh compile, not one with the committed pins as preferences
    notes: list[str] = field(default_factory=list)
    problem: Problem | None = None
    job: Job | None = None


def job_for(
    pair: LockPair, ws: Workspace, python: str, interp: interpreters.Interpreter | None, settings: Settings
) -> Job:
    cmd = pair.command
    mapped: dict[str, str] = {}
    output = Path(pair.path).relative_to(pair.cwd).as_posix() if pair.cwd in pair.path.parents else pair.path.name
    own = any(os.path.normpath(source) == os.path.normpath(output) for source in cmd.sources)
    return Job(
        cwd=ws.path(pair.cwd),
        output=output,
        sources=cmd.sources,
        options=ws.into_copy(cmd.options, mapped),
        index_options=ws.into_copy(settings.index_options() or cmd.index_options or _lock_indexes(pair), mapped),
        original=cmd.original,
        header="--no-header" not in cmd.flags,
        python=python,
        interpreter=interp,
        timeout=settings.timeout,
        only_binary=settings.only_binary,
        tool=cmd.tool,
        pip_args=cmd.pip_args,
        src_dir=ws.src_dir,
        universal_floor=_floor(pair, python) if cmd.universal else None,
        workspace=(str(ws.root), rel(ws.source_root, settings.root)),
        paths=mapped,
        own_source=pair.lock.text if own else None,
        build_env=scmversion.build_env(pair.lock, pair.cwd, ws.path),
    )


def plain_job(cwd: Path, source: str, output: str, python: str, settings: Settings) -> Job:
    """A requirements.txt compiled as if it were a requirements.in, by uv (the unpinned-requirements check)."""
    return Job(
        cwd=cwd,
        output=output,
        sources=[source],
        options=[],
        index_options=settings.index_options(),
        original=f"uv pip compile {source} -o {output}",
        header=True,
        python=python,
        interpreter=interpreters.find(python),
        timeout=settings.timeout,
        only_binary=settings.only_binary,
        tool="uv",
    )


def _lock_indexes(pair: LockPair) -> list[str]:
    """With no index in the command, the lock's own index lines: `pip install -r` at deploy uses them too.
    Not --find-links: those are folders on the machine that compiled the lock."""
    return pair.lock.indexes.argv((INDEX_URL, EXTRA_INDEX_URL), kind=FILE)


def _index_lines_as_commanded(pair: LockPair, job: Job) -> bool:
    """uv writes no index lines, so the fast pass can vouch only for locks whose index lines are exactly
    what the command passes (pip-compile's default --emit-index-url); others go to pip-compile."""
    lines = [(option.name, option.value) for option in pair.lock.indexes.said_in(FILE)]
    opts = job.index_options
    commanded = [(opts[i], opts[i + 1]) for i in range(0, len(opts) - 1, 2) if opts[i] != NO_INDEX]
    normal = {(o, v.rstrip("/")) for o, v in lines} == {(o, v.rstrip("/")) for o, v in commanded}
    return normal and "--no-emit-index-url" not in pair.command.flags


_LOCAL = re.compile(r"^(\.|/|file:|git\+|hg\+|svn\+|bzr\+)")


def builds_local_code(pair: LockPair) -> Problem | None:
    """With only-binary no package's build code may run: a lock compiled from a local project (setup.py,
    pyproject.toml) or from local paths, editables or VCS checkouts needs their build code to read their
    metadata, so it cannot be checked that way."""
    for source in pair.lock.compiled_from():
        if source.path.suffix in (".py", ".toml", ".cfg"):
            return Problem(
                f"with only-binary this lock cannot be checked: it is compiled from {source.path.name}, and reading "
                "a project's metadata runs its build code",
                pair.display,
                None,
                "check it without only-binary in a job that has no secrets, or compile the lock from a .in file",
            )
        for pin in (source.pins or {}).values():  # an unread source: the recompile reports it
            if pin.editable or _LOCAL.match(pin.url):
                return Problem(
                    f"with only-binary this lock cannot be checked: {pin.name} ({pin.url[:100]}) is built from "
                    "source, which runs its build code",
                    source.display,
                    pin.line,
                    "check it without only-binary in a job that has no secrets",
                )
    return None


def compare(pair: LockPair, compiled: Compiled, python: str | None = None) -> lockdiff.Diff:
    """Pins against pins. When another tool than the lock's own recompiled it, what differs by design
    is left out: uv writes no index lines and strips markers, and pins pip and setuptools, which
    pip-compile without --allow-unsafe leaves as comments."""
    assert compiled.text is not None
    proposed = reqfile.parse_text(compiled.text, pair.path, pair.display)
    committed = reqfile.parse_text(pair.lock.text, pair.path, pair.display)
    if python and pair.command.universal:
        # A universal lock is valid for every platform and Python its markers allow: what counts is what pip
        # installs from it on the deploy (Linux, its Python), not the machine or floor it was made with.
        # Every line counts: a name's pin for the deploy's Python may be its second line (numpy ; >= '3.12').
        for lock in (proposed, committed):
            lock.pins, lock.alternates = lock.lines_for(python), []
        return lockdiff.compare(committed, proposed, ignore_markers=True)
    cross = compiled.tool != pair.command.tool
    if cross and not (pair.command.allow_unsafe and compiled.tool == UV):
        lockdiff.without_unsafe(proposed)
        lockdiff.without_unsafe(committed)
    return lockdiff.compare(committed, proposed, ignore_markers=cross, ignore_index_options=cross)


def _uses_markers(pair: LockPair) -> bool:
    """uv strips markers that pip-compile copies from the .in: such locks go to pip-compile directly."""
    return any(p.marker for p in pair.lock.pins.values())


def universal_floor(pair: LockPair) -> str | None:
    """The lowest Python a --universal lock says it was resolved for (its header's --python-version). Without
    one, uv took the Python it ran with, which the header does not record."""
    return floor_of(pair.file.header.argv)  # as written: the command keeps no --python-version for a recompile


def written_python_version(args: list[str]) -> str | None:
    """The --python-version (3.X or 3.X.Y) in a uv command's words, as written, if any."""
    for i, arg in enumerate(args):
        name, _, value = arg.partition("=")
        if name in ("--python-version", "-p") and not value and i + 1 < len(args):
            value = args[i + 1]
        if name in ("--python-version", "-p") and re.fullmatch(r"3\.\d{1,2}(\.\d{1,2})?", value):
            return value
    return None


def floor_of(args: list[str]) -> str | None:
    """The --python-version (X.Y) in a uv command's words, if any."""
    written = written_python_version(args)
    return ".".join(written.split(".")[:2]) if written else None


def _floor(pair: LockPair, python: str) -> str:
    return deploy_floor(universal_floor(pair), python)


def deploy_floor(declared: str | None, python: str) -> str:
    """Recompile a universal lock from the lower of its own floor and the deploy's Python, so that a lock that
    does not cover the deploy shows what the deploy would need."""
    minor = ".".join(python.split(".")[:2])
    key = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
    return min(declared, minor, key=key) if declared else minor


def _reference(pair: LockPair, job: Job, settings: Settings) -> str:
    """The tool whose verdict counts: the lock's own, unless forced; uv when there is no interpreter, and
    for a universal lock (only uv writes those)."""
    if job.interpreter is None or job.universal_floor:
        return UV  # only uv can resolve for a Python that is not here
    return {PIP_TOOLS: PIP_COMPILE, UV: UV}.get(settings.resolver, pair.command.tool)


def recompile(
    pair: LockPair, ws: Workspace, python: str, settings: Settings, relay: IndexRelay | None = None
) -> Verdict:
    # pip-tools 7.6 runs on 3.9+: the older Pythons old apps declare are resolved by uv's --python-version.
    too_old = ".".join(python.split(".")[:2]) in runtime.OLDER_THAN_PIP_TOOLS
    interp = None if too_old else interpreters.find(python)
    verdict = Verdict(interpreter=interp)
    if too_old:
        verdict.notes.append(f"pip-tools does not run on Python {python}: resolved by uv --python-version")
    if interp is None and settings.resolver == PIP_TOOLS:
        verdict.problem = Problem(
            f"no CPython {python} interpreter was found to run pip-compile in",
            pair.display,
            None,
            interpreters.how_to_install(python),
        )
        return verdict
    if settings.only_binary and (local := builds_local_code(pair)):
        verdict.problem = local
        return verdict
    job = verdict.job = job_for(pair, ws, python, interp, settings)
    verdict.notes += scmversion.notes(job.build_env)
    try:
        _resolve(pair, job, settings, verdict, relay)
    except CheckError as exc:
        verdict.problem = Problem(exc.message, exc.path or pair.display, exc.line, exc.fix)
    return verdict


def label(job: Job) -> str:
    """How uv resolved a job, for the report."""
    if job.universal_floor:
        return f"uv --universal (every platform, Python {job.universal_floor} and newer)"
    if job.interpreter is None:
        return f"uv --python-version {job.python} (no interpreter)"
    return UV


def _resolve(pair: LockPair, job: Job, settings: Settings, verdict: Verdict, relay: IndexRelay | None) -> None:
    reference = _reference(pair, job, settings)
    compile_: Compile = drivers.pip_compile if reference == PIP_COMPILE else drivers.uv_compile
    verdict.resolver = (
        toolchain.pip_tools_version() if reference == PIP_COMPILE else label(job)
    )  # named even when the run fails: the report says what could not check
    # --strict counts cosmetic differences, which only the lock's own tool can show.
    if (
        reference == PIP_COMPILE
        and settings.resolver == "auto"
        and not settings.strict
        and not _uses_markers(pair)
        and _index_lines_as_commanded(pair, job)
    ):
        fast = _confirmed(drivers.uv_fast_pass, job, pair, relay) or drivers.uv_fast_pass(job, pair.lock.text)
        if fast and fast.text is not None and not compare(pair, fast, job.python).drift:
            verdict.resolver = "uv (fast pass, same interpreter and preferences as pip-compile)"
            verdict.status = "in-sync"
            verdict.proposed = pair.lock.text
            return
    elif compile_ is drivers.uv_compile and (quick := _confirmed(drivers.uv_compile, job, pair, relay)):
        diff = compare(pair, quick, job.python)
        if not diff.drift:  # through the relay only "in sync" is taken; a change is confirmed against the index
            verdict.status, verdict.cosmetic, verdict.proposed = "in-sync", diff.cosmetic, quick.text
            return
    compiled = compile_(job, pair.lock.text)
    failed_with_pins = None
    if not compiled.text:
        failed_with_pins = "timed out" if compiled.run.timed_out else "the resolver failed"
        compiled = compile_(job, None)
        if not compiled.text:
            verdict.problem = failure(compiled, pair.display, job.python, only_binary=job.only_binary, job=job)
            return
    diff = compare(pair, compiled, job.python)
    if failed_with_pins and diff.drift:
        verdict.fresh = True
        verdict.notes.append(
            f"the committed pins cannot be resolved together on Python {job.python} ({failed_with_pins} with "
            "them as preferences); only a fresh compile resolves, so the lock must be regenerated"
        )
    elif diff.drift:
        compiled, diff = prefer_fresh(pair, job, compile_, compiled, diff, verdict)
    verdict.status = "drift" if diff.drift else "in-sync"
    verdict.changes = diff.changes
    verdict.cosmetic = diff.cosmetic
    verdict.proposed = compiled.text


def _confirmed(
    step: Callable[[Job, str], Compiled | None], job: Job, pair: LockPair, relay: IndexRelay | None
) -> Compiled | None:
    """The step's run through the index relay, when the job can be relayed and the relay answered every
    request; None otherwise (the caller runs it against the indexes)."""
    pins: dict[str, str] = {name: pin.version for name, pin in pair.lock.pins.items() if pin.version and not pin.url}
    through = relayed(job, relay, pins, pair.names_an_index)
    if through is None or relay is None:
        return None
    before = len(relay.failures)
    done = step(through, pair.lock.text)
    return done if done is not None and done.text is not None and len(relay.failures) == before else None


def _version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def prefer_fresh(
    pair: LockPair, job: Job, compile_: Compile, compiled: Compiled, diff: lockdiff.Diff, verdict: Verdict
) -> tuple[Compiled, lockdiff.Diff]:
    """Stale preferences can drive a resolver into an absurd backtrack (pytest 8 -> 3.2.5). When the
    preference compile moves any pin below the committed one, compare with a fresh compile and propose
    that instead if it keeps the package higher."""
    downgraded = {
        c.name: _version(c.after_version)
        for c in diff.changes
        if c.kind == "changed" and (a := _version(c.after_version)) and (b := _version(c.before_version)) and a < b
    }
    if not downgraded:
        return compiled, diff
    fresh = compile_(job, None)
    if not fresh.text:
        return compiled, diff
    fresh_lock = reqfile.parse_text(fresh.text, pair.path, pair.display)
    # The line the deploy installs: a universal lock's first line for a name may be for older Pythons.
    fresh_pins = fresh_lock.lines_for(job.python)
    higher = []
    for name, version in downgraded.items():
        pin = fresh_pins.get(NormalizedName(name))
        fresh_version = _version(pin.version) if pin else None
        if version is not None and fresh_version is not None and fresh_version > version:
            higher.append(f"{name} {version} -> {fresh_version}")
    if not higher:
        return compiled, diff
    verdict.fresh = True
    verdict.notes.append(
        "with the committed pins as preferences the resolver backtracked to much older releases "
        f"({', '.join(higher)} in a fresh compile); the proposed lock is the fresh compile for Python {job.python}"
    )
    return fresh, compare(pair, fresh, job.python)
