"""The simple repository API, both forms, read into one model.

JSON (PEP 691) where the index serves it; HTML otherwise (PEP 503 links, `data-requires-python`,
PEP 592 `data-yanked`, PEP 658/714 `data-core-metadata` and the older `data-dist-info-metadata`).
A page is first reduced to `Entry` rows (what the cache stores): the version is normalised once, and
tags are parsed only for the files of the releases someone asks about, so a page of 2,000 files costs
little when only one release matters.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, NamedTuple, Union

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from deploycheck.httpfetch import url_allowed

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
MAX_FILES = 50_000
MAX_URL = 4096
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")
HASH_NAMES = frozenset(hashlib.algorithms_guaranteed)

CoreMetadata = Union[bool, dict[str, str]]


class Entry(NamedTuple):
    """One file of a project page, reduced: JSON-serialisable as a list, in this field order."""

    filename: str
    url: str
    hashes: dict[str, str]
    requires_python: str | None
    yanked: bool
    yank_reason: str | None
    core_metadata: CoreMetadata
    kind: str  # "wheel" or "sdist"
    version: str  # normalised: str(Version(...))


@dataclass(frozen=True)
class DistFile:
    filename: str
    url: str
    hashes: dict[str, str]
    requires_python: str | None
    yanked: bool
    yank_reason: str | None
    core_metadata: CoreMetadata
    name: NormalizedName
    version: Version
    kind: str
    tags: frozenset[Tag]  # empty for an sdist

    @property
    def metadata_url(self) -> str | None:
        """PEP 658: the core metadata file served next to the distribution."""
        return self.url + ".metadata" if self.core_metadata else None


class PageError(ValueError):
    """The page is not a simple API page at all (bad JSON, wrong shape)."""


@lru_cache(maxsize=8192)
def _normal_version(text: str) -> str | None:
    try:
        return str(Version(text))
    except InvalidVersion:
        return None


@lru_cache(maxsize=8192)
def _canonical(text: str) -> str:
    return canonicalize_name(text)


def classify(filename: str, project: str) -> tuple[str, str] | None:
    """(kind, normalised version) for a file of `project`, or None for anything pip would not consider."""
    lower = filename.lower()
    if lower.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) not in (5, 6):
            return None
        name, version = parts[0], parts[1]
        kind = "wheel"
    else:
        suffix = next((s for s in SDIST_SUFFIXES if lower.endswith(s)), None)
        if suffix is None:
            return None
        name, _, version = filename[: -len(suffix)].rpartition("-")
        kind = "sdist"
    if not name or _canonical(name) != project:
        return None
    normal = _normal_version(version)
    return (kind, normal) if normal else None


def _hash_fragment(fragment: str) -> dict[str, str]:
    name, sep, value = fragment.partition("=")
    name = name.lower()
    if sep and name in HASH_NAMES and value and all(c in "0123456789abcdefABCDEF" for c in value):
        return {name: value.lower()}
    return {}


def _hashes(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        k.lower(): v.lower()
        for k, v in value.items()
        if isinstance(k, str) and k.lower() in HASH_NAMES and isinstance(v, str) and v.isalnum()
    }


def _core_metadata_attr(value: str | None) -> CoreMetadata:
    if value is None:
        return False
    if value.strip().lower() == "true":
        return True
    return _hash_fragment(value.strip()) or False


def _entry(
    project: str,
    base: str,
    href: str,
    hashes: dict[str, str],
    requires_python: Any,
    yanked: Any,
    core_metadata: CoreMetadata,
    filename: str | None = None,
) -> Entry | None:
    if len(href) > MAX_URL:
        return None
    url, fragment = urllib.parse.urldefrag(urllib.parse.urljoin(base, href.strip()))
    if not url_allowed(url):
        return None
    if filename is None:
        filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        hashes = hashes or _hash_fragment(fragment)
    found = classify(filename, project)
    if found is None:
        return None
    rp = requires_python.strip() if isinstance(requires_python, str) and requires_python.strip() else None
    is_yanked = yanked is not None and yanked is not False
    reason = yanked.strip() or None if isinstance(yanked, str) else None
    return Entry(filename, url, hashes, rp, is_yanked, reason, core_metadata, *found)


class _Anchors(HTMLParser):
    def __init__(self, project: str, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.project = project
        self.base = page_url
        self.seen_base = False
        self.entries: list[Entry] = []
        self.anchors = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and not self.seen_base:
            href = dict(attrs).get("href")
            if href and url_allowed(urllib.parse.urljoin(self.base, href)):
                self.base = urllib.parse.urljoin(self.base, href)
                self.seen_base = True
        elif tag == "a":
            self.anchors += 1
            if self.anchors > MAX_FILES:
                return
            a = dict(attrs)
            href = a.get("href")
            if not href:
                return
            metadata = a.get("data-core-metadata", a.get("data-dist-info-metadata"))
            # PEP 592: the attribute's presence means yanked; its value, if any, is the reason.
            yanked: Any = a["data-yanked"] or True if "data-yanked" in a else None
            entry = _entry(
                self.project, self.base, href, {}, a.get("data-requires-python"), yanked, _core_metadata_attr(metadata)
            )
            if entry:
                self.entries.append(entry)


def parse_html(text: str, project: str, page_url: str) -> list[Entry]:
    parser = _Anchors(canonicalize_name(project), page_url)
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # html.parser raises these on some malformed markup
        pass
    return parser.entries


def parse_json(body: bytes, project: str, page_url: str) -> list[Entry]:
    try:
        page = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise PageError(f"not valid JSON: {e}") from None
    files = page.get("files") if isinstance(page, dict) else None
    if not isinstance(files, list):
        raise PageError('no "files" list')
    name = canonicalize_name(project)
    entries = []
    for item in files[:MAX_FILES]:
        if not isinstance(item, dict):
            continue
        filename, url = item.get("filename"), item.get("url")
        if not isinstance(filename, str) or not isinstance(url, str) or "/" in filename:
            continue
        metadata = item.get("core-metadata", item.get("dist-info-metadata", False))
        metadata = (_hashes(metadata) or True) if isinstance(metadata, dict) else metadata is True
        yanked = item.get("yanked", False)
        # PEP 691: true, or any string (the reason, possibly empty), means yanked.
        yanked = yanked if yanked is True or isinstance(yanked, str) else None
        entry = _entry(
            name,
            page_url,
            url,
            _hashes(item.get("hashes")),
            item.get("requires-python"),
            yanked,
            metadata,
            filename,
        )
        if entry:
            entries.append(entry)
    return entries


def parse_page(body: bytes, content_type: str, project: str, page_url: str) -> list[Entry]:
    """Parse by the response's Content-Type, as PEP 691 asks: anything not the JSON type is read as HTML."""
    if content_type.split(";")[0].strip().lower() == JSON_TYPE:
        return parse_json(body, project, page_url)
    return parse_html(body.decode("utf-8", errors="replace"), project, page_url)


