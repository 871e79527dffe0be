"""DC35x: requirements files as pip reads them at deploy time.

A line pip cannot parse (a pasted Markdown fence, a `pip install x` line, a merge-conflict marker,
`requests==`) fails the deploy's `pip install -r`, so it is an error at file:line with pip's own complaint.
A UTF-16 file (PowerShell's `pip freeze > requirements.txt`) is read by pip, but not by many other tools and
build steps. deploycheck.locks.requirements.reqfile reads the files; this check reports what it found in
the files the deploy reads (locks and plain requirements files). A `.in` that pip refuses is the drift
check's "could not check": the deploy never reads it.
"""

from __future__ import annotations

from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

UNPARSEABLE = Rule("DC350", "error", "a line of a deployed requirements file that pip cannot parse")
ENCODING = Rule("DC351", "warning", "a requirements file that is not UTF-8 (UTF-16 from PowerShell, a coding comment)")
NOT_TEXT = Rule("DC352", "error", "bytes in a requirements file that are not text in any encoding pip reads")
TOO_LARGE = Rule("DC353", "error", "a requirements file or line past deploycheck's size limits")
QUESTIONABLE = Rule("DC354", "warning", "a line pip accepts but that does not do what it seems to")
RULES = (UNPARSEABLE, ENCODING, NOT_TEXT, TOO_LARGE, QUESTIONABLE)
SCOPE = "app"

_BY_KIND = {
    "syntax": UNPARSEABLE,
    "unknown-option": UNPARSEABLE,
    "duplicate": UNPARSEABLE,
    "name-too-long": UNPARSEABLE,
    "not-text": NOT_TEXT,
    "too-large": TOO_LARGE,
    "line-too-long": TOO_LARGE,
    "encoding": ENCODING,
    "repeated": QUESTIONABLE,
    "ignored-option": QUESTIONABLE,
    "env-var": QUESTIONABLE,
    "too-many-issues": QUESTIONABLE,
}


def check(app: App, settings: Settings) -> list[Finding]:
    findings = []
    for file in app.requirement_files():
        for issue in file.issues:
            rule = _BY_KIND.get(issue.kind, UNPARSEABLE)
            severity = issue.severity if rule is QUESTIONABLE else None
            findings.append(rule.finding(file.display, issue.line, issue.message, issue.fix, severity=severity))
    return findings
