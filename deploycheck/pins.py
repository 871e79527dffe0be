"""deploycheck's own version and the toolchain it runs (for `--version`, and for the verdict cache's key).

Read without importing the resolvers: `deploycheck --version` must stay a few milliseconds.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from deploycheck import __version__

_UV_DIST_INFO = re.compile(r"^uv-([0-9][^-]*)\.dist-info$")


def pinned(lock: str, package: str) -> str | None:
    """`package==X` from one of deploycheck's toolchain locks (resolve/*.txt), the pins every run uses."""
    try:
        text = (Path(__file__).parent / "resolve" / lock).read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(package + "=="):
            return line.split("==", 1)[1].split()[0].split(";")[0]
    return None


def uv_version() -> str | None:
    """The uv deploycheck runs: the `uv` distribution beside it (resolve.resolver.uv_binary's first choice).
    Read from its dist-info folder's name: importlib.metadata alone costs 40 ms of imports."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            found = _UV_DIST_INFO.match(name)
            if found:
                return found.group(1)
    return None  # uv from PATH: its version is whatever that binary says


def version_text() -> str:
    tools = [
        f"pip-tools {pinned('toolchain.txt', 'pip-tools') or '(unpinned)'}",
        f"uv {uv_version() or '(from PATH)'}",
    ]
    return f"deploycheck {__version__} ({', '.join(tools)})\n"
