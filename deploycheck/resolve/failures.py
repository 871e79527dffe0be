"""Why a resolver run failed, in words a user can act on: a timeout, an index that did not answer, a package
that has no wheel under only-binary, a build that failed, or requirements that conflict.

The resolver's own words are quoted as the user's repository would show them: the temporary copy's paths
mapped back, and no line longer than a screen.
"""

from __future__ import annotations

import os
import re

from deploycheck.locks.indexes import COMMAND, DEFAULT, IndexSources, Origin
from deploycheck.report.model import Problem
from deploycheck.resolve import drivers, sandbox
from deploycheck.resolve.drivers import Compiled, Job

# What pip and uv say when a requirement has no wheel and building is refused.
_NO_WHEEL = (
    re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)"),
    re.compile(r"satisfies the requirement ([A-Za-z0-9][A-Za-z0-9._-]*)"),
    re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ has no usable wheels"),
    re.compile(r"(?:all versions of|only) ([A-Za-z0-9][A-Za-z0-9._-]*) .{0,80}no usable wheels"),
)


def _readable(text: str, job: Job | None) -> str:
    """Resolver output as the user's repository would show it: the temporary copy's paths mapped back to the
    repository's, and no line longer than a screen (a hostile 1 MB name is not echoed)."""
    text = drivers.as_shown(text, job.workspace if job is not None else None)
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

# What an operating-system error looks like in pip's and uv's output: the machine stopped the resolver,
# not the requirements (the sandbox user could not reach a folder, a full disk, a read-only one).
_OS_ERROR = re.compile(
    r"\[Errno \d+\]|\(os error \d+\)|Permission denied|Operation not permitted|No space left on device|"
    r"Read-only file system|Too many open files"
)
_PERMISSION = re.compile(r"Permission denied|Operation not permitted|\[Errno (1|13)\]|\(os error (1|13)\)")


def _indexes(job: Job | None) -> str:
    """The indexes the run asked, as the report names them."""
    said = IndexSources.from_argv(job.index_options, Origin(COMMAND)) if job else IndexSources()
    indexes = [s for s in (said.primary, *said.extras) if s is not None]
    shown = ", ".join("https://pypi.org/simple (the default)" if s.origin.kind == DEFAULT else s.value for s in indexes)
    return shown or "no index: --no-index"


def _network(compiled: Compiled, job: Job | None) -> Problem | None:
    """pip retries and then reports a plain "no matching distribution": the cause is in its warnings."""
    output = compiled.run.stdout + "\n" + compiled.run.stderr
    if not drivers.is_network_failure(output):
        return None
    evidence = next((ln.strip() for ln in output.splitlines() if drivers.is_network_failure(ln)), "")
    where = _indexes(job)
    proxies = [name for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "NO_PROXY") if os.environ.get(name)]
    return Problem(
        f"the package index did not answer ({where}); {compiled.tool} said:\n{_readable(evidence, job)}",
        None,
        None,
        "check that the index URL is right and reachable from here, the proxy settings ("
        + (", ".join(proxies) + " are set" if proxies else "HTTPS_PROXY, NO_PROXY: none is set")
        + ") and the certificates (PIP_CERT, SSL_CERT_FILE); then run again",
    )


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
    text = _readable(drivers.why_failed(compiled.run), job)
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
    return Problem(f"{UNRESOLVABLE} for Python {python} ({compiled.tool} says):\n{text}", display, None, fix)


UNRESOLVABLE = "the requirements cannot be resolved"


def unresolvable(problem: Problem) -> bool:
    """The resolver ran to its end and found no solution (not a timeout, network, OS or only-binary failure)."""
    return problem.message.startswith(UNRESOLVABLE)


# Class 10 of #17: what pip and uv say when a requirement has no release for the running Python or platform
# (Requires-Python, or only wheels for other targets and no sdist). The index confirms it before any finding
# (deploycheck.index.nearest): the same words also come from a name that is not on the index at all.
_NAME = r"([A-Za-z0-9][A-Za-z0-9._-]{0,200})"
_SPEC = r"((?:\[[^\]\s]{0,200}\])?[<>=!~][^\s()]{0,300})?"
_TARGET_MISS = (
    # pip: "Could not find a version that satisfies the requirement tflike<2.14 (from appdep) (from versions: 2.16.1)"
    re.compile(r"Could not find a version that satisfies the requirement " + _NAME + _SPEC + r"[ (]"),
    # uv: "Because tflike==2.13.0 has no wheels with a matching Python ABI tag (e.g., `cp312`)"
    re.compile(_NAME + r"(?:[=<>!~][^\s]{0,300})? has no (?:usable )?wheels with a matching (?:Python|platform)"),
    # uv: "Because the current Python version (3.12.1) does not satisfy Python<3.12 and rplike==1.0 depends on ..."
    re.compile(
        r"does not satisfy Python[^\s]{0,100} and (?:all versions of )?" + _NAME + _SPEC + r" depends? on Python"
    ),
    re.compile(r"only found wheels for `" + _NAME + r"`"),
)
MAX_MISSES = 10  # requirements named; a resolver message never names more in one failure


def target_misses(message: str) -> list[tuple[str, str]]:
    """(name, specifier or "") of each requirement the resolver says has no release for this Python or
    platform, in the order named; empty when the failure is of another kind (conflict, build, network)."""
    found: dict[str, str] = {}
    for pattern in _TARGET_MISS:
        for match in pattern.finditer(message[:200_000]):
            name = match.group(1)
            spec = match.group(2) if pattern.groups > 1 else None
            spec = (spec or "").split("]")[-1]  # extras are not a version
            if name not in found or (spec and not found[name]):
                found[name] = spec
            if len(found) >= MAX_MISSES:
                return list(found.items())
    return list(found.items())
