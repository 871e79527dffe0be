"""A uv job pointed at deploycheck's index relay (deploycheck.index.relay) instead of the index itself.

The relay is handed in by the drift check (this layer does not import the index client). A job is relayed only
when it names one index, as a plain http(s) URL, and perhaps find-links (which uv reads itself): with several
indexes, which one a project comes from depends on every page, not on the pinned release alone. Anything else
(no index, trusted hosts, credentials in a URL, uv's named indexes) runs against the index as before. So does a
job whose sources name an index (`--index-url` or `--extra-index-url` inside requirements.in, or a file it
includes): uv reads a file's `--index-url` only when the command line names none, and its extra indexes come
before the command's, so which index a project comes from would depend on both.
"""

from __future__ import annotations

import dataclasses
import os
import urllib.parse
from collections.abc import Mapping
from typing import Protocol

from deploycheck.resolve.drivers import Job

PYPI = "https://pypi.org/simple"  # uv's default index, when the job names none


class IndexRelay(Protocol):
    failures: list[str]  # grows when the relay could not answer: the run through it is not to be trusted

    def url(self, upstream: str, pins: Mapping[str, str]) -> str: ...


def relayed(job: Job, relay: IndexRelay | None, pins: Mapping[str, str], sources_name_an_index: bool) -> Job | None:
    """The job with its index replaced by the relay's view of it for these pins (name -> version), or None when
    it cannot be relayed (the scan says whether its sources name an index: LockPair.names_an_index)."""
    if relay is None or job.universal_floor or sources_name_an_index:
        return None  # a universal lock pins several releases of one project: not one view
    opts = job.index_options
    if len(opts) % 2:
        return None  # a flag among them (--no-index): not ours to stand in for
    pairs = list(zip(opts[::2], opts[1::2]))
    if any(name not in ("--index-url", "--find-links") for name, _ in pairs):
        return None
    upstream = next((value for name, value in pairs if name == "--index-url"), PYPI)
    if sum(name == "--index-url" for name, _ in pairs) > 1 or not _plain(upstream):
        return None
    url = relay.url(upstream, pins)
    out = ["--index-url", url] + [word for pair in pairs if pair[0] == "--find-links" for word in pair]
    near = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1"]))
    env = {**job.build_env, "NO_PROXY": near, "no_proxy": near}
    # A lock that records its index (--emit-index-url) names the user's, never the relay.
    return dataclasses.replace(job, index_options=out, build_env=env, paths={**job.paths, url: upstream})


def _plain(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc and not parts.query
