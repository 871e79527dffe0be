"""The runner's credentials: out of the process environment before any check runs, held only in this
process's memory for the publisher, and redacted from every output.

Filtering os.environ is not enough: /proc/<pid>/environ shows the environment a process was started
with, and deploycheck is PID 1 in the action's container, an ancestor of every resolver and of every
setup.py those run. So the action re-executes itself with an environment without the credentials and
passes them through a memory file descriptor that the new image reads once and closes; execve
replaces what /proc/<pid>/environ shows. The process is then made non-dumpable, so processes of the
same uid without CAP_SYS_PTRACE cannot read its memory, maps or descriptors either.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import re
import sys
from urllib.parse import quote

CREDENTIALS = (
    "INPUT_GITHUB-TOKEN",
    "GITHUB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
)
FD_VARIABLE = "DEPLOYCHECK_CREDENTIALS_FD"  # holds a descriptor number, never a secret
_PAYLOAD_LIMIT = 60_000  # below a pipe's buffer, so the writer never blocks before the exec
_PR_SET_DUMPABLE = 4
_SHORTEST_SECRET = 8  # "true" or a one-letter value would redact ordinary words

_held: dict[str, str] = {}
_pattern: re.Pattern[str] | None = None


class CredentialsError(Exception):
    pass


def leave_environment() -> None:
    """Call first thing in the action's process. With credentials in the environment it does not return:
    it re-executes this same command without them. In the new image it takes them from the descriptor.
    Fails closed (exit 2) rather than run with the credentials in reach."""
    try:
        _leave_environment()
    except CredentialsError as exc:
        print(f"::error title=deploycheck::{exc}", flush=True)
        raise SystemExit(2) from None


def _leave_environment() -> None:
    found = {name: os.environ[name] for name in CREDENTIALS if name in os.environ}
    if not found:
        _receive()
        forbid_inspection()
        return
    fd = _stash(json.dumps(found).encode("utf-8"))
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    env[FD_VARIABLE] = str(fd)
    argv = list(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable, *argv[1:]], env)
    except OSError as exc:
        # Carrying on would leave the token in this process's /proc/<pid>/environ: fail closed.
        raise CredentialsError(
            f"could not restart {sys.executable} without the credentials in its environment ({exc})"
        ) from None


def _stash(payload: bytes) -> int:
    if len(payload) > _PAYLOAD_LIMIT:
        raise CredentialsError(f"the credential variables hold {len(payload)} bytes; at most {_PAYLOAD_LIMIT}")
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("deploycheck-credentials", 0)  # no MFD_CLOEXEC: the new image inherits it
        os.write(fd, payload)
        os.lseek(fd, 0, os.SEEK_SET)
        return fd
    read, write = os.pipe()
    os.write(write, payload)
    os.close(write)
    os.set_inheritable(read, True)
    return read


def _receive() -> None:
    number = os.environ.pop(FD_VARIABLE, None)
    if number is None:
        return
    try:
        fd = int(number)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
            if sum(map(len, chunks)) > _PAYLOAD_LIMIT:
                break
        os.close(fd)
        data = json.loads(b"".join(chunks))
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"could not read the credentials passed on descriptor {number} ({exc})") from None
    hold({str(k): str(v) for k, v in data.items() if k in CREDENTIALS})


def hold(values: dict[str, str]) -> None:
    """Keep credentials for the publisher and register their values with the redactor."""
    global _pattern
    _held.update(values)
    secrets = sorted({v for v in _held.values() if len(v) >= _SHORTEST_SECRET}, key=len, reverse=True)
    forms: list[str] = []
    for secret in secrets:
        forms.append(re.escape(secret))
        # As git and HTTP carry it: actions/checkout writes `AUTHORIZATION: basic base64(x-access-token:TOKEN)`
        # into .git/config (which deploycheck never reads: .git is outside the boundary).
        for prefix in ("x-access-token:", ""):
            forms.append(re.escape(base64.b64encode((prefix + secret).encode()).decode().rstrip("=")))
        if quote(secret, safe="") != secret:
            forms.append(re.escape(quote(secret, safe="")))
        # The value broken across lines, or with escaped line breaks (%0A in workflow commands, \n in JSON),
        # or normalised as a package name would be (case, and - _ . alike: a resolver's messages do that).
        chars = ("[-_.]" if c in "-_." else re.escape(c) for c in secret)
        forms.append(r"(?:\s|%0[AaDd]|\\[nr])*".join(chars))
    _pattern = re.compile("|".join(forms), re.IGNORECASE) if forms else None


def get(name: str) -> str:
    return _held.get(name, "")


def redact(text: str) -> str:
    return _pattern.sub("***", text) if _pattern is not None else text


def forbid_inspection() -> bool:
    """PR_SET_DUMPABLE 0: /proc/<pid>/{environ,mem,maps,fd} need CAP_SYS_PTRACE. Best effort off Linux."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False
