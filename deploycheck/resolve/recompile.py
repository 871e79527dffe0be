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
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from deploycheck.errors import CheckError
from deploycheck.locks import diff as lockdiff
from deploycheck.locks import explain
from deploycheck.locks.diff import Change
from deploycheck.locks.requirements import reqfile
from deploycheck.project.scan import LockPair, cd_prefix, rel
from deploycheck.report.model import Problem
from deploycheck.resolve import interpreters, resolver, sandbox
from deploycheck.resolve.resolver import Compiled, Job
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
    return Job(
        cwd=ws.path(pair.cwd),
        output=Path(pair.path).relative_to(pair.cwd).as_posix() if pair.cwd in pair.path.parents else pair.path.name,
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
    return [
        part
        for opt, value, _ in pair.lock.options
        if opt in ("--index-url", "--extra-index-url")
        for part in (opt, value)
    ]


def _index_lines_as_commanded(pair: LockPair, job: Job) -> bool:
    """uv writes no index lines, so the fast pass can vouch only for locks whose index lines are exactly
    what the command passes (pip-compile's default --emit-index-url); others go to pip-compile."""
    lines = [(opt, value) for opt, value, _ in pair.lock.options if opt in lockdiff.INDEX_LIKE]
    opts = job.index_options
    commanded = [(opts[i], opts[i + 1]) for i in range(0, len(opts) - 1, 2) if opts[i] != "--no-index"]
    normal = {(o, v.rstrip("/")) for o, v in lines} == {(o, v.rstrip("/")) for o, v in commanded}
    return normal and "--no-emit-index-url" not in pair.command.flags


_LOCAL = re.compile(r"^(\.|/|file:|git\+|hg\+|svn\+|bzr\+)")
# What pip and uv say when a requirement has no wheel and building is refused.
_NO_WHEEL = (
    re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)"),
    re.compile(r"satisfies the requirement ([A-Za-z0-9][A-Za-z0-9._-]*)"),
    re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ has no usable wheels"),
    re.compile(r"(?:all versions of|only) ([A-Za-z0-9][A-Za-z0-9._-]*) .{0,80}no usable wheels"),
)


def builds_local_code(pair: LockPair, root: Path) -> Problem | None:
    """With only-binary no package's build code may run: a lock compiled from a local project (setup.py,
    pyproject.toml) or from local paths, editables or VCS checkouts needs their build code to read their
    metadata, so it cannot be checked that way."""
    for source in pair.sources:
        if source.suffix in (".py", ".toml", ".cfg"):
            return Problem(
                f"with only-binary this lock cannot be checked: it is compiled from {source.name}, and reading a "
                "project's metadata runs its build code",
                pair.display,
                None,
                "check it without only-binary in a job that has no secrets, or compile the lock from a .in file",
            )
        try:
            parsed = reqfile.read(source, rel(source, root))
        except CheckError:
            continue  # the recompile reports an unreadable source
        for pin in parsed.pins.values():
            if pin.editable or _LOCAL.match(pin.url):
                return Problem(
                    f"with only-binary this lock cannot be checked: {pin.name} ({pin.url[:100]}) is built from "
                    "source, which runs its build code",
                    parsed.display,
                    pin.line,
                    "check it without only-binary in a job that has no secrets",
                )
    return None


def _readable(text: str, job: Job | None) -> str:
    """Resolver output as the user's repository would show it: the temporary copy's paths mapped back to the
    repository's, and no line longer than a screen (a hostile 1 MB name is not echoed)."""
    text = resolver.as_shown(text, job.workspace if job is not None else None)
    return "\n".join(
        line if len(line) <= 300 else line[:300] + f"… ({len(line)} characters)" for line in text.splitlines()
    )


# What pip and uv say when a package's build code fails (not a conflict between requirements).
_BUILD_FAILED = (
    "metadata-generation-failed",
    "subprocess-exited-with-error",
    "BackendUnavailable",
    "Failed to build",
    "Failed to prepare distributions",
    "MetadataGenerationFailed",
    "setup.py egg_info did not run successfully",
)
_URL_OPTIONS = {"--index-url", "-i", "--extra-index-url", "--index", "--default-index"}


def _network(compiled: Compiled, job: Job | None) -> Problem | None:
    """pip retries and then reports a plain "no matching distribution": the cause is in its warnings."""
    output = compiled.run.stdout + "\n" + compiled.run.stderr
    if not resolver.is_network_failure(output):
        return None
    evidence = next((ln.strip() for ln in output.splitlines() if resolver.is_network_failure(ln)), "")
    urls = (
        [v for i, v in enumerate(job.index_options[1:], 1) if job.index_options[i - 1] != "--no-index"] if job else []
    )
    where = ", ".join(urls) if urls else "https://pypi.org/simple (the default)"
    proxies = [name for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "NO_PROXY") if os.environ.get(name)]
    return Problem(
        f"the package index did not answer ({where}); {compiled.tool} said:\n{_readable(evidence, job)}",
        None,
        None,
        "check that the index URL is right and reachable from here, the proxy settings ("
        + (", ".join(proxies) + " are set" if proxies else "HTTPS_PROXY, NO_PROXY: none is set")
        + ") and the certificates (PIP_CERT, SSL_CERT_FILE); then run again",
    )


