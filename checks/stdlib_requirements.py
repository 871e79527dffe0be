"""DC301: a standard-library module named as a requirement (`math`, `random`, `pickle`, `distutils`).

`pip install math` fails the deploy ("No matching distribution"), or installs an unrelated package that
squats the name. The Streamlit docs warn about exactly this. The name is judged against the standard
library of the deploy's Python (stdlib-list's table for that version), so a real backport stays allowed
where the target lacks the module (`dataclasses` on 3.6), and a line whose marker excludes the target is
not the target's concern. The tables are deploycheck.runtime.stdlib's (stdlib-list per version, 3.6 to 3.15), shared
with the import check.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from packaging.markers import InvalidMarker, Marker
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.errors import CheckError
from deploycheck.locks import explain
from deploycheck.locks.requirements import reqfile
from deploycheck.project.apps import App
from deploycheck.project.scan import rel
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


def _applies(marker: str, env: dict[str, str]) -> bool:
    try:
        return not marker or Marker(marker).evaluate(env)
    except InvalidMarker:
        return True


def _files(app: App) -> list[reqfile.ReqFile]:
    """The deployed files and the .in files they are compiled from, each once."""
    files = list(app.requirement_files())
    seen = {f.path.resolve() for f in files}
    for pair in app.locks:
        for source in pair.sources:
            if source.suffix in (".in", ".txt") and source.resolve() not in seen:
                seen.add(source.resolve())
                try:
                    files.append(reqfile.read(source, rel(source, app.root)))
                except CheckError:
                    continue  # an unreadable .in is the drift check's "could not check"
    return files


def check(app: App, settings: Settings) -> list[Finding]:
    minor = app.runtime.minor
    stdlib, removed, env = _stdlib(minor), _removed_before(minor), explain.environment(minor, "linux")
    findings = []
    for file in _files(app):
        for pin in file.pins.values():
            if not _applies(pin.marker, env):
                continue
            fix = f"delete line {pin.line} of {Path(file.display).name}" + (
                " and recompile the lock" if file.display.endswith(".in") else ""
            )
            if pin.name in stdlib:
                findings.append(
                    STDLIB_NAME.finding(
                        file.display,
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
                        file.display,
                        pin.line,
                        f"{module!r} was a standard-library module (last in Python {last}), removed before "
                        f"Python {minor}; a requirement named after it fails the install or brings in an "
                        "unrelated package that squats the name",
                        fix + f"; code that imports {module} needs {instead}",
                    )
                )
    return findings
