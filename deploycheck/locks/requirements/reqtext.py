"""From the bytes of a requirements file to pip's logical lines, in time linear in the input.

pip decodes a requirements file (byte-order mark, else a PEP 263 `# coding:` comment in the first two
lines, else UTF-8), splits it with `str.splitlines`, joins backslash continuations and strips comments
with the regular expression `(^|\\s+)#.*$`. That expression is quadratic on a long run of spaces, so the
same rules are written here with `str.find`; the tests compare both on ordinary input.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from encodings import aliases, normalize_encoding

MAX_LINE_CHARS = 64 * 1024  # a logical or physical line longer than this is a finding, not parsed
QUOTE_CHARS = 100  # quoted input is cut here, so a 1 MB package name never reaches a report

# pip's order matters: the UTF-16 LE mark is a prefix of the UTF-32 LE one.
_BOMS = [
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
]
# Exactly what str.splitlines splits on (pip numbers lines with it).
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")
# Declared codecs that are plain text encodings with linear decoders; pip would also accept e.g.
# punycode (quadratic) or unicode_escape, which no real requirements file declares.
_SAFE_CODEC = re.compile(
    r"(utf_(8|16|32)(_[bl]e|_sig)?|ascii|latin_1|cp\d+|iso8859_\d+|mac_[a-z]+|koi8_[a-z]|"
    r"shift_jis\w*|euc_\w+|gb\w+|big5\w*|hz|johab|iso2022_\w+|kz1048|ptcp154|tis_620|hp_roman8)"
)


@dataclass
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16-le", ... or a codec named by a `# coding:` comment
    bad_line: int | None = None  # line of the first byte that is not text in `encoding`
    bad_detail: str = ""  # what was wrong with it
    declared: bool = False  # the encoding comes from a `# coding:` comment


def clip(text: str, limit: int = QUOTE_CHARS) -> str:
    """At most `limit` characters of input, control characters made visible, "…" where it was cut."""
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text[:limit])
    return shown if len(text) <= limit else shown + "…"


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """Quote input for a message, so that a 1 MB package name is never echoed in full."""
    quoted = f"'{clip(text, limit)}'"
    return quoted if len(text) <= limit else f"{quoted} ({len(text)} characters)"


def physical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) as `enumerate(text.splitlines(), 1)`, without building the list."""
    start = 0
    number = 0
    for brk in _LINE_BREAK.finditer(text):
        number += 1
        yield number, text[start : brk.start()]
        start = brk.end()
    if start < len(text):
        yield number + 1, text[start:]


def line_of(text: str, offset: int) -> int:
    """Number of the line that holds text[offset]."""
    return 1 + sum(1 for _ in _LINE_BREAK.finditer(text, 0, offset))


def is_comment_line(line: str) -> bool:
    """pip's `COMMENT_RE.match(line)`: the first non-space character is '#'."""
    return line.lstrip().startswith("#")


def comment_start(line: str) -> int:
    """Index where pip's comment begins ('#' at the start or after whitespace), or -1."""
    at = line.find("#")
    while at > 0 and not line[at - 1].isspace():
        at = line.find("#", at + 1)
    return at


def strip_comment(line: str) -> str:
    at = comment_start(line)
    return (line if at < 0 else line[:at]).strip()


@dataclass
class Logical:
    number: int  # first physical line
    text: str  # joined, comment stripped, stripped of surrounding whitespace
    too_long: int = 0  # characters, when over MAX_LINE_CHARS (then `text` is "")


def logical_lines(text: str) -> Iterator[Logical]:
    """pip's join_lines + ignore_comments, with every line bounded by MAX_LINE_CHARS.

    A line ending in a backslash continues on the next one (the backslashes are stripped from both ends
    and the parts joined with nothing between them), except a comment line, which always ends the
    logical line. Comments are stripped only after joining, as pip does.
    """
    parts: list[str] = []
    size = 0
    first = 0
    continuing = False
    for number, line in physical_lines(text):
        if not continuing:
            first, parts, size = number, [], 0
        comment = is_comment_line(line)
        if line.endswith("\\") and not comment:
            continuing = True
            piece = line.strip("\\")
            size += len(piece)
            if piece and size <= MAX_LINE_CHARS:
                parts.append(piece)
            continue
        continuing = False
        size += len(line)
        if size > MAX_LINE_CHARS:
            yield Logical(first, "", size)
            continue
        parts.append(" " + line if comment else line)
        joined = strip_comment("".join(parts))
        if joined:
            yield Logical(first, joined)
    if continuing:
        if size > MAX_LINE_CHARS:
            yield Logical(first, "", size)
        elif joined := strip_comment("".join(parts)):
            yield Logical(first, joined)


def _declared_codec(raw: bytes) -> tuple[str, int] | None:
    """The codec a `# coding: x` comment in the first two lines names (pip honours it), and its line."""
    start = 0
    for number in (1, 2):
        end = raw.find(b"\n", start)
        line = raw[start : end if end >= 0 else len(raw)][: MAX_LINE_CHARS * 4]
        if line[:1] == b"#":
            found = _CODING.search(line)
            if found:
                return found.group(1).decode("ascii", "replace"), number
        if end < 0:
            break
        start = end + 1
    return None


def _decode(raw: bytes, codec: str, label: str, declared: bool = False) -> Decoded:
    try:
        return Decoded(raw.decode(codec), label, declared=declared)
    except UnicodeDecodeError as exc:
        text = raw.decode(codec, errors="replace")
        prefix = raw[: exc.start].decode(codec, errors="replace")
        bad = raw[exc.start : min(exc.end, exc.start + 4)]
        detail = f"byte {' '.join(f'0x{b:02X}' for b in bad)} is not {label}"
        return Decoded(text, label, line_of(prefix, len(prefix)), detail, declared)


def decode(raw: bytes) -> Decoded:
    """Decode as pip does: byte-order mark, else `# coding:` comment, else UTF-8.

    pip falls back to the locale's encoding when UTF-8 fails; on a Linux deploy that is UTF-8 again (or
    ASCII), so such bytes fail the install there: `bad_line` names the first of them.
    """
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            return _decode(raw[len(bom) :], codec, label)
    declared = _declared_codec(raw)
    if declared:
        name = normalize_encoding(declared[0].lower())
        name = aliases.aliases.get(name, name)
        if not _SAFE_CODEC.fullmatch(name):
            return Decoded(
                raw.decode("utf-8", errors="replace"),
                "utf-8",
                declared[1],
                f"the comment declares the encoding {shorten(declared[0])}, which deploycheck does not read",
                declared=True,
            )
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            return Decoded(
                raw.decode("utf-8", errors="replace"),
                "utf-8",
                declared[1],
                f"the comment declares the encoding {shorten(declared[0])}, which Python does not know",
                declared=True,
            )
        plain = _decode(raw, "utf-8", "utf-8")
        if plain.bad_line is None and plain.text == raw.decode(codec, errors="replace"):
            return plain  # the declaration changes nothing
        return _decode(raw, codec, codec, declared=True)
    return _decode(raw, "utf-8", "utf-8")