# What an operating-system error looks like in pip's and uv's output: the machine stopped the resolver,
# not the requirements (the sandbox user could not reach a folder, a full disk, a read-only one).
_OS_ERROR = re.compile(
    r"\[Errno \d+\]|\(os error \d+\)|Permission denied|Operation not permitted|No space left on device|"
    r"Read-only file system|Too many open files"
)
_PERMISSION = re.compile(r"Permission denied|Operation not permitted|\[Errno (1|13)\]|\(os error (1|13)\)")


def _os_error(compiled: Compiled, job: Job | None) -> Problem | None:
    output = compiled.run.stdout + "\n" + compiled.run.stderr
    if any(word in output for word in _BUILD_FAILED):  # a package's own build code failed: that is its message
        return None
    line = next((ln.strip() for ln in output.splitlines() if _OS_ERROR.search(ln)), None)
    if line is None:
        return None
    if job is not None and job.workspace is not None:
        # Not mapped back to the repository's paths: the repository is not where it failed.
        line = line.replace(os.path.dirname(job.workspace[0]), "(deploycheck's temporary copy)")
    who = sandbox.user()
    if re.search(r"No space left|Read-only file system|Too many open files", line):
        fix = "free disk space, or raise the limit the error names, then run again"
    elif not _PERMISSION.search(line):
        fix = "check the path the error names (a file the requirements or the lock's header refer to), then run again"
    elif who is not None:
        fix = (
            f"the resolver runs as {who}, a user of this run's own, and could not reach a file it needs: set TMPDIR "
            "to a folder other users can traverse, like /tmp, and make the interpreter's folders readable by others"
        )
    else:
        fix = "check the permissions of the path named above and that TMPDIR is writable, then run again"
    return Problem(
        f"{compiled.tool} stopped on an operating-system error, not on the requirements:\n{_readable(line, None)}",
        None,
        None,
        fix,
    )


def failure(
    compiled: Compiled, display: str, python: str, *, only_binary: bool = False, job: Job | None = None
) -> Problem:
    """Why a resolver run failed, in words a user can act on: a timeout, an index that did not answer, an
    operating-system error, a package that has no wheel under only-binary, or requirements that conflict
    (the resolver's own words)."""
    text = _readable(resolver.why_failed(compiled.run), job)
    network = None if compiled.run.timed_out else _network(compiled, job) or _os_error(compiled, job)
    if network is not None:
        network.path = display
        return network
    if only_binary and not compiled.run.timed_out:
        names = sorted({m.group(1) for pattern in _NO_WHEEL for m in pattern.finditer(text)})
        if names:
            return Problem(
                f"with only-binary, {', '.join(names)} cannot be checked: no wheel of the pinned release fits "
                f"Python {python} on Linux, and building it from source would run its build code\n{text}",
                display,
                None,
                "check this lock without only-binary in a job that has no secrets, or pin a release with a wheel",
            )
    if compiled.run.timed_out:
        return Problem(
            f"{compiled.tool} did not finish within {compiled.run.seconds:.0f}s, with or without the "
            "committed pins as preferences",
            display,
            None,
            "pass a larger --timeout, or check the requirements for ranges that make the resolver backtrack",
        )
    fix = "relax the conflicting requirements in the .in file(s) named above, then recompile the lock"
    if any(word in text for word in _BUILD_FAILED):
        fix = (
            "a package named above failed to build (its setup.py or build backend): fix it, pin a release that "
            "ships a wheel, or check with only-binary"
        )
    elif "not found in the package registry" in text or "No matching distribution found" in text:
        fix = (
            "check the package names; if they come from another index than PyPI, pass it with --index-url "
            "(uv writes no index into its header)"
        )
    return Problem(
        f"the requirements cannot be resolved for Python {python} ({compiled.tool} says):\n{text}", display, None, fix
    )


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
        for lock in (proposed, committed):
            lock.pins = {n: p for n, p in lock.pins.items() if explain.applies(p.marker, python)}
        return lockdiff.compare(committed, proposed, ignore_markers=True)
    cross = compiled.tool != pair.command.tool
    if cross and not (pair.command.allow_unsafe and compiled.tool == "uv"):
        lockdiff.without_unsafe(proposed)
        lockdiff.without_unsafe(committed)
    return lockdiff.compare(committed, proposed, ignore_markers=cross, ignore_index_options=cross)


def _uses_markers(pair: LockPair) -> bool:
    """uv strips markers that pip-compile copies from the .in: such locks go to pip-compile directly."""
    return any(p.marker for p in pair.lock.pins.values())


