"""The commands a report prints to regenerate a lock (#18 item 10): runnable anywhere uv is installed, given from
the checked folder (`cd web && ` for an app in web/), every word from the repository rebuilt from parsed arguments
and quoted.

- a pip-tools lock: `uvx --python X --from pip-tools==<pinned> pip-compile ...`, the header's own command in a
  Python of the deploy's version; Docker, as the user, is the alternative for macOS and Windows, since
  pip-compile resolves for the system it runs on;
- a uv lock: `uv pip compile --python-version X --python-platform linux ...`; a --universal one keeps its floor
  and no platform (uv refuses --python-platform beside --universal).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from deploycheck.locks.requirements.compilecmd import CompileCommand
from deploycheck.locks.tools import PIP_COMPILE, UV, command_prefix
from deploycheck.project.records import LockPair, cd_prefix
from deploycheck.resolve import toolchain
from deploycheck.resolve.recompile import deploy_floor, universal_floor


def fix_command(pair: LockPair, root: Path, python: str, *, fresh: bool) -> str:
    """The command that regenerates the lock the way the deploy sees it (its Python; Linux where the tool can
    target it), runnable anywhere uv is installed, from the checked root."""
    cmd = pair.command
    if cmd.tool == UV:
        floor = universal_floor(pair)
        return uv_fix(cmd, pair.cwd, root, python, output=pair.path.name, upgrade=fresh, floor=floor)
    # uvx runs the pinned pip-tools in a Python of the deploy's version (uv finds or installs it): no Docker,
    # no root-owned files.
    version = shlex.quote(python)  # from the repository's declarations: quoted, though they are checked versions
    line = _pip_compile_line(pair, fresh)
    return f"{cd_prefix(pair.cwd, root)}uvx --python {version} --from {_pip_tools_pin()} {line}"


def docker_note(pair: LockPair, root: Path, python: str, *, fresh: bool) -> str:
    """The alternative for a pip-compile lock: pip-compile resolves for the system it runs on and has no target
    option, so a lock made on macOS or Windows is made for that system. Docker gives the deploy's Linux; as the
    user, so that the lock it writes is not root's."""
    venv = "/tmp/pip-tools"
    inner = shlex.quote(
        f"python -m venv {venv} && {venv}/bin/pip install -q {_pip_tools_pin()} && "
        f"{venv}/bin/{_pip_compile_line(pair, fresh)}"
    )
    docker = (
        f'{cd_prefix(pair.cwd, root)}docker run --rm --user "$(id -u):$(id -g)" -e HOME=/tmp -v "$PWD":/src '
        f"-w /src {shlex.quote(f'python:{python}-slim')} sh -c {inner}"
    )
    return (
        "pip-compile resolves for the system it runs on: on macOS or Windows, run it for the deploy's Linux in "
        f"Docker instead: {docker}"
    )


def _pip_tools_pin() -> str:
    return toolchain.pip_tools_version().replace("pip-tools ", "pip-tools==")


def _pip_compile_line(pair: LockPair, fresh: bool) -> str:
    """The header's pip-compile command, rebuilt from parsed words and quoted (the words come from the PR)."""
    cmd = pair.command
    line = cmd.command_line()
    if not line.startswith(PIP_COMPILE):
        words = [*cmd.options, *cmd.index_options, "--output-file", pair.path.name, *cmd.sources]
        line = f"{PIP_COMPILE} {shlex.join(words)}"
    return line + (" --upgrade" if fresh else "")


def uv_fix(
    cmd: CompileCommand,
    cwd: Path,
    root: Path,
    python: str,
    *,
    output: str,
    upgrade: bool = False,
    floor: str | None = None,
) -> str:
    """`uv pip compile` for the deploy (Linux, its Python), with the header's own arguments, from the checked root.
    A --universal lock is for every platform (uv refuses --python-platform beside it), from the lower of its own
    floor and the deploy's Python."""
    prefix = " ".join(command_prefix(UV))
    line = cmd.command_line()
    original = (
        line if line.startswith(prefix) else f"{prefix} " + shlex.join([*cmd.options, *cmd.sources, "-o", output])
    )
    rest = original[len(prefix) :]
    version = shlex.quote(deploy_floor(floor, python) if cmd.universal else python)
    target = f"--python-version {version}" + ("" if cmd.universal else " --python-platform linux")
    return f"{cd_prefix(cwd, root)}uv pip compile {target}{' --upgrade' if upgrade else ''}{rest}"
