"""deploycheck's own version and the toolchain it runs (for `--version`, and for the verdict cache's key).

Read without importing the resolvers: `deploycheck --version` must stay a few milliseconds.
"""

from __future__ import annotations

from pathlib import Path

from deploycheck import __version__


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
    """The uv deploycheck runs: the one pinned in resolve/uv-toolchain.txt (resolve.uvtool never runs another)."""
    return pinned("uv-toolchain.txt", "uv")


def version_text() -> str:
    tools = [
        f"pip-tools {pinned('toolchain.txt', 'pip-tools') or '(unpinned)'}",
        f"uv {uv_version() or '(unpinned)'}",
    ]
    return f"deploycheck {__version__} ({', '.join(tools)})\n"
