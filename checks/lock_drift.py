"""DC1xx: does the committed lock match what its sources resolve to on the deploy's Python?

The lock is recompiled in a copy of the project, with the committed lock in place as the output file
so its pins are preferences (a consistency check, not a freshness check), by the lock's own tool in a
real interpreter of the deploy's version. For a pip-compile lock, `auto` asks uv first (same
interpreter, same preferences): when uv keeps every pin, pip-compile would too, so the lock is in
sync; any difference is confirmed and rendered by pip-compile itself.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from deploycheck import explain, interpreters, lockdiff, reqfile, resolver, runtime, sandbox
from deploycheck.errors import CheckError
from deploycheck.report import Finding, LockResult, Problem
from deploycheck.resolver import Compiled, Job
from deploycheck.scan import LockPair, Project, cd_prefix, rel
from deploycheck.settings import Settings
from deploycheck.workspace import Workspace

PIP_TOOLS = "pip-tools 7.6.2"
_NETWORK = (
    "Failed to establish a new connection",
    "Connection refused",
    "Max retries exceeded",
    "NewConnectionError",
    "Temporary failure in name resolution",
    "ProxyError",
    "SSLError",
    "Failed to fetch",
    "error sending request",
    "dns error",
    "tcp connect error",
    "Could not fetch URL",
)


def run(project: Project, settings: Settings) -> tuple[list[Finding], list[LockResult]]:
    findings: list[Finding] = []
    results: list[LockResult] = []
    if not project.locks:
        return findings, results
    with Workspace(project) as ws:
        for pair in project.locks:
            result = check(pair, project, settings, ws, findings)
            results.append(result)
            # Locks that include this one (-c base.txt) are compiled against what it should be.
            settled = result.proposed if result.status == "drift" and result.proposed else pair.lock.text
            sandbox.write_into(ws.path(pair.path), settled.encode("utf-8"))  # never through a planted link
    return findings, results


def _job(
    pair: LockPair, ws: Workspace, rt: runtime.Runtime, interp: interpreters.Interpreter | None, settings: Settings
) -> Job:
    cmd = pair.command
    return Job(
        cwd=ws.path(pair.cwd),
        output=Path(pair.path).relative_to(pair.cwd).as_posix() if pair.cwd in pair.path.parents else pair.path.name,
        sources=cmd.sources,
        options=cmd.options,
        index_options=settings.index_options() or cmd.index_options or _lock_indexes(pair),
        original=cmd.original,
        header="--no-header" not in cmd.flags,
        python=rt.python,
        interpreter=interp,
        timeout=settings.timeout,
        only_binary=settings.only_binary,
        tool=cmd.tool,
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


def _why_failed(compiled: Compiled) -> str:
    """The resolver's own explanation: pip's ERROR block (pip-compile runs verbose, or pip's logger stays
    silent) or uv's error tree; never a traceback."""
    # pip-compile logs the explanation to stdout, the rest of its errors to stderr.
    lines = (compiled.run.stdout + "\n" + compiled.run.stderr).splitlines()
    start = next((i for i, ln in enumerate(lines) if "ERROR:" in ln), None)
    if start is not None:
        block = []
        for ln in lines[start:]:
            if "To fix this you could try" in ln or ln.startswith("Traceback"):
                break
            if ln.strip():
                block.append(ln.strip() if "ERROR:" in ln else "  " + ln.strip())
        return "\n".join(block[:30])
    kept = [
        ln
        for ln in lines
        if ln.strip()
        and not ln.startswith(("warning:", "WARNING:", "  File", "    "))
        and "Traceback" not in ln
        and "--strip-extras" not in ln
    ]
    return "\n".join(kept[-25:])


def _problem_for(compiled: Compiled, pair: LockPair, python: str) -> Problem:
    text = _why_failed(compiled)
    if compiled.run.timed_out:
        return Problem(
            f"{compiled.tool} did not finish within {compiled.run.seconds:.0f}s, with or without the "
            "committed pins as preferences",
            pair.display,
            None,
            "pass a larger --timeout, or check the requirements for ranges that make the resolver backtrack",
        )
    if any(word in text for word in _NETWORK):
        return Problem(
            f"the package index could not be reached:\n{text}",
            pair.display,
            None,
            "check the network, proxy (HTTPS_PROXY) and certificate (PIP_CERT, SSL_CERT_FILE) settings",
        )
    fix = "relax the conflicting requirements in the .in file(s) named above, then recompile the lock"
    if "not found in the package registry" in text or "No matching distribution found" in text:
        fix = (
            "check the package names; if they come from another index than PyPI, pass it with --index-url "
            "(uv writes no index into its header)"
        )
    return Problem(
        f"the requirements cannot be resolved for Python {python} ({compiled.tool} says):\n{text}",
        pair.display,
        None,
        fix,
    )


