"""The package index as uv sees it when it confirms a lock: a relay on 127.0.0.1 over deploycheck's page cache.

Every uv run of deploycheck's gets an empty cache of its own (no run's package code may see another's), so
uv alone fetches every project page again, one round trip per level of the dependency tree, parses pages of
thousands of files (numpy's is 1.7 MB), and reads each wheel's metadata with range requests when the index
has no PEP 658 files. deploycheck's index client has read those pages for its own checks and keeps them
(index/pagestore.py: for `page_ttl`, 600 s, the freshness PyPI itself announces), and keeps each wheel's
METADATA for good, keyed by the file's hash and URL.

The relay serves uv a view of one index for one lock: the page of each project the lock pins holds only the
pinned release's files (its hashes, Requires-Python and yank as the index gave them); a project pinned to a
pre-release gets its whole page; a project the lock does not pin is not there (404). Every wheel is offered
with `core-metadata`, answered from that cache (fetched and kept on a miss); a wheel itself is a redirect to
the index's URL.

So a run through a view can only confirm: when uv resolves the lock's own pins from the pinned releases alone
(every requirement met, nothing missing, nothing left over), those pins are a resolution of the sources on
the deploy's Python, which is what uv keeps when they are its preferences. Any other outcome (a change, a
failure, a request the relay could not answer) is redone against the index itself
(deploycheck.resolve.recompile), and only that run's answer is reported.

Nothing of the repository reaches the relay but project names and versions from the lock; it fetches only
the pages of the indexes it was given and the metadata of files those pages list, within the index client's
budgets. Its paths start with a random secret, so no other user of the machine's loopback reads through it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.server
import json
import os
import re
import secrets
import selectors
import socket
import socketserver
import sys
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from deploycheck.index.client import Index
from deploycheck.index.daemonpool import DaemonPool
from deploycheck.index.http import IndexUnavailable
from deploycheck.index.pagestore import Page
from deploycheck.index.simpleapi import Entry, to_file

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
MAX_REQUESTS = 20_000  # answers per relay (one check's resolves): a resolve asks each page and metadata once
# Connections open at once, each a thread and a descriptor of deploycheck's: uv opens a few dozen (its
# concurrent downloads, 50 by default); more, held by package code, are closed as they come (a failure).
MAX_CONNECTIONS = 256
Rendered = tuple[bytes, dict[str, Entry]]  # the page as uv gets it, and the wheels it offers, by sha256
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")  # a canonical project name (PEP 503)


@dataclass(frozen=True)
class View:
    base: str  # the index's simple API URL, ending in /
    # canonical name -> the one version (normalised) its page shows, None: every release. A project the lock
    # does not pin is not served (404): uv needing it means the lock changes, which only the index may confirm;
    # and package code cannot make the relay fetch and hold pages of its choosing.
    pins: Mapping[str, str | None]


class Relay:
    """A running relay; each view of an index is added by `url`."""

    def __init__(self, *, cache_dir: Path | None, timeout: float = 15.0) -> None:
        self.index = Index([], cache_dir=cache_dir, timeout=timeout)
        self.secret = secrets.token_urlsafe(18)
        self.failures: list[str] = []  # what the relay could not answer (the run through it is then redone)
        self.answered = 0
        self._views: list[View] = []
        self._rendered: dict[tuple[int, str], concurrent.futures.Future[Rendered | None]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        try:
            self._wake_r, self._wake_w = socket.socketpair()  # close() wakes the loop: no poll interval to wait
        except OSError:
            self._server.server_close()
            raise
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._warmers = DaemonPool(4, thread_name_prefix="relay")
        self._thread.start()

    def url(self, upstream: str, pins: Mapping[str, str]) -> str:
        """The relay's URL standing in for the index at `upstream` (an http(s) simple API URL), each project in
        `pins` (name -> version, as the lock says them) showing only that release. Its pages are fetched now."""
        shown: dict[str, str | None] = {}
        for name, version in pins.items():
            project = str(canonicalize_name(name))
            if not _NAME.fullmatch(project):
                continue
            try:
                parsed: Version | None = Version(version)
            except InvalidVersion:
                parsed = None  # the whole page: uv reads the pin as the lock wrote it
            # uv may take a pre-release only when nothing else is offered: such a project shows every release.
            shown[project] = None if parsed is None or parsed.is_prerelease else str(parsed)
        view = View(upstream if upstream.endswith("/") else upstream + "/", shown)
        with self._lock:
            self._views.append(view)
            which = len(self._views) - 1
        for name in shown:
            self._warmers.submit(self._quietly, which, name)
        return f"http://127.0.0.1:{self._server.server_address[1]}/{self.secret}/{which}"

    def _serve(self) -> None:
        with selectors.DefaultSelector() as ready:
            ready.register(self._server, selectors.EVENT_READ)
            ready.register(self._wake_r, selectors.EVENT_READ)
            while not any(key.fileobj is self._wake_r for key, _ in ready.select()):
                self._server.handle_request()  # a connection is waiting: accepted at once, answered in a thread

    def close(self) -> None:
        self._wake_w.send(b"x")
        self._thread.join()
        self._server.server_close()
        self._wake_r.close()
        self._wake_w.close()
        self._warmers.shutdown(wait=True, cancel_futures=True)
        self.index.close()

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ answers

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one GET."""
        with self._lock:
            self.answered += 1
            over = self.answered > MAX_REQUESTS
        if over:
            return self._fail(503, "too many requests")
        parts = [urllib.parse.unquote(p) for p in urllib.parse.urlsplit(path).path.split("/")]
        if len(parts) < 4 or parts[1] != self.secret or not parts[2].isdigit() or int(parts[2]) >= len(self._views):
            return 404, {}, b""
        which, project = int(parts[2]), str(canonicalize_name(parts[3]))
        if not _NAME.fullmatch(project):
            return 404, {}, b""  # not a project name: nothing to ask the index for
        rest = [p for p in parts[4:] if p]
        try:
            rendered = self._page(which, project)
        except IndexUnavailable as e:
            return self._fail(502, str(e))
        if rendered is None:
            return 404, {}, b""
        body, files = rendered
        if not rest:
            return 200, {"Content-Type": JSON_TYPE}, body
        entry = files.get(rest[0]) if len(rest) == 2 else None
        if entry is not None and rest[1] == entry.filename + ".metadata":
            return self._metadata(entry)
        if entry is not None and rest[1] == entry.filename:
            return 302, {"Location": entry.url}, b""  # the wheel itself: from the index
        return 404, {}, b""

    def _fail(self, status: int, why: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.failures.append(why)
        return status, {}, b""

    def _quietly(self, which: int, project: str) -> None:
        with contextlib.suppress(Exception):  # uv's own request for the page says what went wrong
            self._page(which, project)

    def _page(self, which: int, project: str) -> Rendered | None:
        """One view's page, rendered once however many threads ask."""
        with self._lock:
            future = self._rendered.get((which, project))
            mine = future is None
            if future is None:
                future = self._rendered[(which, project)] = concurrent.futures.Future()
        if mine:
            try:
                view = self._views[which]
                page = self.index.page(view.base, project) if project in view.pins else None
                future.set_result(None if page is None else render(project, page, view.pins[project]))
            except BaseException as e:
                future.set_exception(e)
        return future.result()

    def _metadata(self, entry: Entry) -> tuple[int, dict[str, str], bytes]:
        file = to_file(entry)
        text = self.index.metadata(file) if file is not None else None
        if text is None:
            return self._fail(502, f"no metadata for {entry.filename}")
        return 200, {"Content-Type": "application/octet-stream"}, text.encode("utf-8")


def render(project: str, page: Page, only: str | None = None) -> Rendered:
    """The page as PEP 691 JSON (only one version's files when `only` is given). Each wheel is offered with
    its metadata, at a URL relative to the page (`<sha256>/<filename>`)."""
    files: list[dict[str, Any]] = []
    relayed: dict[str, Entry] = {}
    for entry in page.entries(only) if only is not None else page.all_entries():
        row: dict[str, Any] = {"filename": entry.filename, "url": entry.url, "hashes": entry.hashes}
        sha = entry.hashes.get("sha256", "")
        if entry.kind == "wheel" and len(sha) == 64 and sha.isalnum():
            row["url"] = f"{sha}/{urllib.parse.quote(entry.filename)}"
            row["core-metadata"] = True
            relayed[sha] = entry
        elif entry.core_metadata:
            row["core-metadata"] = entry.core_metadata
        if entry.requires_python:
            row["requires-python"] = entry.requires_python
        row["yanked"] = (entry.yank_reason or True) if entry.yanked else False
        files.append(row)
    body = {"meta": {"api-version": "1.0"}, "name": project, "files": files}
    return json.dumps(body, separators=(",", ":")).encode(), relayed


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # uv opens dozens of connections at once
    timeout = 0.5  # handle_request's own wait, should the connection it was woken for be gone

    def __init__(self, address: tuple[str, int], handler: type[_Handler], relay: Relay) -> None:
        super().__init__(address, handler)
        self.relay = relay
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.relay._fail(503, "too many connections")
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()  # no thread started: its slot is free again
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver's own prints a traceback. A connection uv reset or gave up on (killed at --timeout) is
        # no failure of the relay's answers; anything else is, and the run through it is redone.
        kind, exc = sys.exc_info()[:2]
        if kind is not None and not issubclass(kind, OSError):
            self.relay._fail(500, f"{kind.__name__}: {exc}")

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def server_bind(self) -> None:
        # http.server's own asks DNS for the host's name (getfqdn): milliseconds, for a name nobody reads.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: uv reuses its connections
    # Headers and body go out as two writes: with Nagle's algorithm the body then waits for the client's
    # delayed ACK, 40 ms per answer, per level of the dependency tree.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, *, head: bool) -> None:
        try:
            status, headers, body = self.server.relay.answer(self.path)
        except Exception as e:  # a bug here must fail uv's run (redone against the index), not hang it
            status, headers, body = self.server.relay._fail(500, f"{type(e).__name__}: {e}")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            with contextlib.suppress(OSError):
                self.wfile.write(body)


@contextlib.contextmanager
def running(*, cache_dir: Path | None) -> Iterator[Relay | None]:
    """A relay for one drift check; None when it is switched off (DEPLOYCHECK_INDEX_RELAY=0) or cannot listen
    on the loopback: uv then reads the index itself, as it always may."""
    if os.environ.get("DEPLOYCHECK_INDEX_RELAY", "1") == "0":
        yield None
        return
    try:
        relay = Relay(cache_dir=cache_dir)
    except OSError:
        yield None
        return
    try:
        yield relay
    finally:
        relay.close()
