"""The uv that deploycheck runs: exactly the version pinned in uv-toolchain.txt, never whatever uv is on PATH.

deploycheck's verdicts (drift, the fix commands, the headers it compares) are tested with that uv only, so a
user's uv of another version must not judge their locks. The `uv` package is no dependency of deploycheck (it
would clash with the user's own uv): when the `uv` distribution beside deploycheck is the pinned version (the
image, the development venv) it is used as is; otherwise the pinned wheel is installed once, with its hashes
required, into a venv of its own in deploycheck's cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from deploycheck import cache, progress
from deploycheck.errors import CheckError

UV_LOCK = Path(__file__).with_name("uv-toolchain.txt")
# resolver.run, as deploycheck's own trusted step (argv, cwd, timeout) -> (succeeded, its output): passed in by
# resolver.uv_binary, the one module that runs subprocesses, so that this module imports none of it.
Runner = Callable[[list[str], Path, float], "tuple[bool, str]"]

_beside: dict[str, str | None] = {}  # the `uv` beside deploycheck, when it is the pinned version: probed once
_beside_lock = threading.Lock()


def pinned_version(lock_file: Path) -> str:
    for line in lock_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("uv=="):
            return line.split("==", 1)[1].split()[0]
    raise CheckError(f"{lock_file.name} pins no uv", path=str(lock_file), fix="reinstall deploycheck")


def binary(runner: Runner, lock_file: Path | None = None) -> str:
    """The path of the pinned uv: the one beside deploycheck when it is that version, else deploycheck's own."""
    lock_file = lock_file or UV_LOCK
    version = pinned_version(lock_file)
    with _beside_lock:
        if version not in _beside:
            _beside[version] = _beside_uv(runner, version)
        found = _beside[version]
    return found or str(install(runner, lock_file, version))


def reports_version(runner: Runner, path: str, version: str) -> bool:
    """Whether the binary at `path` is uv `version` (it says `uv 0.13.9` or `uv 0.13.9 (hash date)`)."""
    if not os.path.isfile(path):
        return False
    ok, output = runner([path, "--version"], Path(path).parent, 30)
    return ok and output.split()[:2] == ["uv", version]


def _beside_uv(runner: Runner, version: str) -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        path = find_uv_bin()
    except FileNotFoundError:
        return None
    # find_uv_bin also looks in the user's scripts folder: the binary's own answer is what counts. Asking it
    # costs a process start on every run, so the answer is kept for that very file: its inode, size, mtime and
    # ctime (which no one can set back after changing the file).
    try:
        identity = _identity(path)
    except OSError:
        return None
    record = cache.folder() / "toolchains" / "beside-uv.json"
    if _recorded(record) == {"path": path, "id": identity, "version": version}:
        return path
    if not reports_version(runner, path, version):
        return None
    with contextlib.suppress(OSError):
        record.parent.mkdir(parents=True, exist_ok=True)
        cache.write_atomic(record, json.dumps({"path": path, "id": identity, "version": version}))
    return path


def _identity(path: str) -> list[int]:
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _recorded(record: Path) -> object:
    """The kept answer, when the file is ours and no one else may have written it."""
    try:
        with open(record, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_uid != os.geteuid() or st.st_mode & 0o022:
                return None
            return json.loads(f.read(4096))
    except (OSError, ValueError):
        return None


def install(runner: Runner, lock_file: Path, version: str, *, timeout: float = 600) -> Path:
    """The pinned uv in deploycheck's cache, installed on first use under a lock file (concurrent runs wait for
    the first one rather than racing it) and made unwritable by others, as the pip-tools toolchains are."""
    home = cache.folder() / "toolchains"
    home.mkdir(exist_ok=True)
    uv = home / f"uv-{version}" / "bin" / "uv"
    if uv.exists():
        return uv
    # 0600: package code runs as another user and must not be able to hold this lock and stall every run.
    fd = os.open(home / ".uv.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not uv.exists():
            cache.remove_abandoned(home)
            _build(runner, home, lock_file, version, timeout)
    finally:
        os.close(fd)  # releases the lock
    return uv


def _build(runner: Runner, home: Path, lock_file: Path, version: str, timeout: float) -> None:
    staging = cache.staging(home)
    venv = staging / "venv"
    python, lock = str(venv / "bin" / "python"), str(lock_file)
    instead = f"or install uv=={version} beside deploycheck (the same venv)"
    steps = [
        ([sys.executable, "-m", "venv", str(venv)], f"install Python's venv module (Debian: python3-venv) {instead}"),
        # Only the pinned wheel, checked against the lock's hashes: no build code, no other package.
        (
            [python, "-m", "pip", "install", "-q", "--require-hashes", "--no-deps", "--only-binary=:all:", "-r", lock],
            f"check that the package index is reachable (proxy and certificate settings), then run again, {instead}",
        ),
    ]
    try:
        with progress.step(f"installing uv {version} (once)"):
            for argv, fix in steps:
                ok, output = runner(argv, staging, timeout)
                if not ok:
                    raise CheckError(f"could not install uv {version}: {output.strip()[-800:]}", fix=fix)
        if not reports_version(runner, str(venv / "bin" / "uv"), version):
            raise CheckError(f"the installed uv is not uv {version}", fix="remove deploycheck's cache and run again")
        not_writable_by_others(venv)
        # The uv binary needs nothing of the venv's python, so its bin/ works from the final path.
        os.rename(venv, home / f"uv-{version}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def not_writable_by_others(folder: Path) -> None:
    """uv leaves its venv's `.lock` writable by everyone (0666): package code runs as another user and may
    hold or write nothing of the toolchain's."""
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(top, name)
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o022:
                os.chmod(path, stat.S_IMODE(mode) & ~0o022)
