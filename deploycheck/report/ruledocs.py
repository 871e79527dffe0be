"""Each code's documentation, where the user is: its docs/codes.md entry from the installed package
(`deploycheck rule DC101`), and a stable URL for it in the JSON report and SARIF.

docs/codes.md is installed as deploycheck/report/codes.md (a symlink in the source tree, a file in the
wheel: package-data). Each entry has an explicit anchor (`<a id="dc101"></a>`), so its URL stays the same
when an entry's title is reworded, which GitHub's heading anchors would not.
"""

from __future__ import annotations

import re

# The repository's home, the one place it is written; the rule URLs point at docs/codes.md on its default branch.
REPOSITORY = "https://github.com/deploycheck/deploycheck"
DEFAULT_BRANCH = "main"
CODES_URL = f"{REPOSITORY}/blob/{DEFAULT_BRANCH}/docs/codes.md"
_ANCHOR = re.compile(r'^<a id="(dc\d{3})"></a>\s*$')
_HEADING = re.compile(r"^#{1,3} ")


def url(code: str) -> str:
    """The documentation URL of a code, e.g. …/docs/codes.md#dc101."""
    return f"{CODES_URL}#{code.lower()}"


def codes_md() -> str:
    from importlib import resources  # 20-30 ms of start-up: only for `rule` and SARIF, never for a plain run

    return resources.files("deploycheck.report").joinpath("codes.md").read_text(encoding="utf-8")


def entry(code: str, text: str | None = None) -> str | None:
    """The Markdown entry of a code, from its heading to the next entry or section (fences respected); None when
    docs/codes.md has no entry for it."""
    lines = (codes_md() if text is None else text).splitlines()
    heading = f"## {code.upper()} "
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
    if start is None:
        return None
    body, fenced = [lines[start]], False
    for line in lines[start + 1 :]:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (_HEADING.match(line) or _ANCHOR.match(line)):
            break
        body.append(line)
    return "\n".join(body).strip() + "\n"
