"""deploycheck runs the uv pinned in deploycheck/resolve/uv-toolchain.txt and no other (#18 item 1).

The first-use install is exercised for real: a fresh interpreter without the `uv` package on sys.path, a
`uv` of another version first on PATH, an empty cache, and a local index on 127.0.0.1 serving a uv wheel
rebuilt from the uv installed in this venv (the same binary; a lock of that wheel's hash stands in for the
shipped lock, whose hashes are PyPI's files), so nothing is fetched from the network."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from pkgindex import IndexServer, build_index, publish_wheel

from deploycheck import pins
from deploycheck.resolve import resolver

UV_LOCK = ROOT / "deploycheck" / "resolve" / "uv-toolchain.txt"
VERSION = pins.pinned("uv-toolchain.txt", "uv")


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _rebuild_uv_wheel(folder: Path) -> Path:
    """The installed uv distribution as the wheel it came from: bin/ files back under .data/scripts/."""
    dist = importlib.metadata.distribution("uv")
    assert dist.version == VERSION, "the dev lock pins the uv of uv-toolchain.txt"
    tag = next(
        line.split(": ", 1)[1] for line in (dist.read_text("WHEEL") or "").splitlines() if line.startswith("Tag:")
    )
    data_dir, records = f"uv-{VERSION}.data/scripts/", []
    wheel = folder / f"uv-{VERSION}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as out:
        for file in dist.files or []:
            name = file.as_posix()
            if "__pycache__" in name or name.endswith(("/RECORD", "/INSTALLER", "/REQUESTED")):
                continue
            data = Path(str(file.locate())).read_bytes()
            arcname = data_dir + name.rsplit("/", 1)[1] if name.startswith("../") else name
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | (0o755 if arcname.startswith(data_dir) else 0o644)) << 16
            out.writestr(info, data)
            records.append(f"{arcname},{_record_hash(data)},{len(data)}")
        records.append(f"uv-{VERSION}.dist-info/RECORD,,")
        out.writestr(f"uv-{VERSION}.dist-info/RECORD", "\n".join(records) + "\n")
    return wheel


@pytest.fixture(scope="module")
def uv_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IndexServer, Path]]:
    """(the index server, a lock pinning the rebuilt wheel by its hash)."""
    root = tmp_path_factory.mktemp("uv-index")
    (root / "simple").mkdir()
    build_index([], root)
    wheel = _rebuild_uv_wheel(tmp_path_factory.mktemp("uv-wheel"))
    publish_wheel(wheel, root)
    lock = root / "uv-toolchain.txt"
    lock.write_text(f"uv=={VERSION} \\\n    --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}\n")
    with IndexServer(root) as server:
        yield server, lock


@pytest.fixture
def empty_cache() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="dc-uv-cache-"))
    folder.chmod(0o755)
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


# Run in a fresh interpreter (-S: no site-packages, so no `uv` package beside deploycheck). The shipped lock's
# hashes are PyPI's: the lock of the rebuilt wheel takes its place (UV_LOCK is data, not code).
SCRIPT = """
import sys
from pathlib import Path
try:
    from deploycheck.resolve import uvtool
    uvtool.UV_LOCK = Path(sys.argv[1])
except ImportError:
    pass  # the old code: nothing to point anywhere
