"""The pinned releases of the files each app deploys, looked up on their package indexes once per run.

The pins check (DC40x) and the hashes check (DC41x) both read one `Lookup`: every exact pin of every
app's lock and plain requirements file, with its project page from every index pip would use for that
file at deploy time, fetched concurrently into the disk cache.

A pin is judged for its app's deploy target: CPython of the app's runtime on manylinux x86_64, or on
musllinux when the app's Dockerfile builds FROM an alpine python image. A project is judged only when
every index it is looked up on answered: pip merges the files of all indexes, so a file on the index that
did not answer could be the one that installs. Each index that did not answer becomes one "could not
check" problem, never a finding.
"""

from __future__ import annotations

import concurrent.futures
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import InvalidMarker, Marker
from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from deploycheck import cache
from deploycheck.index.simpleapi import DistFile
from deploycheck.index.targettags import Target
from deploycheck.locks import explain
from deploycheck.locks.requirements.reqfile import Pin, ReqFile
from deploycheck.project.apps import App
from deploycheck.project.apps import Project as ScannedProject
from deploycheck.project.scan import LockPair
from deploycheck.report.model import Problem
from deploycheck.runtime import platforms
from deploycheck.settings import Settings

if TYPE_CHECKING:  # the HTTP client is imported when a lookup runs: most runs' start-up never needs it
    from deploycheck.index.client import Project
    from deploycheck.index.http import IndexUnavailable

PYPI = "https://pypi.org/simple/"
TIMEOUT = 15.0  # per request; the whole run is bounded by --timeout
MAX_INDEX_SETS = 8  # distinct index lists one run looks pins up on; a real repository has one or two
MAX_SHOWN = 200  # characters of index-provided text (yank reasons) quoted in a message
_IMAGE_TAG = re.compile(r"[\w.\-]{1,64}")
# Reasons an index gives about one page; anything else (refused, timed out, DNS, proxy, TLS) means the
# index itself did not answer, and its other pages are not asked for.
_PAGE_REASONS = ("HTTP ", "response", "the project page", "more than")
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


@dataclass(frozen=True)
class Sources:
    """The indexes pip installs one requirements file from, and where that was said."""

    urls: tuple[str, ...]
    trusted_hosts: tuple[str, ...] = ()
    line: int | None = None  # the file's option line naming the index; None: settings, header or default
    skip: str = ""  # why the file's pins are not looked up (--no-index, --find-links)


@dataclass
class PinnedRelease:
    app: App
    file: ReqFile
    pair: LockPair | None  # the lock workflow that writes the file; None for a plain requirements file
    pin: Pin
    version: Version
    deploy: Deploy
    sources: Sources
    project: Project = field(repr=False)

    @property
    def files(self) -> list[DistFile]:
        return self.project.release(self.version)

    @property
    def spec(self) -> str:
        return f"{self.pin.name}=={self.version}"


@dataclass
class Lookup:
    pins: list[PinnedRelease] = field(default_factory=list)  # those every index answered for
    skipped: list[tuple[ReqFile, int | None, str]] = field(default_factory=list)  # (file, line, why)
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
    return explain.environment(str(target.version), "linux")


def applies(marker: str, env: dict[str, str]) -> bool:
    """pip installs the line on the target (an unreadable marker counts: pip would stop on it anyway)."""
    try:
        return not marker or Marker(marker).evaluate(env)
    except (InvalidMarker, ValueError):
        return True


def exact_pins(file: ReqFile, deploy: Deploy) -> Iterator[tuple[Pin, Version]]:
    """`name==version` lines the target installs; URLs, editables and ranges are not releases to look up."""
    env = marker_environment(deploy.target)
    for pin in [*file.pins.values(), *file.alternates]:  # alternates: a name's lines under other markers
        if pin.url or pin.editable or pin.version is None or not applies(pin.marker, env):
            continue
        try:
            yield pin, Version(pin.version)
        except InvalidVersion:
            continue  # `===` with a legacy version: no release on a modern index matches it either


def _split_index_option(name: str, value: str) -> tuple[str, str]:
    """uv's `--index NAME=URL` names an index; the URL is what matters here."""
    if name in ("--index", "--default-index") and "=" in value and not value.startswith(("http:", "https:")):
        value = value.split("=", 1)[1]
    primary = name in ("--index-url", "--default-index")
    return ("--index-url" if primary else "--extra-index-url"), value


def sources(file: ReqFile, pair: LockPair | None, settings: Settings) -> Sources:
    """Settings first, then the file's own option lines, then its compile command's, then PyPI."""
    if settings.index_url:
        return Sources(tuple(dict.fromkeys([settings.index_url, *settings.extra_index_urls])))
    named: list[tuple[str, str, int | None]] = [(o, v, n) for o, v, n in file.options]
    if not any(o in ("--index-url", "--extra-index-url", "--no-index", "--find-links") for o, _, _ in named):
        opts = pair.command.index_options if pair else []
        i = 0
        while i < len(opts):
            if opts[i] == "--no-index":
                named.append(("--no-index", "", None))
                i += 1
                continue
            named.append((opts[i], opts[i + 1] if i + 1 < len(opts) else "", None))
            i += 2
    primary: str | None = None
    extras: list[str] = []
    trusted: list[str] = []
    line: int | None = None
    for option, value, number in named:
        if option in ("--no-index", "--find-links"):
            why = "--no-index" if option == "--no-index" else "--find-links (a folder or page of files)"
            return Sources((), line=number, skip=why)
        if option == "--trusted-host":
            trusted.append(value)
        elif option in ("--index-url", "--extra-index-url", "--index", "--default-index"):
            kind, url = _split_index_option(option, value)
            if kind == "--index-url":
                primary = url  # pip: the last one given wins
            else:
                extras.append(url)
            line = line if line is not None else number
    urls = [primary or PYPI, *extras, *settings.extra_index_urls]
    return Sources(tuple(dict.fromkeys(urls)), tuple(trusted), line)


