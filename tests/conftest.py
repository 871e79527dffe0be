"""Shared, session-scoped fixtures: a local package index over HTTP, a fresh deploycheck cache, and
helpers that compile real locks with pip-compile and uv against that index."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from pkgindex import Dist, IndexServer, build_index

from deploycheck.resolve import (
    interpreters,
    resolver,
    toolchain,
)

# tests/data holds apps laid out as real repositories (with their own test_*.py files): inputs, not tests.
collect_ignore = ["data"]

PYTHONS = ("3.9", "3.11")

UNIVERSE = [
    # An app framework with the kinds of dependencies that make locks drift between machines.
    Dist("webapp-core", "1.0", ["helperlib>=1"]),
    Dist(
        "webapp-core",
        "2.0",
        [
            "helperlib>=2",
            'backport-x>=1; python_version < "3.11"',
            'winonly; sys_platform == "win32"',
            'macwatch; sys_platform != "darwin"',
        ],
    ),
    Dist("helperlib", "1.0"),
    Dist("helperlib", "2.0"),
    Dist("helperlib", "2.1"),
    Dist("backport-x", "1.2", requires_python=">=3.8"),
    Dist("winonly", "3.0", platform="win_amd64"),
    Dist("macwatch", "4.0"),
    Dist("fancy", "1.0", extras={"speed": ["speedups>=1"]}),
    Dist("speedups", "1.0"),
    Dist("newonly", "1.0"),
    Dist("newonly", "2.0", requires_python=">=3.11"),
    Dist("conflict-a", "1.0", ["helperlib<2"]),
    Dist("needs-setuptools", "1.0", ["setuptools>=40"]),
    Dist("setuptools", "99.0"),
]


@pytest.fixture(scope="session", autouse=True)
def deploycheck_cache() -> Iterator[Path]:
    """A cache of this session's own, so toolchain creation is exercised from nothing. Not under pytest's
    tmp folders (0700): as root, deploycheck runs the toolchains in it as an unprivileged user."""
    folder = Path(tempfile.mkdtemp(prefix="dc-cache-"))
    folder.chmod(0o755)
    old = os.environ.get("DEPLOYCHECK_CACHE_DIR")
    os.environ["DEPLOYCHECK_CACHE_DIR"] = str(folder)
    # No verdict cache: tests run the same inputs against changed indexes and tools and expect fresh verdicts.
    # tests/test_verdicts.py turns it on.
    os.environ["DEPLOYCHECK_NO_CACHE"] = "1"
    yield folder
    os.environ.pop("DEPLOYCHECK_NO_CACHE", None)
    if old is None:
        os.environ.pop("DEPLOYCHECK_CACHE_DIR", None)
    else:
        os.environ["DEPLOYCHECK_CACHE_DIR"] = old
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def drop() -> Iterator[Path]:
    """A world-writable folder, where package code running as the unprivileged user can leave files."""
    folder = Path(tempfile.mkdtemp(prefix="dc-drop-"))
    folder.chmod(0o1777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("index")
    build_index(UNIVERSE, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


def interp(version: str) -> interpreters.Interpreter:
    found = interpreters.find(version)
    if found is None:
        pytest.skip(f"CPython {version} is not installed here")
    return found


def pip_compile(folder: Path, python: str, *args: str, index_url: str) -> str:
    """Raw pip-compile in a clean environment, as a user on Linux with that Python would run it."""
    tool_python = toolchain.toolchain(interp(python))
    argv = [str(tool_python), "-m", "piptools", "compile", "-q", f"--index-url={index_url}", *args]
    done = subprocess.run(argv, cwd=folder, env=resolver.clean_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr


def uv_compile(folder: Path, python: str, *args: str, index_url: str) -> None:
    # UV_PYTHON rather than --python, which uv would write into the header: users run it in a venv.
    argv = [resolver.uv_binary(), "pip", "compile", "-q", "--index-url", index_url, *args]
    env = resolver.clean_env({"UV_PYTHON": interp(python).path})
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_check(folder: Path, *args: str) -> tuple[int, dict]:
    """deploycheck in-process, JSON report read back; the repository must be unchanged afterwards."""
    from entrypoint import main

    before = snapshot(folder)
    out = folder.parent / f"{folder.name}-report.json"
    code = main([str(folder), "--format", "json", "--output", str(out), *args])
    assert snapshot(folder) == before, "deploycheck modified the checked repository"
    return code, json.loads(out.read_text())


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory, index: str):
    """Locks compiled once per (python, tool, inputs) and copied into each test's app folder."""
    made: dict[tuple, Path] = {}

    def make(python: str, tool: str, requirements_in: str, *args: str) -> Path:
        key = (python, tool, requirements_in, args)
        if key not in made:
            folder = tmp_path_factory.mktemp("lock")
            write(folder, {"requirements.in": requirements_in})
            if tool == "pip-compile":
                pip_compile(folder, python, *args, "requirements.in", index_url=index)
            else:
                uv_compile(folder, python, *args, "requirements.in", "-o", "requirements.txt", index_url=index)
            made[key] = folder
        return made[key]

    return make


