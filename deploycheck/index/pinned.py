"""The pinned releases of the files each app deploys, looked up on their package indexes once per run.

The pins check (DC40x) and the hashes check (DC41x) both read one `Lookup`: every exact pin of every
app's lock and plain requirements file, with its project page from every index pip would use for that
file at deploy time (the lock's `IndexSources`, as the run's --index-url sees them), fetched concurrently
into the disk cache.

A pin is judged for its app's deploy target: CPython of the app's runtime on manylinux x86_64, or on
musllinux when the app's Dockerfile builds FROM an alpine python image. A project is judged only when
every index it is looked up on answered: pip merges the files of all indexes, so a file on the index that
did not answer could be the one that installs. Each index that did not answer becomes one "could not
check" problem, never a finding.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from deploycheck import cache
from deploycheck.index import targettags
from deploycheck.index.daemonpool import DaemonPool
from deploycheck.index.pagefetch import TIMEOUT, fetch, index_of
from deploycheck.index.simpleapi import DistFile, url_allowed
from deploycheck.index.targettags import Target
from deploycheck.locks import markers
from deploycheck.locks.indexes import FIND_LINKS, NO_INDEX, PYPI, IndexSources, Said
from deploycheck.locks.model import Lock, Pin
from deploycheck.project.apps import App, Project
from deploycheck.repo import safefs
from deploycheck.report.model import Problem
from deploycheck.runtime import platforms
from deploycheck.settings import Settings

if TYPE_CHECKING:  # the HTTP client is imported when a lookup runs: most runs' start-up never needs it
    from deploycheck.index.client import ProjectPage
    from deploycheck.index.sdistfiles import SdistFacts

__all__ = ["PYPI"]
MAX_INDEX_SETS = 8  # distinct index lists one run looks pins up on; a real repository has one or two
MAX_SHOWN = 200  # characters of index-provided text (yank reasons) quoted in a message
_IMAGE_TAG = re.compile(r"[\w.\-]{1,64}")
UNREACHABLE_FIX = (
    "the pins and hashes checks read the package index: check the network and proxy (HTTPS_PROXY, NO_PROXY) "
    "and the certificates (PIP_CERT, SSL_CERT_FILE); an index that needs credentials is not read; "
    "--index-url picks another index, --ignore DC4 skips these checks"
)


@dataclass(frozen=True)
class Deploy:
    """What an app's pins are judged against."""

    target: Target
    image: str = ""  # the official python image tag of the app's Dockerfile ("3.12-slim"), "" when none
    variant: platforms.ImageVariant | None = None
    assumed: str = ""  # why the Python is a guess, when nothing declares it exactly

    def describe(self) -> str:
        if self.image:
            return f"python:{self.image}" + (" (musl)" if self.variant and self.variant.musl else "")
        return f"CPython {self.target.python} on {self.target.platform.replace('_', ' ', 1)}"


@dataclass
class PinnedRelease:
    app: App
    lock: Lock  # the file that pins it: a lock (lock.locked), or a plain requirements file
    pin: Pin
    version: Version
    deploy: Deploy
    sources: IndexSources  # as the run sees them (its --index-url replaces them)
    project: ProjectPage = field(repr=False)
    # The releases the pin admits as pip compares versions (PEP 440), newest first; `version` is the one pip
    # installs among them, or the pinned version itself when the index has none.
    admitted: list[Version] = field(default_factory=list)

    @property
    def ranged(self) -> bool:
        """A range line of a plain file (`tensorflow<2.14`), not a pin: only "nothing it admits installs" counts."""
        return self.pin.version is None and _prefix(self.pin.specifier) is None

    @property
    def files(self) -> list[DistFile]:
        return self.project.release(self.version) if self.admitted else []

    @property
    def admitted_files(self) -> list[DistFile]:
        """Every admitted release's files: with hashes, pip keeps the candidates whose hash matches."""
        return [f for version in self.admitted[: targettags.MAX_CANDIDATES] for f in self.project.release(version)]

    @property
    def spec(self) -> str:
        """The pin as written (`nltk==3.3`), and the release it found when that reads differently."""
        if self.ranged:
            written = f"{self.pin.name}{self.pin.specifier}"
        else:
            written = f"{self.pin.name}{self.pin.specifier or f'=={self.version}'}"
        if self.admitted and written != f"{self.pin.name}=={self.version}":
            return f"{written} ({self.version} on the index)"
        return written


