"""What a declared Python version is: a Declaration a platform can install, or a BadDeclaration (the file,
the line, why no platform can use it, and what to write instead). The readers of declarations.py and the
hints of inferred.py classify every version string they find here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from deploycheck.runtime import cpython


@dataclass
class Declaration:
    version: str  # "3.11" or "3.11.6"
    path: Path
    line: int
    what: str  # e.g. "FROM python:3.11-slim"
    image: str = ""  # the python image tag when this is a Dockerfile FROM or a compose image ("3.11-slim")

    @property
    def minor(self) -> str:
        return cpython.minor_of(self.version)


@dataclass
class BadDeclaration:
    path: Path
    line: int | None
    text: str  # the offending text, as written (truncated)
    why: str
    fix: str
    platform_rule: bool = False  # rejected by the inferred platform's own format rules, not by every platform


Result = Declaration | BadDeclaration | None
FIX_VERSION = "write the CPython version the app runs on, e.g. `3.12`"
_NOT_CPYTHON = ("pypy", "graalpy", "jython", "ironpython", "micropython", "stackless", "pyston", "cinder")
_DISTRIBUTIONS = ("miniconda", "anaconda", "mambaforge", "miniforge", "activepython")
_FLOATING = {"latest", "stable", "system", "3", "3.x", "3.*", "python3", "python", "default", "newest", "dev"}


def short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 80 else text[:77] + "..."


def classify(value: str, path: Path, line: int, what: str | None = None) -> Declaration | BadDeclaration:
    """A version string as a platform would take it: `3.12`, `3.12.4`, `python-3.12` are versions;
    `pypy3.10`, `system`, `3`, `latest`, `3.99`, `3.13.99`, garbage are not."""
    raw = value.strip()
    low = raw.lower()
    shown = short(what if what is not None else raw)
    m = re.fullmatch(r"(?:cpython-|python-?)?(3\.\d+(?:\.\d+)?)", low)
    if m:
        why = cpython.why_not_a_release(m.group(1))
        if why:
            return BadDeclaration(path, line, shown, why, FIX_VERSION)
        return Declaration(m.group(1), path, line, shown)
    if low == "system":
        return BadDeclaration(
            path,
            line,
            shown,
            "`system` means whatever Python the machine has; a platform cannot install it",
            FIX_VERSION,
        )
    if low in _FLOATING or re.fullmatch(r"3(\.x|\.\*)?", low):
        return BadDeclaration(
            path, line, shown, f"{raw!r} names no minor version, so the deploy gets whatever is newest", FIX_VERSION
        )
    if low.startswith(_NOT_CPYTHON):
        return BadDeclaration(
            path, line, shown, f"{raw!r} is not CPython; deploy platforms and deploycheck install CPython", FIX_VERSION
        )
    if low.startswith(_DISTRIBUTIONS):
        return BadDeclaration(path, line, shown, f"{raw!r} is a conda distribution, not a Python version", FIX_VERSION)
    if re.fullmatch(r"(?:python-?)?2(\.\d+){0,2}", low):
        return BadDeclaration(
            path, line, shown, "Python 2 is past its end of life and no platform installs it", FIX_VERSION
        )
    if re.fullmatch(r"(?:cpython-|python-?)?3\.\d+(?:\.\d+)?\S*", low):
        version = re.match(r"(?:cpython-|python-?)?(3\.\d+(?:\.\d+)?)", low)
        assert version is not None
        return BadDeclaration(
            path,
            line,
            shown,
            f"{raw!r} adds a suffix to {version.group(1)} that platforms do not accept (free-threaded, dev or "
            "virtualenv names)",
            f"write `{version.group(1)}` alone",
        )
    if path.name == "runtime.txt" and _REQUIREMENT_LINE.match(raw) and not low.startswith("python"):
        return BadDeclaration(
            path,
            line,
            shown,
            f"{shown!r} is a requirement line, not a Python version: runtime.txt holds only the version, and no "
            "platform installs packages listed here",
            "move the requirement lines to requirements.txt and leave runtime.txt with the version alone (or "
            "delete it and declare the version in .python-version)",
        )
    return BadDeclaration(
        path, line, shown, f"{shown!r} is not a Python version (a pyenv virtualenv name, or garbage?)", FIX_VERSION
    )


# `flask==3.0.0`, `requests>=2`, `numpy ~= 1.26`: a pip requirement, pasted where a version belongs.
_REQUIREMENT_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*(==|>=|<=|~=|!=|>|<)\s*\S")


def requirement_lines(text: str) -> list[tuple[int, str]]:
    """The lines of a runtime.txt that are pip requirements (`flask==3.0.0`), numbered, shortened: requirements
    moved there (#17.9) are installed by no platform."""
    found = []
    for number, line in enumerate(text.splitlines()[:10_000], 1):
        content = line.split("#", 1)[0].strip()
        if content and _REQUIREMENT_LINE.match(content) and not content.lower().startswith("python"):
            found.append((number, short(content)))
    return found


def image_version(tag: str | None, path: Path, number: int, line: str) -> Result:
    """An official python image tag: `3.12-slim`, `3.11.9-alpine3.20`; floating tags are unusable."""
    if not tag or tag.lower() in ("latest", "slim", "alpine", "bookworm", "trixie", "bullseye"):
        return BadDeclaration(
            path,
            number,
            short(line),
            "the python image has no version tag, so each build takes whatever Python is newest",
            "pin the minor version, e.g. `FROM python:3.12-slim`",
        )
    m = re.match(r"(\d+(?:\.\d+){0,2})(?:-|$)", tag)
    if not m:
        return BadDeclaration(path, number, short(line), f"the image tag {tag!r} names no Python version", FIX_VERSION)
    version = m.group(1)
    if version.count(".") == 0:
        return BadDeclaration(
            path,
            number,
            short(line),
            f"python:{tag} names no minor version, so each build takes whatever Python {version} is newest",
            f"pin the minor version, e.g. `FROM python:{version}.12{tag[len(version) :]}`",
        )
    result = classify(version, path, number, line)
    if isinstance(result, Declaration):
        result.image = tag
    return result
