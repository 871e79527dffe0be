"""Every HTTP request has a total deadline and a byte cap, and --timeout ends the process whatever its
index threads are doing. Against real servers on 127.0.0.1 that trickle or flood; what they record (bytes
sent, the client hanging up) is what is asserted, never a duration."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, write

from deploycheck.index.client import Index
from deploycheck.index.http import Fetcher, IndexUnavailable
from deploycheck.index.simpleapi import parse_html, to_file

LENGTH = 100_000  # what the trickle announces
PACE = 0.01  # seconds between two of its bytes: its whole body would take 1000 s
FLOOD = 128 << 20  # what the flood sends, as fast as the client takes it
WHEEL = "slowpkg-1.0-py3-none-any.whl"


@dataclass
class Seen:
    """One request, as the server saw it."""

    path: str
    sent: int = 0  # body bytes handed to the socket
    done: bool = False  # the answer ended: sent in full, or cut short
    hung_up: bool = False  # a write failed: the client closed the connection


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        seen = Seen(self.path)
        with owner.changed:
            owner.seen.append(seen)
        try:
            owner.answer(self, seen)
        except OSError:  # broken pipe, reset
            owner.finished(seen, hung_up=True)
        else:
            owner.finished(seen, hung_up=False)

    def send_body(self, seen: Seen, data: bytes) -> None:
        self.wfile.write(data)
        seen.sent += len(data)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    owner: Server


class Server:
    def __init__(self, answer: Callable[[_Handler, Seen], None]) -> None:
        self.answer = answer
        self.stop = threading.Event()  # paces the trickle, and cuts it short at teardown
        self.changed = threading.Condition()
        self.seen: list[Seen] = []
        self.httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def finished(self, seen: Seen, *, hung_up: bool) -> None:
        with self.changed:
            seen.done, seen.hung_up = True, hung_up
            self.changed.notify_all()

    def all_done(self, timeout: float = 60) -> list[Seen]:
        """Every answer, once each has ended (the wait is a liveness bound, not a measure)."""
        with self.changed:
            self.changed.wait_for(lambda: self.seen and all(s.done for s in self.seen), timeout)
            return list(self.seen)

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def trickle(handler: _Handler, seen: Seen) -> None:
    """`Content-Length: 100000`, then one byte every PACE seconds; a suffix Range gets a 206 just as slow."""
    wanted = handler.headers.get("Range", "")
    if wanted.startswith("bytes=-"):
        size = min(int(wanted[7:]), LENGTH)
        handler.send_response(206)
        handler.send_header("Content-Range", f"bytes {LENGTH - size}-{LENGTH - 1}/{LENGTH}")
    else:
        size = LENGTH
        handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    while seen.sent < size and not handler.server.owner.stop.wait(PACE):
        handler.send_body(seen, b" ")


def flood(handler: _Handler, seen: Seen) -> None:
    """A page with no Content-Length (it ends when the connection does), sent as fast as it is taken."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    chunk = b"<a>x</a>" * 8192
    while seen.sent < FLOOD:
        handler.send_body(seen, chunk)


def redirect_with_flood(handler: _Handler, seen: Seen) -> None:
    """/simple/x/ redirects to /ok/x/ with a flood for a body; /ok/x/ is a small page."""
    if handler.path.startswith("/ok/"):
        body = b'<a href="/files/x-1.0.tar.gz">x-1.0.tar.gz</a>'
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.send_body(seen, body)
        return
    handler.send_response(302)
    handler.send_header("Location", "/ok/x/")
    handler.end_headers()
    flood(handler, seen)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[_Handler, Seen], None]], Server]]:
    started: list[Server] = []

    def start(answer: Callable[[_Handler, Seen], None]) -> Server:
        started.append(Server(answer))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_a_trickling_answer_is_abandoned_at_its_deadline(serve):
    """Each byte comes well within the per-read timeout, so only a total deadline can end the request."""
    server = serve(trickle)
    with pytest.raises(IndexUnavailable) as failed:
        Fetcher(timeout=5, deadline=1).get(f"{server.url}/simple/slowpkg/")
    assert failed.value.reason == "too slow: no complete answer within 1 s"
    (seen,) = server.all_done()  # not retried: a second try would be as slow
    assert seen.hung_up and seen.sent < LENGTH // 10


