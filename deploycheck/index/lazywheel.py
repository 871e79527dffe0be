"""What a wheel provides, read without downloading it: HTTP Range requests into its zip directory.

The idea is pip's lazy wheel: a file object whose bytes are fetched on demand, handed to zipfile.
The first request asks for the file's tail (the end-of-central-directory record and, for most wheels,
the whole directory), the next ones for just the member wanted (RECORD, METADATA). A server that
ignores Range gets a full download, but only under a size cap.
"""

from __future__ import annotations

import csv
import http.client
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from deploycheck.index.http import Fetcher, IndexUnavailable, ResponseTooLarge

TAIL = 64 * 1024  # EOCD, its comment (at most 64 KiB) and, usually, the central directory
CHUNK = 16 * 1024  # a local header plus a small member in one request
MAX_RANGE_REQUESTS = 12
MAX_RANGE_BYTES = 8_000_000
MAX_MEMBER = 16_000_000  # uncompressed RECORD/METADATA; beyond this it is not a real wheel
FULL_DOWNLOAD_CAP = 20_000_000
MAX_RECORD_ROWS = 200_000
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class RangeUnsupported(Exception):
    """The server ignored Range and the file is over the full-download cap."""


class RemoteZip(io.RawIOBase):
    """A read-only, seekable view of a remote file that fetches only the byte ranges read."""

    def __init__(
        self, fetcher: Fetcher, url: str, *, full_cap: int = FULL_DOWNLOAD_CAP, max_requests: int = MAX_RANGE_REQUESTS
    ) -> None:
        super().__init__()
        self.fetcher, self.url, self.max_requests = fetcher, url, max_requests
        self.pos = 0
        self.requests = 0
        self.transferred = 0
        self.full_download = False
        self._segments: list[tuple[int, bytes]] = []
        with self._request(f"bytes=-{TAIL}", TAIL) as response:
            status = response.status
            if status == 206:
                start, _, total = self._content_range(response)
                self.length = total
                self._store(start, self._body(response, TAIL))
            else:
                # The server sent the whole file: accept it only when small.
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > full_cap:
                    raise RangeUnsupported(f"{url} ignores Range requests and is {int(length)} bytes")
                try:
                    data = fetcher.read(response, url, full_cap, "a wheel that ignores Range requests")
                except ResponseTooLarge:  # a slow or broken answer stays IndexUnavailable: its reason is not the size
                    raise RangeUnsupported(f"{url} ignores Range requests and is over {full_cap} bytes") from None
                self.transferred += len(data)
                self.full_download = True
                self.length = len(data)
                self._segments = [(0, data)]

    def _request(self, spec: str, size: int) -> http.client.HTTPResponse:
        if self.requests >= self.max_requests or self.transferred + size > MAX_RANGE_BYTES:
            budget = f"{self.max_requests} range requests, {MAX_RANGE_BYTES} bytes"
            raise IndexUnavailable(self.url, f"reading the wheel would go over its budget ({budget})")
        self.requests += 1
        return self.fetcher.open(self.url, {"Range": spec, "Accept-Encoding": "identity"})

    def _content_range(self, response: http.client.HTTPResponse) -> tuple[int, int, int]:
        found = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
        if not found:
            raise IndexUnavailable(self.url, "206 answer without a valid Content-Range")
        start, end, total = (int(g) for g in found.groups())
        if not start <= end < total:
            raise IndexUnavailable(self.url, "206 answer with an impossible Content-Range")
        return start, end, total

    def _body(self, response: http.client.HTTPResponse, limit: int) -> bytes:
        data = self.fetcher.read(response, self.url, limit, "a range of a wheel")
        self.transferred += len(data)
        return data

    def _store(self, start: int, data: bytes) -> None:
        self._segments.append((start, data))

    def _cached(self, start: int, size: int) -> bytes | None:
        for seg_start, data in self._segments:
            if seg_start <= start and start + size <= seg_start + len(data):
                return data[start - seg_start : start - seg_start + size]
        return None

    def _fetch(self, start: int, size: int) -> None:
        end = min(self.length, start + max(size, CHUNK)) - 1
        with self._request(f"bytes={start}-{end}", end - start + 1) as response:
            if response.status != 206:
                raise IndexUnavailable(self.url, "the server stopped answering Range requests")
            got_start, got_end, _ = self._content_range(response)
            if got_start != start or got_end > end:
                raise IndexUnavailable(self.url, "the server answered a different range than asked")
            # At most what was asked: the server's Content-Range says what it claims, not what it may send.
            self._store(start, self._body(response, end - start + 1))

    # The file protocol zipfile needs: read, seek, tell, seekable.
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.length}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.pos
        size = max(0, min(size, self.length - self.pos))
        if size == 0:
            return b""
        data = self._cached(self.pos, size)
        if data is None:
            self._fetch(self.pos, size)
            data = self._cached(self.pos, size) or b""
        self.pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@dataclass(frozen=True)