def check(pair: LockPair, project: Project, settings: Settings, ws: Workspace, findings: list[Finding]) -> LockResult:
    lock = pair.lock
    rt = runtime.detect(
        pair.path.parent, project.root, explicit=settings.python_version, header_python=lock.header.python
    )
    result = LockResult(
        path=pair.display,
        sources=[rel(s, project.root) for s in pair.sources],
        resolver="",
        status="error",
        runtime=rt.to_json(),
        tool=pair.command.tool,
        header_python=lock.header.python,
    )
    if lock.header.python and lock.header.python != rt.minor:
        findings.append(
            Finding(
                "DC103",
                "warning",
                pair.display,
                1,
                f"the lock was compiled with Python {lock.header.python}, but the app deploys on Python {rt.python} "
                f"({rt.source})",
                f"recompile it with Python {rt.python}: {fix_command(pair, project, rt, fresh=False)}",
            )
        )
    interp = interpreters.find(rt.python)
    if interp is None and settings.resolver == "pip-tools":
        result.error = Problem(
            f"no CPython {rt.python} interpreter was found to run pip-compile in",
            pair.display,
            None,
            interpreters.how_to_install(rt.python),
        )
        return result
    if interp is None:
        findings.append(
            Finding(
                "DC104",
                "warning",
                pair.display,
                None,
                f"no CPython {rt.python} interpreter here: uv resolved for Python {rt.python} on Linux without one "
                "(pip-compile cannot do that), so results for packages built from source may differ",
                interpreters.how_to_install(rt.python),
            )
        )
    else:
        result.interpreter = f"{interp.path} ({interp.version})"
        if interp.version != rt.python and rt.python.count(".") == 2:
            result.notes.append(f"Python {rt.python} is declared; the nearest interpreter here is {interp.version}")
    job = _job(pair, ws, rt, interp, settings)
    try:
        _resolve(pair, job, settings, result)
    except CheckError as exc:
        result.error_from(exc)
        return result
    if result.status == "error":
        return result
    _conclude(pair, project, rt, job, settings, result, findings)
    return result


def _compare(pair: LockPair, compiled: Compiled) -> lockdiff.Diff:
    """Pins against pins. When another tool than the lock's own recompiled it, what differs by design
    is left out: uv writes no index lines and strips markers, and pins pip and setuptools, which
    pip-compile without --allow-unsafe leaves as comments."""
    assert compiled.text is not None
    proposed = reqfile.parse_text(compiled.text, pair.path, pair.display)
    committed = reqfile.parse_text(pair.lock.text, pair.path, pair.display)
    cross = compiled.tool != pair.command.tool
    if cross and not (pair.command.allow_unsafe and compiled.tool == "uv"):
        lockdiff.without_unsafe(proposed)
        lockdiff.without_unsafe(committed)
    return lockdiff.compare(committed, proposed, ignore_markers=cross, ignore_index_options=cross)


def _uses_markers(pair: LockPair) -> bool:
    """uv strips markers that pip-compile copies from the .in: such locks go to pip-compile directly."""
    return any(p.marker for p in pair.lock.pins.values())


def _reference(pair: LockPair, job: Job, settings: Settings) -> str:
    """The tool whose verdict counts: the lock's own, unless forced; uv when there is no interpreter."""
    if job.interpreter is None:
        return "uv"  # only uv can resolve for a Python that is not here
    return {"pip-tools": "pip-compile", "uv": "uv"}.get(settings.resolver, pair.command.tool)


def _resolve(pair: LockPair, job: Job, settings: Settings, result: LockResult) -> None:
    reference = _reference(pair, job, settings)
    # --strict counts cosmetic differences, which only the lock's own tool can show.
    if (
        reference == "pip-compile"
        and settings.resolver == "auto"
        and not settings.strict
        and not _uses_markers(pair)
        and _index_lines_as_commanded(pair, job)
    ):
        fast = resolver.uv_fast_pass(job, pair.lock.text)
        if fast and fast.text is not None and not _compare(pair, fast).drift:
            result.resolver = "uv (fast pass, same interpreter and preferences as pip-compile)"
            result.status = "in-sync"
            result.proposed = pair.lock.text
            return
    compile_ = resolver.pip_compile if reference == "pip-compile" else resolver.uv_compile
    label = PIP_TOOLS if reference == "pip-compile" else "uv"
    if job.interpreter is None:
        label = f"uv --python-version {job.python} (no interpreter)"
    result.resolver = label
    compiled = compile_(job, pair.lock.text)
    failed_with_pins = None
    if not compiled.text:
        failed_with_pins = "timed out" if compiled.run.timed_out else "the resolver failed"
        compiled = compile_(job, None)
        if not compiled.text:
            result.error = _problem_for(compiled, pair, job.python)
            return
    diff = _compare(pair, compiled)
    if failed_with_pins and diff.drift:
        result.fresh = True
        result.notes.append(
            f"the committed pins cannot be resolved together on Python {job.python} ({failed_with_pins} with "
            "them as preferences); only a fresh compile resolves, so the lock must be regenerated"
        )
    elif diff.drift:
        compiled, diff = _prefer_fresh(pair, job, compile_, compiled, diff, result)
    result.status = "drift" if diff.drift else "in-sync"
    result.changes = diff.changes
    result.cosmetic = diff.cosmetic
    result.proposed = compiled.text


