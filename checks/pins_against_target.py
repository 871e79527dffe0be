"""DC401-DC405, DC409: each pinned release of the files an app deploys, against the deploy's target.

Facts from the package index (deploycheck.index.pinned looks every pin up once, concurrently, cached on disk):
the release's Requires-Python, its wheels' tags, its yank. They hold whatever the resolver says, so they
stay useful with the drift check switched off (--ignore DC1), and they never repeat its verdict: they
say why the pinned release itself will not install, or installs badly, on the target.
"""

from __future__ import annotations

from collections.abc import Callable

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from deploycheck.index import nearest, pinned
from deploycheck.index.pinned import PinnedRelease
from deploycheck.index.sdistfiles import SdistFacts
from deploycheck.index.simpleapi import DistFile
from deploycheck.index.targettags import Target, first_version_with_wheel, installable, release_fit
from deploycheck.project.apps import Project
from deploycheck.report.model import Finding
from deploycheck.report.rules import Outcome, Rule
from deploycheck.settings import Settings

PYTHON_EXCLUDED = Rule("DC401", "error", "the pinned release does not support the deploy's Python")
NO_WHEEL = Rule("DC402", "warning", "no wheel for the deploy's target: the release is built from source")
YANKED = Rule("DC403", "warning", "the pinned release is yanked")
GONE = Rule("DC404", "error", "the pinned release is not on the package index")
NOTHING_INSTALLS = Rule("DC405", "error", "no file of the pinned release installs on the deploy's target")
RANGE_UNINSTALLABLE = Rule("DC406", "error", "no release a requirement admits installs on the deploy's target")
NOT_CHECKED = Rule("DC409", "info", "pins not checked against a package index")
RULES = (PYTHON_EXCLUDED, NO_WHEEL, YANKED, GONE, NOTHING_INSTALLS, RANGE_UNINSTALLABLE, NOT_CHECKED)
SCOPE = "project"
BACKGROUND = True  # reads the package index only, starts no subprocess: runs beside the resolvers


def check(project: Project, settings: Settings) -> Outcome:
    found = pinned.lookup(project, settings)
    findings = [
        NOT_CHECKED.finding(
            lock.display,
            line,
            f"the pinned releases of {lock.display} are not checked against the deploy's target: the file "
            f"installs with {why}, which deploycheck does not read",
            "pass --index-url to check them against an index that serves the same files",
        )
        for lock, line, why in found.skipped
    ]
    built = [r for r in found.pins if _built_from_source(r)]
    sdists = pinned.sdist_facts(built) if built else {}
    for release in found.pins:
        findings += judge(release, sdists)
    return Outcome(findings, problems=found.problems)


def _built_from_source(release: PinnedRelease) -> bool:
    files, target = release.files, release.deploy.target
    fit = release_fit(files, target) if files else None
    return fit is not None and fit.python_ok and not fit.has_wheel and bool(installable(files, target))


def judge(release: PinnedRelease, sdists: dict[str, SdistFacts | str] | None = None) -> list[Finding]:
    if release.ranged:
        return _range(release)
    files = release.files
    if not files:
        return [_gone(release)]
    target = release.deploy.target
    fit = release_fit(files, target)
    findings = []
    if not fit.python_ok:
        findings.append(_python_excluded(release, fit.requires_python))
    elif not installable(files, target):
        findings.append(_nothing_installs(release, files))
    elif not fit.has_wheel:
        findings.append(_no_wheel(release, _compiled(release, files, sdists or {})))
    if fit.yanked:
        findings.append(_yanked(release, fit.yank_reason))
    return findings


def _range(release: PinnedRelease) -> list[Finding]:
    """A plain file's range line (`tensorflow<2.14`): pip picks among the releases it admits; only "none of
    them installs on the target" is a finding (#17 class 10). A project no index lists may be private: the
    index-url finding is the pins' (DC404), not a range's."""
    project, pin, deploy = release.project, release.pin, release.deploy
    if not project.found_on:
        return []
    if not release.admitted:
        newest = _pick(release, lambda files: True, newest=True)
        return [
            RANGE_UNINSTALLABLE.finding(
                release.lock.display,
                pin.line,
                f"{release.spec} admits no release on the index: `pip install` fails the deploy with 'No matching "
                "distribution found'",
                f"relax the requirement (the newest release is {newest})" if newest else "check the requirement",
            )
        ]
    if installable(release.files, deploy.target):
        return []
    miss = nearest.described(project, pinned.pin_specifier(pin, release.version), deploy.target)
    if miss is None:
        return []
    message, fix = miss.text(deploy.describe())
    return [RANGE_UNINSTALLABLE.finding(release.lock.display, pin.line, message + _assumed(release), fix)]


