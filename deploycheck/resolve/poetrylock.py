"""`poetry lock` in the workspace copy and the sandbox: the lock a stale poetry.lock becomes, for its diff.

Poetry 2 keeps the locked versions unless told --regenerate, so the new lock differs from the committed
one only where pyproject.toml now asks for something else: the diff is what the edit changed. Poetry is
deploycheck's pinned one (poetry-toolchain.txt), installed once per interpreter into a venv of its own
like pip-tools (toolchain.py: trusted, not writable by the sandbox user), and run as package code: it reads
the project's pyproject.toml and may build an sdist to learn its metadata.

Configuration: only the project's. Poetry's user configuration (POETRY_CONFIG_DIR, pointed at a folder that
holds nothing), POETRY_* variables and pip's configuration are shut out (resolver.clean_env is an
allowlist); the project's own poetry.toml is removed from the copy (it may name caches, certificates and
repositories outside the repository). The index is what pyproject.toml's [[tool.poetry.source]] names, as
it was when the lock was made: deploycheck's --index-url is never passed. No virtual environment is made
(the toolchain's interpreter is the one Poetry locks with); HOME and the cache are the sandbox's.
"""

from __future__ import annotations

from pathlib import Path

from deploycheck.resolve import resolver, sandbox
from deploycheck.resolve.interpreters import Interpreter
from deploycheck.resolve.toolchain import install

POETRY_LOCK = Path(__file__).with_name("poetry-toolchain.txt")
MIN_PYTHON = (3, 10)  # Poetry 2.5's own floor: the toolchain is compiled for 3.10 and later
MIN_PYTHON_TEXT = "3.10"


def poetry_version() -> str:
    """The pinned Poetry, as the report names it."""
    for line in POETRY_LOCK.read_text(encoding="utf-8").splitlines():
        if line.startswith("poetry=="):
            return "Poetry " + line.split("==", 1)[1].split()[0]
    return "Poetry"


def supports(interp: Interpreter) -> bool:
    return tuple(int(p) for p in interp.version.split(".")[:2]) >= MIN_PYTHON


def toolchain(interp: Interpreter, timeout: float = 600) -> Path:
    """A venv with the pinned Poetry for this interpreter, made once and reused; its python."""
    return install(interp, POETRY_LOCK, name="poetry", label=poetry_version(), timeout=timeout)


def poetry_env(workspace_root: Path) -> dict[str, str]:
    """clean_env for Poetry: no user configuration, no venv, no prompt, no keyring (it would ask D-Bus)."""
    nothing = str(workspace_root.parent / "no-poetry-config")  # never created
    return resolver.clean_env(
        {
            "POETRY_CONFIG_DIR": nothing,
            "POETRY_VIRTUALENVS_CREATE": "false",
            "POETRY_NO_INTERACTION": "1",
            "POETRY_KEYRING_ENABLED": "false",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
    )


def relock(python: Path, cwd: Path, workspace_root: Path, *, timeout: float) -> tuple[resolver.Run, str | None]:
    """`poetry lock` (keeping the locked versions) in the copy's folder, and the poetry.lock it wrote."""
    sandbox.remove_from(cwd / "poetry.toml")
    argv = [str(python), "-m", "poetry", "lock", "--no-interaction", "--no-ansi"]
    done = resolver.run(argv, cwd=cwd, env=poetry_env(workspace_root), timeout=timeout, merge=True)
    text = sandbox.read_produced(cwd / "poetry.lock").decode("utf-8") if done.ok else None
    return done, text


def said(done: resolver.Run) -> str:
    """What Poetry said, for a report: its last lines (merged output), or that it timed out."""
    if done.timed_out:
        return f"`poetry lock` did not finish within {done.seconds:.0f} s"
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    return "`poetry lock` failed: " + (" / ".join(lines[-6:]) or f"exit code {done.returncode}")
