"""One project as every index lists it: its pages, and its releases compared as pip compares versions (PEP 440).

deploycheck.index.client fetches the pages (Index.projects); the pins, hashes and import checks read releases
from here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_version
from packaging.version import InvalidVersion, Version

from deploycheck.index.http import IndexUnavailable
from deploycheck.index.pagestore import Page
from deploycheck.index.simpleapi import DistFile, Entry, to_file


@dataclass
class ProjectPage:
    name: NormalizedName
    pages: list[Page] = field(default_factory=list)  # one per index that lists it
    found_on: list[str] = field(default_factory=list)  # those indexes' URLs
    unavailable: list[IndexUnavailable] = field(default_factory=list)
    _keys: dict[str, list[tuple[Page, str]]] | None = field(default=None, repr=False, compare=False)
    _keyed_pages: int = field(default=0, repr=False, compare=False)

    @property
    def complete(self) -> bool:
        """Every index answered: only then is an absent release really absent."""
        return not self.unavailable

    @property
    def missing(self) -> bool:
        """No index lists the project, and every index answered."""
        return not self.found_on and self.complete

    @property
    def entries(self) -> list[Entry]:
        """Every file row of every index (parses the whole page: prefer release())."""
        return [e for page in self.pages for e in page.all_entries()]

    def versions(self) -> list[Version]:
        parsed = (_parsed(v) for v in {v for page in self.pages for v in page.versions()})
        return sorted(v for v in parsed if v is not None)

    def _by_key(self) -> dict[str, list[tuple[Page, str]]]:
        """Each page's version strings by their PEP 440 equality key (3.3 and 3.3.0 share one), built once."""
        if self._keys is None or self._keyed_pages != len(self.pages):
            keys: dict[str, list[tuple[Page, str]]] = {}
            for page in self.pages:
                for text in page.versions():
                    keys.setdefault(_key(text), []).append((page, text))
            self._keys, self._keyed_pages = keys, len(self.pages)
        return self._keys

    def release(self, version: str | Version) -> list[DistFile]:
        """The files of the release equal to `version` as PEP 440 compares them: 3.3 is 3.3.0 (zero padding),
        and 1.0 is not 1.0+cpu (a local label is another release; `==1.0` matching it is `matching`'s)."""
        try:
            wanted = Version(str(version))
        except InvalidVersion:
            return []
        found = ((page, v) for page, v in self._by_key().get(_key(str(wanted)), []) if _equal(v, wanted))
        files = (to_file(e) for page, v in found for e in page.entries(v))
        return [f for f in files if f is not None]

    def matching(self, specifier: SpecifierSet) -> list[Version]:
        """The versions `specifier` admits, newest first, compared as pip does: zero padding, `==1.0` admits
        1.0+cpu, `===` is string identity with the published version, `==1.*` a prefix; pre-releases only when
        the specifier names one."""
        specs = list(specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
            # The usual pin: only versions of its key can match; a page of thousands is not walked.
            rows = self._by_key().get(_key(specs[0].version), [])
            candidates = sorted({v for v in (_parsed(text) for _, text in rows) if v is not None}, reverse=True)
            return [v for v in candidates if specifier.contains(v)]
        return [v for v in reversed(self.versions()) if specifier.contains(v)]

    def releases(self) -> dict[Version, list[DistFile]]:
        """Every release's files (parses every filename: for the rarer "which version has a wheel")."""
        out: dict[Version, list[DistFile]] = {}
        for entry in self.entries:
            file = to_file(entry)
            if file is not None:
                out.setdefault(file.version, []).append(file)
        return out


@functools.lru_cache(maxsize=65536)
def _parsed(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


@functools.lru_cache(maxsize=65536)
def _key(text: str) -> str:
    """Equal versions share this key (trailing zeros of the release dropped, local label too: `==1.0` admits
    1.0+cpu); unequal ones share it as well, and `_equal` or the specifier decides."""
    return canonicalize_version(text.split("+", 1)[0], strip_trailing_zero=True)


def _equal(text: str, wanted: Version) -> bool:
    """A page's version string against a version, PEP 440 equality (the strings are normalised already)."""
    if text == str(wanted):
        return True
    return _parsed(text) == wanted