@dataclass
class Lookup:
    pins: list[PinnedRelease] = field(default_factory=list)  # those every index answered for
    skipped: list[tuple[Lock, int | None, str]] = field(default_factory=list)  # (file, line, why)
    problems: list[Problem] = field(default_factory=list)


def shown_url(url: str) -> str:
    """An index URL fit for a report: credentials dropped, bounded."""
    try:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        if netloc:
            url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        pass
    return url[:MAX_SHOWN]


def shown_text(text: str) -> str:
    """Text an index or a pull request chose (a yank reason), as one bounded, printable line."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text[: MAX_SHOWN * 4]).split())
    return flat if len(flat) <= MAX_SHOWN else flat[: MAX_SHOWN - 1] + "…"


def deploy_of(app: App) -> Deploy | None:
    """The app's target; None when its runtime is not a Python version packaging can describe."""
    declaration = app.runtime.declaration
    image = declaration.image if declaration is not None else ""
    image = image if _IMAGE_TAG.fullmatch(image or "") else ""
    variant = platforms.image_variant(image) if image else None
    target = Target(app.runtime.python, "musllinux_x86_64" if variant and variant.musl else "manylinux_x86_64")
    try:
        _ = target.tags
    except (InvalidVersion, IndexError, ValueError):
        return None
    rt, assumed = app.runtime, ""
    if rt.source == "default" or not rt.exact:
        where = "the platform's default" if rt.source == "default" else f"inferred from {shown_text(rt.source)}"
        assumed = f"Python {rt.python} is {where}, not declared exactly"
    return Deploy(target, image, variant, assumed)


def marker_environment(target: Target) -> dict[str, str]:
    """The deploy's marker environment: Linux x86_64, the target's Python (its newest patch when only X.Y)."""
    return markers.environment(str(target.version), "linux")


def exact_pins(lock: Lock, deploy: Deploy, *, ranges: bool = False) -> Iterator[tuple[Pin, Version]]:
    """`name==version` (`===`, `==1.*`) lines the target installs, with the version they name (`1` for
    `==1.*`); URLs and editables are not releases to look up. With `ranges`, the other lines too (`pandas`,
    `tensorflow<2.14`), named as version 0: pip picks among the releases they admit."""
    env = marker_environment(deploy.target)
    for pin in lock.installed(env):  # every line: a name's lines under other markers too
        if pin.url or pin.editable:
            continue
        named = pin.version if pin.version is not None else _prefix(pin.specifier)
        if named is None and ranges:
            named = RANGE
        if named is None:
            continue
        try:
            yield pin, Version(named)
        except InvalidVersion:
            continue  # `===` with a legacy version: no release on a modern index matches it either


RANGE = "0"  # the version a range line is looked up as: PinnedRelease.ranged tells it from a pin


def _prefix(specifier: str) -> str | None:
    """`1.2` of a lone `==1.2.*` (a prefix pin, which pip resolves to the newest matching release)."""
    if specifier.startswith("==") and specifier.endswith(".*") and "," not in specifier:
        return specifier[2:-2]
    return None


def pin_specifier(pin: Pin, version: Version) -> SpecifierSet:
    if pin.version is None and _prefix(pin.specifier) is None:
        try:
            return SpecifierSet(pin.specifier)  # a range line, or none at all: every release it admits
        except InvalidSpecifier:
            return SpecifierSet("==0")  # pip refuses the line: DC350 says so
    try:
        return SpecifierSet(pin.specifier or f"=={version}")
    except InvalidSpecifier:
        return SpecifierSet(f"=={version}")


