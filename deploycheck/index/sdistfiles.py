"""Does an sdist need a compiler? Read from its file list and its build files, never by building it.

A zip sdist is read like a wheel (Range requests into its central directory). A tar sdist cannot be read
that way (gzip has no index), so it is downloaded under a byte cap and its members are listed in stream mode
without extracting anything, with a budget on the bytes decompressed (a gzip bomb costs that budget, not the
disk or the memory). Only setup.py, setup.cfg and pyproject.toml at the sdist's top are read, each capped.

Evidence of compiled code: C, C++, Cython, Rust or Fortran sources; `ext_modules`, `Extension(` or
`cythonize` in setup.py; a build requirement that compiles (Cython, setuptools-rust, maturin, scikit-build,
numpy, pybind11, cffi, meson-python, ...). None of them: pure Python, which pip builds anywhere.
"""

from __future__ import annotations

import bz2
import gzip
import io
import re
import sys
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from deploycheck.index.http import Fetcher
from deploycheck.index.lazywheel import RemoteZip

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOWNLOAD_CAP = 20_000_000  # a tar sdist larger than this is not read (most are well under 5 MB)
UNPACKED_BUDGET = 200_000_000  # bytes decompressed while listing a tar sdist
MAX_MEMBERS = 50_000
MAX_BUILD_FILE = 256 * 1024
SOURCES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".pyx", ".rs", ".f", ".f90", ".cu", ".m", ".mm")
COMPILING = frozenset(
    canonicalize_name(n)
    for n in (
        "cython",
        "setuptools-rust",
        "maturin",
        "scikit-build",
        "scikit-build-core",
        "numpy",
        "oldest-supported-numpy",
        "pybind11",
        "cffi",
        "meson-python",
        "cmake",
        "nanobind",
        "pythran",
        "setuptools-golang",
    )
)
_SETUP_WORDS = re.compile(
    r"\b(ext_modules|Extension\s*\(|cythonize|build_ext|CFFI_MODULES|cffi_modules|rust_extensions)"
)
_BUILD_FILES = ("setup.py", "setup.cfg", "pyproject.toml")


class UnreadableSdist(Exception):
    """The sdist is over a cap, or not an archive its name says it is."""


@dataclass(frozen=True)
class SdistFacts:
    evidence: tuple[str, ...]  # why it compiles: "src/fast.c", "ext_modules in setup.py", "build requirement cython"
    # Top-level import names its file list suggests (packages with __init__.py, modules), at the sdist's top or
    # under src/: the import check's names for a release that has no wheel to read.
    modules: tuple[str, ...] = ()

    @property
    def compiled(self) -> bool:
        return bool(self.evidence)


class _Budget(io.RawIOBase):
    """A decompressing stream that stops after `budget` bytes: tarfile reads past members through it."""

    def __init__(self, inner: IO[bytes], budget: int) -> None:
        super().__init__()
        self.inner, self.left = inner, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(min(len(buffer), 1 << 20))
        self.left -= len(data)
        if self.left < 0:
            raise UnreadableSdist(f"it unpacks to more than {UNPACKED_BUDGET} bytes")
        buffer[: len(data)] = data
        return len(data)


def read_sdist(fetcher: Fetcher, url: str, filename: str, *, cap: int = DOWNLOAD_CAP) -> SdistFacts:
    """Raises UnreadableSdist, IndexUnavailable or NotFound."""
    lower = filename.lower()
    if lower.endswith(".zip"):
        return _zip(fetcher, url, cap)
    data = fetcher.get(url, limit=cap, what="an sdist").body
    if lower.endswith((".tar.gz", ".tgz")):
        stream: IO[bytes] = gzip.GzipFile(fileobj=io.BytesIO(data))  # type: ignore[assignment]
    elif lower.endswith(".tar.bz2"):
        stream = bz2.BZ2File(io.BytesIO(data))
    elif lower.endswith(".tar"):
        stream = io.BytesIO(data)
    else:
        raise UnreadableSdist("not an archive format pip builds from")
    try:
        return _tar(io.BufferedReader(_Budget(stream, UNPACKED_BUDGET)))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise UnreadableSdist(f"not a readable tar archive ({e})") from None


