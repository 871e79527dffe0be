"""Does a requirement have any release that installs on the deploy's target, and which ones nearby do?

The drift check asks this when the resolver fails with "no version satisfies" (pip) or "no wheels with a
matching tag" (uv): that failure is the app's (not ready) only when the index confirms it, i.e. the project
is there, the requirement admits releases of it, and no file of any of them installs on the target. A name
the index does not list, or an index that does not answer, stays the lock's "could not check".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from deploycheck import cache
from deploycheck.index import targettags
from deploycheck.index.targettags import Target, installable, python_ok

if TYPE_CHECKING:
    from deploycheck.index.client import ProjectPage

TIMEOUT = 15.0
MAX_NEARBY = 3  # releases named on each side of the range
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")  # asked "which Python would it install on"


@dataclass
class Miss:
    """A requirement with no release for the target, as the index shows it."""

    name: str
    specifier: str
    target: Target
    admitted: list[Version]  # newest first
    requires_python: str | None  # of the newest admitted release, when that is what excludes the target
    wheel_pythons: list[str] = field(default_factory=list)  # CPython versions the newest admitted release installs on
    below: list[Version] = field(default_factory=list)  # installable on the target, below the range, nearest first
    above: list[Version] = field(default_factory=list)  # installable on the target, above it, nearest first

    @property
    def nearest(self) -> list[Version]:
        return [*self.above[:MAX_NEARBY], *self.below[:MAX_NEARBY]]

    def text(self, target: str, *, transitive: bool = False, then: str = "") -> tuple[str, str]:
        return text(self, target, transitive=transitive, then=then)


def miss(urls: tuple[str, ...], trusted: tuple[str, ...], name: str, specifier: str, target: Target) -> Miss | None:
    """The confirmed miss, or None: the index lists no such project, admits nothing, did not answer, or some
    admitted release does install (the resolver failed for another reason)."""
    from deploycheck.index.client import Index

    try:
        wanted = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    if not urls:
        return None
    with Index(list(urls), cache_dir=cache.folder() / "index", timeout=TIMEOUT, trusted_hosts=trusted) as index:
        project = index.project(name)
    return described(project, wanted, target)


def described(project: ProjectPage, wanted: SpecifierSet, target: Target) -> Miss | None:
    """The miss on a project page already fetched (see `miss`)."""
    name = project.name
    if not project.complete or not project.found_on:
        return None
    admitted = project.matching(wanted)
    if not admitted:
        return None
    checked = admitted[: targettags.MAX_CANDIDATES]
    if any(installable(project.release(v), target) for v in checked):
        return None
    newest = project.release(admitted[0])
    excluded = newest and not any(python_ok(f, target) for f in newest)
    found = Miss(
        canonicalize_name(name),
        str(wanted),
        target,
        admitted,
        next((f.requires_python for f in newest if f.requires_python), None) if excluded else None,
    )
    found.wheel_pythons = [p for p in PYTHONS if installable(newest, Target(p, target.platform))]
    releases = project.releases()
    fitting = sorted(
        v
        for v, files in releases.items()
        if not v.is_prerelease and installable([f for f in files if not f.yanked], target)
    )
    low, high = min(admitted), max(admitted)
    found.below = [v for v in reversed(fitting) if v < low][:MAX_NEARBY]
    found.above = [v for v in fitting if v > high][:MAX_NEARBY]
    return found


def text(miss: Miss, target: str, *, transitive: bool = False, then: str = "") -> tuple[str, str]:
    """(message, fix) of a finding about the miss; `target` as the report describes the deploy."""
    python = miss.target.python
    shown = ", ".join(str(v) for v in miss.admitted[:3]) + (" and older" if len(miss.admitted) > 3 else "")
    why = (
        f"its Requires-Python ({miss.requires_python}) excludes Python {python}"
        if miss.requires_python
        else "their wheels are for other Pythons or platforms and there is no sdist"
    )
    message = (
        f"{miss.name}{miss.specifier} admits {shown}, and none installs on {target}: {why}. "
        "The resolver fails, and so does the deploy's `pip install` ('No matching distribution found')"
        + (" (a dependency of the app's requirements)" if transitive else "")
    )
    options = []
    if miss.nearest:
        options.append(
            f"require a release that installs on Python {python}: "
            + ", ".join(f"{miss.name}=={v}" for v in miss.nearest)
        )
    others = [p for p in miss.wheel_pythons if p != python]
    if others:
        options.append(
            f"or deploy on Python {' or '.join(others[-2:])}, which {miss.name}=={miss.admitted[0]} supports"
        )
    fix = "; ".join(options) or f"no release of {miss.name} installs on Python {python}: replace it"
    return message, fix + then
