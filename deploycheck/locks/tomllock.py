"""What the TOML lock readers share (poetry.lock, pdm.lock): a bounded, total parse into a table, the line of
each `[[package]]` entry (tomllib gives none), and the `Lock` that stands for a file that did not parse.

A lock is hostile input: it is decoded as UTF-8 or refused, parsed once (tomllib is linear), and every
problem is one `Issue` naming the line tomllib reports, never an exception.
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path
from typing import Any

from packaging.utils import InvalidName, NormalizedName, canonicalize_name

from deploycheck.locks.model import Issue, Lock

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the image and the tests run 3.11+
    import tomli as tomllib

_AT_LINE = re.compile(r"\(at line (\d+)")
_NAME_LINE = re.compile(r'^\s*name\s*=\s*"([^"\n]{1,200})"')
MAX_PACKAGES = 20_000  # entries read from one lock; more is one issue
CONTENT_HASH = "content-hash"  # a verify kind: the lock records a hash of its sources, compared (hash_locks)


def parse(raw: bytes, display: str) -> tuple[dict[str, Any] | None, str, Issue | None]:
    """The file as a TOML table and as text, or None and the issue that says why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, "", Issue(None, f"{display} is not UTF-8 text ({exc.reason})", "regenerate the lock", "not-text")
    try:
        return tomllib.loads(text), text, None
    except tomllib.TOMLDecodeError as exc:
        found = _AT_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        message = str(exc).split(" (at line")[0]
        return None, text, Issue(line, f"{display} is not valid TOML: {message}", "regenerate the lock", "syntax")
    except RecursionError:  # tomllib recurses into nested arrays and tables; no lock nests deeply
        return None, text, Issue(None, f"{display} nests deeper than a lock does", "regenerate the lock", "syntax")


def start(
    raw: bytes, path: Path, display: str, fmt: str, tool: str, command: str
) -> tuple[Lock, dict[str, Any] | None]:
    """A hash-verified TOML lock's empty Lock and its parsed table; when the file does not parse, the Lock
    carries the issue and the table is None."""
    data, text, issue = parse(raw, display)
    lock = Lock(path=path, display=display, format=fmt, text=text, pins={}, tool=tool, command=command)
    lock.verify = CONTENT_HASH
    if data is None:
        lock.issues.append(issue or Issue(None, f"{display} cannot be read", "regenerate the lock", "syntax"))
    return lock, data


def package_lines(text: str) -> dict[NormalizedName, int]:
    """The line of each `[[package]]` entry's `name = "..."`, first entry of a name wins."""
    lines: dict[NormalizedName, int] = {}
    in_package = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_package = stripped == "[[package]]"
            continue
        found = _NAME_LINE.match(line) if in_package else None
        if found:
            with contextlib.suppress(InvalidName):
                lines.setdefault(canonicalize_name(found.group(1), validate=True), number)
            in_package = False
    return lines


def packages(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The `[[package]]` tables that have a valid name, bounded."""
    entries = data.get("package")
    if not isinstance(entries, list):
        return []
    return [e for e in entries[:MAX_PACKAGES] if isinstance(e, dict) and valid_name(e.get("name"))]


def valid_name(name: object) -> bool:
    if not isinstance(name, str) or len(name) > 200:
        return False
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        return False
    return True


def table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def hashes(files: object) -> tuple[str, ...]:
    """`files = [{file = ..., hash = "sha256:..."}]`, as pip's `--hash` values."""
    found = [f.get("hash") for f in files if isinstance(f, dict)] if isinstance(files, list) else []
    return tuple(dict.fromkeys(h for h in found if isinstance(h, str) and ":" in h))