def universal_floor(pair: LockPair) -> str | None:
    """The lowest Python a --universal lock says it was resolved for (its header's --python-version). Without
    one, uv took the Python it ran with, which the header does not record."""
    args = pair.lock.header.argv  # as written: the command keeps no --python-version for a recompile
    for i, arg in enumerate(args):
        name, _, value = arg.partition("=")
        if name in ("--python-version", "-p") and not value and i + 1 < len(args):
            value = args[i + 1]
        if name in ("--python-version", "-p") and re.fullmatch(r"3\.\d{1,2}(\.\d{1,2})?", value):
            return ".".join(value.split(".")[:2])
    return None


def _floor(pair: LockPair, python: str) -> str:
    """Recompile a universal lock from the lower of its own floor and the deploy's Python, so that a lock that
    does not cover the deploy shows what the deploy would need."""
    minor = ".".join(python.split(".")[:2])
    declared = universal_floor(pair)
    key = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
    return min(declared, minor, key=key) if declared else minor


def _reference(pair: LockPair, job: Job, settings: Settings) -> str:
    """The tool whose verdict counts: the lock's own, unless forced; uv when there is no interpreter, and
    for a universal lock (only uv writes those)."""
    if job.interpreter is None or job.universal_floor:
        return "uv"  # only uv can resolve for a Python that is not here
    return {"pip-tools": "pip-compile", "uv": "uv"}.get(settings.resolver, pair.command.tool)


def recompile(pair: LockPair, ws: Workspace, python: str, settings: Settings) -> Verdict:
    # pip-tools 7.6 runs on 3.9+: the older Pythons old apps declare are resolved by uv's --python-version.
    too_old = ".".join(python.split(".")[:2]) in runtime.OLDER_THAN_PIP_TOOLS
    interp = None if too_old else interpreters.find(python)
    verdict = Verdict(interpreter=interp)
    if too_old:
        verdict.notes.append(f"pip-tools does not run on Python {python}: resolved by uv --python-version")
    if interp is None and settings.resolver == "pip-tools":
        verdict.problem = Problem(
            f"no CPython {python} interpreter was found to run pip-compile in",
            pair.display,
            None,
            interpreters.how_to_install(python),
        )
        return verdict
    if settings.only_binary and (local := builds_local_code(pair, settings.root)):
        verdict.problem = local
        return verdict
    job = verdict.job = job_for(pair, ws, python, interp, settings)
    try:
        _resolve(pair, job, settings, verdict)
    except CheckError as exc:
        verdict.problem = Problem(exc.message, exc.path or pair.display, exc.line, exc.fix)
    return verdict


def _resolve(pair: LockPair, job: Job, settings: Settings, verdict: Verdict) -> None:
    reference = _reference(pair, job, settings)
    compile_: Compile = resolver.pip_compile if reference == "pip-compile" else resolver.uv_compile
    label = resolver.pip_tools_version() if reference == "pip-compile" else "uv"
    if job.universal_floor:
        label = f"uv --universal (every platform, Python {job.universal_floor} and newer)"
    elif job.interpreter is None:
        label = f"uv --python-version {job.python} (no interpreter)"
    verdict.resolver = label  # named even when the run fails: the report says what could not check
    # --strict counts cosmetic differences, which only the lock's own tool can show.
    if (
        reference == "pip-compile"
        and settings.resolver == "auto"
        and not settings.strict
        and not _uses_markers(pair)
        and _index_lines_as_commanded(pair, job)
    ):
        fast = resolver.uv_fast_pass(job, pair.lock.text)
        if fast and fast.text is not None and not compare(pair, fast, job.python).drift:
            verdict.resolver = "uv (fast pass, same interpreter and preferences as pip-compile)"
            verdict.status = "in-sync"
            verdict.proposed = pair.lock.text
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
    higher = []
    for name, version in downgraded.items():
        pin = fresh_lock.pins.get(NormalizedName(name))
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


def fix_command(pair: LockPair, root: Path, python: str, *, fresh: bool) -> str:
    """The command that regenerates the lock the way the deploy sees it (Linux, the deploy's Python)."""
    cmd = pair.command
    upgrade = " --upgrade" if fresh else ""
    if cmd.tool == "uv":
        original = (
            cmd.command_line()
            if cmd.command_line().startswith("uv pip compile")
            else "uv pip compile " + " ".join([*cmd.options, *cmd.sources, "-o", pair.path.name])
        )
        rest = original[len("uv pip compile") :]
        return (
            f"{cd_prefix(pair.cwd, root)}uv pip compile --python-version {python} "
            f"--python-platform linux{upgrade}{rest}"
        )
    original = (
        cmd.command_line()
        if cmd.command_line().startswith("pip-compile")
        else "pip-compile "
        + " ".join([*cmd.options, *cmd.index_options, "--output-file", pair.path.name, *cmd.sources])
    )
    image = f"python:{python}-slim"
    pin = resolver.pip_tools_version().replace("pip-tools ", "pip-tools==")
    inner = shlex.quote(f"pip install -q {pin} && {original}{upgrade}")
    return f'{cd_prefix(pair.cwd, root)}docker run --rm -v "$PWD":/src -w /src {image} sh -c {inner}'
