"""The simple repository API, both forms, read into one model.

JSON (PEP 691) where the index serves it; HTML otherwise (PEP 503 links, `data-requires-python`,
PEP 592 `data-yanked`, PEP 658/714 `data-core-metadata` and the older `data-dist-info-metadata`).
A page is first reduced to `Entry` rows (what the cache stores): the version is normalised once, and
tags are parsed only for the files of the releases someone asks about, so a page of 2,000 files costs
little when only one release matters.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Union

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

SCHEMES = ("http", "https")  # only these are ever fetched, redirects included


def url_allowed(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in SCHEMES and bool(parts.hostname)


JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
MAX_FILES = 50_000
MAX_URL = 4096
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")
HASH_NAMES = frozenset(hashlib.algorithms_guaranteed)

_HEX = re.compile(r"[0-9a-fA-F]+")
_ABSOLUTE = re.compile(r"https?://[^/?#\s\\@]+[/?#]", re.IGNORECASE)

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
    if sep and name in HASH_NAMES and _HEX.fullmatch(value):
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
    href = href.strip()
    if _ABSOLUTE.match(href):  # the common case (PyPI): no join needed, and it is http(s) with a host
        url, _, fragment = href.partition("#")
    else:
        url, fragment = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))
        if not url_allowed(url):
            return None
    if filename is None:
        filename = urllib.parse.unquote(url.partition("?")[0].rsplit("/", 1)[-1])
        hashes = hashes or _hash_fragment(fragment)
    found = classify(filename, project)
    if found is None:
        return None
    rp = requires_python.strip() if isinstance(requires_python, str) and requires_python.strip() else None
    is_yanked = yanked is not None and yanked is not False
    reason = yanked.strip() or None if isinstance(yanked, str) else None
    return Entry(filename, url, hashes, rp, is_yanked, reason, core_metadata, *found)


# A page of 4,000 files (numpy) is 1.5 MB of HTML, and a 120-pin lock brings 50 MB of them: html.parser
# reads that at about 5 MB/s, so anchors are found with C-speed regular expressions instead, quote-aware,
# each tag bounded, and with a work budget that keeps hostile markup linear.
_TAG_START = re.compile(r"<(a|base)(?=[\s/>])", re.IGNORECASE)
_TAG_BODY = re.compile(r"""(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ATTR = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+)))?""")
MAX_TAG = 8192
MAX_ATTRS = 16


def _tags(text: str) -> Iterator[tuple[str, dict[str, str | None]]]:
    """(tag, attributes) of every <a> and <base> start tag, values unescaped, first of a name kept."""
    pos, wasted, budget = 0, 0, len(text) + 1_000_000
    while True:
        start = _TAG_START.search(text, pos)
        if not start:
            return
        body = _TAG_BODY.match(text, start.end(), min(len(text), start.end() + MAX_TAG))
        if not body:
            # Unterminated or oversized: skip to the next '>', and give up on a page that keeps doing this.
            wasted += min(MAX_TAG, len(text) - start.end())
            pos = text.find(">", start.end()) + 1
            if pos == 0 or wasted > budget:
                return
            continue
        pos = body.end()
        attrs: dict[str, str | None] = {}
        for count, attr in enumerate(_ATTR.finditer(text, start.end(), body.end() - 1)):
            if count >= MAX_ATTRS:
                break
            name, double, single, bare = attr.groups()
            value = double if double is not None else single if single is not None else bare
            if value is not None and "&" in value:
                value = html.unescape(value)
            attrs.setdefault(name.lower(), value)
        yield start.group(1).lower(), attrs


def parse_html(text: str, project: str, page_url: str) -> list[Entry]:
    project = canonicalize_name(project)
    base, seen_base = page_url, False
    entries: list[Entry] = []
    anchors = 0
    for tag, a in _tags(text):
        if tag == "base":
            href = a.get("href")
            if href and not seen_base and url_allowed(urllib.parse.urljoin(base, href)):
                base, seen_base = urllib.parse.urljoin(base, href), True
            continue
        anchors += 1
        href = a.get("href")
        if anchors > MAX_FILES:
            break
        if not href:
            continue
        metadata = a.get("data-core-metadata", a.get("data-dist-info-metadata"))
        # PEP 592: the attribute's presence means yanked; its value, if any, is the reason.
        yanked: Any = (a["data-yanked"] or True) if "data-yanked" in a else None
        entry = _entry(project, base, href, {}, a.get("data-requires-python"), yanked, _core_metadata_attr(metadata))
        if entry:
            entries.append(entry)
    return entries


def project_of(filename: str) -> NormalizedName | None:
    """The project a distribution's filename names (a wheel's first part, an sdist's name before its version)."""
    lower = filename.lower()
    if lower.endswith(".whl"):
        name = filename.split("-", 1)[0] if filename.count("-") >= 4 else ""
    else:
        suffix = next((s for s in SDIST_SUFFIXES if lower.endswith(s)), None)
        name = filename[: -len(suffix)].rpartition("-")[0] if suffix else ""
    return _canonical(name) if name and len(name) <= 200 else None  # type: ignore[return-value]


def parse_links(text: str, page_url: str) -> dict[NormalizedName, list[Entry]]:
    """A find-links page (any HTML page of links to distribution files), read once for every project on it."""
    out: dict[NormalizedName, list[Entry]] = {}
    base, anchors = page_url, 0
    for tag, a in _tags(text):
        if tag == "base":
            continue  # pip joins find-links hrefs with the page's own URL
        anchors += 1
        href = a.get("href")
        if anchors > MAX_FILES:
            break
        if not href or len(href) > MAX_URL:
            continue
        url = urllib.parse.urldefrag(urllib.parse.urljoin(base, href.strip()))[0]
        project = project_of(urllib.parse.unquote(url.partition("?")[0].rsplit("/", 1)[-1]))
        if project is None:
            continue
        yanked: Any = (a["data-yanked"] or True) if "data-yanked" in a else None
        metadata = _core_metadata_attr(a.get("data-core-metadata", a.get("data-dist-info-metadata")))
        entry = _entry(project, base, href, {}, a.get("data-requires-python"), yanked, metadata)
        if entry:
            out.setdefault(project, []).append(entry)
    return out


def folder_entry(filename: str, url: str, hashes: dict[str, str]) -> Entry | None:
    """A file of a local find-links folder, as a page row (no Requires-Python, no yank: pip reads neither)."""
    project = project_of(filename)
    found = classify(filename, project) if project else None
    if found is None:
        return None
    return Entry(filename, url, hashes, None, False, None, False, *found)


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
        parsed = _wheel_name(entry.filename)
        if parsed is None:
            return None
        name, version, tags = parsed
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


@lru_cache(maxsize=16384)
def _wheel_name(filename: str) -> tuple[NormalizedName, Version, frozenset[Tag]] | None:
    """A wheel filename's parts, parsed once per run: each check reads the same pinned releases (a release of
    numpy has 70 wheels, each name 25 µs to parse)."""
    try:
        name, version, _, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return None
    return name, version, frozenset(tags)


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
