"""A client for package indexes (the simple API), for the pins, hashes and import checks.

    index = Index([index_url, *extra_index_urls], cache_dir=cache.folder() / "index", timeout=15)
    projects = index.projects(["streamlit", "pyyaml"])      # fetched concurrently, one page each
    files = projects["pyyaml"].release("6.0.2")               # list[DistFile]
    index.import_names(files[0])                              # ImportNames(("yaml", "_yaml"), "RECORD")

pip merges the candidates of every index it is given, so a project's files are those of all indexes
that list it. A 404 means "not on this index"; an index that does not answer is recorded on the
ProjectPage (`unavailable`) so that a missing release is only called missing when every index answered.

Disk cache: project pages, reduced to Entry rows, are fresh for `page_ttl` seconds (yanks and new
releases change them), then asked again with the ETag/Last-Modified the index gave (a 304 keeps the rows);
facts read from one file (its modules, its METADATA) never change for a
given file hash and are kept forever. Writes are atomic; an entry that does not parse is ignored.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import threading
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.cache import write_atomic
from deploycheck.index import pagestore
from deploycheck.index.daemonpool import DaemonPool
from deploycheck.index.findlinks import folder_links
from deploycheck.index.http import DEADLINE, Fetcher, IndexUnavailable, NotFound, NotModified
from deploycheck.index.lazywheel import FULL_DOWNLOAD_CAP, RangeUnsupported, read_wheel
from deploycheck.index.pagestore import Page
from deploycheck.index.projectpage import ProjectPage
from deploycheck.index.sdistfiles import SdistFacts, UnreadableSdist, read_sdist
from deploycheck.index.simpleapi import (
    ACCEPT,
    DistFile,
    Entry,
    PageError,
    parse_links,
    parse_page,
    url_allowed,
)

PAGE_LIMIT = 32_000_000  # the largest real project pages (JSON, thousands of files) are a few MB
METADATA_LIMIT = 2_000_000

__all__ = ["DistFile", "ImportNames", "Index", "IndexUnavailable", "ProjectPage"]


@dataclass(frozen=True)
class ImportNames:
    names: tuple[str, ...]  # dotted: "yaml", "google.cloud.storage"
    source: str  # "RECORD", "top_level.txt", "sdist" (its file list), or "name" (guessed from the distribution name)
    note: str = ""  # why the name was guessed


class Index:
    def __init__(
        self,
        urls: Sequence[str],
        *,
        cache_dir: Path | None,
        timeout: float = 15.0,
        deadline: float = DEADLINE,
        workers: int = 8,
        page_ttl: float = 600.0,
        max_requests: int = 5000,
        trusted_hosts: Sequence[str] = (),
        page_limit: int = PAGE_LIMIT,
        full_download_cap: int = FULL_DOWNLOAD_CAP,
        find_links: Sequence[str] = (),
    ) -> None:
        self.page_limit = page_limit
        # pip's --find-links: http(s) pages of links, or folders (absolute paths the caller has checked are
        # inside the repository); their files join every index's, as pip merges them.
        self.find_links = list(dict.fromkeys(find_links))
        self._links: dict[str, concurrent.futures.Future[dict[NormalizedName, list[Entry]]]] = {}
        self.full_download_cap = full_download_cap
        self.urls = [u if u.endswith("/") else u + "/" for u in urls]
        self.cache_dir = cache_dir
        self.page_ttl = page_ttl
        self.workers = max(1, workers)
        self.fetcher = Fetcher(
            timeout=timeout, deadline=deadline, max_requests=max_requests, trusted_hosts=tuple(trusted_hosts)
        )
        self._pages: dict[tuple[str, str], concurrent.futures.Future[Page | None]] = {}
        self._lock = threading.Lock()
        # Daemon threads: a run that --timeout or a signal ends does not wait for a slow index at exit.
        self._pool = DaemonPool(self.workers, thread_name_prefix="index")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests(self) -> int:
        return self.fetcher.requests

    # Project pages

    def projects(self, names: Iterable[str]) -> dict[NormalizedName, ProjectPage]:
        """Every project's page from every index, fetched concurrently (at most `workers` at once)."""
        wanted = list(dict.fromkeys(canonicalize_name(n) for n in names))
        futures = {(name, url): self._page(url, name) for name in wanted for url in self.urls}
        out = {name: ProjectPage(name) for name in wanted}
        for location in self.find_links:
            self._add_links(location, out)
        for (name, url), future in futures.items():
            project = out[name]
            try:
                page = future.result()
            except IndexUnavailable as e:
                project.unavailable.append(e)
                continue
            if page is not None:
                project.found_on.append(url)
                project.pages.append(page)
        return out

    def _add_links(self, location: str, projects: dict[NormalizedName, ProjectPage]) -> None:
        with self._lock:
            if location not in self._links:
                self._links[location] = self._pool.submit(self._load_links, location)
        try:
            found = self._links[location].result()
        except IndexUnavailable as e:
            for project in projects.values():
                project.unavailable.append(e)
            return
        for name, project in projects.items():
            if found.get(name):
                project.found_on.append(location)
                project.pages.append(Page.from_entries(found[name]))

    def _load_links(self, location: str) -> dict[NormalizedName, list[Entry]]:
        """One find-links location, read once per run: a page (a 404 is pip's warning, no files) or a folder."""
        if not url_allowed(location):
            return folder_links(Path(location))
        try:
            response = self.fetcher.get(
                location, headers={"Accept": "text/html"}, limit=self.page_limit, what="a find-links page"
            )
        except NotFound:
            return {}
        return parse_links(response.body.decode("utf-8", errors="replace"), response.url)

    def project(self, name: str) -> ProjectPage:
        return self.projects([name])[canonicalize_name(name)]

    def page(self, index_url: str, name: str) -> Page | None:
        """One index's page (index_url one of `urls`), None for a 404; raises IndexUnavailable."""
        return self._page(index_url, str(canonicalize_name(name))).result()

    def _page(self, index_url: str, name: str) -> concurrent.futures.Future[Page | None]:
        # One request per page per run, however many callers ask, and from however many threads.
        with self._lock:
            key = (index_url, name)
            if key not in self._pages:
                self._pages[key] = self._pool.submit(self._load_page, index_url, name)
            return self._pages[key]

    def _load_page(self, index_url: str, name: str) -> Page | None:
        """The project's page on one index, None for a 404; raises IndexUnavailable."""
        path = self._cache_path("pages", f"{index_url}\0{name}")
        page_url = f"{index_url}{name}/"
        cached = self._read_page_cache(path)
        if cached is not None and 0 <= time.time() - cached.fetched_at < self.page_ttl:
            pagestore.CONSULTED.add(page_url, cached.validators if cached.page is not None else None)
            return cached.page
        # Stale (yanks and new releases change a page): asked again, conditionally when the index gave validators.
        stale = cached if cached is not None and cached.page is not None else None
        conditional = stale.validators.headers() if stale is not None else {}
        try:
            response = self.fetcher.get(
                page_url, headers={"Accept": ACCEPT, **conditional}, limit=self.page_limit, what="a project page"
            )
        except NotFound:
            self._write_bytes(path, pagestore.encode_absent(time.time()))
            pagestore.CONSULTED.add(page_url, None)
            return None
        except NotModified:
            if stale is None or stale.page is None:  # no conditional was sent: a 304 answers nothing
                raise IndexUnavailable(page_url, "HTTP 304 to an unconditional request") from None
            self._write_bytes(path, stale.page.encode(time.time(), stale.validators))
            pagestore.CONSULTED.add(page_url, stale.validators)
            return stale.page
        try:
            entries = parse_page(response.body, response.headers.get("Content-Type", ""), name, response.url)
        except PageError as e:
            raise IndexUnavailable(page_url, f"the project page is not a simple API page ({e})") from None
        page = Page.from_entries(entries)
        validators = pagestore.Validators.served(response.headers, response.body)
        self._write_bytes(path, page.encode(time.time(), validators))
        pagestore.CONSULTED.add(page_url, validators)
        return page

    def _read_page_cache(self, path: Path | None) -> pagestore.Cached | None:
        return None if path is None else pagestore.read(path)  # None when absent or corrupt

    def _write_bytes(self, path: Path | None, data: bytes) -> None:
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data.decode("ascii"))
        except OSError:
            pass

    # Facts from one file, kept forever by its hash

    def import_names(self, file: DistFile) -> ImportNames:
        """Dotted import paths the distribution file installs, read without downloading the wheel.

        sdists (and wheels that cannot be read) fall back to the distribution's name, and say so.
        """
        if file.kind == "sdist":
            sdist = self.sdist_facts(file)
            if isinstance(sdist, SdistFacts) and sdist.modules:
                return ImportNames(sdist.modules, "sdist")  # its file list: no build needed
        facts = self._wheel_facts(file)
        if isinstance(facts, str):
            return ImportNames((guess_module(file.name),), "name", facts)
        modules, source = facts.get("modules"), facts.get("source")
        if isinstance(modules, list) and modules and isinstance(source, str):
            return ImportNames(tuple(str(m) for m in modules), source)
        return ImportNames((guess_module(file.name),), "name", "the wheel lists no importable module")

    def import_names_many(self, files: Iterable[DistFile]) -> dict[str, ImportNames]:
        """import_names for many files concurrently, keyed by filename."""
        files = list(files)
        return dict(zip((f.filename for f in files), self._pool.map(self.import_names, files)))

    def metadata(self, file: DistFile) -> str | None:
        """The file's core METADATA: from the PEP 658 file when offered, else from inside the wheel."""
        key = _file_key(file)
        path = self._cache_path("files", f"{key}\0metadata") if key else None
        cached = self._read_cache(path)
        if isinstance(cached, dict) and isinstance(cached.get("metadata"), str):
            return str(cached["metadata"])
        text = self._pep658(file)
        if text is None and file.kind == "wheel":
            facts = self._wheel_facts(file)
            found = facts.get("metadata") if isinstance(facts, dict) else None
            text = found if isinstance(found, str) else None
        if text is not None:
            self._write_cache(path, {"metadata": text})
        return text

    def _pep658(self, file: DistFile) -> str | None:
        if not file.metadata_url:
            return None
        try:
            body = self.fetcher.get(file.metadata_url, limit=METADATA_LIMIT, what="a metadata file").body
        except (NotFound, IndexUnavailable):
            return None
        expected = file.core_metadata if isinstance(file.core_metadata, dict) else {}
        for alg, value in expected.items():
            if hashlib.new(alg, body).hexdigest() != value:
                return None  # a mismatching metadata file is not this file's metadata
        return body.decode("utf-8", errors="replace")

    def _wheel_facts(self, file: DistFile) -> dict[str, object] | str:
        """{"modules", "source", "metadata"} of a wheel, or why they could not be read."""
        if file.kind != "wheel":
            return "an sdist: its modules are known only after building it; guessed from its name"
        key = _file_key(file)
        path = self._cache_path("files", f"{key}\0wheel") if key else None
        cached = self._read_cache(path)
        if isinstance(cached, dict) and isinstance(cached.get("modules"), list):
            return cached
        try:
            facts, _ = read_wheel(self.fetcher, file.url, full_cap=self.full_download_cap)
        except RangeUnsupported as e:
            return f"{e}; guessed from its name"
        except (IndexUnavailable, NotFound, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as e:
            return f"could not read the wheel ({e}); guessed from its name"
        data: dict[str, object] = {"modules": list(facts.modules), "source": facts.source, "metadata": facts.metadata}
        self._write_cache(path, data)
        return data

    def sdist_facts(self, file: DistFile) -> SdistFacts | str:
        """Whether an sdist needs a compiler (deploycheck.index.sdistfiles), or why that could not be read."""
        key = _file_key(file)
        path = self._cache_path("files", f"{key}\0sdist") if key else None
        cached = self._read_cache(path)
        if isinstance(cached, dict) and isinstance(cached.get("evidence"), list):
            modules = cached.get("modules")
            return SdistFacts(
                tuple(str(e) for e in cached["evidence"]),
                tuple(str(m) for m in modules) if isinstance(modules, list) else (),
            )
        try:
            facts = read_sdist(self.fetcher, file.url, file.filename, cap=self.full_download_cap)
        except (UnreadableSdist, RangeUnsupported, IndexUnavailable, NotFound) as e:
            return f"its sdist could not be read ({e})"
        self._write_cache(path, {"evidence": list(facts.evidence), "modules": list(facts.modules)})
        return facts

    def sdist_facts_many(self, files: Iterable[DistFile]) -> dict[str, SdistFacts | str]:
        files = list(files)
        return dict(zip((f.filename for f in files), self._pool.map(self.sdist_facts, files)))

    # The cache folder

    def _cache_path(self, kind: str, key: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        return self.cache_dir / kind / f"{digest}.json"

    @staticmethod
    def _read_cache(path: Path | None) -> object:
        if path is None:
            return None
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None  # absent or corrupt: fetch again

    @staticmethod
    def _write_cache(path: Path | None, data: object) -> None:
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(data, separators=(",", ":")))
        except OSError:
            pass  # a read-only or full cache folder costs speed, not correctness


def _file_key(file: DistFile) -> str | None:
    """A file is its hash, as its page states it, and the URL its bytes and metadata are read from: without a
    hash there is no safe key for a forever-cache. The hash alone is only the page's word (a range read never
    checks it): a page of a hostile index claiming a real wheel's hash would decide what every later run is told
    of that wheel (the index relay serves this metadata to uv)."""
    for alg in ("sha256", "sha384", "sha512", *sorted(file.hashes)):
        if alg in file.hashes:
            return f"{alg}:{file.hashes[alg]}\0{file.url}"
    return None


def guess_module(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")
