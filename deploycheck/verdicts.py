"""The verdict cache (#19): a repeat run on unchanged inputs reuses the last run's report.

The key, computed before any work, covers what decides a verdict: deploycheck's own files (its code, the
toolchain pins), the uv it runs, the machine (OS, architecture, the Pythons it can run, whether it is root),
the run's settings (all but where the report goes), the environment the resolvers and the index client read,
the bytes of every file of the repository that deploycheck's walks read (.git, virtualenvs and the like are
left out, as every scan leaves them out), and which of them git tracks.

An entry, written after a run that checked everything it meant to (no "could not check", no lock in error),
holds the report, the sha256 of every file the scan read (an include outside the walk too), and the index
pages the run read with their validators. It is reused only when it parses and matches its schema and
checksum, every input still has its sha256, and every page is unchanged: within FRESH of the entry's last
confirmation it is trusted as the index client trusts a page it fetched; past it, each page must answer 304 to
a conditional GET (or serve the same body). A yanked or removed release changes its page, so a verdict lives
as long as its pins.

Safety: an entry is data (JSON read by the report's own schema check), never code. The folder and its files
must belong to deploycheck's user (or, when deploycheck is root, to an ordinary account, e.g. the runner's
after actions/cache restored them) and be writable by nobody else: package code runs as a sandbox uid that
cannot write them. Bounded: MAX_ENTRIES files (the least recently confirmed go first), each at most ENTRY_LIMIT.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from deploycheck import __version__, cache, pins
from deploycheck.repo import gitindex
from deploycheck.repo.repository import SKIP_DIRS, Repository
from deploycheck.report.model import Report
from deploycheck.settings import Settings

FORMAT = 1
MAX_ENTRIES = 256
ENTRY_LIMIT = 8 * 1024 * 1024
MAX_FILES = 50_000  # a repository with more is not worth keying: it runs uncached
HASHED_BYTES = 256 * 1024 * 1024  # content read for the key in all; past it, the run is uncached
# Past every cap deploycheck reads a file with (32 MiB for a lock), a file is "too big" whatever it holds: keyed
# by its size and first MiB. Never by mtime: a CI checkout gives every file a new one.
BIG_FILE = 64 * 1024 * 1024
MAX_PAGES = 5_000
FRESH = 600.0  # seconds: the index client's page_ttl, how long a page read from an index is trusted unasked
_ENV_PREFIXES = ("PIP_", "UV_", "PYENV", "DEPLOYCHECK_", "PYTHON")
_ENV_NAMES = frozenset(
    [
        "PATH",
        "HOME",
        "XDG_CACHE_HOME",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
)
_ORDINARY_UIDS = 60_000  # below systemd's dynamic users, the sandbox's fixed account and its fresh ids

OWN_FILES = Path(__file__).parent  # the package: its code and resolve/*.txt, the toolchain pins

Guard = Callable[[Any], None]


class Refused(Exception):
    """pipeline.Refused, for callers that import the pipeline only when a run needs it."""

    def __init__(self, error: Any) -> None:
        super().__init__(error.message)
        self.error = error


def disabled() -> bool:
    return os.environ.get("DEPLOYCHECK_NO_CACHE", "") not in ("", "0")


def folder() -> Path:
    """DEPLOYCHECK_VERDICT_CACHE, else `verdicts` in deploycheck's cache folder (the CLI's and the action's)."""
    given = os.environ.get("DEPLOYCHECK_VERDICT_CACHE")
    return Path(given) if given else cache.folder() / "verdicts"


def run(settings: Settings, guard: Guard | None = None, *, use: bool = True) -> Report:
    """pipeline.run, or the report of an identical earlier run. The pipeline is imported only on a miss."""
    key = None
    if use and not disabled() and settings.fix_dir is None:  # --fix-dir needs the proposed locks: never cached
        try:
            key = key_of(settings)
            hit = lookup(folder(), key, settings) if key else None
        except Exception:  # the cache is a shortcut: any failure of it (a bug included) is a miss
            key, hit = None, None
        if hit is not None:
            return hit
    from deploycheck import pipeline
    from deploycheck.index import pagestore

    pagestore.CONSULTED.clear()
    try:
        report = pipeline.run(settings, guard)
    except pipeline.Refused as exc:
        raise Refused(exc.error) from None
    if key:
        with contextlib.suppress(Exception):  # a full disk or a read-only folder costs speed, not a verdict
            store(folder(), key, report, pagestore.CONSULTED.pages())
    return report


# ----------------------------------------------------------------------------------------------- the key