def _file(server: Server):
    page = f'<a href="/files/{WHEEL}#sha256={"0" * 64}" data-core-metadata="sha256={"1" * 64}">{WHEEL}</a>'
    (entry,) = parse_html(page, "slowpkg", f"{server.url}/simple/slowpkg/")
    return to_file(entry)


@pytest.mark.parametrize("kind", ["page", "metadata", "wheel"])
def test_every_kind_of_request_has_the_deadline(serve, kind):
    server = serve(trickle)
    with Index([f"{server.url}/simple/"], cache_dir=None, timeout=5, deadline=1) as index:
        if kind == "page":
            project = index.project("slowpkg")
            assert not project.missing and project.unavailable[0].reason.startswith("too slow")
        elif kind == "metadata":
            assert index.metadata(_file(server)) is None  # PEP 658 file, then the wheel: both too slow
            assert sorted(s.path for s in server.seen) == [f"/files/{WHEEL}", f"/files/{WHEEL}.metadata"]
        else:
            names = index.import_names(_file(server))  # a Range read of the wheel's tail
            assert names.source == "name" and "too slow" in names.note
    seen = server.all_done()
    assert seen and all(s.hung_up and s.sent < LENGTH // 10 for s in seen), seen


def test_timeout_ends_the_process_while_the_index_still_trickles(serve, tmp_path):
    """The issue's case: the lock's own --index-url trickles. The pins, hashes and imports checks wait on it
    in their threads, the resolver reads it too; --timeout 5 must end the process, its copies and HOMEs
    removed, long before one request's own deadline (30 s, 3000 bytes here) could have ended it."""
    server = serve(trickle)
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": f"--index-url {server.url}/simple/\n" + "".join(f"pkg{i}==1.0\n" for i in range(20)),
            ".python-version": "3.12\n",
            "app.py": "import pkg0\n",
        },
    )
    scratch = Path(tempfile.mkdtemp(prefix="dc-timeout-"))  # not under pytest's 0700 folders: the sandbox user
    scratch.chmod(0o755)
    (scratch / "tmp").mkdir(mode=0o755)
    env = {**os.environ, "TMPDIR": str(scratch / "tmp"), "DEPLOYCHECK_CACHE_DIR": str(scratch / "cache")}
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "entrypoint.py"), str(folder), "--timeout", "5"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,  # liveness only: the trickle would take 1000 s
        )
        left = sorted(p.name for p in (scratch / "tmp").iterdir())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert done.returncode == 2, done.stderr
    assert "the run did not finish within --timeout 5s" in done.stdout and "Traceback" not in done.stderr
    assert left == []  # the temporary copies and sandbox HOMEs
    seen = server.all_done()  # the index checks' requests, and the resolver's
    assert seen and all(s.hung_up and s.sent < LENGTH // 40 for s in seen), seen


def test_a_page_over_its_byte_cap_is_refused_without_reading_on(serve):
    server = serve(flood)
    with Index([f"{server.url}/simple/"], cache_dir=None, page_limit=1_000_000) as index:
        project = index.project("x")
    (error,) = project.unavailable
    assert not project.missing and error.reason == "response is over the 1000000-byte limit for a project page"
    (seen,) = server.all_done()
    assert seen.sent < FLOOD // 4  # the cap, and what the sockets' buffers held


def test_a_redirects_body_is_not_read(serve):
    """urllib reads a redirect's whole body before following it; a flood there is not read at all."""
    server = serve(redirect_with_flood)
    response = Fetcher().get(f"{server.url}/simple/x/")
    assert response.url == f"{server.url}/ok/x/" and b"x-1.0.tar.gz" in response.body
    redirect = next(s for s in server.all_done() if s.path == "/simple/x/")
    assert redirect.sent < FLOOD // 4
