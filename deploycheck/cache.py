"""deploycheck's own cache folder: toolchains per interpreter, interpreter probes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def folder() -> Path:
    base = os.environ.get("DEPLOYCHECK_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "deploycheck"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomic(path: Path, text: str) -> None:
    """Concurrent runs (pytest-xdist, matrix jobs on one runner) must never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)