def key_of(settings: Settings) -> str | None:
    """The sha256 of everything that decides the run's report, None when the repository is too big to key."""
    repo = Repository.at(settings.root, settings.boundary)
    h = hashlib.sha256(f"deploycheck-verdict {FORMAT} {__version__}\0".encode())
    _own_files(h)
    _machine(h)
    h.update(repr(_settings_part(settings, repo)).encode())
    for name in sorted(os.environ):
        if name.startswith(_ENV_PREFIXES) or name in _ENV_NAMES:
            h.update(f"{name}={os.environ[name]}\0".encode("utf-8", "surrogateescape"))
    # What git tracks (a check tells committed files from others), not the index's bytes: those hold every
    # file's checkout time, new in each CI run.
    for place in dict.fromkeys((repo.root, repo.boundary)):
        tracked = gitindex.tracked(place)
        h.update(repr(sorted(tracked) if tracked is not None else None).encode("utf-8", "surrogateescape"))
    skip = {p for p in (settings.output, folder()) if p is not None}
    if not _tree(h, repo.boundary, {os.path.realpath(p) for p in skip}):
        return None
    return h.hexdigest()


# Where the report goes, and the run's own bounds: one verdict, rendered as each run asks. Every other field, one
# added later included, is part of the key (at worst a needless miss, never a stale verdict).
_NOT_THE_VERDICTS = frozenset({"root", "boundary", "format", "output", "fix_dir", "timeout"})


def _settings_part(settings: Settings, repo: Repository) -> list[Any]:
    chosen = [(f.name, getattr(settings, f.name)) for f in fields(settings) if f.name not in _NOT_THE_VERDICTS]
    return [str(repo.root), str(repo.boundary), *chosen]


def _own_files(h: Any) -> None:
    """deploycheck's code and toolchain pins, by content: a reinstalled image has new mtimes, same bytes."""
    base = OWN_FILES
    for top, dirs, files in os.walk(base, followlinks=True):  # deploycheck/checks is a link to ../checks
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                path = os.path.join(top, name)
                with open(path, "rb") as f:
                    h.update(f"{os.path.relpath(path, base)}\0".encode() + hashlib.sha256(f.read()).digest())


