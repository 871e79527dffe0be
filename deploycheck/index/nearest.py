"""Does a requirement have any release that installs on the deploy's target, and which ones nearby do?

The drift check asks this when the resolver fails with "no version satisfies" (pip) or "no wheels with a
matching tag" (uv): that failure is the app's (not ready) only when the index confirms it, i.e. the project
is there, the requirement admits releases of it, and no file of any of them installs on the target. A name
the index does not list, or an index that does not answer, stays the lock's "could not check".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from deploycheck import cache
from deploycheck.index import targettags
from deploycheck.index.targettags import Target, installable, python_ok

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