def _compiled(release: PinnedRelease, files: list[DistFile], sdists: dict[str, SdistFacts | str]) -> SdistFacts | None:
    """What says the release has compiled code: wheels for particular Pythons or platforms (a pure-Python
    project publishes py3-none-any), else its sdist's files; None when nothing could be read."""
    binary = sorted({str(tag) for f in files for tag in f.tags if tag.abi != "none" or tag.platform != "any"})
    if binary:
        return SdistFacts((f"it publishes wheels for {binary[0]}" + (" and others" if len(binary) > 1 else ""),))
    sdist = next((f for f in files if f.kind == "sdist"), None)
    facts = sdists.get(sdist.filename) if sdist is not None else None
    return facts if isinstance(facts, SdistFacts) else None


def _change(release: PinnedRelease, version: Version) -> str:
    """How to move the pin to `version`, in the user's own workflow."""
    spec = f"{release.pin.name}=={version}"
    if not release.lock.locked:
        return f"change line {release.pin.line} of {release.lock.display} to `{spec}`"
    return (
        f"recompile the lock with `--upgrade-package '{spec}'` added to its command (or require `{spec}` in "
        f"{pinned.display_sources(release)})"
    )


def _pick(
    release: PinnedRelease, ok: Callable[[list[DistFile]], bool], *, after: bool = True, newest: bool = False
) -> Version | None:
    """A stable release that is not yanked and passes `ok`: the first after the pin, or the newest."""
    releases = release.project.releases()
    order = sorted(releases, reverse=newest)
    for version in order:
        if version.is_prerelease and not release.version.is_prerelease:
            continue
        if after and not newest and version <= release.version:
            continue
        files = [f for f in releases[version] if not f.yanked]
        if files and ok(files):
            return version
    return None


def _gone(release: PinnedRelease) -> Finding:
    pin, urls = release.pin, ", ".join(pinned.shown_url(u) for u in release.sources.urls)
    if not release.project.found_on:
        return GONE.finding(
            release.lock.display,
            pin.line,
            f"{pin.name} is on none of the indexes this file installs from ({urls}): `pip install` fails the "
            f"deploy with 'No matching distribution found for {release.spec}'",
            "check the name (a typo, or a project renamed or removed); a package from a private index needs that "
            "index's --extra-index-url line in the file, or deploycheck's --extra-index-urls",
        )
    newer = _pick(release, lambda files: True)
    newest = _pick(release, lambda files: True, newest=True)
    move = f"; {_change(release, newer)}" if newer else (f"; {_change(release, newest)}" if newest else "")
    return GONE.finding(
        release.lock.display,
        pin.line,
        f"{release.spec} is not on the index ({urls}): deleted, or never published there; `pip install` fails "
        f"the deploy with 'No matching distribution found for {release.spec}'",
        (f"pin a release the index has: {newer}, the next one" if newer else "pin a release the index has")
        + (f" (newest: {newest})" if newest and newest != newer else "")
        + move,
    )


def _python_excluded(release: PinnedRelease, requires_python: str | None) -> Finding:
    target = release.deploy.target
    try:
        spec = str(SpecifierSet(requires_python or ""))
    except InvalidSpecifier:
        spec = "a range"
    other = _pick(release, lambda files: bool(installable(files, target)), newest=True)
    fix = (
        f"{_change(release, other)}: {other} is the newest release that supports Python {target.python}"
        if other
        else f"no release of {release.pin.name} supports Python {target.python}: replace it, or deploy on a "
        f"Python that its Requires-Python ({spec}) admits"
    )
    return PYTHON_EXCLUDED.finding(
        release.lock.display,
        release.pin.line,
        f"{release.spec} requires Python {spec} (its Requires-Python), which excludes the deploy's Python "
        f"{target.python}: pip refuses it and the deploy fails with 'No matching distribution found'"
        + _assumed(release),
        fix,
    )


