"""Finding a real CPython of the deploy's version: on PATH, under pyenv, or managed by uv."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from deploycheck import cache
from deploycheck.errors import CheckError
from deploycheck.resolve.resolver import clean_env, run, uv_binary


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # full, e.g. "3.11.7"

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


# Interpreters found but not runnable by the sandbox user (path -> why), for a precise "not found" message.
unreachable: dict[str, str] = {}


def _probe(path: str) -> Interpreter | None:
    """Ask the interpreter itself, as the user that will run it (the sandbox user when we are root), so an
    interpreter that user cannot run is never chosen; remembered per (path, mtime, user): a probe costs a
    process start."""
    from deploycheck.resolve import sandbox

    who = sandbox.user()
    try:
        real = os.path.realpath(path)
        # Every run's fresh sandbox user is "other" to every file alike: one answer for all of them.
        runner = "sandbox" if who is not None and who.fresh else who.uid if who else os.getuid()
        stamp = f"{real}:{os.stat(real).st_mtime_ns}:{runner}"
    except OSError:
        return None
    memo = cache.folder() / "interpreters.json"
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        known = {}
    if stamp in known:
        version = known[stamp]
        return Interpreter(path, version) if version else None
    try:
        version, why = probe_python(path)
    except OSError:
        return None
    if why:
        # Not remembered: the fix (chmod o+x on a folder above it) changes no mtime of the interpreter.
        unreachable[path] = why
        return None
    known[stamp] = version
    cache.write_atomic(memo, json.dumps(known))
    return Interpreter(path, version) if version else None


def _candidates(minor: str) -> list[str]:
    found: list[str] = []
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = pyenv_root / "versions"
    if versions.is_dir():
        for entry in sorted(versions.iterdir(), reverse=True):
            if entry.name == minor or entry.name.startswith(minor + "."):
                python = entry / "bin" / "python3"
                if python.exists():
                    found.append(str(python))
    exe = shutil.which(f"python{minor}")
    if exe and "/shims/" not in exe:  # a pyenv shim is a script whose version depends on pyenv's config
        found.append(exe)
    for prefix in ("/usr/local/bin", "/usr/bin"):
        path = Path(prefix) / f"python{minor}"
        if path.exists():
            found.append(str(path))
    return list(dict.fromkeys(found))


def _uv_managed(minor: str) -> list[str]:
    try:
        found = uv_find_python(minor)
    except OSError:
        return []
    return [found] if found else []


def find(version: str) -> Interpreter | None:
    """CPython whose version matches: the exact patch release when one is asked for, else the newest patch."""
    minor = ".".join(version.split(".")[:2])
    matches = []
    for path in _candidates(minor):
        interp = _probe(path)
        if interp and interp.minor == minor:
            matches.append(interp)
    if not matches:
        matches = [i for p in _uv_managed(minor) if (i := _probe(p)) and i.minor == minor]
    if not matches:
        return None
    exact = [i for i in matches if i.version == version]
    if exact:
        return exact[0]
    return max(matches, key=lambda i: tuple(int(x) for x in i.version.split(".")))


def how_to_install(version: str) -> str:
    minor = ".".join(version.split(".")[:2])
    blocked = [unreachable[path] for path in _candidates(minor) if path in unreachable]
    if blocked:
        return blocked[0]
    return (
        f"install CPython {version} so that `python{'.'.join(version.split('.')[:2])}` is on PATH "
        f"(e.g. `uv python install {version}` or `pyenv install {version}`), or pass --python-version "
        "for another version"
    )


_PROBE = "import sys, platform; print(platform.python_implementation(), '%d.%d.%d' % sys.version_info[:3])"


def probe_python(path: str) -> tuple[str, str]:
    """The CPython version of an interpreter ("" when it is not a CPython that runs), asked as the user that
    will run it, and why that user cannot run it at all ("" when it can)."""
    done = run([path, "-I", "-c", _PROBE], cwd=Path("/"), env={}, timeout=30)
    if done.returncode == 126 and not done.stdout:
        return "", done.stderr.strip()
    try:
        impl, version = done.stdout.split()
    except ValueError:
        return "", ""
    return (version if impl == "CPython" and done.ok else ""), ""


def uv_find_python(minor: str) -> str | None:
    """A uv-managed CPython of that minor version, never downloaded."""
    try:
        argv = [uv_binary(), "python", "find", "--managed-python", "--no-python-downloads", minor]
    except CheckError:
        return None
    done = run(argv, cwd=Path("/"), env=clean_env(), timeout=30)
    found = done.stdout.strip()
    return found if done.ok and found else None
