"""The tool drivers: one compile with pip-compile or uv in the temporary copy, the uv fast pass, the
universal resolve that explains drift, and reading what a failed run said.

Each run goes through deploycheck.resolve.resolver.run (the sandbox, the clean environment, the deadline).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck import progress
from deploycheck.errors import CheckError
from deploycheck.resolve import sandbox
from deploycheck.resolve.interpreters import Interpreter
from deploycheck.resolve.resolver import Run, clean_env, run
from deploycheck.resolve.toolchain import piptools_argv, toolchain, uv_compile_argv

_ONLY_BINARY_LINE = re.compile(r"^--only-binary[ =]:all:[ \t]*\r?\n", re.MULTILINE)


# pip-compile options and what uv needs to resolve the same pins (None: uv cannot stand in).
_UV_EQUIVALENT: dict[str, list[str]] = {
    "--generate-hashes": ["--generate-hashes"],
    "--no-strip-extras": ["--no-strip-extras"],
    "--all-extras": ["--all-extras"],
    "--pre": ["--prerelease", "allow"],
    "--no-build-isolation": ["--no-build-isolation"],
}


_FORMAT_ONLY = {
    "--allow-unsafe",
    "--strip-extras",
    "--no-annotate",
    "--annotate",
    "--no-header",
    "--header",
    "--emit-index-url",
    "--no-emit-index-url",
    "--emit-trusted-host",
    "--no-emit-trusted-host",
    "--emit-find-links",
    "--no-emit-find-links",
    "--emit-options",
    "--no-emit-options",
    "--reuse-hashes",
    "--no-reuse-hashes",
    "--build-isolation",
    "--annotation-style",
    "--newline",
    "--max-rounds",
    "--unsafe-package",
    "--no-allow-unsafe",
}


@dataclass
class Job:
    """One lock to compile in a copy of the project."""

    cwd: Path  # inside the temporary copy
    output: str  # the lock's path relative to cwd
    sources: list[str]
    options: list[str]  # the header's output-changing options
    index_options: list[str]
    original: str  # the user's command line, kept in the regenerated header
    header: bool  # False for --no-header locks
    python: str  # the deploy's version, "3.11" or "3.11.6"
    interpreter: Interpreter | None  # None: uv resolves for `python` without one (labelled fallback)
    timeout: float
    only_binary: bool = False
    tool: str = "pip-compile"  # the tool that writes this lock
    pip_args: list[str] = field(default_factory=list)  # the header's --pip-args, filtered (compilecmd)
    src_dir: Path | None = None  # where pip checks out editable VCS requirements: inside the workspace
    universal_floor: str | None = None  # a --universal lock's lowest Python: resolved for all, from there up
    workspace: tuple[str, str] | None = None  # (the temporary copy's root, its path as the user sees it)
    paths: dict[str, str] = field(default_factory=dict)  # absolute paths in the copy -> the repository's, as written
    # The committed lock, when the command compiles the lock from itself (`uv pip compile requirements.txt -o
    # requirements.txt`): a fresh compile must not delete its only source.
    own_source: str | None = None
    build_env: dict[str, str] = field(default_factory=dict)  # for the builds of the project itself (scmversion)


@dataclass
class Compiled:
    run: Run
    text: str | None  # the lock written, when the run succeeded
    tool: str


def as_shown(text: str, workspace: tuple[str, str] | None) -> str:
    """Paths of the temporary copy as the repository's own: pip-compile writes a local sdist as
    `file:///tmp/deploycheck-…/src/vendor/x.tar.gz`, which is `file:./vendor/x.tar.gz` in the repository."""
    if workspace is None:
        return text
    copy, shown = workspace
    scratch = os.path.dirname(copy)  # beside the copy: the checkouts of VCS requirements
    text = text.replace(scratch + "/vcs-src", "(a temporary checkout)")
    text = text.replace("file://" + copy, "file:." if shown in ("", ".") else "file:./" + shown)
    return text.replace(copy + "/", "" if shown in ("", ".") else shown + "/").replace(copy, shown or ".")


def _label(job: Job, tool: str, preference: str | None) -> str:
    """What progress shows while a resolver runs: which lock, which tool, which Python."""
    python = job.interpreter.version if job.interpreter is not None else f"{job.python} (no interpreter)"
    fresh = "" if preference is not None else ", from scratch"
    return f"{job.output}: {tool}, Python {python}{fresh}"


def _finish(job: Job, done: Run, tool: str) -> Compiled:
    text = None
    if done.ok:
        text = sandbox.read_produced(job.cwd / job.output).decode("utf-8")  # keeps CRLF, as pip-compile does
        for copy, original in sorted(job.paths.items(), key=lambda item: -len(item[0])):
            text = text.replace(copy, original)  # an absolute --find-links or -c, as the user's machine wrote it
        # Mapped here, once, so that the changes, the diff, the proposed lock and every rendering agree.
        text = as_shown(text, job.workspace)
    return Compiled(done, text, tool)


def _prepare(job: Job, preference: str | None) -> None:
    """The committed lock in place as the output file keeps its pins as preferences; absent, it is fresh."""
    out = job.cwd / job.output
    if preference is None and job.own_source is not None:
        sandbox.write_into(out, job.own_source.encode("utf-8"))  # the source: fresh means no other preferences
    elif preference is None:
        sandbox.remove_from(out)
    else:
        sandbox.write_into(out, preference.encode("utf-8"))


def pip_compile(job: Job, preference: str | None) -> Compiled:
    if job.interpreter is None:
        raise CheckError("pip-compile needs a real interpreter of the target version")
    python = toolchain(job.interpreter)
    _prepare(job, preference)
    # Verbose: without it pip's explanation of a conflict is not printed at all.
    argv = [*piptools_argv(python), "--verbose", *job.options, *job.index_options, "--output-file", job.output]
    pip_args = [*job.pip_args, *(["--src", str(job.src_dir)] if job.src_dir else [])]
    pip_args += ["--only-binary", ":all:"] if job.only_binary else []
    if pip_args:  # one --pip-args: pip-compile keeps only the last
        argv += ["--pip-args", shlex.join(pip_args)]
    argv += job.sources
    extra = {"CUSTOM_COMPILE_COMMAND": job.original} if job.header and job.original else {}
    with progress.step(_label(job, "pip-compile", preference)):
        done = run(argv, cwd=job.cwd, env=clean_env({**job.build_env, **extra}), timeout=job.timeout, merge=True)
    compiled = _finish(job, done, "pip-compile")
    if job.only_binary and compiled.text is not None and not _ONLY_BINARY_LINE.search(preference or ""):
        # pip-compile writes the pip option deploycheck added into the lock: it is ours, not the user's.
        compiled.text = _ONLY_BINARY_LINE.sub("", compiled.text)
    return compiled


def _binary_only(job: Job) -> list[str]:
    """uv's refusal to build: no package's build code (setup.py) runs in any uv run of a job."""
    return ["--only-binary", ":all:"] if job.only_binary else []


def _target(job: Job) -> list[str]:
    if job.universal_floor:  # a universal lock: every platform, every Python from its floor up
        return ["--python-version", job.universal_floor]
    if job.interpreter is not None:
        return ["--python", job.interpreter.path]
    return ["--python-version", job.python, "--python-platform", "linux"]


def uv_compile(job: Job, preference: str | None) -> Compiled:
    """uv as the lock's own tool: the same options, the user's command kept in the header."""
    _prepare(job, preference)
    argv = [*uv_compile_argv(), "--quiet", *job.options, *job.index_options, *_target(job), "-o", job.output]
    if job.header and job.original:
        argv += ["--custom-compile-command", job.original]
    argv += [*_binary_only(job), *job.sources]
    with progress.step(_label(job, "uv pip compile", preference)):
        return _finish(job, run(argv, cwd=job.cwd, env=clean_env(job.build_env), timeout=job.timeout), "uv")


def uv_equivalent(options: list[str]) -> list[str] | None:
    """uv options that resolve like these pip-compile options, or None when some have no equivalent."""
    out: list[str] = []
    i = 0
    while i < len(options):
        opt = options[i]
        takes_value = opt in (
            "--extra",
            "-c",
            "--constraint",
            "--annotation-style",
            "--newline",
            "--max-rounds",
            "--unsafe-package",
        )
        value = options[i + 1] if takes_value and i + 1 < len(options) else None
        if opt in _UV_EQUIVALENT:
            out += _UV_EQUIVALENT[opt]
        elif opt in ("--extra", "-c", "--constraint") and value is not None:
            out += [opt, value]
        elif opt not in _FORMAT_ONLY:
            return None
        i += 2 if takes_value else 1
    # pip-compile 7 keeps extras unless told --strip-extras; uv strips them unless told not to.
    if "--strip-extras" not in options and "--no-strip-extras" not in out:
        out.append("--no-strip-extras")
    return out


def uv_fast_pass(job: Job, preference: str) -> Compiled | None:
    """uv resolving a pip-compile lock with its pins as preferences: same pins, a fraction of the time."""
    options = uv_equivalent(job.options)
    if options is None or job.pip_args:  # uv cannot take pip's options
        return None
    _prepare(job, preference)
    argv = [
        *uv_compile_argv(),
        "--quiet",
        "--no-header",
        *options,
        *job.index_options,
        *_target(job),
        "-o",
        job.output,
        *job.sources,
    ]
    argv[3:3] = _binary_only(job)
    with progress.step(_label(job, "uv pip compile (fast pass)", preference)):
        return _finish(job, run(argv, cwd=job.cwd, env=clean_env(job.build_env), timeout=job.timeout), "uv")


def universal_markers(job: Job, lowest_python: str) -> dict[NormalizedName, str]:
    """Each package's environment marker in a universal resolve (empty dict when uv cannot do it)."""

    options = job.options if job.tool == "uv" else uv_equivalent(job.options)
    options = [o for o in options or [] if o not in ("--generate-hashes", "--universal")]
    # No --quiet: it silences the lock uv writes to stdout.
    argv = [
        *uv_compile_argv(),
        "--universal",
        "--no-header",
        "--no-annotate",
        "--python-version",
        lowest_python,
        *options,
        *job.index_options,
        *_binary_only(job),
        *job.sources,
        "-o",
        "-",
    ]
    done = run(argv, cwd=job.cwd, env=clean_env(job.build_env), timeout=job.timeout)
    markers: dict[NormalizedName, list[str]] = {}
    for line in done.stdout.splitlines() if done.ok else []:
        if not line or line[0] in "# -":
            continue
        try:
            req = Requirement(line.split(" \\")[0])
        except InvalidRequirement:
            continue
        markers.setdefault(canonicalize_name(req.name), []).append(str(req.marker) if req.marker else "")
    # A package resolved to several versions (forks) is needed wherever any of its markers holds.
    return {
        name: ("" if "" in ms else " or ".join(f"({m})" for m in ms) if len(ms) > 1 else ms[0])
        for name, ms in markers.items()
    }


# Words in a resolver's output that mean the index was not reached, not that requirements conflict.
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


def is_network_failure(text: str) -> bool:
    return any(word in text for word in _NETWORK)


def why_failed(done: Run) -> str:
    """The resolver's own explanation: pip's ERROR block (pip-compile runs verbose, or pip's logger stays
    silent) or uv's error tree; never a traceback."""
    # pip-compile logs the explanation to stdout, the rest of its errors to stderr.
    lines = (done.stdout + "\n" + done.stderr).splitlines()
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
