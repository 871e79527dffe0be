"""deploycheck's pinned pip-tools, installed once per interpreter into a venv of its own (toolchain.txt).

Installed by deploycheck itself (trusted: root's when root), never by package code, so nothing a resolver
runs can change the tool that judges the next lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

from deploycheck import cache, progress
from deploycheck.errors import CheckError
from deploycheck.resolve.interpreters import Interpreter
from deploycheck.resolve.resolver import run, secret_name, uv_binary
from deploycheck.resolve.uvtool import not_writable_by_others

TOOLCHAIN_LOCK = Path(__file__).with_name("toolchain.txt")


def pip_tools_version() -> str:
    """The pinned pip-tools that every pip-compile run uses, as the report names it."""
    for line in TOOLCHAIN_LOCK.read_text(encoding="utf-8").splitlines():
        if line.startswith("pip-tools=="):
            return "pip-tools " + line.split("==", 1)[1].split()[0]
    return "pip-tools"


def _toolchain_env() -> dict[str, str]:
    """Installing the toolchain may use the user's mirror (it does not shape any lock), never a token."""
    return {k: v for k, v in os.environ.items() if not secret_name(k)}


def toolchain(interp: Interpreter) -> Path:
    """A virtual environment with the pinned pip-tools for this interpreter, made once and reused."""
    return install(interp, TOOLCHAIN_LOCK, name="", label="pip-tools")


def install(interp: Interpreter, lock_file: Path, *, name: str, label: str, timeout: float = 600) -> Path:
    """A venv of `lock_file`'s pinned tools for this interpreter, made once (keyed by the lock's bytes and the
    interpreter) and reused; its python. Installed as deploycheck itself (trusted), never by package code."""
    lock = lock_file.read_bytes()
    key = hashlib.sha256(lock + interp.path.encode() + interp.version.encode()).hexdigest()[:16]
    home = cache.folder() / "toolchains"
    home.mkdir(exist_ok=True)
    cache.remove_abandoned(home)  # a few entries to list: cheap enough for every run
    venv = home / f"{name + '-' if name else ''}py{interp.version}-{key}"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    staging = cache.staging(home)
    env = _toolchain_env()
    env.pop("VIRTUAL_ENV", None)
    target = str(staging / "venv" / "bin" / "python")
    once = f"for Python {interp.version} (once)"
    steps = [  # each step its own label: -v prints one line per step
        (
            f"making a virtual environment for {label} {once}",
            [uv_binary(), "venv", "-q", "--python", interp.path, str(staging / "venv")],
        ),
        (f"installing {label} {once}", [uv_binary(), "pip", "install", "-q", "--python", target, "-r", str(lock_file)]),
    ]
    try:
        for step, argv in steps:
            with progress.step(step):
                done = run(argv, cwd=staging, env=env, timeout=timeout, trusted=True)
            if not done.ok:
                raise CheckError(
                    f"could not install {label} for Python {interp.version}: {done.stderr.strip()[-800:]}",
                    fix="check that the package index is reachable (proxy and certificate settings), then run again",
                )
        not_writable_by_others(staging / "venv")
        # Built aside and renamed into place so that a concurrent run never uses half a venv. The scripts in
        # bin/ keep the staging path in their shebangs; deploycheck runs only `python -m <tool>`.
        with contextlib.suppress(OSError):  # another run won the race; its venv is as good as ours
            os.rename(staging / "venv", venv)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return python


def piptools_argv(python: Path) -> list[str]:
    return [str(python), "-m", "piptools", "compile"]


def uv_compile_argv() -> list[str]:
    return [uv_binary(), "pip", "compile"]