_UNREAD_WHY = {NO_INDEX: NO_INDEX, FIND_LINKS: f"{FIND_LINKS} (a folder or page of files)"}


def sources(lock: Lock, settings: Settings) -> IndexSources:
    """The lock's indexes as the run sees them: the run's --index-url replaces them, its extras add to them.
    Its --find-links stay: they are files, not an index, and pip merges them with whatever index it reads."""
    src = lock.indexes.within(settings.indexes)
    if lock.indexes.find_links and not src.find_links:
        links = tuple(o for o in lock.indexes.options if o.name == FIND_LINKS)
        src = replace(src, find_links=lock.indexes.find_links, options=src.options + links)
    return src


MAX_FIND_LINKS = 8


def find_links(app: App, lock: Lock, src: IndexSources) -> tuple[Said, ...] | None:
    """The file's --find-links as locations the index client reads: http(s) pages, and folders inside the
    repository (relative to the file, as pip takes them, else to the repository's root), resolved. None
    when one of them cannot be read (another scheme, a folder outside the repository or missing)."""
    found = []
    for said in src.find_links[:MAX_FIND_LINKS]:
        value = said.value.strip()
        if url_allowed(value):
            found.append(Said(value, said.origin))
            continue
        local = value.removeprefix("file://") if value.startswith("file://") else value
        if "://" in local or not local:
            return None
        for base in (lock.path.parent, app.root):
            folder = base / local
            if safefs.inside(folder, app.repo.boundary) and folder.is_dir():
                found.append(Said(str(safefs.resolve(folder)), said.origin))
                break
        else:
            return None
    return tuple(found) if len(src.find_links) <= MAX_FIND_LINKS else None


_Wanted = tuple[App, Lock, Pin, Version, Deploy, IndexSources]
_Key = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # (index URLs, trusted hosts, find-links)


def _key(src: IndexSources) -> _Key:
    return src.urls, src.trusted, tuple(s.value for s in src.find_links)


def _wanted(project: Project, settings: Settings, out: Lookup) -> list[_Wanted]:
    """Every exact pin the apps deploy, with the indexes it is looked up on; files whose packages come from
    where deploycheck does not look (--no-index, --find-links) are `skipped`."""
    wanted: list[_Wanted] = []
    for app in project.apps:
        deploy = deploy_of(app)
        if deploy is None:
            continue
        for lock in app.requirement_files():
            src = sources(lock, settings)
            unread = src.unread
            links = find_links(app, lock, src) if unread is not None else ()
            if unread is not None and (links is None or not (links or src.urls)):
                if any(True for _ in exact_pins(lock, deploy)):
                    out.skipped.append((lock, unread.origin.line, _UNREAD_WHY[unread.name]))
                continue
            src = replace(src, find_links=links or ())
            # A plain file's range lines too: pip installs them from the same index (a lock pins every line).
            lines = exact_pins(lock, deploy, ranges=not lock.locked and _installed(app, lock))
            wanted += [(app, lock, pin, version, deploy, src) for pin, version in lines]
    return wanted


def _installed(app: App, lock: Lock) -> bool:
    """The file the platform installs (its best guess too): a requirements-dev.txt's ranges are not the deploy's."""
    chosen = app.installs.file if app.installs is not None else None
    return chosen is not None and safefs.resolve(app.root / chosen) == safefs.resolve(lock.path)


