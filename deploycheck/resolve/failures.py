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
from deploycheck.resolve import resolver
from deploycheck.resolve.resolver import Compiled, Job

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
    if job is not None and job.workspace is not None:
        copy, shown = job.workspace
        scratch = os.path.dirname(copy)  # beside the copy: the checkouts of VCS requirements
        text = text.replace(scratch + "/vcs-src", "(a temporary checkout)")
        text = text.replace("file://" + copy, "file:." if shown in ("", ".") else "file:./" + shown)
        text = text.replace(copy + "/", "" if shown in ("", ".") else shown + "/").replace(copy, shown or ".")
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
    "setup.py egg_info did not run successfully",
)


def _indexes(job: Job | None) -> str:
    """The indexes the run asked, as the report names them."""
    said = IndexSources.from_argv(job.index_options, Origin(COMMAND)) if job else IndexSources()
    indexes = [s for s in (said.primary, *said.extras) if s is not None]
    shown = ", ".join("https://pypi.org/simple (the default)" if s.origin.kind == DEFAULT else s.value for s in indexes)
    return shown or "no index: --no-index"


def _network(compiled: Compiled, job: Job | None) -> Problem | None:
    """pip retries and then reports a plain "no matching distribution": the cause is in its warnings."""
    output = compiled.run.stdout + "\n" + compiled.run.stderr
    if not resolver.is_network_failure(output):
        return None
    evidence = next((ln.strip() for ln in output.splitlines() if resolver.is_network_failure(ln)), "")
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


def failure(
    compiled: Compiled, display: str, python: str, *, only_binary: bool = False, job: Job | None = None
) -> Problem:
    """Why a resolver run failed, in words a user can act on: a timeout, an index that did not answer, a
    package that has no wheel under only-binary, or requirements that conflict (the resolver's own words)."""
    text = _readable(resolver.why_failed(compiled.run), job)
    network = None if compiled.run.timed_out else _network(compiled, job)
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