def _version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def _prefer_fresh(
    pair: LockPair, job: Job, compile_, compiled: Compiled, diff: lockdiff.Diff, result: LockResult
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
    result.fresh = True
    result.notes.append(
        "with the committed pins as preferences the resolver backtracked to much older releases "
        f"({', '.join(higher)} in a fresh compile); the proposed lock is the fresh compile for Python {job.python}"
    )
    return fresh, _compare(pair, fresh)


def _direct(pair: LockPair) -> dict[NormalizedName, SpecifierSet]:
    direct: dict[NormalizedName, SpecifierSet] = {}
    for source in pair.sources:
        if source.suffix != ".in" and source.suffix != ".txt":
            continue
        try:
            parsed = reqfile.read(source)
        except CheckError:
            continue
        for name, pin in parsed.pins.items():
            direct[name] = SpecifierSet(pin.specifier)
    return direct


def _conclude(
    pair: LockPair,
    project: Project,
    rt: runtime.Runtime,
    job: Job,
    settings: Settings,
    result: LockResult,
    findings: list[Finding],
) -> None:
    result.fix_command = fix_command(pair, project, rt, fresh=result.fresh)
    if result.status == "in-sync":
        if result.cosmetic:
            findings.append(
                Finding(
                    "DC102",
                    "error" if settings.strict else "info",
                    pair.display,
                    1,
                    f"only cosmetic differences from a recompile ({', '.join(result.cosmetic)})",
                    f"nothing to do; to make the file identical: {result.fix_command}",
                )
            )
            if settings.strict:
                result.status = "drift"
        return
    lowest = min(
        [rt.minor, *([pair.lock.header.python] if pair.lock.header.python else [])],
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )
    ctx = explain.Context(
        target_python=rt.minor,
        header_python=pair.lock.header.python,
        markers=resolver.universal_markers(job, lowest),
        direct=_direct(pair),
        hashes=pair.command.generate_hashes,
    )
    for change in result.changes:
        explain.explain(change, ctx)
    assert result.proposed is not None
    result.diff = lockdiff.unified(pair.lock.text, result.proposed, pair.display)
    first = min((c.line for c in result.changes if c.line), default=None)
    summary = ", ".join(f"{c.name} {c.kind}" for c in result.changes[:6])
    more = f" and {len(result.changes) - 6} more" if len(result.changes) > 6 else ""
    findings.append(
        Finding(
            "DC101",
            "error",
            pair.display,
            first,
            f"the lock is not what its sources resolve to on Python {rt.python}: {summary}{more}",
            result.fix_command,
        )
    )
    if result.fresh:
        findings.append(Finding("DC105", "warning", pair.display, None, result.notes[-1], result.fix_command))


def fix_command(pair: LockPair, project: Project, rt: runtime.Runtime, *, fresh: bool) -> str:
    """The command that regenerates the lock the way the deploy sees it (Linux, the deploy's Python)."""
    cmd = pair.command
    upgrade = " --upgrade" if fresh else ""
    if cmd.tool == "uv":
        original = (
            cmd.original
            if cmd.original.startswith("uv pip compile")
            else "uv pip compile " + " ".join([*cmd.options, *cmd.sources, "-o", pair.path.name])
        )
        rest = original[len("uv pip compile") :]
        return (
            f"{cd_prefix(pair.cwd, project.root)}uv pip compile --python-version {rt.python} "
            f"--python-platform linux{upgrade}{rest}"
        )
    original = (
        cmd.original
        if cmd.original.startswith("pip-compile")
        else "pip-compile "
        + " ".join([*cmd.options, *cmd.index_options, "--output-file", pair.path.name, *cmd.sources])
    )
    image = f"python:{rt.python}-slim"
    inner = shlex.quote(f"pip install -q pip-tools==7.6.2 && {original}{upgrade}")
    return f'{cd_prefix(pair.cwd, project.root)}docker run --rm -v "$PWD":/src -w /src {image} sh -c {inner}'
