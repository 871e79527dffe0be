"""uv.lock as a `Lock`: the packages `uv sync --locked` installs, each with the marker under which it does.

uv.lock is universal: one file for every platform and Python, its markers on the dependency edges, not on
the packages. The reader has no deploy environment, so it walks the graph once from the project (the root
package, or every workspace member when the root is virtual) and gives each package the marker that makes
it reachable: the `or` of the `and`s of the edge markers along each path. Checks then ask
`Lock.installed(env)` as for any other lock. What is walked is what the platforms install: the project's
dependencies, no optional extras, no dependency groups (Heroku runs `uv sync --locked --no-default-groups`).
A package reached under too many distinct paths is kept unconditionally: installed is the safe reading.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.locks import tools
from deploycheck.locks.indexes import EXTRA_INDEX_URL, FILE, INDEX_URL, IndexOption, IndexSources, Origin
from deploycheck.locks.model import Issue, Lock, Pin

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.9 and 3.10
    import tomli as tomllib

FORMAT = "uv.lock"
UV_LOCK = "uv-lock"  # verify kind: `uv lock --locked` in the sandbox (checks/uv_lock.py)
MAX_PATHS = 16  # distinct marker paths kept per package; beyond, it counts as always installed
# Markers conjoined along one path: real locks have a few; a hostile chain of thousands would make every
# path, merge and marker quadratic. Beyond this a path takes no more conditions (it reads as more permissive).
MAX_CONJUNCTS = 32
_PACKAGE_HEADER = re.compile(r"^[ \t]*\[\[\s*package\s*\]\]", re.MULTILINE)
_ROOT_SOURCES = ("editable", "virtual")

Node = tuple[NormalizedName, str, str]  # (name, version, extra or "")
Path_ = frozenset[str]  # the edge markers along one path, all of which must hold


def is_lock(head: str) -> bool:
    return "[[package]]" in head and "version" in head


def claims(name: str) -> bool:
    return name == "uv.lock"


def load(raw: bytes, display: str) -> tuple[dict[str, Any] | None, Issue | None]:
    """The parsed file, or the issue that says why uv cannot read it (a line when TOML names one)."""
    try:
        return tomllib.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, Issue(None, f"{display} is not UTF-8 text: uv cannot read it", "run `uv lock`", "not-text")
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of(str(exc))
        return None, Issue(line, f"{display} is not valid TOML: {exc}", "run `uv lock` to rewrite it", "syntax")
    except RecursionError:  # tomllib recurses into nested arrays and tables; uv never nests deeply
        return None, Issue(None, f"{display} nests deeper than a uv.lock does", "run `uv lock` to rewrite it", "syntax")


def _line_of(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def read(raw: bytes, path: Path, display: str) -> Lock:
    lock = Lock(
        path=path, display=display, format=FORMAT, text="", pins={}, tool=tools.UV, verify=UV_LOCK, universal=True
    )
    lock.command = "uv lock"
    data, issue = load(raw, display)
    if data is None:
        lock.issues += [issue] if issue else []
        return lock
    lock.text = raw.decode("utf-8")
    packages = [p for p in data.get("package", []) if isinstance(p, dict) and isinstance(p.get("name"), str)]
    lines = [lock.text.count("\n", 0, m.start()) + 1 for m in _PACKAGE_HEADER.finditer(lock.text)]
    by_key: dict[tuple[NormalizedName, str], tuple[dict[str, Any], int]] = {}
    for i, package in enumerate(packages):
        key = (canonicalize_name(package["name"]), str(package.get("version", "")))
        by_key[key] = (package, lines[i] if i < len(lines) else 0)
    reached = _walk(by_key, _roots(data, by_key))
    for (name, version), paths in sorted(reached.items()):
        package, line = by_key[(name, version)]
        if _root_source(package):
            continue  # the project itself: installed from the checkout, not from an index
        pin = _pin(package, name, line, _marker(paths), display)
        if name in lock.pins:
            lock.alternates.append(pin)  # a fork: another version under other markers
        else:
            lock.pins[name] = pin
    lock.indexes = _indexes(packages, lines, display)
    return lock


def _root_source(package: dict[str, Any]) -> bool:
    source = package.get("source")
    return isinstance(source, dict) and any(k in source for k in _ROOT_SOURCES) and _is_member(source)


def _is_member(source: dict[str, Any]) -> bool:
    # Workspace members are editable/virtual sources; an editable path dependency outside is not the project.
    value = _local_path({"source": source})
    return isinstance(value, str) and not value.startswith(("..", "/"))


def _roots(data: dict[str, Any], by_key: dict[tuple[NormalizedName, str], tuple[dict[str, Any], int]]) -> list[Node]:
    """What `uv sync` installs from: the root project, or each workspace member when the root is virtual."""
    members = {canonicalize_name(m) for m in (data.get("manifest") or {}).get("members", []) if isinstance(m, str)}
    local = [(key, p) for key, (p, _) in by_key.items() if _root_source(p)]
    top = [key for key, p in local if _local_path(p) == "." and not _virtual(p)]
    if top:
        return [(*top[0], "")]
    return [(*key, "") for key, p in local if key[0] in members or not members]


def _local_path(package: dict[str, Any]) -> object:
    source = package.get("source") or {}
    return source.get("editable", source.get("virtual"))


def _virtual(package: dict[str, Any]) -> bool:
    return "virtual" in (package.get("source") or {}) and not package.get("dependencies")


def _edges(package: dict[str, Any], extra: str) -> Iterable[dict[str, Any]]:
    deps = package.get("dependencies", []) if not extra else package.get("optional-dependencies", {}).get(extra, [])
    return (d for d in deps if isinstance(d, dict) and isinstance(d.get("name"), str))


def _target(dep: dict[str, Any], by_key: dict[tuple[NormalizedName, str], Any]) -> tuple[NormalizedName, str] | None:
    name = canonicalize_name(dep["name"])
    if "version" in dep:
        return (name, str(dep["version"])) if (name, str(dep["version"])) in by_key else None
    return next((key for key in by_key if key[0] == name), None)


def _walk(
    by_key: dict[tuple[NormalizedName, str], tuple[dict[str, Any], int]], roots: list[Node]
) -> dict[tuple[NormalizedName, str], set[Path_]]:
    """Each reachable package and the marker paths that reach it (an empty path: always)."""
    paths: dict[Node, set[Path_]] = {root: {frozenset()} for root in roots}
    queue = list(roots)
    budget = 200_000  # edges visited: bounded work whatever the file holds
    while queue and budget > 0:
        node = queue.pop()
        package = by_key[node[:2]][0]
        for dep in _edges(package, node[2]):
            budget -= 1
            key = _target(dep, by_key)
            if key is None:
                continue
            marker: str = dep["marker"] if isinstance(dep.get("marker"), str) else ""
            extras = [e for e in dep.get("extra", []) if isinstance(e, str)]
            for target in [(*key, ""), *((*key, canonicalize_name(e)) for e in extras)]:
                grown = {p if len(p) >= MAX_CONJUNCTS else p | ({marker} - {""}) for p in paths[node]}
                if _merge(paths, target, grown):
                    queue.append(target)
    reached: dict[tuple[NormalizedName, str], set[Path_]] = {}
    for (name, version, _), found in paths.items():
        _merge_into(reached.setdefault((name, version), set()), found)
    return reached


def _merge(paths: dict[Node, set[Path_]], target: Node, new: set[Path_]) -> bool:
    """Add paths to a node; whether anything changed (then it is walked again)."""
    have = paths.setdefault(target, set())
    before = set(have)
    _merge_into(have, new)
    return have != before


def _merge_into(have: set[Path_], new: Iterable[Path_]) -> None:
    for path in new:
        if any(kept <= path for kept in have):
            continue  # an existing path needs less: this one adds nothing
        have.difference_update({kept for kept in have if path <= kept})
        have.add(path)
    if len(have) > MAX_PATHS:
        have.clear()
        have.add(frozenset())


def _marker(paths: set[Path_]) -> str:
    if frozenset() in paths or not paths:
        return ""
    ands = [" and ".join(f"({m})" for m in sorted(p)) for p in sorted(paths, key=sorted)]
    return ands[0] if len(ands) == 1 else " or ".join(f"({a})" for a in ands)


def _pin(package: dict[str, Any], name: NormalizedName, line: int, marker: str, display: str) -> Pin:
    version = str(package.get("version", "")) or None
    source: dict[str, Any] = package["source"] if isinstance(package.get("source"), dict) else {}
    url = next((str(source[k]) for k in ("url", "git", "path", "directory", "editable") if k in source), "")
    files = [package.get("sdist"), *package.get("wheels", [])]
    hashes = tuple(f["hash"] for f in files if isinstance(f, dict) and isinstance(f.get("hash"), str))
    raw = f"{name}=={version}" if version and not url else f"{name} @ {url}"
    return Pin(
        name,
        line,
        raw,
        version=None if url else version,
        marker=marker,
        url=url,
        editable="editable" in source,
        hashes=hashes,
        file=display,
    )


def _indexes(packages: list[dict[str, Any]], lines: list[int], display: str) -> IndexSources:
    """The registries the lock's packages come from, in order of first use: the first is the primary."""
    seen: dict[str, int] = {}
    for i, package in enumerate(packages):
        source = package.get("source")
        registry = source.get("registry") if isinstance(source, dict) else None
        if isinstance(registry, str) and registry not in seen and "://" in registry:
            seen[registry] = lines[i] if i < len(lines) else 0
    options = [
        IndexOption(INDEX_URL if n == 0 else EXTRA_INDEX_URL, url, Origin(FILE, display, line))
        for n, (url, line) in enumerate(seen.items())
    ]
    return IndexSources.read(options) if options else IndexSources()


def registries(data: dict[str, Any]) -> list[str]:
    """The registry URLs the lock records, byte for byte: uv compares them so, and a different one is stale."""
    found: list[str] = []
    for package in data.get("package", []):
        source = package.get("source") if isinstance(package, dict) else None
        registry = source.get("registry") if isinstance(source, dict) else None
        if isinstance(registry, str) and registry not in found:
            found.append(registry)
    return found
