"""A uv project's own settings ([tool.uv] in pyproject.toml, uv.toml beside it), read through the repository.

Two questions: would a uv run for this project read or write outside the repository (a cache-dir, a path
source, a local find-links or file:// index that leaves it: the same boundary rule as header options,
DC106), and, for a stale uv.lock, which part of pyproject.toml moved away from what the lock records.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.9 and 3.10
    import tomli as tomllib

CAP = 2 * 1024 * 1024
Blocked = tuple[str, "int | None", str, str]  # (file as shown, line, message, fix)


def _load(repo: Repository, path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = repo.read_bytes(path, cap=CAP).decode("utf-8")
        return tomllib.loads(text), text
    except (OSError, safefs.UnsafePath, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}, ""


def settings(repo: Repository, folder: Path) -> list[tuple[str, dict[str, Any], str]]:
    """(file as shown, its uv settings, its text) for uv.toml and pyproject.toml's [tool.uv], when present."""
    found = []
    for name in ("uv.toml", "pyproject.toml"):
        path = folder / name
        if not path.is_file():
            continue
        data, text = _load(repo, path)
        tool = data.get("tool")
        table = data if name == "uv.toml" else (tool.get("uv") if isinstance(tool, dict) else None)
        if isinstance(table, dict) and table:
            found.append((repo.display(path), table, text))
    return found


def _line(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def _local(value: str) -> str | None:
    if value.startswith("file://"):
        return value[len("file://") :]
    return None if "://" in value else value


def outside(repo: Repository, folder: Path) -> list[Blocked]:
    """Settings that send uv outside the repository: each one stops the uv runs for this app."""
    found: list[Blocked] = []
    for display, table, text in settings(repo, folder):
        paths: list[tuple[str, str]] = []
        if isinstance(table.get("cache-dir"), str):
            paths.append(("cache-dir", table["cache-dir"]))
        for value in _items(table.get("find-links")):
            if isinstance(value, str) and _local(value) is not None:
                paths.append(("find-links", _local(value) or ""))
        for index in _items(table.get("index")):
            url = index.get("url") if isinstance(index, dict) else None
            if isinstance(url, str) and _local(url) is not None:
                paths.append(("index", _local(url) or ""))
        sources = table.get("sources")
        for name, source in (sources if isinstance(sources, dict) else {}).items():
            for entry in source if isinstance(source, list) else [source]:
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    paths.append((f"sources.{name}", entry["path"]))
        for key, value in paths:
            if not _inside(value, folder, repo):
                found.append(
                    (
                        display,
                        _line(text, value),
                        f"[tool.uv] {key} = {value!r} is outside the repository: uv would read or write there, so "
                        "deploycheck does not run uv for this project",
                        "keep the path inside the repository (vendor the package, or drop the setting)",
                    )
                )
    return found


def _items(value: object) -> list[object]:
    """A TOML array as read from a hostile file: anything else (a string, a number, a table) holds no entries."""
    return value if isinstance(value, list) else []


def _inside(value: str, folder: Path, repo: Repository) -> bool:
    """Whether a path a uv setting names stays inside the repository. `~` (a home folder) and paths no file
    system accepts (a NUL byte) never do; nothing is expanded or read to decide."""
    if value.startswith("~") or "\0" in value:
        return False
    try:
        return safefs.inside(folder / value, repo.boundary)
    except (OSError, ValueError):
        return False


def _table(data: object, key: str) -> dict[str, Any]:
    """data[key] when both are TOML tables, else an empty one: a hostile file may hold any type anywhere."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _tables(data: object, key: str) -> list[dict[str, Any]]:
    value = data.get(key) if isinstance(data, dict) else None
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def why_stale(repo: Repository, folder: Path, lock_data: dict[str, Any]) -> str:
    """Which part of pyproject.toml no longer matches what uv.lock recorded for the project."""
    project_data, _ = _load(repo, folder / "pyproject.toml")
    project = _table(project_data, "project")
    name = canonicalize_name(str(project.get("name", "")))
    root = next((p for p in _tables(lock_data, "package") if canonicalize_name(str(p.get("name"))) == name), {})
    meta = _table(root, "metadata")
    reasons = []
    wanted = project.get("requires-python")
    if str(wanted or "") and _spec(wanted) != _spec(lock_data.get("requires-python")):
        reasons.append(f"requires-python changed ({lock_data.get('requires-python')} -> {wanted})")
    locked = {canonicalize_name(str(d.get("name"))) for d in _tables(meta, "requires-dist")}
    if _names(project.get("dependencies")) != locked - _extras_only(meta):
        reasons.append("[project].dependencies edited and not relocked")
    groups = _table(project_data, "dependency-groups")
    dev = _table(meta, "requires-dev")
    if set(groups) != set(dev) or any(
        _names(groups[g]) != {canonicalize_name(str(d.get("name"))) for d in _tables(dev, g)} for g in groups
    ):
        reasons.append("a dependency group changed")
    return "; ".join(reasons) or "pyproject.toml or [tool.uv] edited and not relocked"


def _spec(value: object) -> str:
    return ",".join(sorted(str(value or "").replace(" ", "").split(",")))


def _names(requirements: object) -> set[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    names: set[str] = set()
    for text in requirements if isinstance(requirements, list) else []:
        try:
            names.add(canonicalize_name(Requirement(str(text)).name))
        except InvalidRequirement:
            continue
    return names


def _extras_only(meta: dict[str, Any]) -> set[str]:
    """requires-dist entries that come from optional-dependencies (they carry a `marker` on an extra)."""
    return {
        canonicalize_name(str(d.get("name")))
        for d in _tables(meta, "requires-dist")
        if "extra ==" in str(d.get("marker", ""))
    }


def requires_python(repo: Repository, folder: Path) -> tuple[str, int | None, str] | None:
    """[project] requires-python of the folder's pyproject.toml: (text, line, file as shown)."""
    data, text = _load(repo, folder / "pyproject.toml")
    value = _table(data, "project").get("requires-python")
    if not isinstance(value, str):
        return None
    return value, _line(text, "requires-python"), repo.display(folder / "pyproject.toml")