from deploycheck.resolve import resolver
print(resolver.uv_binary())
"""


def _uv_binary_in_fresh_python(
    lock: Path, cache: Path, index_url: str, fake_bin: Path, beside: Path | None = None
) -> subprocess.CompletedProcess:
    env = {
        "PATH": f"{fake_bin}:/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *([str(beside)] if beside else [])]),
        "DEPLOYCHECK_CACHE_DIR": str(cache),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_INDEX_URL": index_url,
        "HOME": os.environ.get("HOME", "/root"),
    }
    return subprocess.run(
        [sys.executable, "-S", "-c", SCRIPT, str(lock)], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def wrong_uv_on_path(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    fake = folder / "uv"
    fake.write_text("#!/bin/sh\necho 'uv 0.99.0'\n")
    fake.chmod(0o755)
    return folder


def test_a_uv_of_another_version_on_path_is_never_used_the_pinned_one_is_installed(
    uv_index, empty_cache, wrong_uv_on_path
):
    server, lock = uv_index
    server.requests(clear=True)
    done = _uv_binary_in_fresh_python(lock, empty_cache, f"{server.url}/simple/", wrong_uv_on_path)
    assert done.returncode == 0, done.stderr[-3000:]
    path = Path(done.stdout.strip())
    assert path != wrong_uv_on_path / "uv"
    assert path.is_relative_to(empty_cache / "toolchains"), path
    said = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout
    assert said.split()[:2] == ["uv", VERSION]
    assert any(r.path.endswith(".whl") for r in server.requests())
    # Package code runs as another user: it may write nothing of the toolchain's, nor hold its install lock.
    for top, dirs, files in os.walk(path.parent.parent):
        for name in dirs + files:
            mode = os.lstat(os.path.join(top, name)).st_mode
            assert stat.S_ISLNK(mode) or not mode & 0o022, os.path.join(top, name)
    assert stat.S_IMODE(os.stat(empty_cache / "toolchains" / ".uv.lock").st_mode) == 0o600
    # The second run reuses it: no request to the index, the same binary.
    server.requests(clear=True)
    again = _uv_binary_in_fresh_python(lock, empty_cache, f"{server.url}/simple/", wrong_uv_on_path)
    assert again.returncode == 0 and again.stdout == done.stdout, again.stderr[-3000:]
    assert server.requests() == []


def test_a_uv_package_of_another_version_beside_deploycheck_is_not_used(
    uv_index, empty_cache, wrong_uv_on_path, tmp_path
):
    """A user's venv with a newer `uv` package beside deploycheck: its binary says another version."""
    server, lock = uv_index
    (tmp_path / "site" / "uv").mkdir(parents=True)
    (tmp_path / "site" / "uv" / "__init__.py").write_text(
        f"def find_uv_bin():\n    return {str(wrong_uv_on_path / 'uv')!r}\n"
    )
    done = _uv_binary_in_fresh_python(
        lock, empty_cache, f"{server.url}/simple/", wrong_uv_on_path, beside=tmp_path / "site"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert Path(done.stdout.strip()) == empty_cache / "toolchains" / f"uv-{VERSION}" / "bin" / "uv"


def test_two_first_runs_at_once_install_once(uv_index, empty_cache, wrong_uv_on_path):
    server, lock = uv_index
    server.requests(clear=True)
    results: list[subprocess.CompletedProcess] = []

    def one() -> None:
        results.append(_uv_binary_in_fresh_python(lock, empty_cache, f"{server.url}/simple/", wrong_uv_on_path))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-2000:] for r in results]
    assert results[0].stdout == results[1].stdout
    assert len([r for r in server.requests() if r.path.endswith(".whl")]) == 1
    assert [p.name for p in (empty_cache / "toolchains").iterdir() if not p.name.startswith(".uv.lock")] == [
        f"uv-{VERSION}"
    ]


def test_an_unreachable_index_is_a_clear_message_not_a_traceback(uv_index, empty_cache, wrong_uv_on_path):
    _, lock = uv_index
    done = _uv_binary_in_fresh_python(lock, empty_cache, "http://127.0.0.1:9/simple/", wrong_uv_on_path)
    assert done.returncode != 0
    assert f"could not install uv {VERSION}" in done.stderr
    assert not (empty_cache / "toolchains" / f"uv-{VERSION}").exists()


def test_the_uv_beside_deploycheck_is_used_when_it_is_the_pinned_version(deploycheck_cache):
    from uv import find_uv_bin

    assert resolver.uv_binary() == find_uv_bin()
    assert (
        not list((deploycheck_cache / "toolchains").glob("uv-*"))
        if (deploycheck_cache / "toolchains").exists()
        else True
    )


