"""deploycheck's own cache folder: toolchains per interpreter, interpreter probes, the sandbox's caches."""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path


def folder() -> Path:
    base = os.environ.get("DEPLOYCHECK_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "deploycheck"
    )
    path = Path(base)
    # 0755 whatever the umask: the sandbox user (when deploycheck is root) runs the toolchains in here.
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o755)
    return path


def write_atomic(path: Path, text: str) -> None:
    """Concurrent runs (pytest-xdist, matrix jobs on one runner) must never see half a file."""
    import tempfile  # here, as shutil and secrets below: a run answered from the verdict cache writes nothing

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# `.new-<pid>-<start time>-<random>`: the builder's identity, so a later run can tell a folder whose
# builder was killed from one a concurrent run is still filling. The start time defeats pid reuse.
_STAGING = re.compile(r"^\.new-(\d+)-(\d+)-[0-9a-f]+$")


def _start_time(pid: int) -> int | None:
    """Clock ticks after boot at which pid started (Linux), 0 where unknown but alive, None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[19])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0


def staging(home: Path) -> Path:
    import secrets

    pid = os.getpid()
    path = home / f".new-{pid}-{_start_time(pid) or 0}-{secrets.token_hex(4)}"
    path.mkdir(mode=0o700)
    return path


def remove_abandoned(home: Path) -> list[Path]:
    """Remove the staging folders of builders that are no longer running (killed mid-build)."""
    import shutil

    removed = []
    for entry in home.glob(".new-*"):
        m = _STAGING.match(entry.name)
        if m:
            started = _start_time(int(m.group(1)))
            if started is not None and (started == 0 or int(m.group(2)) in (0, started)):
                continue
        else:  # an older deploycheck's name, without the builder's identity: left alone for an hour
            with contextlib.suppress(OSError):
                if time.time() - entry.stat().st_mtime < 3600:
                    continue
        with contextlib.suppress(OSError):
            shutil.rmtree(entry)
            removed.append(entry)
    return removed