def _lookup(project: Project, settings: Settings) -> Lookup:
    out = Lookup()
    wanted = _wanted(project, settings, out)
    groups: dict[_Key, dict[NormalizedName, set[str]]] = {}
    for *_, pin, _, _, src in wanted:
        versions = groups.setdefault(_key(src), {}).setdefault(pin.name, set())
        if pin.version is not None:  # `name==1.*` and ranges name no one release to look for
            versions.add(pin.version)
    for key in list(groups)[MAX_INDEX_SETS:]:
        del groups[key]
        out.problems.append(
            Problem(
                f"pins not checked against {', '.join(shown_url(u) for u in key[0])}: the files of this repository "
                f"name more than {MAX_INDEX_SETS} different lists of package indexes",
                fix="pass --index-url (and --extra-index-urls) to check every file against the same indexes",
            )
        )
    wanted = [w for w in wanted if _key(w[-1]) in groups]
    fetched: dict[_Key, dict[NormalizedName, ProjectPage]] = {}
    if groups:
        # Each list of indexes at once: one that does not answer costs its timeout once, not once per list.
        with DaemonPool(min(len(groups), 4), thread_name_prefix="indexes") as pool:
            jobs = {key: pool.submit(fetch, *key, pinned) for key, pinned in groups.items()}
            fetched = {key: job.result() for key, job in jobs.items()}
    failed: dict[str, tuple[str, set[str], Lock, int | None]] = {}  # index -> reason, pins, first file, line
    for app, lock, pin, version, deploy, src in wanted:
        found = fetched[_key(src)][pin.name]
        if found.complete:
            chosen, admitted = targettags.choose(found, pin_specifier(pin, version), deploy.target)
            out.pins.append(PinnedRelease(app, lock, pin, chosen or version, deploy, src, found, admitted))
            continue
        for error in found.unavailable:
            url = index_of(error, [u if u.endswith("/") else u + "/" for u in src.urls])
            entry = failed.setdefault(url, (error.reason, set(), lock, src.line))
            entry[1].add(f"{lock.display}:{pin.name}")
    out.problems += [_unanswered(url, *entry) for url, entry in failed.items()]
    return out


def _unanswered(url: str, said: str, pins: set[str], lock: Lock, line: int | None) -> Problem:
    count, reason = len(pins), shown_text(said)
    return Problem(
        f"could not check {count} pinned release{'s' if count != 1 else ''} against the package index "
        f"{shown_url(url)}: "
        + ("it is not an http(s) URL" if reason.startswith("not an") else f"it did not answer ({reason})"),
        lock.display,
        line,
        UNREACHABLE_FIX,
    )


# The pins and hashes checks run one after the other on the same scanned project: the second reads the
# first's lookup instead of asking the index again. One slot, holding the project itself, so an identity
# match cannot be a recycled id.
_last: list[tuple[Project, tuple[object, ...], Lookup]] = []


def lookup(project: Project, settings: Settings) -> Lookup:
    key = (settings.index_url, tuple(settings.extra_index_urls), str(cache.folder()))
    if _last and _last[0][0] is project and _last[0][1] == key:
        return _last[0][2]
    found = _lookup(project, settings)
    _last[:] = [(project, key, found)]
    return found


MAX_SDISTS = 40  # sdists read per run to tell pure Python from compiled code; the rest stay "may need a compiler"


def sdist_facts(releases: list[PinnedRelease]) -> dict[str, SdistFacts | str]:
    """Whether each release's sdist needs a compiler, by sdist filename (read concurrently, cached forever)."""
    from deploycheck.index.client import Index

    by_key: dict[_Key, list[DistFile]] = {}
    for release in releases[:MAX_SDISTS]:
        sdist = next((f for f in release.files if f.kind == "sdist"), None)
        if sdist is not None:
            by_key.setdefault(_key(release.sources), []).append(sdist)
    found: dict[str, SdistFacts | str] = {}
    for (urls, trusted, _links), files in by_key.items():
        with Index(urls, cache_dir=cache.folder() / "index", timeout=TIMEOUT, trusted_hosts=trusted) as index:
            found.update(index.sdist_facts_many(files))
    return found


def display_sources(release: PinnedRelease) -> str:
    """The files a lock is compiled from, as shown to the user ("requirements.in")."""
    if not release.lock.locked:
        return release.lock.display
    names = [Path(source.display).name for source in release.lock.compiled_from()]
    return ", ".join(names[:3]) or "the lock's sources"
