"""One difference between two locks, as the report shows it.

Its own module, free of any lock format's parser: the report model and its renderers import it, and
loading them must not load the requirements parser (every check loads the report).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Change:
    name: str
    kind: str  # "added" | "removed" | "changed"
    before: str | None
    after: str | None
    line: int | None  # in the committed lock (None when added)
    fields: list[str] = field(default_factory=list)  # for "changed": version, extras, marker, hashes, url
    reason: str = ""
    cause: str = ""
    impact: str = ""
    severity: str = "error"
    via: list[str] = field(default_factory=list)
    before_version: str | None = None
    after_version: str | None = None
    # Not in the JSON report: the committed line's own marker, and whether the line is one the deploy does not
    # install or need, there because the lock was made for another machine or Python (explain.py).
    before_marker: str = ""
    elsewhere: bool = False
