"""Reading requirements files as pip reads them: pins, option lines, annotations, the pip-compile / uv header.

Nothing here raises for content. What pip would refuse (and so what breaks the deploy) becomes an
`Issue` on the returned `ReqFile`, naming the line; the rest of the file is still read. Callers that
read a file the deploy never reads (a `.in` source) use `raise_first_issue` to get the old "could not
check" error. Work is linear in the input and every kind of it is capped (the MAX_* constants here and in
reqlines). The parts: reqtext (bytes to pip's logical lines), reqoptions (pip's option table), reqlines
(the line parser), header (the pip-compile / uv header and the `# via` layout); this module reads a file
with them.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName

from deploycheck.errors import CheckError
from deploycheck.locks import markers
from deploycheck.locks.indexes import INDEX_LIKE
from deploycheck.locks.model import ISSUE_KINDS, Issue, Pin
from deploycheck.locks.requirements import header as headers
from deploycheck.locks.requirements import reqoptions, reqtext
from deploycheck.locks.requirements.header import MAX_HEADER_LINES, Header, parse_header
from deploycheck.locks.requirements.reqlines import (
    MAX_ENTRIES,
    MAX_ISSUES,
    MAX_NAME_CHARS,
    MAX_OPTION_TOKENS,
    MAX_QUOTED_CHARS,
    LineParser,
)
from deploycheck.locks.requirements.reqtext import MAX_LINE_CHARS
from deploycheck.locks.tools import UNSAFE

__all__ = [
    "INDEX_LIKE",
    "ISSUE_KINDS",
    "MAX_ENTRIES",
    "MAX_HEADER_LINES",
    "MAX_ISSUES",
    "MAX_LINE_CHARS",
    "MAX_NAME_CHARS",
    "MAX_OPTION_TOKENS",
    "MAX_QUOTED_CHARS",
    "UNSAFE",
    "Header",
    "Issue",
    "Pin",
    "parse_header",
]

MAX_FILE_BYTES = 5 * 1024 * 1024  # a larger file is one "too-large" issue and is not parsed
MAX_LINES = 200_000  # physical lines; a hashed lock of 500 packages has about 20,000

# Every spelling of the options a requirements file may carry -> canonical name (as before: -r, -c).
OPTION_NAMES = {
    spelling: name
    for name, (spellings, _) in reqoptions.SUPPORTED.items()
    if name != "-e" and name not in reqoptions.PER_REQUIREMENT
    for spelling in (name, *spellings)
}


@dataclass
class ReqFile:
    path: Path
    display: str  # the path as shown to the user
    text: str  # decoded; line endings kept. Write it back with .encode("utf-8") to convert a UTF-16 file
    pins: dict[NormalizedName, Pin]
    options: list[tuple[str, str, int]]  # (canonical option, value, line)
    unsafe_comments: list[NormalizedName]
    header: Header
    crlf: bool
    encoding: str = "utf-8"  # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", ...
    issues: list[Issue] = field(default_factory=list)
    # Further lines for a name already in `pins`, under other markers (uv --universal writes these).
    alternates: list[Pin] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def python(self) -> str | None:
        """The Python the header says the file was compiled with."""
        return self.header.python

    def lines_for(self, python: str) -> dict[NormalizedName, Pin]:
        """Each name's line pip installs on Linux with this Python, a name's lines under other markers included
        (a universal lock's numpy for 3.12 may be its second line)."""
        return {p.name: p for p in [*self.pins.values(), *self.alternates] if markers.applies(p.marker, python)}

    @property
    def universal(self) -> bool:
        """Made by `uv pip compile --universal`: pins for every platform and Python it allows."""
        return "--universal" in self.header.argv


def raise_first_issue(rf: ReqFile) -> None:
    """For files the deploy does not read (.in sources): the first error is "could not check"."""
    for issue in rf.errors:
        raise CheckError(issue.message, path=rf.display, line=issue.line, fix=issue.fix)


def _encoding_issue(decoded: reqtext.Decoded) -> Issue | None:
    if decoded.encoding.startswith(("utf-16", "utf-32")):
        return Issue(
            None,
            f"the file is {decoded.encoding.upper()} with a byte-order mark (as PowerShell's `pip freeze > "
            "requirements.txt` writes it); pip reads it, but many tools and build steps expect UTF-8",
            "save it as UTF-8: `pip freeze | Out-File -Encoding utf8 requirements.txt` in PowerShell, or "
            "choose UTF-8 when saving in your editor",
            "encoding",
        )
    if decoded.declared and decoded.bad_line is None:
        return Issue(
            None,
            f"the file is {decoded.encoding}, as its `# coding:` comment declares; pip reads it, uv and other "
            "tools expect UTF-8",
            "save it as UTF-8 and remove the coding comment",
            "encoding",
        )
    return None


def _not_text(decoded: reqtext.Decoded) -> Issue | None:
    if decoded.bad_line is not None:
        return Issue(
            decoded.bad_line,
            f"{decoded.bad_detail}: pip reads requirements files as UTF-8 (unless they start with a byte-order "
            "mark), so the install fails on a Linux deploy",
            'save the file as UTF-8 (in Notepad: Save As, Encoding: UTF-8; Windows\' "ANSI" is not UTF-8)',
            "not-text",
        )
    nul = decoded.text.find("\x00")
    if nul >= 0:
        return Issue(
            reqtext.line_of(decoded.text, nul),
            "the line holds NUL bytes: this is not a text file (UTF-16 without its byte-order mark?)",
            "save the file as UTF-8 text",
            "not-text",
        )
    return None


def too_large(path: Path, display: str, size: str) -> ReqFile:
    """A file past MAX_FILE_BYTES (or MAX_LINES): one too-large issue and nothing else read."""
    issue = Issue(
        None,
        f"the file is {size}; deploycheck reads requirements files up to {MAX_FILE_BYTES} bytes and {MAX_LINES} lines",
        "check that this is a requirements file; a real one is a few kilobytes",
        "too-large",
    )
    return ReqFile(path, display, "", {}, [], [], headers.NONE, False, issues=[issue])


def _count_lines(text: str) -> int:
    """Lines as str.splitlines counts them, at C speed (no list of millions of strings)."""
    breaks = sum(text.count(ch) for ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029") - text.count("\r\n")
    return breaks + 1


def _parse(decoded: reqtext.Decoded, path: Path, display: str) -> ReqFile:
    text = decoded.text
    lines = _count_lines(text)
    if lines > MAX_LINES:
        return too_large(path, display, f"{lines} lines long")
    parser = LineParser(display, skip_bad_chars=decoded.bad_line is not None)
    for issue in (_encoding_issue(decoded), _not_text(decoded)):
        if issue:
            parser.issues.kept.append(issue)
    parser.run(text)
    vias, unsafe = headers.layout(text)
    for pin in (*parser.pins.values(), *parser.alternates):
        pin.via = vias.get(pin.line, [])
    return ReqFile(
        path=path,
        display=display,
        text=text,
        pins=parser.pins,
        options=parser.options,
        unsafe_comments=unsafe,
        header=parse_header(text),
        crlf="\r\n" in text,
        encoding=decoded.encoding,
        issues=parser.issues.result(),
        alternates=parser.alternates,
    )


def parse_text(text: str, path: Path, display: str) -> ReqFile:
    """Parse decoded text. Never raises for content: see ReqFile.issues."""
    if len(text) > MAX_FILE_BYTES:
        return too_large(path, display, f"{len(text)} characters")
    return _parse(reqtext.Decoded(text, "utf-8"), path, display)


def parse_bytes(raw: bytes, path: Path, display: str) -> ReqFile:
    """Decode as pip does (byte-order mark, `# coding:` comment, else UTF-8), then parse."""
    if len(raw) > MAX_FILE_BYTES:
        return too_large(path, display, f"{len(raw)} bytes")
    return _parse(reqtext.decode(raw), path, display)


def read(path: Path, display: str | None = None) -> ReqFile:
    """Read and parse a file; raises CheckError only when it cannot be read at all."""
    display = display or str(path)
    try:
        # O_NONBLOCK: a FIFO named requirements.txt must not hang the run; only regular files are read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise CheckError("not a regular file", path=display, fix="point deploycheck at a requirements file")
            if info.st_size > MAX_FILE_BYTES:
                return too_large(path, display, f"{info.st_size} bytes")
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may grow after fstat
    except OSError as exc:
        raise CheckError(f"cannot read the file ({exc.strerror})", path=display) from None
    return parse_bytes(raw, path, display)