def _machine(h: Any) -> None:
    """The platform and the toolchain outside deploycheck's files: the uv it runs, the Pythons it can find."""
    h.update(f"{_platform()} {sys.version} {os.geteuid()}\0".encode())
    h.update(f"uv {pins.uv_version()}\0".encode())
    places = [Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"]
    places += [Path(p) for p in os.environ.get("UV_PYTHON_INSTALL_DIR", "").split(os.pathsep) if p]
    for place in places:
        try:
            h.update(f"{place}: {sorted(os.listdir(place))}\0".encode())
        except OSError:
            h.update(f"{place}: -\0".encode())
    for entry in dict.fromkeys(os.environ.get("PATH", "").split(os.pathsep)):
        try:
            pythons = sorted(n for n in os.listdir(entry or ".") if n.startswith("python"))
        except OSError:
            continue
        h.update(f"{entry}: {pythons}\0".encode("utf-8", "surrogateescape"))


def _platform() -> str:
    uname = os.uname()
    return f"{sys.platform} {uname.sysname} {uname.machine}"


def _tree(h: Any, top: Path, skip: set[str]) -> bool:
    """Feeds every file under top (names, and bytes or, for big files, size and first MiB) in a stable order;
    False when the repository is over the caps."""
    hashed = 0
    for count, (path, entry_stat) in enumerate(_walk(str(top), skip), 1):
        if count > MAX_FILES:
            return False
        rel = os.path.relpath(path, top).encode("utf-8", "surrogateescape")
        if stat.S_ISLNK(entry_stat.st_mode):
            h.update(b"L" + rel + b"\0" + os.fsencode(os.readlink(path)) + b"\0")
        else:
            big = entry_stat.st_size > BIG_FILE
            hashed += 1024 * 1024 if big else entry_stat.st_size
            if hashed > HASHED_BYTES:
                return False
            try:
                with open(path, "rb") as f:
                    data = f.read(1024 * 1024) if big else f.read()
                h.update(b"F" + rel + f"\0{entry_stat.st_size}\0".encode() + hashlib.sha256(data).digest())
            except OSError:
                h.update(b"U" + rel + b"\0")  # unreadable: deploycheck cannot read it either
    return True


def _walk(top: str, skip: set[str]) -> Iterator[tuple[str, os.stat_result]]:
    """Files and links under top, sorted, not following links; the folders every scan skips are left out."""
    stack = [top]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            if entry.path in skip:
                continue
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                if entry.name not in SKIP_DIRS and not os.path.lexists(os.path.join(entry.path, "pyvenv.cfg")):
                    stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                yield entry.path, st


# ------------------------------------------------------------------------------------------- the entries


def _trusted(st: os.stat_result) -> bool:
    """Written by deploycheck's user (or an ordinary account, to a root deploycheck) and by nobody else."""
    owner_ok = st.st_uid == os.geteuid() or (os.geteuid() == 0 and st.st_uid < _ORDINARY_UIDS)
    return owner_ok and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def lookup(where: Path, key: str, settings: Settings) -> Report | None:
    """The cached report for key, when its entry is sound and still valid; None otherwise."""
    try:
        if not _trusted(os.stat(where)):
            return None
        fd = os.open(where / f"{key}.json", os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or not _trusted(st) or st.st_size > ENTRY_LIMIT:
            return None
        entry = _parse(f.read(ENTRY_LIMIT + 1), key)
    if entry is None:
        return None
    inputs, pages = entry["inputs"], entry["pages"]
    if settings.output is not None and os.path.realpath(settings.output) in inputs:
        return None  # the run refuses to overwrite an input: let the pipeline's guard say so
    if not all(_sha256_of(path) == digest for path, digest in inputs.items()):
        return None
    # The pages were last confirmed at the entry's mtime. Within FRESH of it they are trusted as the page cache
    # trusts a page it fetched (a full run would not ask either); after it, every page is asked again.
    revalidate = not 0 <= time.time() - st.st_mtime < FRESH
    if revalidate and not _pages_unchanged(pages):
        return None
    try:
        report = Report.from_json(entry["report"])
    except (ValueError, TypeError, KeyError):
        return None
    report.fail_on = settings.fail_on
    report.inputs = {Path(p) for p in inputs}
    if revalidate:
        os.utime(where / f"{key}.json")  # confirmed now (and recently used: evicted last)
    return report


def _parse(data: bytes, key: str) -> dict[str, Any] | None:
    """The entry, when it is the shape this version writes and its checksum matches."""
    head, sep, body = data.partition(b"\n")
    try:
        header = json.loads(head)
        if not sep or header != {"v": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()}:
            return None
        entry = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or set(entry) != {"report", "inputs", "pages"}:
        return None
    inputs, pages = entry["inputs"], entry["pages"]
    if not isinstance(inputs, dict) or not isinstance(pages, dict) or len(pages) > MAX_PAGES:
        return None
    if not all(isinstance(p, str) and isinstance(d, str) and len(d) == 64 for p, d in inputs.items()):
        return None
    if not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in pages):
        return None
    if not isinstance(entry["report"], dict):
        return None
    return entry


def _sha256_of(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read(ENTRY_LIMIT * 4)).hexdigest()
    except OSError:
        return None


def _public(url: str) -> str:
    """The URL without user and password: an entry is readable by every local user (actions/cache saves it).
    (The index client reads no index that needs credentials today; a page of one would fail to revalidate, a
    miss, never a password on disk.)"""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _pages_unchanged(pages: dict[str, Any]) -> bool:
    """One conditional GET per page, concurrently: every page unchanged (304 or the same body, or still a 404)."""
    if not pages:
        return True
    import concurrent.futures

    from deploycheck.index import pagestore
    from deploycheck.index.http import Fetcher, IndexUnavailable, NotFound, NotModified
    from deploycheck.index.simpleapi import ACCEPT

    fetcher = Fetcher(timeout=10, deadline=15, max_requests=len(pages), retries=0)

    def unchanged(url: str) -> bool:
        recorded = pagestore.Validators.from_json(pages[url]) if pages[url] is not None else None
        if pages[url] is not None and recorded is None:
            return False
        try:  # the client's Accept: a validator belongs to one form of the page (JSON or HTML)
            body = fetcher.get(url, headers={"Accept": ACCEPT, **(recorded.headers() if recorded else {})}).body
        except NotModified:
            return recorded is not None
        except NotFound:
            return recorded is None
        except IndexUnavailable:
            return False
        return recorded is not None and hashlib.sha256(body).hexdigest() == recorded.sha256

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(pages))) as pool:
        return all(pool.map(unchanged, pages))


def store(where: Path, key: str, report: Report, pages: dict[str, Any]) -> bool:
    """Keeps the report of a run that checked everything it meant to; False when it is not worth keeping."""
    if report.problems or any(lock.status == "error" for lock in report.lockfiles):
        return False  # "could not check" may pass (an index down): never reused
    if report.lockfiles and not pages:
        return False  # no page was read (index checks off): nothing would tell a yanked pin
    inputs = {str(p): _sha256_of(str(p)) for p in sorted(report.inputs, key=str)}
    if None in inputs.values():
        return False
    body = json.dumps(
        {
            "report": report.to_json(),
            "inputs": inputs,
            "pages": {_public(u): v and v.to_json() for u, v in pages.items()},
        },
        separators=(",", ":"),
    ).encode()
    if len(body) > ENTRY_LIMIT - 200:
        return False
    header = json.dumps({"v": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()}).encode()
    if not where.is_dir():
        where.mkdir(parents=True, exist_ok=True)
        where.chmod(0o755)  # readable, so actions/cache (the runner's user) can save it; writable by us only
    if not _trusted(os.stat(where)):
        return False
    cache.write_atomic(where / f"{key}.json", (header + b"\n" + body).decode("utf-8"))
    os.chmod(where / f"{key}.json", 0o644)
    _evict(where)
    return True


def _evict(where: Path) -> None:
    entries = []
    for path in where.glob("*.json"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            continue
    for _, path in sorted(entries)[: max(0, len(entries) - MAX_ENTRIES)]:
        path.unlink(missing_ok=True)
