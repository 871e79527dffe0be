"""One project page from one index, grouped by version, and its cache file.

Real pages are large (numpy lists 4,000 files; a 120-pin lock's pages reduce to about 50 MB of rows),
and a pin check needs one release of each. So the cache file is a small JSON header (fetch time, a
checksum, each version's byte range) followed by one JSON array of rows per version: a warm run reads
the bytes, checks the checksum, and parses only the versions asked for.

The header also keeps what the index said to revalidate the page (ETag, Last-Modified) and the sha256 of
the body it served: a stale page is asked for again with a conditional GET (304: the rows stand), and the
verdict cache (deploycheck.verdicts) asks every page a verdict read once, with the same validators.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from deploycheck.index.simpleapi import Entry, entry_from_json

FORMAT = 3


@dataclass(frozen=True)
class Validators:
    """How to ask the index whether a page changed: its ETag and Last-Modified as served (each may be
    missing), and the sha256 of the body (a 200 with the same body is the same page)."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None

    @classmethod
    def served(cls, headers: Message, body: bytes) -> Validators:
        """The validators of one answer; a header that is not short printable text is dropped (it would only
        be sent back to the index, but it is the index's input to a request of ours)."""

        def kept(value: str | None) -> str | None:
            return value if value and len(value) < 300 and value.isprintable() else None

        return cls(kept(headers.get("ETag")), kept(headers.get("Last-Modified")), hashlib.sha256(body).hexdigest())

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out

    def to_json(self) -> dict[str, str | None]:
        return {"etag": self.etag, "lm": self.last_modified, "sha": self.sha256}

    @classmethod
    def from_json(cls, data: object) -> Validators | None:
        if not isinstance(data, dict):
            return None
        values = [data.get(k) for k in ("etag", "lm", "sha")]
        if not all(v is None or (isinstance(v, str) and len(v) < 300 and v.isprintable()) for v in values):
            return None
        return cls(*values)


class Page:
    def __init__(self, groups: dict[str, list[Entry]] | None = None) -> None:
        self._groups: dict[str, list[Entry]] = groups or {}
        self._blob = b""
        self._ranges: dict[str, tuple[int, int]] = {}

    @classmethod
    def from_entries(cls, entries: Iterable[Entry]) -> Page:
        groups: dict[str, list[Entry]] = {}
        for entry in entries:
            groups.setdefault(entry.version, []).append(entry)
        return cls(groups)

    def versions(self) -> list[str]:
        return list(self._groups) + [v for v in self._ranges if v not in self._groups]

    def entries(self, version: str) -> list[Entry]:
        if version not in self._groups and version in self._ranges:
            start, end = self._ranges[version]
            rows = json.loads(self._blob[start:end])  # checked by the checksum when read
            self._groups[version] = [e for e in map(entry_from_json, rows) if e is not None]
        return self._groups.get(version, [])

    def all_entries(self) -> list[Entry]:
        return [e for v in self.versions() for e in self.entries(v)]

    def encode(self, fetched_at: float, validators: Validators | None = None) -> bytes:
        # ASCII JSON, so that byte offsets are character offsets and the file is text.
        parts, ranges, at = [], {}, 0
        for version in self.versions():
            chunk = json.dumps([list(e) for e in self.entries(version)], separators=(",", ":")).encode()
            parts.append(chunk)
            ranges[version] = (at, at + len(chunk))
            at += len(chunk)
        body = b"".join(parts)
        header = {"v": FORMAT, "at": fetched_at, "found": True, "crc": zlib.crc32(body), "ranges": ranges}
        header["validators"] = (validators or Validators()).to_json()
        return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def encode_absent(fetched_at: float) -> bytes:
    """A 404, remembered as long as a page is: asking again within the freshness is pointless."""
    return json.dumps({"v": FORMAT, "at": fetched_at, "found": False}).encode() + b"\n"


@dataclass
class Cached:
    fetched_at: float
    page: Page | None  # None: a remembered 404
    validators: Validators


def decode(data: bytes) -> tuple[float, Page | None] | None:
    """(fetched_at, page or None for a remembered 404), or None if the file is not a sound cache entry."""
    cached = decode_cached(data)
    return None if cached is None else (cached.fetched_at, cached.page)


def decode_cached(data: bytes) -> Cached | None:
    """The cache file with its validators, or None if it is not a sound cache entry."""
    head, sep, body = data.partition(b"\n")
    try:
        header = json.loads(head)
    except (ValueError, RecursionError):
        return None
    if not sep or not isinstance(header, dict) or header.get("v") != FORMAT:
        return None
    at = header.get("at")
    if not isinstance(at, (int, float)):
        return None
    if header.get("found") is False:
        return Cached(float(at), None, Validators())
    ranges = header.get("ranges")
    validators = Validators.from_json(header.get("validators"))
    if header.get("crc") != zlib.crc32(body) or not isinstance(ranges, dict) or validators is None:
        return None
    page = Page()
    for version, span in ranges.items():
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(i, int) for i in span)):
            return None
        page._ranges[version] = (span[0], span[1])
    page._blob = body
    return Cached(float(at), page, validators)


_decoded: dict[str, tuple[tuple[int, int, int], Cached]] = {}
_decoded_size = 0  # the bytes of the files in _decoded
_decoded_lock = threading.Lock()
DECODED_LIMIT = 4096  # cache files kept decoded per process
DECODED_BYTES = 256_000_000  # and their bytes in all (a page of thousands of files is a few MB)


def read(path: Path) -> Cached | None:
    """The cache file, decoded once per process while it is unchanged (its inode, size and mtime): the pins,
    hashes and import checks and the index relay each read the same pages in one run. None when absent or
    not a sound entry."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    with _decoded_lock:
        kept = _decoded.get(str(path))
    if kept is not None and kept[0] == stamp:
        return kept[1]
    try:
        data = path.read_bytes()
    except OSError:
        return None
    cached = decode_cached(data)  # read after the stat: a file replaced in between is read again next time
    if cached is not None:
        _keep(str(path), stamp, cached)
    return cached


def _keep(path: str, stamp: tuple[int, int, int], cached: Cached) -> None:
    global _decoded_size
    with _decoded_lock:
        if len(_decoded) >= DECODED_LIMIT or _decoded_size + stamp[1] > DECODED_BYTES:
            _decoded.clear()
            _decoded_size = 0
        old = _decoded.get(path)
        _decoded_size += stamp[1] - (old[0][1] if old else 0)
        _decoded[path] = (stamp, cached)


class Consulted:
    """The pages one run read (page URL -> validators, None for a 404), from whichever thread read them:
    the verdict cache keeps them with the verdict, to ask each again before it reuses the verdict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: dict[str, Validators | None] = {}

    def add(self, url: str, validators: Validators | None) -> None:
        with self._lock:
            self._pages[url] = validators

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def pages(self) -> dict[str, Validators | None]:
        with self._lock:
            return dict(self._pages)


CONSULTED = Consulted()
