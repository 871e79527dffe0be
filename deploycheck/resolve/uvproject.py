"""uv's project commands (`uv lock --locked`, `uv lock`, `uv export`), run in the workspace copy and the
sandbox like every resolver (resolver.run).

Unlike `uv pip compile`, these read the project's own settings ([tool.uv] in pyproject.toml, uv.toml beside
it): exclude-newer, resolution, prerelease and the index are recorded in uv.lock, and without them a fresh
lock reads as stale (and a stale one can pass). So UV_NO_CONFIG is not set; the user's and the system's uv
configuration are shut out instead by pointing XDG_CONFIG_HOME and XDG_CONFIG_DIRS at a folder that holds
nothing. deploycheck's own --index-url is never passed: uv compares index URLs byte for byte with the lock's
registries, so any other spelling of the same index makes a fresh lock stale.
"""

from __future__ import annotations

from pathlib import Path

from deploycheck.resolve import resolver, sandbox, scmversion

# Exit codes of `uv lock --locked` (uv 0.13): 0 fresh, 1 the lock needs updating, 2 uv could not decide.
FRESH, STALE = 0, 1
STALE_TEXT = "needs to be updated"


def project_env(workspace_root: Path, project: Path | None = None) -> dict[str, str]:
    """clean_env for uv project commands: the project's configuration read, nobody else's; a project versioned
    from git gets its version from the environment (scmversion: the copy has no .git)."""
    env = resolver.clean_env(scmversion.project_env(project) if project else None)
    env.pop("UV_NO_CONFIG", None)
    nothing = str(workspace_root.parent / "no-uv-config")  # never created: no user or system uv.toml
    env.update({"XDG_CONFIG_HOME": nothing, "XDG_CONFIG_DIRS": nothing})
    return env


def _common(python: str | None, only_binary: bool) -> list[str]:
    return [*(["--python", python] if python else []), *(["--no-build"] if only_binary else [])]


def lock_check(
    cwd: Path, workspace_root: Path, *, python: str | None, timeout: float, only_binary: bool = False
) -> resolver.Run:
    """`uv lock --locked` in the copy: exit 0 fresh, 1 stale, 2 (or a timeout) could not check."""
    argv = [resolver.uv_binary(), "lock", "--locked", *_common(python, only_binary)]
    return resolver.run(argv, cwd=cwd, env=project_env(workspace_root, cwd), timeout=timeout)


def relock(
    cwd: Path, workspace_root: Path, *, python: str | None, timeout: float, only_binary: bool = False
) -> tuple[resolver.Run, str | None]:
    """`uv lock` in the copy (it rewrites the copy's uv.lock, never the repository's), and the lock it wrote."""
    argv = [resolver.uv_binary(), "lock", *_common(python, only_binary)]
    done = resolver.run(argv, cwd=cwd, env=project_env(workspace_root, cwd), timeout=timeout)
    text = sandbox.read_produced(cwd / "uv.lock").decode("utf-8") if done.ok else None
    return done, text


def export(
    cwd: Path, workspace_root: Path, options: list[str], output: str, *, timeout: float
) -> tuple[resolver.Run, str | None]:
    """`uv export` of the copy's uv.lock as it stands (--frozen: no re-lock), with the recorded options, into
    `output` in the copy; the text it wrote."""
    sandbox.remove_from(cwd / output)
    argv = [resolver.uv_binary(), "export", "--frozen", *options, "-o", output]
    done = resolver.run(argv, cwd=cwd, env=project_env(workspace_root, cwd), timeout=timeout)
    text = sandbox.read_produced(cwd / output).decode("utf-8") if done.ok else None
    return done, text
