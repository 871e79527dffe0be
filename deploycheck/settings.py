"""What a run was asked to do, from the command line (and, for the action, INPUT_* variables)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def valid_python_version(text: str) -> bool:
    """X.Y or X.Y.Z of CPython 3."""
    parts = text.split(".")
    return len(parts) in (2, 3) and all(p.isdigit() for p in parts) and parts[0] == "3"


@dataclass
class Settings:
    root: Path = Path(".")
    python_version: str | None = None
    resolver: str = "auto"  # auto | pip-tools | uv
    lockfiles: list[str] = field(default_factory=list)
    format: str = "text"  # text | json | markdown
    output: Path | None = None
    fix_dir: Path | None = None
    strict: bool = False
    fail_on: str = "error"  # error | warning | never  (the action calls "error" "drift")
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    timeout: float = 180.0  # seconds for one resolver run; a fresh compile gets the same again
    only_binary: bool = False

    def index_options(self) -> list[str]:
        opts = ["--index-url", self.index_url] if self.index_url else []
        for url in self.extra_index_urls:
            opts += ["--extra-index-url", url]
        return opts
