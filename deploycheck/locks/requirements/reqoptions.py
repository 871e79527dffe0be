"""The options pip accepts in a requirements file, parsed by optparse as pip parses them.

Using optparse itself gives pip's behaviour for free: unambiguous abbreviations (`--extra` is
`--extra-index-url`), `--opt=value` and `--opt value`, and pip's own error texts (`no such option: --foo`,
`--index-url option requires 1 argument`). The table follows pip's req_file SUPPORTED_OPTIONS and
SUPPORTED_OPTIONS_REQ (pip 26); `--use-feature` values are not checked, as they change with each pip.
"""

from __future__ import annotations

import optparse
import re
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any, NoReturn

# Canonical name -> (other spellings, takes a value).
SUPPORTED: dict[str, tuple[tuple[str, ...], bool]] = {
    "--index-url": (("-i", "--pypi-url"), True),
    "--extra-index-url": ((), True),
    "--no-index": ((), False),
    "-c": (("--constraint",), True),
    "-r": (("--requirement",), True),
    "-e": (("--editable",), True),
    "--find-links": (("-f",), True),
    "--no-binary": ((), True),
    "--only-binary": ((), True),
    "--prefer-binary": ((), False),
    "--require-hashes": ((), False),
    "--no-require-hashes": ((), False),  # pip 26
    "--pre": ((), False),
    "--all-releases": ((), True),  # pip 26
    "--only-final": ((), True),  # pip 26
    "--trusted-host": ((), True),
    "--use-feature": ((), True),
    # Per-requirement options: they belong to the requirement on the same line.
    "--hash": ((), True),
    "--config-settings": (("-C",), True),
}
PER_REQUIREMENT = {"--hash", "--config-settings"}
# Options pip used to accept here: current pip fails with "no such option".
REMOVED = {
    "--global-option": "pip 25.3 removed it",
    "--install-option": "pip 23.1 removed it",
}
STRONG_HASHES = ("sha256", "sha384", "sha512")
_SHELL_SPECIAL = re.compile(r"[\"'\\]")
_SHELL_SPACE = re.compile(r"[ \t\r\n]+")


class OptionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Parsed:
    options: list[tuple[str, str]] = field(default_factory=list)  # (canonical, value) in order


class _OptionParser(optparse.OptionParser):
    def error(self, msg: str) -> NoReturn:
        # optparse would print usage to stderr and exit; pip turns this into its parse error.
        raise OptionError(msg)


def _record(option: optparse.Option, opt_str: str, value: Any, parser: optparse.OptionParser, name: str) -> None:
    value = "" if value is None else str(value)
    if name == "--hash":
        algo, sep, _digest = value.partition(":")
        if not sep:
            parser.error(f"Arguments to {opt_str} must be a hash name followed by a value, like --hash=sha256:abcde...")
        if algo not in STRONG_HASHES:
            parser.error(f"Allowed hash algorithms for {opt_str} are {', '.join(STRONG_HASHES)}.")
    elif name == "--config-settings" and "=" not in value:
        parser.error(f"Arguments to {opt_str} must be of the form KEY=VAL")
    parsed: Parsed = getattr(parser.values, "parsed")  # noqa: B009 - optparse types values as Optional
    parsed.options.append((name, value))


def _build() -> _OptionParser:
    parser = _OptionParser(add_help_option=False)
    for name, (spellings, takes_value) in SUPPORTED.items():
        parser.add_option(
            name,
            *spellings,
            action="callback",
            callback=_record,
            callback_args=(name,),
            type="string" if takes_value else None,
            dest=name.strip("-").replace("-", "_"),
        )
    return parser


_LOCAL = threading.local()  # optparse keeps per-parse state on the parser: one per thread


def split(options: str) -> list[str]:
    """pip's `shlex.split(options)`; plain text (no quotes or backslashes) takes the fast path."""
    if not needs_shlex(options):
        return [token for token in _SHELL_SPACE.split(options) if token]
    try:
        return shlex.split(options)
    except ValueError:
        raise OptionError(f"Could not split options: {options}") from None


def needs_shlex(options: str) -> bool:
    """Quotes or backslashes: the slow, character-by-character path (callers budget it)."""
    return bool(_SHELL_SPECIAL.search(options))


def parse_tokens(tokens: list[str]) -> Parsed:
    """Parse split options, or raise OptionError with pip's message."""
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = _build()
    values = optparse.Values({"parsed": Parsed()})
    parser.parse_args(tokens, values)
    parsed: Parsed = values.parsed
    return parsed


def parse(options: str) -> Parsed:
    return parse_tokens(split(options))


def break_args_options(line: str) -> tuple[str, str]:
    """pip's split of a line: the words before the first one starting with '-' are the requirement.

    pip splits on single spaces; a word starts with '-' exactly when the '-' opens the line or follows a
    space, so the search jumps from '-' to '-' instead of walking every word.
    """
    at = line.find("-")
    while at > 0 and line[at - 1] != " ":
        at = line.find("-", at + 1)
    if at < 0:
        return line, ""
    return line[: max(at - 1, 0)], line[at:]
