"""The one module that runs resolvers (pip-compile, uv) as subprocesses.

Every resolver run gets an environment built from an allowlist, never a copy of ours: pip and uv
configuration (PIP_*, UV_*, pip.conf, uv.toml) would add index and find-links lines to the output,
and nothing a resolver runs (an sdist's setup.py) may see a token. Trust and proxy settings are kept,
or nothing resolves behind a TLS-inspecting proxy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck import cache
from deploycheck.errors import CheckError
from deploycheck.resolve import reaper, sandbox

KEPT = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "SYSTEMROOT",
    "USER",
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "PIP_DEFAULT_TIMEOUT",
    "UV_NATIVE_TLS",
    "UV_CACHE_DIR",
    "PIP_CACHE_DIR",
    "XDG_CACHE_HOME",
    "UV_HTTP_TIMEOUT",
)
TOOLCHAIN_LOCK = Path(__file__).with_name("toolchain.txt")


class Interpreter(Protocol):
    """A real CPython (deploycheck.resolve.interpreters finds them; this module only runs them)."""

    @property
    def path(self) -> str: ...

    @property
    def version(self) -> str: ...


def pip_tools_version() -> str:
    """The pinned pip-tools that every pip-compile run uses, as the report names it."""
    for line in TOOLCHAIN_LOCK.read_text(encoding="utf-8").splitlines():
        if line.startswith("pip-tools=="):
            return "pip-tools " + line.split("==", 1)[1].split()[0]
    return "pip-tools"


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {name: os.environ[name] for name in KEPT if name in os.environ}
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,  # pip then reads no configuration file at all
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "UV_NO_CONFIG": "1",
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_PROGRESS": "1",
        }
    )
    env.update(extra or {})
    return env


def uv_binary() -> str:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if not found:
            raise CheckError("uv is not installed", fix="pip install uv (deploycheck pins it)") from None
        return found


@dataclass
class Run:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def run(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, merge: bool = False, trusted: bool = False
) -> Run:
    """Run to completion or kill the whole process group at the deadline (builds spawn children), or when
    deploycheck is interrupted. As root, package code runs as the run's sandbox user, in a HOME of its own;
    trusted: deploycheck's own pinned toolchain install, which stays root's so package code cannot alter it.
    merge: one stream, in order (pip-compile splits one error message across stdout and stderr).
    However the step ends, nothing it started is left running when this returns or raises: every process
    of the sandbox user (as root), or every new descendant of ours (as a normal user), is killed."""
    if trusted:
        # Readable by the sandbox user, whatever root's umask: it runs the toolchain.
        return _run(argv, cwd, env, timeout, merge, {"umask": 0o022}, None)
    who = sandbox.user()
    if who is None:
        sandbox.announce_unconfined()
        before = reaper.adopt()
        try:
            return _run(argv, cwd, env, timeout, merge, {}, lambda: _stopped(reaper.stop_new_descendants(before)))
        finally:
            reaper.adopt(False)
    with sandbox.session(who) as overrides:
        options = sandbox.spawn_options(who)
        return _run(argv, cwd, {**env, **overrides}, timeout, merge, options, lambda: sandbox.stop(who))


def _stopped(survivors: list[reaper.Proc]) -> None:
    if survivors:
        raise CheckError(
            f"a process the resolver started could not be stopped (pid {', '.join(str(p.pid) for p in survivors[:5])})",
            fix="look for a process stuck in the kernel (state D)",
        )


POLL = 1.0  # seconds between looks at a resolver whose output stays open after it exited


def _run(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    merge: bool,
    options: dict[str, Any],
    stop: Callable[[], None] | None,
) -> Run:
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            text=True,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            **options,
        )
    except PermissionError:
        who = sandbox.user()
        if stop is None or who is None:
            raise
        return Run(argv, 126, "", sandbox.unreachable(argv[0], who, "the program"), time.monotonic() - start)
    try:
        out, err, timed_out = _wait(proc, start + timeout, stop)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM, the run's --timeout): nothing it started may outlive us
        _kill_group(proc)
        proc.wait()
        if stop is not None:
            with contextlib.suppress(CheckError):  # the interruption is what the user hears of
                stop()
        raise
    if stop is not None:
        stop()  # the step has ended: every process it started goes, before anything reads what it wrote
    code = -9 if timed_out else proc.returncode
    return Run(argv, code, out, err or "", time.monotonic() - start, timed_out=timed_out)


def _wait(proc: subprocess.Popen[str], deadline: float, stop: Callable[[], None] | None) -> tuple[str, str, bool]:
    """The output, once the resolver has exited and its output is closed, and whether it timed out."""
    while True:
        try:
            out, err = proc.communicate(timeout=max(0.0, min(POLL, deadline - time.monotonic())))
            return out, err or "", False
        except subprocess.TimeoutExpired:
            if proc.poll() is not None and stop is not None:
                stop()  # it exited, and something it started (a daemon) holds its output open: that goes
            elif time.monotonic() >= deadline:
                _kill_group(proc)
                proc.wait()
                if stop is not None:
                    stop()  # a setsid() child holding the pipe would make the read below wait forever
                try:
                    out, err = proc.communicate(timeout=10 * POLL)
                except subprocess.TimeoutExpired:  # held by something no kill reached: give up on its output
                    raise CheckError(
                        "the resolver timed out, and something it started still holds its output open",
                        fix="pass a larger --timeout; look for a process of the resolver that survived",
                    ) from None
                return out, err or "", True


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _toolchain_env() -> dict[str, str]:
    """Installing the toolchain may use the user's mirror (it does not shape any lock), never a token."""
    return {k: v for k, v in os.environ.items() if not _secret(k)}