def _platforms(files: list[DistFile]) -> str:
    names = sorted({tag.platform for f in files for tag in f.tags})
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _nothing_installs(release: PinnedRelease, files: list[DistFile]) -> Finding:
    target = release.deploy.target
    first = first_version_with_wheel(release.project.releases(), target, since=release.version)
    where = "its requirement in the lock's sources" if release.lock.locked else "its line"
    fix = (
        f'if the package is only needed on another system, give {where} a marker (e.g. `; sys_platform == "win32"`)'
        + (" and recompile on Linux" if release.lock.locked else "")
        + (f"; else {_change(release, first)}, the first release with a wheel for the target" if first else "")
    )
    return NOTHING_INSTALLS.finding(
        release.lock.display,
        release.pin.line,
        f"no file of {release.spec} installs on {release.deploy.describe()}: its wheels are for "
        f"{_platforms(files) or 'other platforms'} and it has no sdist, so `pip install` fails the deploy "
        "with 'No matching distribution found'",
        fix,
    )


def _no_wheel(release: PinnedRelease, facts: SdistFacts | None = None) -> Finding:
    deploy, target = release.deploy, release.deploy.target
    if facts is not None and not facts.compiled:
        return _pure_sdist(release)
    image = f"the image {deploy.describe()}"
    if deploy.variant is None:
        why = (
            "pip builds it from its sdist at every deploy: that runs its setup.py, and a C extension needs a "
            "compiler and headers that many deploy images lack"
        )
    elif deploy.variant.musl:
        why = (
            f"{image} uses musl libc, where manylinux wheels do not install and this release has no musllinux "
            "wheel, so pip builds it from source, and alpine images have no compiler"
        )
    elif not deploy.variant.compiler:
        why = f"pip builds it from source, and {image} has no compiler: a C extension fails to build there"
    else:
        why = f"pip builds it from source in {image} at every build: slower, and it needs the library's headers"
    first = first_version_with_wheel(release.project.releases(), target, since=release.version)
    if first is not None:
        fix = f"{_change(release, first)}: {first} is the first release with a wheel for {_target(target)}"
    elif deploy.variant is not None and deploy.variant.musl:
        fix = (
            f"no release from {release.version} on has a musllinux wheel: build FROM a Debian-based image "
            f"(python:{target.python}-slim), where manylinux wheels install, or install build tools in the Dockerfile"
        )
    elif deploy.variant is not None and not deploy.variant.compiler:
        fix = (
            f"no release from {release.version} on has a wheel for {_target(target)}: if it needs a compiler, "
            f"build FROM python:{target.python} (which has one) or install gcc in the Dockerfile"
        )
    else:
        fix = (
            f"no release from {release.version} on has a wheel for {_target(target)}: make sure the deploy "
            "can build it (a compiler, the library's headers), or replace it"
        )
    if facts is not None:
        why += f" (its sdist has compiled code: {', '.join(facts.evidence[:3])})"
    return NO_WHEEL.finding(
        release.lock.display,
        release.pin.line,
        f"{release.spec} has no wheel for {_target(target)}: {why}" + _assumed(release),
        fix,
    )


def _pure_sdist(release: PinnedRelease) -> Finding:
    """Class 6 of #17: no C, C++, Cython or Rust source, no ext_modules, no compiling build requirement."""
    return NO_WHEEL.finding(
        release.lock.display,
        release.pin.line,
        f"{release.spec} has no wheel for {_target(release.deploy.target)}: pip builds it from its sdist, which is "
        "pure Python (no C, C++, Cython or Rust sources, no ext_modules, no build requirement that compiles), so "
        "it builds without a compiler; each deploy runs its setup code",
        "nothing is needed; a wheel would make installs faster (`pip wheel` it into a folder of your own, or ask "
        "its authors to publish one)",
        severity="info",
    )


def _assumed(release: PinnedRelease) -> str:
    return f" ({release.deploy.assumed})" if release.deploy.assumed else ""


def _target(target: Target) -> str:
    return f"CPython {target.python} on {target.platform.replace('_', ' ', 1)}"


def _yanked(release: PinnedRelease, reason: str | None) -> Finding:
    said = f" (reason given: {pinned.shown_text(reason)!r})" if reason else " (no reason given)"
    other = _pick(release, lambda files: bool(installable(files, release.deploy.target)))
    return YANKED.finding(
        release.lock.display,
        release.pin.line,
        f"{release.spec} is yanked on the index{said}: pip still installs an exact pin, but its authors "
        "withdrew it, usually because it is broken",
        f"{_change(release, other)}, the next release that is not yanked"
        if other
        else "read the reason; pin an earlier release that is not yanked",
    )
