"""The one module that runs resolvers (pip-compile, uv) as subprocesses.

Every resolver run gets an environment built from an allowlist, never a copy of ours: pip and uv
configuration (PIP_*, UV_*, pip.conf, uv.toml) would add index and find-links lines to the output,
and nothing a resolver runs (an sdist's setup.py) may see a token. Trust and proxy settings are kept,
or nothing resolves behind a TLS-inspecting proxy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploycheck.errors import CheckError
from deploycheck.resolve import reaper, sandbox, uvseed, uvtool

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
    """The pinned uv (uv-toolchain.txt): never a uv of another version from PATH (resolve/uvtool.py)."""
    return uvtool.binary(_trusted_step)


def _trusted_step(argv: list[str], cwd: Path, timeout: float) -> tuple[bool, str]:
    """deploycheck's own step (installing or asking the pinned uv): the user's mirror and proxy, never a token."""
    env = {k: v for k, v in os.environ.items() if not secret_name(k) and k != "VIRTUAL_ENV"}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    try:
        done = run(argv, cwd=cwd, env=env, timeout=timeout, merge=True, trusted=True)
    except OSError as e:  # not executable, or no such interpreter
        return False, str(e)
    return done.ok, done.stdout + (f"\n(timed out after {timeout:.0f} s)" if done.timed_out else "")


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
        _seed_uv_cache(argv, Path(overrides["UV_CACHE_DIR"]), who)
        options = sandbox.spawn_options(who)
        return _run(argv, cwd, {**env, **overrides}, timeout, merge, options, lambda: sandbox.stop(who))


def seed_template(python: str) -> Path | None:
    """The uv cache a run's uv steps on this interpreter start from, made now if missing (the image build)."""
    return uvseed.template(uv_binary(), python, _seed_step)


def _seed_uv_cache(argv: list[str], into: Path, who: sandbox.User) -> None:
    """The run's first uv step with an interpreter starts from what uv knows of it (deploycheck.resolve.uvseed)."""
    if "--python" not in argv[:-1] or os.path.basename(argv[0]) != "uv" or os.path.lexists(into):
        return
    kept = uvseed.template(argv[0], argv[argv.index("--python") + 1], _seed_step)
    if kept is not None and uvseed.seed(into, kept):
        sandbox.hand_over(into, who)


def _seed_step(argv: list[str], cwd: Path, env: dict[str, str]) -> bool:
    keep = {k: os.environ[k] for k in ("HOME", "SSL_CERT_FILE", "SSL_CERT_DIR") if k in os.environ}
    try:
        return run(argv, cwd=cwd, env={**keep, **env}, timeout=60, merge=True, trusted=True).ok
    except OSError:
        return False


def _stopped(survivors: list[reaper.Proc]) -> None:
    if survivors:
        raise CheckError(
            f"a process the resolver started could not be stopped (pid {', '.join(str(p.pid) for p in survivors[:5])})",
            fix="look for a process stuck in the kernel (state D)",
        )


_started = threading.Event()  # set when a step's process has started (first_step)


def first_step() -> threading.Event:
    """An event, cleared now, that is set when the next resolver step's process has started."""
    _started.clear()
    return _started


_live: set[subprocess.Popen[str]] = set()  # the steps running now, in any thread (kill_all)
_live_lock = threading.Lock()
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
    with _live_lock:
        _live.add(proc)
    _started.set()
    try:
        out, err, timed_out = _wait(proc, start + timeout, stop)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM, the run's --timeout): nothing it started may outlive us
        _kill_group(proc)
        proc.wait()
        if stop is not None:
            with contextlib.suppress(CheckError):  # the interruption is what the user hears of
                stop()
        raise
    finally:
        with _live_lock:
            _live.discard(proc)
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


def kill_all() -> None:
    """From the main thread, when the run is interrupted or times out while worker threads run steps: every
    resolver step's process group goes (deploycheck's own toolchain installs, which run as root, included)."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def secret_name(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in ("TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "AUTH", "_KEY")) or (
        upper.startswith("INPUT_")
    )