def _secret(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in ("TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "AUTH", "_KEY")) or (
        upper.startswith("INPUT_")
    )


def toolchain(interp: Interpreter) -> Path:
    """A virtual environment with the pinned pip-tools for this interpreter, made once and reused."""
    lock = TOOLCHAIN_LOCK.read_bytes()
    key = hashlib.sha256(lock + interp.path.encode() + interp.version.encode()).hexdigest()[:16]
    home = cache.folder() / "toolchains"
    home.mkdir(exist_ok=True)
    cache.remove_abandoned(home)  # a few entries to list: cheap enough for every run
    venv = home / f"py{interp.version}-{key}"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    staging = cache.staging(home)
    env = _toolchain_env()
    env.pop("VIRTUAL_ENV", None)
    steps = [
        [uv_binary(), "venv", "-q", "--python", interp.path, str(staging / "venv")],
        [
            uv_binary(),
            "pip",
            "install",
            "-q",
            "--python",
            str(staging / "venv" / "bin" / "python"),
            "-r",
            str(TOOLCHAIN_LOCK),
        ],
    ]
    try:
        for argv in steps:
            done = run(argv, cwd=staging, env=env, timeout=600, trusted=True)
            if not done.ok:
                raise CheckError(
                    f"could not install pip-tools for Python {interp.version}: {done.stderr.strip()[-800:]}",
                    fix="check that the package index is reachable (proxy and certificate settings), then run again",
                )
        _not_writable_by_others(staging / "venv")
        # Built aside and renamed into place so that a concurrent run never uses half a venv. The scripts in
        # bin/ keep the staging path in their shebangs; deploycheck runs only `python -m piptools`.
        with contextlib.suppress(OSError):  # another run won the race; its venv is as good as ours
            os.rename(staging / "venv", venv)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return python


def _not_writable_by_others(folder: Path) -> None:
    """uv leaves its venv's `.lock` writable by everyone (0666): package code runs as another user and may
    hold or write nothing of the toolchain's."""
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(top, name)
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o022:
                os.chmod(path, stat.S_IMODE(mode) & ~0o022)


def piptools_argv(python: Path) -> list[str]:
    return [str(python), "-m", "piptools", "compile"]


def uv_compile_argv() -> list[str]:
    return [uv_binary(), "pip", "compile"]


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
    if preference is None:
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
    done = run(argv, cwd=job.cwd, env=clean_env(extra), timeout=job.timeout, merge=True)
    compiled = _finish(job, done, "pip-compile")
    if job.only_binary and compiled.text is not None and not _ONLY_BINARY_LINE.search(preference or ""):
        # pip-compile writes the pip option deploycheck added into the lock: it is ours, not the user's.
        compiled.text = _ONLY_BINARY_LINE.sub("", compiled.text)
    return compiled


_ONLY_BINARY_LINE = re.compile(r"^--only-binary[ =]:all:[ \t]*\r?\n", re.MULTILINE)


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
    return _finish(job, run(argv, cwd=job.cwd, env=clean_env(), timeout=job.timeout), "uv")


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
    return _finish(job, run(argv, cwd=job.cwd, env=clean_env(), timeout=job.timeout), "uv")


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
    done = run(argv, cwd=job.cwd, env=clean_env(), timeout=job.timeout)
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


_PROBE = "import sys, platform; print(platform.python_implementation(), '%d.%d.%d' % sys.version_info[:3])"


def probe_python(path: str) -> tuple[str, str]:
    """The CPython version of an interpreter ("" when it is not a CPython that runs), asked as the user that
    will run it, and why that user cannot run it at all ("" when it can)."""
    done = run([path, "-I", "-c", _PROBE], cwd=Path("/"), env={}, timeout=30)
    if done.returncode == 126 and not done.stdout:
        return "", done.stderr.strip()
    try:
        impl, version = done.stdout.split()
    except ValueError:
        return "", ""
    return (version if impl == "CPython" and done.ok else ""), ""


def uv_find_python(minor: str) -> str | None:
    """A uv-managed CPython of that minor version, never downloaded."""
    try:
        argv = [uv_binary(), "python", "find", "--managed-python", "--no-python-downloads", minor]
    except CheckError:
        return None
    done = run(argv, cwd=Path("/"), env=clean_env(), timeout=30)
    found = done.stdout.strip()
    return found if done.ok and found else None


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
