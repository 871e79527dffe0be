"""A uv cache that starts with what uv learnt of the interpreter, for each run's otherwise empty one.

Each run's package code gets caches of its own (deploycheck.resolve.sandbox), so every uv run of deploycheck's
would start by running the target interpreter to read its version, markers and tags: 60-80 ms, which is a
third of a resolve through the index relay. deploycheck asks uv that once per interpreter, as its own trusted
step with no requirement at all (no package code, no index: `--offline`), keeps the cache uv wrote in its
own cache folder (not writable by package code), and copies it into a run's cache before the run's first uv
step. uv checks the entry against the interpreter itself (path and modification time) before it trusts it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from deploycheck import cache

# resolver's trusted step: (argv, cwd, env) -> succeeded; passed in, so that this module starts no process.
Trusted = Callable[[list[str], Path, dict[str, str]], bool]


def template(uv: str, python: str, trusted: Trusted) -> Path | None:
    """The kept cache for this uv and interpreter, made now if it is missing; None when uv could not make it."""
    try:
        st_uv, st_py = os.stat(uv), os.stat(python)
    except OSError:
        return None
    ident = f"{uv}\0{st_uv.st_ino}\0{st_uv.st_mtime_ns}\0{python}\0{st_py.st_ino}\0{st_py.st_mtime_ns}"
    home = cache.folder() / "toolchains" / "seeded-uv-caches"
    final = home / hashlib.sha256(ident.encode()).hexdigest()[:24]
    if final.is_dir():
        return final
    home.mkdir(parents=True, exist_ok=True)
    staging = cache.staging(home)
    try:
        (staging / "empty.in").write_text("")
        argv = [uv, "pip", "compile", "--quiet", "--offline", "--no-header", "--python", python, "empty.in"]
        env = {"PATH": os.environ.get("PATH", ""), "UV_CACHE_DIR": str(staging / "uv"), "UV_NO_CONFIG": "1"}
        if not trusted([*argv, "-o", os.devnull], staging, env) or not (staging / "uv").is_dir():
            return None
        (staging / "uv" / ".lock").unlink(missing_ok=True)  # the run's uv makes its own
        with contextlib.suppress(OSError):  # a concurrent run made it first: theirs is as good
            os.rename(staging / "uv", final)
        return final if final.is_dir() else None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def seed(into: Path, kept: Path) -> bool:
    """Copy the kept cache into a run's uv cache that does not exist yet; False when there was one already, or
    anything else by that name (its folder is the sandbox user's: an earlier step's package code may have left a
    link there, dangling or not), or the copy failed (the run's uv then starts from nothing, as before)."""
    if os.path.lexists(into):
        return False
    try:
        shutil.copytree(kept, into, symlinks=True)
    except OSError:
        shutil.rmtree(into, ignore_errors=True)  # fd-based: a link in it is removed, not followed
        return False
    return True
