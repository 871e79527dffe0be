"""Pipfile and Pipfile.lock as `Lock`s (deploycheck.locks.model), and the hash that keeps the lock fresh.

Pipfile.lock is JSON written by `pipenv lock`: `_meta` (the Pipfile's hash, its [requires] and [[source]]
tables) and one table per category; `default` is what `pipenv install --deploy` installs, each entry with
its exact version, hashes and markers. A Pipfile alone is what Streamlit Community Cloud installs: its
[packages] table read as plain requirements (specifiers, not pins).

Freshness: `pipenv install --deploy` and `pipenv verify` compare `_meta.hash.sha256` with a sha256 of the
Pipfile's contents (`content_hash` below; pipenv's `calculate_hash` / plette's `get_hash`, read in pipenv
2026.10.3 and checked against real `pipenv lock` output in tests/test_pipfile_lock.py). Since pipenv
2026.4.0 the package names are PEP 503-canonicalised before hashing; earlier pipenvs hashed them raw, so
a lock made by one of those can fail the newer check although nothing changed (`legacy_hash`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.locks.indexes import EXTRA_INDEX_URL, FILE, INDEX_URL, IndexOption, IndexSources, Origin
from deploycheck.locks.model import COMPILE_AS_SOURCE, Issue, Lock, Pin
from deploycheck.locks.tools import PIPENV

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

LOCK_FORMAT = "Pipfile.lock"
PIPFILE_FORMAT = "Pipfile"
VERIFY_HASH = "pipfile-hash"  # checks/pipfile_lock.py compares _meta.hash with the Pipfile's
PYPI_SOURCE = {"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}
# Pipfile tables that are not package categories (pipenv leaves them out of the hash, or hashes them apart).
NOT_CATEGORIES = frozenset({"source", "packages", "dev-packages", "requires", "scripts", "pipfile", "pipenv"})
MAX_PACKAGES = 20_000  # a category longer than this is one issue: no real app locks that many


def _canonical_keys(table: object) -> object:
    if not isinstance(table, dict):
        return table
    return {canonicalize_name(str(name)): value for name, value in table.items()}


def content_hash(pipfile: dict[str, object], *, canonical: bool = True) -> str:
    """The hash pipenv writes to `_meta.hash.sha256` for this (parsed) Pipfile."""
    normal = _canonical_keys if canonical else (lambda table: table)
    data: dict[str, object] = {
        "_meta": {"sources": pipfile.get("source") or [PYPI_SOURCE], "requires": pipfile.get("requires") or {}},
        "default": normal(pipfile.get("packages") or {}),
        "develop": normal(pipfile.get("dev-packages") or {}),
    }
    for name, table in pipfile.items():
        if name not in NOT_CATEGORIES and name not in ("default", "develop"):
            data[name] = normal(table)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_pipfile(text: str) -> tuple[dict[str, object] | None, str]:
    """The Pipfile's TOML, or None and why not."""
    try:
        return tomllib.loads(text), ""
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return None, f"is not valid TOML ({exc})"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8-sig", errors="replace")


# --------------------------------------------------------------------------------------------- the lock


_SECTION = re.compile(r'^    "([^"]+)": [{\[]')
_ENTRY = re.compile(r'^        "([^"]+)": \{')


def _lines(text: str) -> dict[tuple[str, str], int]:
    """(category, name) -> line of its entry, as pipenv lays the file out (4-space indents)."""
    where: dict[tuple[str, str], int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            continue
        m = _ENTRY.match(line)
        if m and section:
            where.setdefault((section, m.group(1)), number)
    return where


def _pin(name: NormalizedName, entry: dict[str, object], line: int, display: str) -> Pin:
    version = entry.get("version")
    exact = version[2:] if isinstance(version, str) and version.startswith("==") else None
    url = next((str(entry[k]) for k in ("file", "path", "git") if isinstance(entry.get(k), str)), "")
    if url and isinstance(entry.get("ref"), str):
        url = f"git+{url}@{entry['ref']}" if not url.startswith("git+") else f"{url}@{entry['ref']}"
    extras = entry.get("extras")
    hashes = entry.get("hashes")
    marker = entry.get("markers")
    pin = Pin(
        name=name,
        line=line,
        raw="",
        version=exact,
        specifier="" if exact or not isinstance(version, str) or version == "*" else version,
        extras=tuple(str(e) for e in extras) if isinstance(extras, list) else (),
        marker=marker if isinstance(marker, str) else "",
        url=url,
        editable=entry.get("editable") is True,
        hashes=tuple(str(h) for h in hashes) if isinstance(hashes, list) else (),
        file=display,
    )
    pin.raw = pin.describe()
    return pin


def _indexes(sources: object, display: str) -> IndexSources:
    """pipenv installs from the first [[source]] and looks in the others too."""
    options = []
    for number, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict) and isinstance(source.get("url"), str):
            name = INDEX_URL if number == 0 else EXTRA_INDEX_URL
            options.append(IndexOption(name, source["url"], Origin(FILE, display, None)))
    return IndexSources.read(options)


