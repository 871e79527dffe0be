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
from pathlib import Path
from typing import Protocol

from deploycheck.locks.indexes import FIND_LINKS, INDEX_LIKE
from deploycheck.locks.requirements import reqfile
from deploycheck.resolve.drivers import Job

PYPI = "https://pypi.org/simple"  # uv's default index, when the job names none


class IndexRelay(Protocol):
    failures: list[str]  # grows when the relay could not answer: the run through it is not to be trusted

    def url(self, upstream: str, pins: Mapping[str, str]) -> str: ...


def relayed(job: Job, relay: IndexRelay | None, pins: Mapping[str, str]) -> Job | None:
    """The job with its index replaced by the relay's view of it for these pins (name -> version), or None when
    it cannot be relayed."""
    if relay is None or job.universal_floor:
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
    if _sources_name_an_index(job):  # which index uv then reads depends on the command line and the files
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


MAX_SOURCES = 100  # requirements files read through -r/-c before the job is simply not relayed


def _sources_name_an_index(job: Job) -> bool:
    """Whether a source, or a file it includes (-r/-c), has an index line (other than --find-links, which uv
    reads the same either way). Anything not plainly answerable (an include outside the copy or at a URL, too
    many files) counts as yes: the job then runs against the index, as it always may."""
    root = Path(job.workspace[0]) if job.workspace else job.cwd
    todo, seen = [job.cwd / source for source in job.sources], set[Path]()
    while todo:
        path = todo.pop()
        try:
            path = path.resolve()
        except (OSError, RuntimeError):
            return True
        if path in seen:
            continue
        if len(seen) >= MAX_SOURCES or not path.is_relative_to(root.resolve()):
            return True
        seen.add(path)
        if path.suffix in (".py", ".toml", ".cfg") or not path.is_file():
            continue  # a project's metadata (uv reads no index from it here), or a folder
        try:
            options = reqfile.read(path).options
        except Exception:  # unreadable: uv would fail on it either way
            return True
        for name, value, _ in options:
            if name in INDEX_LIKE and name != FIND_LINKS:
                return True
            if name in ("-r", "-c"):
                if "://" in value:
                    return True
                todo.append(path.parent / value)
    return False
