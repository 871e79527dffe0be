"""Project pages for the pins check: every project's pages from one list of indexes, concurrently, with an index
that does not answer asked once, and a page read from the cache asked again when it lacks a pinned release."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.utils import NormalizedName

from deploycheck import cache

if TYPE_CHECKING:  # the HTTP client is imported when a lookup runs: most runs' start-up never needs it
    from deploycheck.index.client import ProjectPage
    from deploycheck.index.http import IndexUnavailable

TIMEOUT = 15.0  # per socket read; a request has a total deadline too (index.http.DEADLINE), the run --timeout
# Reasons an index gives about one page; anything else (refused, timed out, DNS, proxy, TLS) means the
# index itself did not answer, and its other pages are not asked for.
_PAGE_REASONS = ("HTTP ", "response", "the project page", "more than")


def index_of(error: IndexUnavailable, urls: list[str]) -> str:
    return next((u for u in urls if error.url.startswith(u)), error.url)


def fetch(
    urls: tuple[str, ...], trusted: tuple[str, ...], links: tuple[str, ...], pinned: dict[NormalizedName, set[str]]
) -> dict[NormalizedName, ProjectPage]:
    """Every project's pages, concurrently. One page is asked first: an index that does not answer it
    at all is not asked for the others, so a blocked network costs one timeout, not one per pin. `pinned`:
    each project's exact pins (name -> versions)."""
    from deploycheck.index.client import Index, ProjectPage

    names = list(pinned)
    folder = cache.folder() / "index"
    with Index(urls, cache_dir=folder, timeout=TIMEOUT, trusted_hosts=trusted, find_links=links) as index:
        probe = index.projects(names[:1])[names[0]]
        down = {
            index_of(e, index.urls): e
            for e in probe.unavailable
            if not e.reason.startswith(_PAGE_REASONS) or e.reason.startswith("HTTP 407")
        }
        if not down:
            return _with_new_releases(index.projects(names), pinned, urls, trusted, links)
        live = [u for u in index.urls if u not in down]
    if live:
        with Index(live, cache_dir=folder, timeout=TIMEOUT, trusted_hosts=trusted, find_links=links) as rest:
            found = rest.projects(names)
    else:
        found = {name: ProjectPage(name) for name in names}
    for project in found.values():
        project.unavailable.extend(down.values())
    return found


def _with_new_releases(
    found: dict[NormalizedName, ProjectPage],
    pinned: dict[NormalizedName, set[str]],
    urls: tuple[str, ...],
    trusted: tuple[str, ...],
    links: tuple[str, ...],
) -> dict[NormalizedName, ProjectPage]:
    """A page read from the cache within its freshness may predate a release published since (a bot's pull
    request minutes after the release): a pin it lacks is asked of the index again before it is called gone."""
    from deploycheck.index.client import Index

    lacking = [
        name
        for name, versions in pinned.items()
        if found[name].complete and any(not found[name].release(version) for version in versions)
    ]
    if not lacking:
        return found
    with Index(urls, cache_dir=cache.folder() / "index", timeout=TIMEOUT, trusted_hosts=trusted,
               find_links=links, page_ttl=0) as index:  # fmt: skip
        again = index.projects(lacking)
    return {**found, **{name: page for name, page in again.items() if page.complete}}