def test_the_shipped_lock_pins_one_uv_by_hash_and_version_names_it():
    text = UV_LOCK.read_text()
    assert text.count("--hash=sha256:") >= 10  # every platform's wheel
    assert [line.split()[0] for line in text.splitlines() if line[:1].isalpha()] == [f"uv=={VERSION}"]
    assert not [line for line in text.splitlines() if line.startswith("-")]  # no index or find-links lines
    # The dev venv holds the same uv beside deploycheck (requirements-dev.in), so tests use it as the image does.
    assert f"uv=={VERSION}\n" in (ROOT / "requirements-dev.in").read_text()
    assert f"uv {VERSION})" in pins.version_text()
    assert pins.uv_version() == VERSION


def test_the_install_steps_see_the_users_mirror_but_no_token(monkeypatch, tmp_path):
    """uvtool runs its steps through resolver's trusted runner: a real `env`, run as the install steps are."""
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secretvalue")
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple/")
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere/else")
    ok, output = resolver._trusted_step(["/usr/bin/env"], tmp_path, 30)
    assert ok
    assert "ghs_secretvalue" not in output and "GITHUB_TOKEN" not in output
    assert "PIP_INDEX_URL=https://mirror.example/simple/" in output.splitlines()
    assert not any(line.startswith("VIRTUAL_ENV=") for line in output.splitlines())


def _fake_beside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[list[str]]]:
    """A `uv` package beside deploycheck whose binary is a file of this test's, and a runner that records what
    it was asked (it answers as the pinned uv would)."""
    binary = tmp_path / "bin" / "uv"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\n")
    (tmp_path / "site" / "uv").mkdir(parents=True)
    (tmp_path / "site" / "uv" / "__init__.py").write_text(f"def find_uv_bin():\n    return {str(binary)!r}\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "uv", raising=False)
    monkeypatch.setenv("DEPLOYCHECK_CACHE_DIR", str(tmp_path / "cache"))
    asked: list[list[str]] = []
    return binary, asked


def test_the_beside_uv_is_asked_its_version_once_per_file(tmp_path, monkeypatch):
    """`uv --version` costs a process start on every run: the answer is kept for that very file (inode, size,
    mtime, ctime), and asked again when the file changes or the kept answer could have been written by others."""
    from deploycheck.resolve import uvtool

    binary, asked = _fake_beside(tmp_path, monkeypatch)

    def runner(argv: list[str], cwd: Path, timeout: float) -> tuple[bool, str]:
        asked.append(argv)
        return True, f"uv {VERSION}\n"

    assert uvtool._beside_uv(runner, VERSION) == str(binary)
    assert uvtool._beside_uv(runner, VERSION) == str(binary)
    assert asked == [[str(binary), "--version"]]  # the second run read the kept answer
    record = tmp_path / "cache" / "toolchains" / "beside-uv.json"
    record.chmod(0o666)  # writable by others: not trusted
    assert uvtool._beside_uv(runner, VERSION) == str(binary) and len(asked) == 2
    binary.write_text("#!/bin/sh\n# replaced\n")  # another file's answer is not this one's
    assert uvtool._beside_uv(runner, VERSION) == str(binary) and len(asked) == 3
    assert uvtool._beside_uv(runner, VERSION) == str(binary) and len(asked) == 3


def test_a_kept_answer_for_another_version_is_not_taken(tmp_path, monkeypatch):
    from deploycheck.resolve import uvtool

    binary, asked = _fake_beside(tmp_path, monkeypatch)

    def runner(argv: list[str], cwd: Path, timeout: float) -> tuple[bool, str]:
        asked.append(argv)
        return True, "uv 0.0.1\n"

    assert uvtool._beside_uv(runner, "0.0.1") == str(binary)
    assert uvtool._beside_uv(runner, VERSION) is None  # the binary says 0.0.1: not the pinned uv
    assert len(asked) == 2
