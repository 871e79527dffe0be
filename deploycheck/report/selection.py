"""Which findings a run reports, the way ruff and deptry users choose: --select / --ignore with codes or
prefixes, per-file ignores, and an inline `# deploycheck: ignore[DC110]` on the line itself (where each kind
of file holds it: deploycheck.report.inline)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from deploycheck.report.model import Finding

_INLINE = re.compile(r"#\s*deploycheck:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?", re.IGNORECASE)


def unknown(patterns: Iterable[str], codes: Iterable[str]) -> list[str]:
    """Patterns that match no known code: `DC1` and `DC110` match, `DC9`, `E501` or `ALL2` do not."""
    known = list(codes)
    return [p for p in patterns if p.upper() != "ALL" and not any(c.startswith(p.upper()) for c in known)]


def _specificity(pattern: str, code: str) -> int:
    """How closely a pattern matches a code: -1 not at all, 0 for ALL, else the prefix's length."""
    pattern = pattern.upper()
    if pattern == "ALL":
        return 0
    return len(pattern) if code.startswith(pattern) else -1


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(p.upper() == "ALL" or code.startswith(p.upper()) for p in patterns)


@dataclass
class Selection:
    select: list[str] = field(default_factory=list)  # empty: every code
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob (from the checked root) -> codes

    def wants(self, code: str) -> bool:
        """A code is reported when selected (the longest matching prefix decides, as in ruff) and not ignored."""
        chosen = not self.select or _matches(code, self.select)
        if not chosen:
            return False
        best_ignore = max((_specificity(p, code) for p in self.ignore), default=-1)
        best_select = max((_specificity(p, code) for p in self.select), default=-1)
        return not (best_ignore >= 0 and best_ignore >= best_select)

    def wants_any(self, codes: Iterable[str]) -> bool:
        return any(self.wants(c) for c in codes)

    def keeps(self, finding: Finding, comments: Callable[[Finding], list[str]]) -> bool:
        """`comments`: the texts the finding's inline comment may be on (report.inline.LineComments)."""
        if not self.wants(finding.code):
            return False
        path = finding.path or ""
        for pattern, codes in self.per_file_ignores.items():
            if fnmatch.fnmatch(path, pattern) and _matches(finding.code, codes):
                return False
        return all(inline_allows(text, finding.code) for text in comments(finding))


def inline_allows(line: str, code: str) -> bool:
    m = _INLINE.search(line)
    if not m:
        return True
    if m.group(1) is None:  # a bare `# deploycheck: ignore` silences every code on the line, as ruff's bare noqa does
        return False
    codes = [c.strip().upper() for c in m.group(1).split(",") if c.strip()]
    return not _matches(code, codes)