@pytest.fixture
def app(tmp_path: Path, compiled):
    """An app folder with requirements.in and its compiled lock, plus any extra files."""

    def make(
        python: str = "3.11",
        tool: str = "pip-compile",
        requirements_in: str = "webapp-core\n",
        *args: str,
        files: dict[str, str] | None = None,
        runtime: str | None = "same",
    ) -> Path:
        folder = tmp_path / "app"
        folder.mkdir()
        shutil.copytree(compiled(python, tool, requirements_in, *args), folder, dirs_exist_ok=True)
        if runtime:
            (folder / ".python-version").write_text((python if runtime == "same" else runtime) + "\n")
        write(folder, files or {})
        return folder

    return make


# Package-index fixtures (deploycheck/index/client.py and the pins, hashes and import checks that use it).
# They are added to UNIVERSE, so the `index` fixture serves them too; their names are new, so no
# existing lock resolves differently.
INDEX_DISTS = [
    # Import names that differ from the distribution name, from RECORD (and top_level.txt).
    Dist(
        "pyyaml-like",
        "6.0",
        modules={"yaml/__init__.py": "", "yaml/loader.py": "", "_yaml/__init__.py": ""},
        top_level_txt=True,
        metadata_file=True,
    ),
    # A namespace package: google/ and google/cloud/ have no __init__.py.
    Dist(
        "google-cloud-storage-like",
        "2.0",
        modules={"google/cloud/storage/__init__.py": "", "google/cloud/storage/blob.py": ""},
        top_level_txt=True,
    ),
    # A yanked release between two good ones.
    Dist("yankme", "1.0"),
    Dist("yankme", "1.1", yanked="broken build, use 1.2"),
    Dist("yankme", "1.2"),
    # Only an sdist: the deploy builds it from source.
    Dist("sdistonly", "1.0", setup_py="from setuptools import setup\nsetup(name='sdistonly', version='1.0')\n"),
    # Platform wheels: 1.0 has no musllinux or cp312 wheel, 1.1 adds musllinux, 2.0 is abi3.
    Dist("fastlib", "1.0", tag="cp311-cp311-manylinux2014_x86_64", with_sdist=True),
    Dist("fastlib", "1.0", tag="cp311-cp311-win_amd64"),
    Dist("fastlib", "1.1", tag="cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    Dist("fastlib", "1.1", tag="cp311-cp311-musllinux_1_2_x86_64"),
    Dist("fastlib", "2.0", tag="cp311-abi3-manylinux_2_28_x86_64", requires_python=">=3.11"),
    # Requires-Python that excludes new Pythons.
    Dist("oldpy", "1.0", requires_python="<3.8"),
    # A wheel of several MB whose modules must be read without downloading it.
    Dist("bigwheel", "1.0", padding=3_000_000),
]
UNIVERSE.extend(INDEX_DISTS)


@pytest.fixture(scope="session")
def index_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    """An index of its own (UNIVERSE), whose switches and request log tests may use."""
    root = tmp_path_factory.mktemp("index-server")
    build_index(UNIVERSE, root)
    with IndexServer(root) as server:
        yield server


@pytest.fixture
def fresh_index(index_server: IndexServer) -> Iterator[IndexServer]:
    """index_server with default switches and an empty request log, restored afterwards."""
    index_server.requests(clear=True)
    yield index_server
    index_server.serve_json, index_server.ranges, index_server.fail, index_server.gate = True, True, None, None
    index_server.peak, index_server.validators = 0, True
    index_server.requests(clear=True)


@pytest.fixture
def wrong_hash_app(tmp_path: Path, compiled) -> Path:
    """A --generate-hashes lock from pip-compile in which one pin (yankme) carries a wrong hash."""
    folder = tmp_path / "app"
    shutil.copytree(compiled("3.11", "pip-compile", "pyyaml-like\nyankme==1.2\n", "--generate-hashes"), folder)
    lock = folder / "requirements.txt"
    lines = lock.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("yankme==")) + 1
    lines[at] = lines[at].split("sha256:")[0] + "sha256:" + "0" * 64 + (" \\\n" if "\\" in lines[at] else "\n")
    lock.write_text("".join(lines))
    (folder / ".python-version").write_text("3.11\n")
    return folder