class WheelFacts:
    modules: tuple[str, ...]  # dotted import paths: "yaml", "google.cloud.storage"
    source: str  # "RECORD", "top_level.txt"
    metadata: str | None  # the METADATA file's text


def _dist_info_member(names: list[str], suffix: str) -> str | None:
    found = [n for n in names if n.count("/") == 1 and n.split("/")[0].endswith(".dist-info") and n.endswith(suffix)]
    return found[0] if found else None


def _read_member(zf: zipfile.ZipFile, name: str) -> str:
    info = zf.getinfo(name)
    if info.file_size > MAX_MEMBER:
        raise zipfile.BadZipFile(f"{name} is {info.file_size} bytes")
    with zf.open(info) as f:
        return f.read(MAX_MEMBER + 1)[:MAX_MEMBER].decode("utf-8", errors="replace")


def read_wheel(fetcher: Fetcher, url: str, *, full_cap: int = FULL_DOWNLOAD_CAP) -> tuple[WheelFacts, RemoteZip]:
    """Modules (from RECORD, else top_level.txt) and METADATA of the wheel at url.

    Raises RangeUnsupported, IndexUnavailable, or zipfile.BadZipFile for something that is not a wheel.
    """
    remote = RemoteZip(fetcher, url, full_cap=full_cap)
    try:
        zf = zipfile.ZipFile(remote)
    except (ValueError, OSError, EOFError) as e:
        raise zipfile.BadZipFile(str(e)) from None
    with zf:
        names = zf.namelist()
        record = _dist_info_member(names, "/RECORD")
        top = _dist_info_member(names, "/top_level.txt")
        metadata_name = _dist_info_member(names, "/METADATA")
        modules: tuple[str, ...] = ()
        source = "RECORD"
        if record:
            modules = modules_from_record(_read_member(zf, record))
        if not modules and top:
            lines = _read_member(zf, top).splitlines()
            modules = tuple(sorted({n.strip().replace("/", ".") for n in lines if n.strip()}))
            source = "top_level.txt"
        metadata = _read_member(zf, metadata_name) if metadata_name else None
    return WheelFacts(modules, source, metadata), remote


def modules_from_record(text: str) -> tuple[str, ...]:
    """The importable names a wheel installs, as dotted paths of their outermost package.

    A namespace package has no __init__.py in its outer folders, so google/cloud/storage/__init__.py
    gives `google.cloud.storage` (what an `import google.cloud.storage` needs), not `google`.
    """
    modules: set[tuple[str, ...]] = set()
    packages: set[tuple[str, ...]] = set()
    for count, row in enumerate(csv.reader(io.StringIO(text))):
        if count >= MAX_RECORD_ROWS:
            break
        if not row:
            continue
        parts = [p for p in row[0].replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            continue
        if parts[0].endswith(".data"):
            if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                continue
            parts = parts[2:]
        if parts[0].endswith(".dist-info") or "__pycache__" in parts:
            continue
        last = parts[-1]
        if last.endswith(".py"):
            stem = last[:-3]
        elif last.endswith((".so", ".pyd")):
            stem = last.split(".")[0]
        else:
            continue
        dotted = tuple(parts[:-1]) if stem == "__init__" else (*parts[:-1], stem)
        if not dotted or not all(p.isidentifier() for p in dotted):
            continue
        modules.add(dotted)
        if stem == "__init__":
            packages.add(dotted)
    names = set()
    for dotted in modules:
        outer = next((dotted[:k] for k in range(1, len(dotted) + 1) if dotted[:k] in packages), dotted)
        names.add(".".join(outer))
    return tuple(sorted(names))
