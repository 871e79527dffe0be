"""pylock.toml (PEP 751) as a `Lock`, read and validated by `packaging.pylock`, the PyPA's parser.

Each `[[packages]]` entry is a pin with its own marker (the standard puts markers on packages, so
`Lock.installed(env)` selects as an installer does) and the hashes of its wheels and sdist. The file's
`environments` and `requires-python` are kept for the coverage check (checks/uv_lock.py); a file whose
header says which uv command wrote it can be re-created and compared (verify kind PYLOCK_REGEN), any other
cannot be verified against a source (PYLOCK_UNVERIFIED) and still gets the pins checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.locks import tools
from deploycheck.locks.indexes import EXTRA_INDEX_URL, FILE, INDEX_URL, IndexOption, IndexSources, Origin
from deploycheck.locks.model import Issue, Lock, Pin
from deploycheck.locks.uvlock import load

FORMAT = "pylock.toml"
PYLOCK_REGEN = "pylock-regenerate"  # a uv header: re-created with the recorded command and compared
PYLOCK_UNVERIFIED = "pylock-unverified"  # nothing records how it was made: pins checks only
_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")
_HEADER = re.compile(r"^#\s+(uv (?:export|pip compile)\b.*)$", re.MULTILINE)
_PACKAGES = re.compile(r"^[ \t]*\[\[\s*packages\s*\]\]", re.MULTILINE)

try:  # packaging.pylock: packaging >= 26.0 (deploycheck pins 26.3)
    from packaging import pylock as _pylock
except ImportError:  # pragma: no cover - an older packaging beside deploycheck
    _pylock = None  # type: ignore[assignment]


@dataclass
class Coverage:
    """What the file says about where it may be installed."""

    environments: list[str] = field(default_factory=list)
    requires_python: str = ""
    files: list[Files] = field(default_factory=list)  # per [[packages]] entry: what it gives to install


@dataclass
class Files:
    """One [[packages]] entry's installable files: wheel file names, and whether it has anything to build
    from (sdist, archive, vcs, directory). packaging.pylock refuses an entry with neither."""

    name: str
    marker: str
    wheels: list[str]
    source: bool


def claims(name: str) -> bool:
    return bool(_NAME.match(name))


def is_lock(head: str) -> bool:
    return "lock-version" in head


def command(text: str) -> str:
    """The uv command the header records ("" when none)."""
    head = "\n".join(text.splitlines()[:4])
    found = _HEADER.search(head)
    return found.group(1).strip() if found else ""


def read(raw: bytes, path: Path, display: str) -> Lock:
    lock = Lock(path=path, display=display, format=FORMAT, text="", pins={}, verify=PYLOCK_UNVERIFIED)
    data, issue = load(raw, display)
    if data is None:
        lock.issues += [issue] if issue else []
        return lock
    lock.text = raw.decode("utf-8")
    if _pylock is None:  # pragma: no cover
        lock.issues.append(Issue(None, f"{display} cannot be read: deploycheck needs packaging>=26.1", "", "syntax"))
        return lock
    try:
        parsed = _pylock.Pylock.from_dict(data)
    except (_pylock.PylockValidationError, _pylock.PylockUnsupportedVersionError) as exc:
        lock.issues.append(Issue(None, f"{display} is not a valid pylock.toml: {exc}", _FIX, "syntax"))
        return lock
    lock.command = command(lock.text)
    if lock.command:
        lock.tool, lock.verify = tools.UV, PYLOCK_REGEN
    lines = [lock.text.count("\n", 0, m.start()) + 1 for m in _PACKAGES.finditer(lock.text)]
    for i, package in enumerate(parsed.packages):
        pin = _pin(package, lines[i] if i < len(lines) else 0, display)
        if pin.name in lock.pins:
            lock.alternates.append(pin)
        else:
            lock.pins[pin.name] = pin
    lock.indexes = _indexes(parsed, lines, display)
    return lock


_FIX = "re-create it with the tool that wrote it (see its created-by)"


def coverage(lock: Lock) -> Coverage:
    """The file's environments and requires-python, and each package's files."""
    data, _ = load(lock.text.encode("utf-8"), lock.display)
    if not data or _pylock is None:
        return Coverage()
    try:
        parsed = _pylock.Pylock.from_dict(data)
    except (_pylock.PylockValidationError, _pylock.PylockUnsupportedVersionError):
        return Coverage()
    files = [
        Files(
            str(p.name),
            str(p.marker or ""),
            [_wheel_name(w) for w in p.wheels or []],
            bool(p.sdist or p.archive or p.vcs or p.directory),
        )
        for p in parsed.packages
    ]
    return Coverage([str(m) for m in parsed.environments or []], str(parsed.requires_python or ""), files)


def _wheel_name(wheel: Any) -> str:
    """PEP 751: `name` may be left out when the url or path ends in the file name."""
    return str(wheel.name or (wheel.url or wheel.path or "").rstrip("/").rsplit("/", 1)[-1])


def _pin(package: Any, line: int, display: str) -> Pin:
    name: NormalizedName = canonicalize_name(package.name)
    version = str(package.version) if package.version is not None else None
    url = ""
    for kind in (package.vcs, package.directory, package.archive):
        if kind is not None:
            url = str(getattr(kind, "url", None) or getattr(kind, "path", None) or "")
    files = [*(package.wheels or []), *([package.sdist] if package.sdist else []), package.archive]
    hashes = tuple(
        f"{algo}:{value}" for f in files if f is not None for algo, value in sorted((f.hashes or {}).items())
    )
    return Pin(
        name,
        line,
        f"{name}=={version}" if version and not url else f"{name} @ {url}",
        version=None if url else version,
        marker=str(package.marker) if package.marker else "",
        url=url,
        editable=bool(package.directory and package.directory.editable),
        hashes=hashes,
        file=display,
    )


def _indexes(parsed: Any, lines: list[int], display: str) -> IndexSources:
    seen: dict[str, int] = {}
    for i, package in enumerate(parsed.packages):
        if package.index and package.index not in seen:
            seen[package.index] = lines[i] if i < len(lines) else 0
    options = [
        IndexOption(INDEX_URL if n == 0 else EXTRA_INDEX_URL, url, Origin(FILE, display, line))
        for n, (url, line) in enumerate(seen.items())
    ]
    return IndexSources.read(options) if options else IndexSources()