def _bad(path: Path, display: str, fmt: str, text: str, issue: Issue) -> Lock:
    return Lock(path=path, display=display, format=fmt, text=text, pins={}, issues=[issue])


def read_lock(raw: bytes, path: Path, display: str) -> Lock:
    """Pipfile.lock as a Lock: the `default` category's entries as pins, markers kept."""
    text = _decode(raw)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        issue = Issue(line, f"{display} is not valid JSON ({exc})", "run `pipenv lock` to write it again", "syntax")
        return _bad(path, display, LOCK_FORMAT, text, issue)
    meta = data.get("_meta") if isinstance(data, dict) else None
    default = data.get("default") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or not isinstance(default, dict):
        issue = Issue(None, f"{display} has no _meta or default table", "run `pipenv lock` to write it again", "syntax")
        return _bad(path, display, LOCK_FORMAT, text, issue)
    lines = _lines(text)
    pins: dict[NormalizedName, Pin] = {}
    issues = []
    if len(default) > MAX_PACKAGES:
        issues.append(Issue(None, f"{display} lists more than {MAX_PACKAGES} packages", "split the app", "too-large"))
        default = {}
    for raw_name, entry in default.items():
        if not isinstance(entry, dict):
            continue
        name = canonicalize_name(str(raw_name))
        pins[name] = _pin(name, entry, lines.get(("default", str(raw_name)), 1), display)
    requires = meta.get("requires")
    python = None
    if isinstance(requires, dict):
        python = next(
            (requires[k] for k in ("python_full_version", "python_version") if isinstance(requires.get(k), str)), None
        )
    return Lock(
        path=path,
        display=display,
        format=LOCK_FORMAT,
        text=text,
        pins=pins,
        indexes=_indexes(meta.get("sources"), display),
        tool=PIPENV,
        command="pipenv lock",
        python=python,
        verify=VERIFY_HASH,
        issues=issues,
    )


def locked_hash(lock_text: str) -> str | None:
    """`_meta.hash.sha256` of a Pipfile.lock's text, when it has one."""
    try:
        data = json.loads(lock_text)
    except (ValueError, RecursionError):
        return None
    meta = data.get("_meta") if isinstance(data, dict) else None
    digest = meta.get("hash") if isinstance(meta, dict) else None
    value = digest.get("sha256") if isinstance(digest, dict) else None
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------------------------------ the Pipfile


def _pipfile_pin(name: NormalizedName, value: object, line: int, display: str) -> Pin:
    entry: dict[str, object] = value if isinstance(value, dict) else {"version": value}
    pin = _pin(name, entry, line, display)
    if isinstance(entry.get("version"), str) and entry["version"] != "*" and pin.version is None:
        pin.specifier = str(entry["version"])
    # Pipfile allows markers as separate keys (`sys_platform = "== 'linux'"`) beside `markers`.
    extra = [
        f"{k} {v}"
        for k, v in entry.items()
        if k in ("sys_platform", "platform_machine", "os_name", "python_version") and isinstance(v, str)
    ]
    if extra:
        pin.marker = " and ".join(filter(None, [pin.marker, *extra]))
    pin.raw = pin.describe()
    return pin


def _pipfile_lines(text: str) -> dict[str, int]:
    """Name -> line of its entry in [packages]."""
    where: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.strip("[] ")
            continue
        m = re.match(r"([\"']?[A-Za-z0-9][\w.\-]*[\"']?)\s*=", stripped)
        if m and section == "packages":
            where.setdefault(m.group(1).strip("\"'"), number)
    return where


def read_pipfile(raw: bytes, path: Path, display: str) -> Lock:
    """A Pipfile as a plain requirements list: its [packages] table (what a deploy without the lock installs)."""
    text = _decode(raw)
    data, why = parse_pipfile(text)
    if data is None:
        m = re.search(r"line (\d+)", why)
        issue = Issue(int(m.group(1)) if m else None, f"{display} {why}", "fix the TOML syntax", "syntax")
        return _bad(path, display, PIPFILE_FORMAT, text, issue)
    packages = data.get("packages")
    pins: dict[NormalizedName, Pin] = {}
    if isinstance(packages, dict):
        starts = _pipfile_lines(text)
        for raw_name, value in list(packages.items())[:MAX_PACKAGES]:
            name = canonicalize_name(str(raw_name))
            pins[name] = _pipfile_pin(name, value, starts.get(str(raw_name), 1), display)
    return Lock(
        path=path,
        display=display,
        format=PIPFILE_FORMAT,
        text=text,
        pins=pins,
        indexes=_indexes(data.get("source"), display),
        verify=COMPILE_AS_SOURCE,
    )


def is_pipfile_lock(head: str) -> bool:
    return '"_meta"' in head


def is_pipfile(head: str) -> bool:
    return False  # nothing compiles a Pipfile: it is a source, read as plain requirements
