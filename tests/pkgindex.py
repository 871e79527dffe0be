"""A tiny PEP 503 package index for hermetic tests.

Wheels are written directly (a wheel is a zip with METADATA, WHEEL and RECORD), so building an index of
a dozen packages takes milliseconds instead of running a build backend per package. The index is served
over real HTTP on 127.0.0.1, so pip-compile and uv talk to it exactly as they would to a mirror.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import threading
import zipfile
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

    @property
    def wheel_name(self) -> str:
        stem = self.name.replace("-", "_")
        return f"{stem}-{self.version}-py3-none-{self.platform}.whl"

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
    files = {
        f"{stem}/__init__.py": f"__version__ = {dist.version!r}\n".encode(),
        f"{info}/METADATA": dist.metadata().encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: deploycheck-tests\nRoot-Is-Purelib: true\n"
            f"Tag: py3-none-{dist.platform}\n\n"
        ).encode(),
    }
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
    files = {"setup.py": dist.setup_py or "", "PKG-INFO": dist.metadata()}
    path = folder / f"{stem}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{stem}/{name}")
            info.size, info.mtime = len(data), 1577836800
            tar.addfile(info, io.BytesIO(data))
    return path


def build_index(dists: list[Dist], root: Path) -> Path:
    """Write wheels and a PEP 503 simple/ tree under root; return the simple/ folder."""
    files = root / "files"
    simple = root / "simple"
    files.mkdir(parents=True, exist_ok=True)
    by_project: dict[str, list[Dist]] = {}
    for dist in dists:
        by_project.setdefault(canonicalize_name(dist.name), []).append(dist)
    for project, project_dists in by_project.items():
        links = []
        for dist in project_dists:
            wheel = write_sdist(dist, files) if dist.setup_py else write_wheel(dist, files)
            sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
            rp = f' data-requires-python="{html.escape(dist.requires_python)}"' if dist.requires_python else ""
            links.append(f'<a href="../../files/{wheel.name}#sha256={sha}"{rp}>{wheel.name}</a><br>')
        (simple / project).mkdir(parents=True, exist_ok=True)
        (simple / project / "index.html").write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
        )
    listing = "".join(f'<a href="{p}/">{p}</a><br>\n' for p in sorted(by_project))
    (simple / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{listing}</body></html>\n")
    return simple


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class IndexServer:
    """Serves a folder on 127.0.0.1 on a free port, in a daemon thread, until stopped."""

    def __init__(self, root: Path) -> None:
        handler = lambda *a, **kw: _QuietHandler(*a, directory=str(root), **kw)  # noqa: E731
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

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
