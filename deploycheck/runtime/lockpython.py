"""Which Python a lock was made for, read from the lock itself (issue #8.10).

pip-compile and uv resolve for the interpreter that runs them, and uv headers never name it. What the pins
give away: backports that only older Pythons need (tomli and exceptiongroup together, backports.zoneinfo),
packages that only newer Pythons need (legacy-cgi replaces the cgi module removed in 3.13), releases whose
Requires-Python floor is known (typing-extensions, numpy), and `python_version` markers that pip-compile
kept because they were true for the compiling Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from deploycheck.locks import markers
from deploycheck.locks.model import Lock, Pin
from deploycheck.runtime import cpython

_ALL = tuple(cpython.MINORS)


@dataclass(frozen=True)
class Evidence:
    package: str
    line: int
    says: str  # "< 3.11", ">= 3.13"


@dataclass
class LockPython:
    minors: tuple[str, ...]  # the CPython minors consistent with every piece of evidence, oldest first
    evidence: list[Evidence] = field(default_factory=list)

    def allows(self, minor: str) -> bool:
        return cpython.minor_of(minor) in self.minors

    def describe(self) -> str:
        if not self.minors:
            return "no single Python (its pins contradict each other)"
        lo, hi = self.minors[0], self.minors[-1]
        if len(self.minors) == 1:
            return lo
        if hi == _ALL[-1]:
            return f">= {lo}"
        if lo == _ALL[0]:
            return f"<= {hi}"
        return f"{lo} to {hi}"

    def because(self) -> str:
        return "; ".join(f"{e.package} (line {e.line}) means {e.says}" for e in self.evidence)


def _below(minor: str) -> set[str]:
    return {m for m in _ALL if _key(m) < _key(minor)}


def _from(minor: str) -> set[str]:
    return {m for m in _ALL if _key(m) >= _key(minor)}


def _key(minor: str) -> int:
    return int(minor.split(".")[1])


# Releases whose metadata requires a Python at least this new (Requires-Python of the first such release).
_FLOORS: dict[str, tuple[tuple[str, str], ...]] = {
    "typing-extensions": (("4.2.0", "3.7"), ("4.8.0", "3.8"), ("4.14.0", "3.9")),
    "numpy": (("1.25.0", "3.9"), ("2.1.0", "3.10"), ("2.3.0", "3.11")),
}
_PYTHON_ONLY_MARKER = re.compile(r"^(?:\s|python_(?:full_)?version|[<>=!~]=?|and|or|not|\(|\)|'[^']*'|\"[^\"]*\")+$")


def _direct(pin: Pin) -> bool:
    """Asked for by a requirements file itself (`# via -r requirements.in`), as pip-compile and uv annotate it."""
    return any(via.startswith("-r ") for via in pin.via)


def lock_python(lock: Lock) -> LockPython | None:
    """The minors the lock can have been compiled for, or None when nothing in it tells."""
    if lock.python:
        minor = cpython.minor_of(lock.python)
        return LockPython((minor,), [Evidence("the header", 1, f"compiled with Python {lock.python}")])
    allowed = set(_ALL)
    evidence: list[Evidence] = []
    pins = lock.pins
    # A universal lock, or one with several lines for a name, holds pins for Pythons other than the one that
    # made it: only its lines without a marker are pins every Python installs.
    several = lock.universal or bool(lock.alternates)

    def rule(names: tuple[str, ...], minors: set[str], says: str) -> None:
        nonlocal allowed
        # A backport the sources ask for by name is in the lock whatever Python compiled it (pytest's tomli is
        # evidence; `tomli` in requirements.in is not), and a universal lock holds it for every Python.
        found = [pins[n] for n in names if n in pins and not pins[n].marker and not _direct(pins[n])]  # type: ignore[index]
        if len(found) == len(names) and not several:
            allowed &= minors
            evidence.append(Evidence(" and ".join(p.name for p in found), found[0].line, says))

    rule(("tomli", "exceptiongroup"), _below("3.11"), "< 3.11 (both are backports of 3.11's tomllib and except*)")
    rule(("backports-zoneinfo",), _below("3.9"), "< 3.9 (zoneinfo is in the standard library since 3.9)")
    rule(("legacy-cgi",), _from("3.13"), ">= 3.13 (it replaces the cgi module removed in 3.13)")
    for name, floors in _FLOORS.items():
        pin = pins.get(name)  # type: ignore[call-overload]
        if pin is None or not pin.version or (several and pin.marker):
            continue
        try:
            version = Version(pin.version)
        except InvalidVersion:
            continue
        floor = next((py for release, py in reversed(floors) if version >= Version(release)), None)
        if floor:
            allowed &= _from(floor)
            evidence.append(Evidence(f"{name}=={pin.version}", pin.line, f">= {floor} (its Requires-Python)"))
    marker_allowed = set(_ALL)
    marker_evidence: list[Evidence] = []
    for pin in [] if several else pins.values():
        if not pin.marker or not _PYTHON_ONLY_MARKER.match(pin.marker):
            continue
        true_for = {m for m in _ALL if markers.holds(pin.marker, markers.environment(m))}  # unreadable: all
        if true_for != set(_ALL):
            marker_allowed &= true_for
            marker_evidence.append(Evidence(f"{pin.name} ; {pin.marker}", pin.line, "kept because it was true"))
    # Markers that contradict each other say nothing either (a universal lock without its header).
    if marker_evidence and marker_allowed & allowed:
        allowed &= marker_allowed
        evidence += marker_evidence
    if not evidence:
        return None
    return LockPython(tuple(m for m in _ALL if m in allowed), evidence)
