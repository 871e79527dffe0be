"""Repository text made inert for each output: a terminal line, and Markdown that GitHub renders.

Everything a pull request controls (a path, a lock line, a package name, a resolver's message, a header
command) passes through these before it is printed or posted. Each first redacts the runner's credentials
(escaping would otherwise hide a token from the redactor, `ghs\\_…`), then:

- visible(): control characters become their visible symbols (a newline is ␊, ESC is ␛, a tab a space), and bidi
  controls that could reorder what follows become U+FFFD, so a folder name can neither start a new line
  nor drive the terminal. In a GitHub Actions log, where the runner reads `::name::` at the start of a
  line and the legacy `##[name]` anywhere in it as workflow commands, a word joiner breaks both: text
  that the CLI prints in a workflow step is no command either (the action also stops commands
  altogether around its output: deploycheck.workflowlog).
- md_text(): plain text in which every ASCII punctuation character is backslash-escaped (no HTML, entity,
  emphasis, link, image, heading or table syntax survives), and a word joiner (U+2060) follows what
  GitHub's own filters would turn into a link or an image after rendering: `@` (mentions), `#` and `GH-`
  (issue references), `:` (emoji shortcodes, URL schemes), `www.` (cmark-gfm's autolinks).
- md_code(): a code span whose fence is longer than any run of backticks in the text; GitHub leaves code
  alone (no mentions, links or emoji there). In a table cell, `|` is escaped even inside code.
- md_fence(): a fenced block whose fence is longer than any run of backticks in the text.
- md_prose(): our own sentences that quote repository text in backticks: the quoted parts as code spans,
  the rest as md_text. Whichever way a backtick in the repository's text splits it, every part is inert.
"""

from __future__ import annotations

import re
import string

from deploycheck.credentials import redact

_JOINER = "\u2060"
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x09: " ", 0x7F: "\u2421"}
_SINGLE = str.maketrans(
    {**_PICTURES, **{code: "\ufffd" for code in range(0x80, 0xA0)}, **{ord(c): "\ufffd" for c in _BIDI}}
)
_BLOCK = str.maketrans({k: v for k, v in _SINGLE.items() if k not in (0x09, 0x0A)})  # keeps tab and newline
_PUNCTUATION = frozenset(string.punctuation)
_LINKED_AFTER = frozenset("@#:")  # what GitHub turns into mentions, references, emoji and links
_WWW = re.compile(r"(?i)(w)(ww\.)")
_GH_REF = re.compile(r"(?i)\b(gh\\-)(?=\d)")
_BACKTICKS = re.compile(r"`+")
_EDGE_SPACES = re.compile(r"^ +| +$")
_QUOTED = re.compile(r"(`[^`]+`)")
_LINE_COMMAND = re.compile(r"(?m)^(\s*)::")  # the runner trims leading white space (.NET's) first


def visible(text: object, *, lines: bool = False) -> str:
    """One line of repository text for a terminal or a log (lines=True keeps its newlines and tabs)."""
    shown = redact(str(text)).translate(_BLOCK if lines else _SINGLE).replace("##[", "##" + _JOINER + "[")
    return _LINE_COMMAND.sub(r"\1" + _JOINER + "::", shown)


def md_text(text: object) -> str:
    """Repository text as Markdown that renders as exactly that text, on one line, with nothing linked."""
    line = visible(text)
    out = []
    for char in _WWW.sub(r"\1" + _JOINER + r"\2", line):
        out.append("\\" + char if char in _PUNCTUATION else char)
        if char in _LINKED_AFTER:
            out.append(_JOINER)
    escaped = _GH_REF.sub(r"\1" + _JOINER, "".join(out))
    # Spaces at either end would be trimmed, or make a hard line break: kept as character references.
    return _EDGE_SPACES.sub(lambda m: "&#32;" * len(m.group()), escaped)


def _fence_for(text: str, shortest: int) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(shortest, longest + 1)


def md_code(text: object, *, table: bool = False) -> str:
    """Repository text as one code span (in a table cell: table=True)."""
    body = visible(text)
    if not body:
        return ""
    if table:
        body = body.replace("|", "\\|")  # GFM splits cells before it reads code spans
    fence = _fence_for(body, 1)
    # CommonMark strips one space at each end when both ends have one (unless it is all spaces): padding
    # keeps backticks and spaces at the ends as they are.
    pad = " " if (body[0] in "` " or body[-1] in "` ") and body.strip(" ") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def md_fence(text: object, info: str = "") -> list[str]:
    """Repository text, several lines, as a fenced code block: its lines, to join with the document's."""
    body = visible(text, lines=True).rstrip("\n")
    fence = _fence_for(body, 3)
    return [fence + info, *body.split("\n"), fence]


def md_prose(text: object, *, table: bool = False) -> str:
    """A sentence of ours that quotes repository text in `backticks`."""
    parts = _QUOTED.split(visible(text))
    return "".join(md_code(part[1:-1], table=table) if i % 2 else md_text(part) for i, part in enumerate(parts) if part)
