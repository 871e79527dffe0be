"""One project page from one index, grouped by version, and its cache file.

Real pages are large (numpy lists 4,000 files; a 120-pin lock's pages reduce to about 50 MB of rows),
and a pin check needs one release of each. So the cache file is a small JSON header (fetch time, a
checksum, each version's byte range) followed by one JSON array of rows per version: a warm run reads
the bytes, checks the checksum, and parses only the versions asked for.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable

from deploycheck.index.simpleapi import Entry, entry_from_json

FORMAT = 2


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

    def encode(self, fetched_at: float) -> bytes:
        # ASCII JSON, so that byte offsets are character offsets and the file is text.
        parts, ranges, at = [], {}, 0
        for version in self.versions():
            chunk = json.dumps([list(e) for e in self.entries(version)], separators=(",", ":")).encode()
            parts.append(chunk)
            ranges[version] = (at, at + len(chunk))
            at += len(chunk)
        body = b"".join(parts)
        header = {"v": FORMAT, "at": fetched_at, "found": True, "crc": zlib.crc32(body), "ranges": ranges}
        return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def encode_absent(fetched_at: float) -> bytes:
    """A 404, remembered as long as a page is: asking again within the freshness is pointless."""
    return json.dumps({"v": FORMAT, "at": fetched_at, "found": False}).encode() + b"\n"


def decode(data: bytes) -> tuple[float, Page | None] | None:
    """(fetched_at, page or None for a remembered 404), or None if the file is not a sound cache entry."""
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
        return float(at), None
    ranges = header.get("ranges")
    if header.get("crc") != zlib.crc32(body) or not isinstance(ranges, dict):
        return None
    page = Page()
    for version, span in ranges.items():
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(i, int) for i in span)):
            return None
        page._ranges[version] = (span[0], span[1])
    page._blob = body
    return float(at), page
