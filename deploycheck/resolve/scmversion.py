"""A version for a project whose version comes from git tags (setuptools-scm, hatch-vcs), when its lock is
compiled from the project itself (#17 class 15).

The temporary copy never holds .git (it is skipped by design: hooks, credentials in remotes, size), so the
build of such a project fails with "setuptools-scm was unable to detect version". setuptools-scm documents the
way out for builds without a repository: SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<NAME>, which sets the version of
that one distribution. The generic SETUPTOOLS_SCM_PRETEND_VERSION would also set the version of every
dependency built from an sdist with setuptools-scm (their metadata would then contradict their pins), so it is
given only when the per-distribution form cannot work: no name could be read, or hatch-vcs, which does not pass
the distribution's name to setuptools-scm. The version itself never reaches a lock (pip-compile and uv write
`# via name (pyproject.toml)` without it); it is a placeholder.

versioningit, pdm-backend's scm source and poetry-dynamic-versioning have no documented override by
environment: such projects still report the build's own message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import tomllib
from packaging.utils import canonicalize_name

from deploycheck.locks.model import SOURCE, Lock

PRETEND = "0.0.0"
GENERIC = "SETUPTOOLS_SCM_PRETEND_VERSION"
_MAX_BYTES = 1 << 20  # a project file larger than this is not read for it
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?$")  # PEP 508's name
_SETUP_NAME = re.compile(r"""\bname\s*=\s*["']([A-Za-z0-9._-]{1,200})["']""")
_SCM_BACKENDS = {"setuptools-scm", "vcs-versioning"}
_NO_DIST_NAME = {"hatch-vcs"}  # calls setuptools-scm without the distribution's name


def _read(path: Path) -> str | None:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _requires(build_system: object) -> set[str]:
    """The distribution names in [build-system] requires (unparsable entries ignored)."""
    requires = build_system.get("requires") if isinstance(build_system, dict) else None
    names: set[str] = set()
    for entry in requires if isinstance(requires, list) else []:
        found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", entry) if isinstance(entry, str) else None
        if found:
            names.add(canonicalize_name(found.group(1)))
    return names


def _pyproject(folder: Path) -> tuple[bool, bool, str | None]:
    """(versioned from git, generic variable needed, the project's name) from pyproject.toml."""
    text = _read(folder / "pyproject.toml")
    if text is None:
        return False, False, None
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return False, False, None
    tool = data.get("tool")
    requires = _requires(data.get("build-system"))
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    scm = bool(requires & (_SCM_BACKENDS | _NO_DIST_NAME)) or (isinstance(tool, dict) and "setuptools_scm" in tool)
    return scm, bool(requires & _NO_DIST_NAME), name if isinstance(name, str) else None


def _setup_files(folder: Path) -> tuple[bool, str | None]:
    """(versioned from git, the project's name) from setup.py and setup.cfg."""
    setup_py = _read(folder / "setup.py") or ""
    found = _SETUP_NAME.search(setup_py)
    name = found.group(1) if found else None
    cfg = _read(folder / "setup.cfg") or ""
    if name is None and (in_cfg := re.search(r"(?m)^\s*name\s*=\s*([A-Za-z0-9._-]{1,200})\s*$", cfg)):
        name = in_cfg.group(1)
    return "use_scm_version" in setup_py or "setuptools_scm" in cfg, name


def project_env(folder: Path) -> dict[str, str]:
    """The variables that give this project folder's build a version, or {} when it does not take it from git."""
    scm, generic, name = _pyproject(folder)
    in_setup, setup_name = _setup_files(folder)
    name = name or setup_name
    if not (scm or in_setup):
        return {}
    env = {}
    if name and _NAME.match(name):
        env[f"{GENERIC}_FOR_{canonicalize_name(name).replace('-', '_').upper()}"] = PRETEND
    if generic or not env:
        env[GENERIC] = PRETEND
    return env


def _local_projects(lock: Lock, cwd: Path) -> list[Path]:
    """Folders the compile builds as projects: the command's pyproject.toml/setup.py/setup.cfg sources, and
    local folder requirements (`-e .`, `./pkg`) in its requirements sources (pip reads them from its cwd)."""
    folders = []
    for source in lock.sources:
        if source.role != SOURCE:
            continue
        if source.path.suffix in (".toml", ".py", ".cfg"):
            folders.append(source.path.parent)
        for pin in (source.pins or {}).values():
            url = pin.url.removeprefix("file://").removeprefix("file:")
            if url.startswith(".") or (pin.editable and url and not re.match(r"^[a-z+]+://", url)):
                folders.append(cwd / url)
    return folders


def build_env(lock: Lock, cwd: Path, to_copy: Callable[[Path], Path]) -> dict[str, str]:
    """The variables for a compile of this lock in the copy."""
    return env_for(_local_projects(lock, cwd), to_copy)


def env_for(folders: list[Path], to_copy: Callable[[Path], Path]) -> dict[str, str]:
    """The variables for builds of these project folders. `to_copy` maps a repository path to the copy's
    (Workspace.path); only folders inside the copy are read."""
    env: dict[str, str] = {}
    for folder in folders:
        try:
            copy = to_copy(folder)
        except ValueError:  # outside the copied folder: the scan reports it
            continue
        env.update(project_env(copy))
    return env


def notes(env: dict[str, str]) -> list[str]:
    if not env:
        return []
    return [
        f"the project's version comes from git, and the copy it is compiled in has no .git: its build was given "
        f"version {PRETEND} ({', '.join(sorted(env))}); the version does not appear in the lock"
    ]
