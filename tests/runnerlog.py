"""What the GitHub Actions runner does with a step's log lines, for tests: the workflow commands it acts on.

The rules of actions/runner (src/Runner.Common/ActionCommand.cs, src/Runner.Worker/ActionCommandManager.cs):
- a line is split on \\r\\n, \\r or \\n;
- `::name props::data` is a command when the line starts with `::` after leading spaces (TryParseV2);
- otherwise the legacy `##[name props]data` is one wherever `##[` appears in the line (TryParse);
- only registered names count, case-insensitively;
- `stop-commands` with data TOKEN stops all processing until a command named TOKEN (either form) resumes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGISTERED = {
    "error",
    "warning",
    "notice",
    "debug",
    "add-mask",
    "add-matcher",
    "remove-matcher",
    "echo",
    "group",
    "endgroup",
    "save-state",
    "set-output",
    "set-env",
    "add-path",
    "stop-commands",
}


@dataclass
class Command:
    name: str
    data: str
    properties: dict[str, str] = field(default_factory=dict)
    line: str = ""


def _unescape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for escaped, plain in table:
        text = text.replace(escaped, plain)
    return text


_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def _v2(line: str, names: set[str]) -> Command | None:
    text = line.lstrip()
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    info = text[2:end]
    name, _, props = info.partition(" ")
    if name.lower() not in names:
        return None
    properties = {}
    for prop in filter(None, props.strip().split(",")):
        key, sep, value = prop.partition("=")
        if sep and key:
            properties[key] = _unescape(value, _PROPERTY)
    return Command(name.lower(), _unescape(text[end + 2 :], _DATA), properties, line)


def _legacy(line: str, names: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    name = line[start + 3 : close].split(" ")[0]
    if name.lower() not in names:
        return None
    return Command(name.lower(), line[close + 1 :], {}, line)


def commands(log: str) -> list[Command]:
    """The commands the runner would act on, in order (stop-commands and its resume token excluded)."""
    acted: list[Command] = []
    token: str | None = None
    for line in re.split(r"\r\n|\r|\n", log):
        names = REGISTERED | ({token.lower()} if token else set())
        found = _v2(line, names) or _legacy(line, names)
        if found is None:
            continue
        if token is not None:
            if found.name == token.lower():
                token = None
            continue
        if found.name == "stop-commands":
            token = found.data
            continue
        acted.append(found)
    return acted
