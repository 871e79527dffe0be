"""A tiny PEP 503 package index for hermetic tests.

Wheels are written directly (a wheel is a zip with METADATA, WHEEL and RECORD), so building an index of
a dozen packages takes milliseconds instead of running a build backend per package. The index is served
over real HTTP on 127.0.0.1, so pip-compile and uv talk to it exactly as they would to a mirror.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import html
import http.server
import json
import os
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass
class Dist:
    name: str
    version: str
    requires: list[str] = field(default_factory=list)
    requires_python: str | None = None
    extras: dict[str, list[str]] = field(default_factory=dict)
    # Wheel tag platform part; "any" for pure Python, e.g. "win_amd64" for a Windows-only build.
    platform: str = "any"
    # Publish an sdist with this setup.py instead of a wheel: building it runs the code.
    setup_py: str | None = None
    # PEP 592: yanked with this reason ("" for no reason).
    yanked: str | None = None
    # The whole wheel tag, e.g. "cp311-abi3-manylinux2014_x86_64"; overrides py3-none-{platform}.
    tag: str | None = None
    # The wheel's importable files (path -> text) when its import names differ from its name.
    modules: dict[str, str] | None = None
    top_level_txt: bool = False
    # Incompressible bytes stored before the .dist-info files, as in a large compiled wheel.
    padding: int = 0
    # Serve the PEP 658 core metadata file next to the wheel.
    metadata_file: bool = False
    # Publish an sdist next to the wheel.
    with_sdist: bool = False
    # Further files inside the sdist (path under its top folder -> text), e.g. {"src/fast.c": "..."} or a
    # pyproject.toml whose build-system requires Cython.
    sdist_files: dict[str, str] | None = None

    @property
    def wheel_name(self) -> str:
        stem = self.name.replace("-", "_")
        return f"{stem}-{self.version}-{self.tag or f'py3-none-{self.platform}'}.whl"

    def metadata(self) -> str:
        lines = ["Metadata-Version: 2.1", f"Name: {self.name}", f"Version: {self.version}"]
        if self.requires_python:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines += [f"Requires-Dist: {r}" for r in self.requires]
        for extra, reqs in self.extras.items():
            lines.append(f"Provides-Extra: {extra}")
            for r in reqs:
                marker = f'extra == "{extra}"'
                if ";" in r:
                    req, own = r.split(";", 1)
                    lines.append(f"Requires-Dist: {req.strip()} ; ({own.strip()}) and {marker}")
                else:
                    lines.append(f"Requires-Dist: {r} ; {marker}")
        return "\n".join(lines) + "\n\n"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def write_wheel(dist: Dist, folder: Path) -> Path:
    stem = dist.name.replace("-", "_")
    info = f"{stem}-{dist.version}.dist-info"
    modules = dist.modules or {f"{stem}/__init__.py": f"__version__ = {dist.version!r}\n"}
    files = {path: text.encode() for path, text in modules.items()}
    if dist.padding:
        files[f"{stem}/_blob.bin"] = hashlib.shake_256(dist.name.encode()).digest(dist.padding)
    files[f"{info}/METADATA"] = dist.metadata().encode()
    files[f"{info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: deploycheck-tests\nRoot-Is-Purelib: true\n"
        f"Tag: {dist.tag or f'py3-none-{dist.platform}'}\n\n"
    ).encode()
    if dist.top_level_txt:
        tops = sorted({p.split("/")[0].removesuffix(".py") for p in modules})
        files[f"{info}/top_level.txt"] = "".join(f"{t}\n" for t in tops).encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    path = folder / dist.wheel_name
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            # A fixed timestamp keeps the wheel bytes, and so their hashes, the same in every session.
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return path


def write_sdist(dist: Dist, folder: Path) -> Path:
    import io
    import tarfile

    stem = f"{dist.name.replace('-', '_')}-{dist.version}"
    files = {"setup.py": dist.setup_py or "", "PKG-INFO": dist.metadata(), **(dist.sdist_files or {})}
    path = folder / f"{stem}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{stem}/{name}")
            info.size, info.mtime = len(data), 1577836800
            tar.addfile(info, io.BytesIO(data))
    return path


def _published(dist: Dist, files: Path) -> list[Path]:
    if dist.setup_py:
        return [write_sdist(dist, files)]
    wheel = write_wheel(dist, files)
    if dist.metadata_file:
        (files / f"{wheel.name}.metadata").write_bytes(dist.metadata().encode())
    return [wheel, write_sdist(dist, files)] if dist.with_sdist else [wheel]


def build_index(dists: list[Dist], root: Path) -> Path:
    """Write wheels and a simple/ tree under root; return the simple/ folder.

    Each project has index.html (PEP 503 with PEP 592/658 attributes) and index.json (PEP 691); the
    server picks one by the Accept header, as PyPI does.
    """
    files = root / "files"
    simple = root / "simple"
    files.mkdir(parents=True, exist_ok=True)
    by_project: dict[str, list[Dist]] = {}
    for dist in dists:
        by_project.setdefault(canonicalize_name(dist.name), []).append(dist)
    for project, project_dists in by_project.items():
        links = []
        rows = []
        for dist in project_dists:
            for wheel in _published(dist, files):
                sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
                rp = f' data-requires-python="{html.escape(dist.requires_python)}"' if dist.requires_python else ""
                if dist.yanked is not None:
                    rp += f' data-yanked="{html.escape(dist.yanked)}"'
                meta = dist.metadata_file and wheel.suffix == ".whl"
                if meta:
                    meta_sha = hashlib.sha256(dist.metadata().encode()).hexdigest()
                    rp += f' data-core-metadata="sha256={meta_sha}" data-dist-info-metadata="sha256={meta_sha}"'
                links.append(f'<a href="../../files/{wheel.name}#sha256={sha}"{rp}>{wheel.name}</a><br>')
                row: dict[str, object] = {
                    "filename": wheel.name,
                    "url": f"../../files/{wheel.name}",
                    "hashes": {"sha256": sha},
                    "requires-python": dist.requires_python,
                    "yanked": False if dist.yanked is None else (dist.yanked or True),
                }
                if meta:
                    row["core-metadata"] = row["dist-info-metadata"] = {"sha256": meta_sha}
                rows.append(row)
        (simple / project).mkdir(parents=True, exist_ok=True)
        (simple / project / "index.html").write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
        )
        page = {"meta": {"api-version": "1.1"}, "name": project, "files": rows}
        (simple / project / "index.json").write_text(json.dumps(page, indent=1))
    listing = "".join(f'<a href="{p}/">{p}</a><br>\n' for p in sorted(by_project))
    (simple / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{listing}</body></html>\n")
    return simple


def publish_wheel(wheel: Path, root: Path) -> None:
    """A real wheel (tests/data/wheels) as the only file of its project on an index build_index wrote (HTML and
    JSON pages, as build_index writes them)."""
    shutil.copy(wheel, root / "files" / wheel.name)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    project = canonicalize_name(wheel.name.split("-")[0])
    folder = root / "simple" / project
    folder.mkdir(parents=True, exist_ok=True)
    link = f'<a href="../../files/{html.escape(wheel.name)}#sha256={sha}">{html.escape(wheel.name)}</a>'
    (folder / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{link}\n</body></html>\n")
    row = {"filename": wheel.name, "url": f"../../files/{wheel.name}", "hashes": {"sha256": sha}, "yanked": False}
    (folder / "index.json").write_text(json.dumps({"meta": {"api-version": "1.1"}, "name": project, "files": [row]}))
    listing = root / "simple" / "index.html"
    listing.write_text(listing.read_text().replace("</body>", f'<a href="{project}/">{project}</a><br>\n</body>'))


JSON_TYPE = "application/vnd.pypi.simple.v1+json"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass
class Request:
    path: str
    range: str | None
    status: int
    sent: int  # body bytes


class _IndexHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a client with more connections at once (uv opens dozens)
    # has the rest of its SYNs dropped and retried a second later, a stall no real index has.
    request_queue_size = 128
    serve_json = True
    ranges = True
    fail: int | None = None
    gate: threading.Barrier | None = None
    validators = True  # ETag and Last-Modified on every answer, 304 to a conditional GET that matches

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lock = threading.Condition()
        self.log: list[Request] = []
        self.active = 0
        self.peak = 0


class _IndexHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with what a package index needs: PEP 691 content negotiation and Range."""

    server: _IndexHTTPServer
    # Headers and body are two writes: with Nagle's algorithm the body would wait for the client's delayed ACK
    # (40 ms an answer), a latency no real index has.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        with srv.lock:
            srv.active += 1
            srv.peak = max(srv.peak, srv.active)
        try:
            if srv.gate is not None and self.path.startswith("/simple/"):
                # Holds the first page requests together: proves they were in flight at once.
                with contextlib.suppress(threading.BrokenBarrierError):
                    srv.gate.wait()
            status, sent = self._answer()
        except BaseException:
            status, sent = 0, 0
            raise
        finally:
            # One step, under the lock, and announced: the client has its answer before this line runs, so
            # requests() waits for it rather than reading a log that is one entry short.
            with srv.lock:
                srv.active -= 1
                srv.log.append(Request(self.path, self.headers.get("Range"), status, sent))
                srv.lock.notify_all()

    def _not_modified(self, data: bytes, mtime: float) -> bool:
        """A conditional GET (RFC 9110 13.1): If-None-Match decides when given, else If-Modified-Since."""
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            fresh = _etag(data) in [t.strip() for t in tags.split(",")] or tags.strip() == "*"
        else:
            since = self.headers.get("If-Modified-Since")
            try:
                fresh = since is not None and int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self.send_response(304)
            self.send_header("ETag", _etag(data))
            self.end_headers()
        return fresh

    def _answer(self) -> tuple[int, int]:
        if self.server.fail:
            self.send_error(self.server.fail)
            return self.server.fail, 0
        path = self.translate_path(self.path)
        content_type = None
        if os.path.isdir(path):
            if not self.path.split("?")[0].endswith("/"):
                self.send_response(301)
                self.send_header("Location", self.path.split("?")[0] + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 301, 0
            wants_json = JSON_TYPE in self.headers.get("Accept", "") and self.server.serve_json
            if wants_json and os.path.isfile(os.path.join(path, "index.json")):
                path, content_type = os.path.join(path, "index.json"), JSON_TYPE
            else:
                path, content_type = os.path.join(path, "index.html"), "text/html"
        if not os.path.isfile(path):
            self.send_error(404)
            return 404, 0
        with open(path, "rb") as f:
            data = f.read()
        content_type = content_type or self.guess_type(path)
        if self.server.validators and self._not_modified(data, os.path.getmtime(path)):
            return 304, 0
        total = len(data)
        found = _RANGE.fullmatch(self.headers.get("Range", "").strip()) if self.server.ranges else None
        if found and (found.group(1) or found.group(2)):
            first, last = found.groups()
            if first:
                start, end = int(first), min(int(last), total - 1) if last else total - 1
            else:
                start, end = max(0, total - int(last)), total - 1
            if start > end or start >= total:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{total}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 416, 0
            body, status = data[start : end + 1], 206
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{total}")
        else:
            body, status = data, 200
            self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.server.validators:
            self.send_header("ETag", _etag(data))
            self.send_header("Last-Modified", email.utils.formatdate(os.path.getmtime(path), usegmt=True))
        if self.server.ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return status, -1  # the client hung up (as it should on a body it will not read)
        return status, len(body)


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


class IndexServer:
    """Serves a folder on 127.0.0.1 on a free port, in a daemon thread, until stopped.

    Switches, for tests (set between requests): `serve_json` (False: HTML only, like this machine's
    mirror), `ranges` (False: ignore Range), `fail` (answer every request with this status), `gate`
    (a Barrier the simple/ requests wait on), `validators` (False: no ETag, Last-Modified or 304).
    `log`, `peak`: what was asked, and the most at once.
    """

    def __init__(self, root: Path) -> None:
        handler = lambda *a, **kw: _IndexHandler(*a, directory=str(root), **kw)  # noqa: E731
        self.httpd = _IndexHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __getattr__(self, name: str) -> object:
        if name in ("serve_json", "ranges", "fail", "gate", "log", "peak", "validators"):
            return getattr(self.httpd, name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("serve_json", "ranges", "fail", "gate", "peak", "validators"):
            setattr(self.httpd, name, value)
        else:
            super().__setattr__(name, value)

    def requests(self, clear: bool = False) -> list[Request]:
        with self.httpd.lock:
            # Handlers still finishing (their answers already sent) are logged first; bounded.
            self.httpd.lock.wait_for(lambda: self.httpd.active == 0, timeout=10)
            out = list(self.httpd.log)
            if clear:
                self.httpd.log.clear()
        return out

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> IndexServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def serving(dists: list[Dist], root: Path) -> Iterator[IndexServer]:
    """An index of these distributions written under root and served until the block ends."""
    build_index(dists, root)
    with IndexServer(root) as server:
        yield server
