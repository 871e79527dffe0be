"""Where an inline `# deploycheck: ignore[CODE]` is read, for each kind of file a finding points at.

- "line": the comment on the reported line itself (Python files, requirements files, TOML, YAML, Procfile,
  packages.txt, .python-version, runtime.txt, .env files: `#` starts a comment in each).
- "cell": a notebook's finding names a code cell and a line in it (Finding.cell): the comment is on that line
  of that cell, as the user sees it in Jupyter, never on the .ipynb file's line of that number.
- "above": Dockerfiles. Docker reads `#` as a comment only at the start of a line (`FROM python:3.8 # x`
  fails the build), so the comment is a line of its own directly above the reported one.
- None: JSON (Pipfile.lock and other .json files) has no comments; per-file-ignores serve there.

Every file is read through the repository (inside it, a regular file, capped), once per run, within a total
budget: a finding on a file that cannot be read simply stands.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository, decode
from deploycheck.report import located
from deploycheck.report.model import Finding

FILE_CAP = 5 * 1024 * 1024  # bytes read of one file, for its comments
NOTEBOOK_CAP = 20 * 1024 * 1024  # notebooks carry their outputs (images), as the imports check allows
TOTAL_CAP = 64 * 1024 * 1024  # bytes read for comments in one run, all files together
_NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's own line breaks: a form feed or U+2028 does not end a line


def comment_style(path: str) -> str | None:
    """ "line", "cell", "above", or None (no comments in that kind of file), from the file's name."""
    name = PurePosixPath(path).name
    lower = name.lower()
    if lower.endswith(".ipynb"):
        return "cell"
    if lower.endswith(".json") or name == "Pipfile.lock":
        return None
    if lower in ("dockerfile", "containerfile") or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return "above"
    return "line"


def notebook_cells(data: bytes) -> list[object]:
    """A notebook's cells (nbformat 4, or 3's worksheets), as JSON values; [] for anything that is not one."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return []
    if not isinstance(doc, dict):
        return []
    cells = doc.get("cells")
    if cells is None:  # nbformat 3 kept its cells in worksheets
        worksheets = doc.get("worksheets")
        cells = [
            c
            for w in (worksheets if isinstance(worksheets, list) else [])
            if isinstance(w, dict) and isinstance(w.get("cells"), list)
            for c in w["cells"]
        ]
    return cells if isinstance(cells, list) else []


def cell_lines(cells: list[object], cell: int) -> list[str]:
    """The lines of a code cell (1-based among all cells, as the imports check counts them); [] otherwise."""
    chosen = cells[cell - 1] if 0 < cell <= len(cells) else None
    if not isinstance(chosen, dict) or chosen.get("cell_type") != "code":
        return []
    raw = chosen.get("source", chosen.get("input", ""))
    text = "".join(raw) if isinstance(raw, list) and all(isinstance(s, str) for s in raw) else raw
    return _NEWLINE.split(text) if isinstance(text, str) else []


class LineComments:
    """finding -> the texts its inline comment may be on (none, or one line), read on demand.

    `known`: texts the scan already read, by their shown path (requirements files, decoded as their own reader
    decodes them), so that a comment is read from the same text the finding was made from."""

    def __init__(self, repo: Repository, known: dict[str, str] | None = None) -> None:
        self.repo = repo
        self.known = {path: text.splitlines() for path, text in (known or {}).items()}
        self.raw: dict[str, bytes | None] = {}
        self.notebooks: dict[str, list[object]] = {}  # parsed once, however many findings a notebook has
        self.budget = TOTAL_CAP

    def __call__(self, finding: Finding) -> list[str]:
        if not finding.path or not finding.line or finding.line < 1:
            return []
        style = comment_style(finding.path)
        if style is None:
            return []
        if style == "cell":
            if not finding.cell:
                return []
            if finding.path not in self.notebooks:
                data = self._read(finding.path, min(NOTEBOOK_CAP, self.budget))  # its bytes are not kept
                self.budget -= len(data or b"")
                self.notebooks[finding.path] = notebook_cells(data) if data is not None else []
            return _at(cell_lines(self.notebooks[finding.path], finding.cell), finding.line)
        lines = self._lines(finding.path)
        if style == "above":
            above = _at(lines, finding.line - 1)
            return above if above and above[0].lstrip().startswith("#") else []
        return _at(lines, finding.line)

    def _lines(self, path: str) -> list[str]:
        if path not in self.known:
            data = self._bytes(path, FILE_CAP)
            text = decode(data) if data is not None and b"\x00" not in data[:8192] else ""
            self.known[path] = _NEWLINE.split(text) if path.endswith(".py") and text else text.splitlines()
        return self.known[path]

    def _bytes(self, path: str, cap: int) -> bytes | None:
        if path not in self.raw:
            self.raw[path] = self._read(path, min(cap, self.budget))
            self.budget -= len(self.raw[path] or b"")
        return self.raw[path]

    def _read(self, shown: str, cap: int) -> bytes | None:
        path = located.shown_file(self.repo, shown) if cap > 0 else None
        if path is None:
            return None
        try:
            return self.repo.read(path, cap=cap)
        except (OSError, safefs.UnsafePath):
            return None  # a link out, a FIFO, an oversized file: not read, the finding stands


def _at(lines: list[str], number: int) -> list[str]:
    return [lines[number - 1]] if 0 < number <= len(lines) else []