def _files(app: App) -> Iterator[tuple[ReqFile, LockPair | None]]:
    for pair in app.locks:
        yield pair.lock, pair
    for plain in app.plain:
        yield plain, None


def _index_of(error: IndexUnavailable, urls: list[str]) -> str:
    return next((u for u in urls if error.url.startswith(u)), error.url)


def _fetch(
    urls: tuple[str, ...], trusted: tuple[str, ...], names: list[NormalizedName]
) -> dict[NormalizedName, Project]:
    """Every project's pages, concurrently. One page is asked first: an index that does not answer it
    at all is not asked for the others, so a blocked network costs one timeout, not one per pin."""
    from deploycheck.index.client import Index, Project

    folder = cache.folder() / "index"
    with Index(urls, cache_dir=folder, timeout=TIMEOUT, trusted_hosts=trusted) as index:
        probe = index.projects(names[:1])[names[0]]
        down = {
            _index_of(e, index.urls): e
            for e in probe.unavailable
            if not e.reason.startswith(_PAGE_REASONS) or e.reason.startswith("HTTP 407")
        }
        if not down:
            return index.projects(names)
        live = [u for u in index.urls if u not in down]
    if live:
        with Index(live, cache_dir=folder, timeout=TIMEOUT, trusted_hosts=trusted) as rest:
            found = rest.projects(names)
    else:
        found = {name: Project(name) for name in names}
    for project in found.values():
        project.unavailable.extend(down.values())
    return found


def _lookup(project: ScannedProject, settings: Settings) -> Lookup:
    out = Lookup()
    wanted: list[tuple[App, ReqFile, LockPair | None, Pin, Version, Deploy, Sources]] = []
    for app in project.apps:
        deploy = deploy_of(app)
        if deploy is None:
            continue
        for file, pair in _files(app):
            src = sources(file, pair, settings)
            if src.skip:
                if any(True for _ in exact_pins(file, deploy)):
                    out.skipped.append((file, src.line, src.skip))
                continue
            wanted += [(app, file, pair, pin, version, deploy, src) for pin, version in exact_pins(file, deploy)]
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[NormalizedName]] = {}
    for *_, pin, _, _, src in wanted:
        groups.setdefault((src.urls, src.trusted_hosts), []).append(pin.name)
    for key in list(groups)[MAX_INDEX_SETS:]:
        del groups[key]
        out.problems.append(
            Problem(
                f"pins not checked against {', '.join(shown_url(u) for u in key[0])}: the files of this repository "
                f"name more than {MAX_INDEX_SETS} different lists of package indexes",
                fix="pass --index-url (and --extra-index-urls) to check every file against the same indexes",
            )
        )
    wanted = [w for w in wanted if (w[-1].urls, w[-1].trusted_hosts) in groups]
    fetched: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[NormalizedName, Project]] = {}
    if groups:
        # Each list of indexes at once: one that does not answer costs its timeout once, not once per list.
        with concurrent.futures.ThreadPoolExecutor(min(len(groups), 4), thread_name_prefix="indexes") as pool:
            jobs = {key: pool.submit(_fetch, *key, list(dict.fromkeys(names))) for key, names in groups.items()}
            fetched = {key: job.result() for key, job in jobs.items()}
    failed: dict[str, tuple[str, set[str], ReqFile, int | None]] = {}  # index -> reason, pins, first file, line
    for app, file, pair, pin, version, deploy, src in wanted:
        found = fetched[(src.urls, src.trusted_hosts)][pin.name]
        if found.complete:
            out.pins.append(PinnedRelease(app, file, pair, pin, version, deploy, src, found))
            continue
        for error in found.unavailable:
            url = _index_of(error, [u if u.endswith("/") else u + "/" for u in src.urls])
            entry = failed.setdefault(url, (error.reason, set(), file, src.line))
            entry[1].add(f"{file.display}:{pin.name}")
    for url, (said, pins, file, line) in failed.items():
        count, reason = len(pins), shown_text(said)
        out.problems.append(
            Problem(
                f"could not check {count} pinned release{'s' if count != 1 else ''} against the package index "
                f"{shown_url(url)}: "
                + ("it is not an http(s) URL" if reason.startswith("not an") else f"it did not answer ({reason})"),
                file.display,
                line,
                UNREACHABLE_FIX,
            )
        )
    return out


# The pins and hashes checks run one after the other on the same scanned project: the second reads the
# first's lookup instead of asking the index again. One slot, holding the project itself, so an identity
# match cannot be a recycled id.
_last: list[tuple[ScannedProject, tuple[object, ...], Lookup]] = []


def lookup(project: ScannedProject, settings: Settings) -> Lookup:
    key = (settings.index_url, tuple(settings.extra_index_urls), str(cache.folder()))
    if _last and _last[0][0] is project and _last[0][1] == key:
        return _last[0][2]
    found = _lookup(project, settings)
    _last[:] = [(project, key, found)]
    return found


def display_sources(release: PinnedRelease) -> str:
    """The files a lock is compiled from, as shown to the user ("requirements.in")."""
    if release.pair is None:
        return release.file.display
    names = [Path(s).name for s in release.pair.command.sources] or [p.name for p in release.pair.sources]
    return ", ".join(names[:3]) or "the lock's sources"