def to_file(entry: Entry) -> DistFile | None:
    """The full model of one file; None if its wheel filename does not parse (pip would skip it too)."""
    if entry.kind == "wheel":
        try:
            name, version, _, tags = parse_wheel_filename(entry.filename)
        except (InvalidWheelFilename, InvalidVersion):
            return None
    else:
        name, version, tags = canonicalize_name(entry.filename.rpartition("-")[0]), Version(entry.version), frozenset()
    return DistFile(
        entry.filename,
        entry.url,
        dict(entry.hashes),
        entry.requires_python,
        entry.yanked,
        entry.yank_reason,
        entry.core_metadata,
        name,
        version,
        entry.kind,
        frozenset(tags),
    )


def entry_from_json(row: Any) -> Entry | None:
    """An Entry read back from the cache; None if the row is not one (a corrupt cache is ignored)."""
    if not isinstance(row, list) or len(row) != len(Entry._fields):
        return None
    entry = Entry(*row)
    ok = (
        isinstance(entry.filename, str)
        and isinstance(entry.url, str)
        and isinstance(entry.hashes, dict)
        and isinstance(entry.requires_python, (str, type(None)))
        and isinstance(entry.yanked, bool)
        and isinstance(entry.yank_reason, (str, type(None)))
        and isinstance(entry.core_metadata, (bool, dict))
        and entry.kind in ("wheel", "sdist")
        and isinstance(entry.version, str)
    )
    return entry if ok else None