def _top_file(path: str) -> str | None:
    """`setup.py` for `name-1.0/setup.py`: a build file at the sdist's top folder."""
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) == 2 and parts[1] in _BUILD_FILES else None


def _tar(stream: IO[bytes]) -> SdistFacts:
    sources: list[str] = []
    paths: list[str] = []
    texts: dict[str, str] = {}
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for count, member in enumerate(tar):
            if count >= MAX_MEMBERS:
                break
            if not member.isfile():
                continue
            paths.append(member.name)
            if member.name.lower().endswith(SOURCES):
                sources.append(member.name)
            top = _top_file(member.name)
            if top and member.size <= MAX_BUILD_FILE:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    texts[top] = extracted.read(MAX_BUILD_FILE).decode("utf-8", errors="replace")
    return _facts(sources, texts, paths)


def _zip(fetcher: Fetcher, url: str, cap: int) -> SdistFacts:
    try:
        with zipfile.ZipFile(RemoteZip(fetcher, url, full_cap=cap)) as zf:
            infos = zf.infolist()[:MAX_MEMBERS]
            sources = [i.filename for i in infos if i.filename.lower().endswith(SOURCES)]
            texts = {}
            for info in infos:
                top = _top_file(info.filename)
                if top and info.file_size <= MAX_BUILD_FILE:
                    with zf.open(info) as f:
                        texts[top] = f.read(MAX_BUILD_FILE).decode("utf-8", errors="replace")
            paths = [i.filename for i in infos]
    # zipfile raises RuntimeError for an encrypted member and NotImplementedError for an unknown compression method.
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as e:
        raise UnreadableSdist(f"not a readable zip archive ({e})") from None
    return _facts(sources, texts, paths)


_NOT_MODULES = {"setup", "conftest", "noxfile", "tasks", "fabfile", "versioneer", "backend", "test", "tests", "docs"}
MAX_MODULES = 50


def modules_of(paths: list[str]) -> tuple[str, ...]:
    """Top-level packages (a folder with __init__.py) and modules (.py, compiled sources' extension names are
    not guessed) directly under the sdist's folder or its src/."""
    found: set[str] = set()
    for path in paths:
        parts = path.strip("/").split("/")[1:]  # without the sdist's own top folder
        if parts[:1] == ["src"]:
            parts = parts[1:]
        if len(parts) == 2 and parts[1] == "__init__.py":
            found.add(parts[0])
        elif len(parts) == 1 and parts[0].endswith(".py"):
            found.add(parts[0][:-3])
    names = sorted(n for n in found if n.isidentifier() and n.lower() not in _NOT_MODULES)
    return tuple(names[:MAX_MODULES])


def _facts(sources: list[str], texts: dict[str, str], paths: list[str]) -> SdistFacts:
    evidence = [_shown(path) for path in sorted(sources)[:3]]
    setup = texts.get("setup.py", "")
    word = _SETUP_WORDS.search(setup)
    if word:
        evidence.append(f"{word.group(1).rstrip('( ')} in setup.py")
    for name in _build_requires(texts.get("pyproject.toml", "")):
        evidence.append(f"build requirement {name}")
    return SdistFacts(tuple(evidence), modules_of(paths))


def _build_requires(text: str) -> list[str]:
    if not text:
        return []
    try:
        system = tomllib.loads(text).get("build-system")
    except (tomllib.TOMLDecodeError, RecursionError):
        return []
    requires = system.get("requires") if isinstance(system, dict) else None
    found = []
    for line in requires[:100] if isinstance(requires, list) else []:
        try:
            name = canonicalize_name(Requirement(line).name) if isinstance(line, str) else ""
        except InvalidRequirement:
            continue
        if name in COMPILING:
            found.append(str(name))
    return found


def _shown(path: str) -> str:
    """A member path without the sdist's top folder, bounded and printable."""
    inner = path.strip("/").split("/", 1)[-1]
    flat = "".join(c if c.isprintable() else "?" for c in inner[:120])
    return flat + ("…" if len(inner) > 120 else "")
