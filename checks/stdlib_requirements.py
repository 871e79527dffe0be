"""DC301: a standard-library module named as a requirement (`math`, `random`, `pickle`, `distutils`).

`pip install math` fails the deploy ("No matching distribution"), or installs an unrelated package that
squats the name. The Streamlit docs warn about exactly this. The name is judged against the standard
library of the deploy's Python (stdlib-list's table for that version), so a real backport stays allowed
where the target lacks the module (`dataclasses` on 3.6), and a line whose marker excludes the target is
not the target's concern. The tables are deploycheck.runtime.stdlib's (stdlib-list per version, 3.6 to 3.15), shared
with the import check.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.locks import markers
from deploycheck.locks.model import Pin
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.runtime import stdlib
from deploycheck.settings import Settings

STDLIB_NAME = Rule("DC301", "error", "a standard-library module is named as a requirement")
RULES = (STDLIB_NAME,)
SCOPE = "app"


@cache
def _stdlib(minor: str) -> dict[NormalizedName, str]:
    return {canonicalize_name(m): m for m in stdlib.stdlib_modules(minor) if not m.startswith("_")}


@cache
def _removed_before(minor: str) -> dict[NormalizedName, tuple[str, str, str]]:
    """Modules this Python no longer has: (module, last version with it, what to use instead)."""
    gone = {}
    for module in stdlib.REMOVED:
        removed = stdlib.removed_in(module, minor)
        if removed and not module.startswith("_"):
            gone[canonicalize_name(module)] = (module, f"3.{removed[0] - 1}", removed[1])
    return gone


def _files(app: App) -> list[tuple[str, Mapping[NormalizedName, Pin]]]:
    """(display, pins) of the deployed files and of the .in files they are compiled from, each once."""
    files: list[tuple[str, Mapping[NormalizedName, Pin]]] = [(f.display, f.pins) for f in app.requirement_files()]
    seen = {f.path.resolve() for f in app.requirement_files()}
    for lock in app.requirement_files():
        for source in lock.compiled_from():
            if source.path.suffix in (".in", ".txt") and source.path not in seen:
                seen.add(source.path)
                if source.pins is not None:  # an unreadable .in is the drift check's "could not check"
                    files.append((source.display, source.pins))
    return files


def check(app: App, settings: Settings) -> list[Finding]:
    minor = app.runtime.minor
    stdlib, removed, env = _stdlib(minor), _removed_before(minor), markers.environment(minor, "linux")
    findings = []
    for display, pins in _files(app):
        for pin in pins.values():
            if not markers.holds(pin.marker, env):
                continue
            fix = f"delete line {pin.line} of {Path(display).name}" + (
                " and recompile the lock" if display.endswith(".in") else ""
            )
            if pin.name in stdlib:
                findings.append(
                    STDLIB_NAME.finding(
                        display,
                        pin.line,
                        f"{stdlib[pin.name]!r} is part of Python {minor}'s standard library, not a package: "
                        f"`pip install {pin.name}` fails the deploy or installs an unrelated package that "
                        "squats the name",
                        fix + f"; `import {stdlib[pin.name]}` works without it",
                    )
                )
            elif pin.name in removed:
                module, last, instead = removed[pin.name]
                findings.append(
                    STDLIB_NAME.finding(
                        display,
                        pin.line,
                        f"{module!r} was a standard-library module (last in Python {last}), removed before "
                        f"Python {minor}; a requirement named after it fails the install or brings in an "
                        "unrelated package that squats the name",
                        fix + f"; code that imports {module} needs {instead}",
                    )
                )
    return findings
