"""Will a release install on the deploy target? Wheel tags, Requires-Python, yanks, published hashes.

The target is described, not run: the tags a CPython X.Y on manylinux (glibc) or musllinux x86_64
accepts are built with packaging.tags from the version and the platform, so no interpreter of that
version is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.version import InvalidVersion, Version

from deploycheck.index.simpleapi import DistFile

if TYPE_CHECKING:
    from deploycheck.index.client import ProjectPage

# glibc of the newest images deploy platforms run (Ubuntu 24.04: 2.39; Debian 12 slim: 2.36),
# musl of Alpine 3.x (1.2). A wheel newer than the image's libc is rare; a warning for it would be noise.
GLIBC = (2, 39)
MUSL = (1, 2)
_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


@dataclass(frozen=True)
class Target:
    python: str  # "3.11", or "3.11.4" when the deploy pins a patch release
    platform: str = "manylinux_x86_64"  # or "musllinux_x86_64", "manylinux_aarch64", or a literal tag
    glibc: tuple[int, int] = GLIBC
    musl: tuple[int, int] = MUSL

    @cached_property
    def version(self) -> Version:
        """The interpreter version for Requires-Python. "3.11" means the newest 3.11 patch, which is
        what platforms install for a minor version: `>=3.11.2` is then satisfied and `<=3.11` is not,
        as on the real interpreter."""
        parts = Version(self.python).release
        return Version(f"{parts[0]}.{parts[1]}.{parts[2] if len(parts) > 2 else 99}")

    @cached_property
    def platforms(self) -> list[str]:
        kind, _, arch = self.platform.partition("_")
        if kind == "manylinux" and arch:
            names = []
            for minor in range(self.glibc[1], 4, -1):
                names.append(f"manylinux_{self.glibc[0]}_{minor}_{arch}")
                legacy = _LEGACY_MANYLINUX.get((self.glibc[0], minor))
                if legacy:
                    names.append(f"{legacy}_{arch}")
            return [*names, f"linux_{arch}"]
        if kind == "musllinux" and arch:
            names = [f"musllinux_{self.musl[0]}_{minor}_{arch}" for minor in range(self.musl[1], -1, -1)]
            return [*names, f"linux_{arch}"]
        return [self.platform]

    @property
    def tags(self) -> frozenset[Tag]:
        return _tags(self.version.release[:2], tuple(self.platforms))

    def describe(self) -> str:
        return f"CPython {self.python} on {self.platform}"


@lru_cache(maxsize=64)
def _tags(version: tuple[int, ...], platforms: tuple[str, ...]) -> frozenset[Tag]:
    """Thousands of tags per target: built once per (Python, platforms) per run, whoever asks."""
    major, minor = version[0], version[1]
    # The ABI is given, not probed: packaging would otherwise look at the running interpreter.
    abi = f"cp{major}{minor}" + ("m" if (major, minor) < (3, 8) else "")
    cp = cpython_tags((major, minor), abis=[abi], platforms=list(platforms))
    generic = compatible_tags((major, minor), f"cp{major}{minor}", list(platforms))
    return frozenset([*cp, *generic])


def wheel_fits(file: DistFile, target: Target) -> bool:
    return file.kind == "wheel" and not file.tags.isdisjoint(target.tags)


def python_ok(file: DistFile, target: Target) -> bool:
    """False only when Requires-Python is valid and excludes the target (pip ignores an invalid one)."""
    if not file.requires_python:
        return True
    try:
        return SpecifierSet(file.requires_python).contains(target.version, prereleases=True)
    except InvalidSpecifier:
        return True


def installable(files: Iterable[DistFile], target: Target) -> list[DistFile]:
    """The files pip may pick on the target: fitting wheels and sdists whose Requires-Python allows it."""
    return [f for f in files if (f.kind == "sdist" or wheel_fits(f, target)) and python_ok(f, target)]


@dataclass
class ReleaseFit:
    """One pinned release against the target."""

    exists: bool  # the index lists at least one file of it
    has_wheel: bool  # a wheel installs there (no build from source)
    has_sdist: bool
    python_ok: bool  # some file's Requires-Python admits the target
    requires_python: str | None  # as published (of the first file that has one)
    yanked: bool  # every file of the release is yanked
    yank_reason: str | None
    files: list[DistFile] = field(default_factory=list)


def release_fit(files: list[DistFile], target: Target) -> ReleaseFit:
    wheels = [f for f in files if wheel_fits(f, target)]
    reasons = [f.yank_reason for f in files if f.yank_reason]
    return ReleaseFit(
        exists=bool(files),
        has_wheel=any(python_ok(f, target) for f in wheels),
        has_sdist=any(f.kind == "sdist" for f in files),
        python_ok=any(python_ok(f, target) for f in files) if files else False,
        requires_python=next((f.requires_python for f in files if f.requires_python), None),
        yanked=bool(files) and all(f.yanked for f in files),
        yank_reason=reasons[0] if reasons else None,
        files=files,
    )


def first_version_with_wheel(
    releases: dict[Version, list[DistFile]], target: Target, *, since: Version | None = None
) -> Version | None:
    """The lowest release (at or after `since`) with a wheel for the target that is not yanked.

    Pre-releases count only when `since` is one: a stable pin should not be told to move to a beta.
    """
    allow_pre = since is not None and since.is_prerelease
    for version in sorted(releases):
        if (since is not None and version < since) or (version.is_prerelease and not allow_pre):
            continue
        if any(wheel_fits(f, target) and python_ok(f, target) and not f.yanked for f in releases[version]):
            return version
    return None


def published_hashes(files: Iterable[DistFile]) -> set[str]:
    """All hashes the index publishes for these files, as `alg:hex` (the lock's `--hash=` form)."""
    return {f"{alg}:{value}" for f in files for alg, value in f.hashes.items()}


def unknown_hashes(committed: Iterable[str], files: Iterable[DistFile]) -> list[str]:
    """Committed `alg:hex` hashes that the index does not publish for the release.

    Only algorithms the index publishes are judged: a sha512 in the lock is not wrong because the
    index lists only sha256.
    """
    files = list(files)
    known = published_hashes(files)
    algorithms = {alg for f in files for alg in f.hashes}
    return [h for h in committed if h.split(":", 1)[0].lower() in algorithms and h.lower() not in known]


def target_covered(committed: Iterable[str], files: Iterable[DistFile], target: Target) -> bool | None:
    """Does some file pip would pick on the target carry a committed hash? None when the index gives
    no hashes for those files (nothing to judge)."""
    candidates = installable(files, target)
    if not candidates or not any(f.hashes for f in candidates):
        return None
    return bool({h.lower() for h in committed} & published_hashes(candidates))


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


MAX_CANDIDATES = 60  # matching releases tried, newest first, for a `==1.*` pin (a real one matches a few dozen)


def choose(project: ProjectPage, specifier: SpecifierSet, target: Target) -> tuple[Version | None, list[Version]]:
    """(the release pip installs for `specifier` on the target, every release the specifier admits).

    pip takes the newest admitted release with a file for the target, a yanked one only when nothing else
    is left; with none, the newest admitted release is the one to judge (and report). None: nothing admitted.
    """
    admitted = project.matching(specifier)
    tried = admitted[:MAX_CANDIDATES]
    if len(tried) > 1:
        fitting = {v: installable(project.release(v), target) for v in tried}
        for allow_yanked in (False, True):
            found = next((v for v in tried if any(allow_yanked or not f.yanked for f in fitting[v])), None)
            if found is not None:
                return found, admitted
    return (admitted[0] if admitted else None), admitted
