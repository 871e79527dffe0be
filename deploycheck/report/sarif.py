"""The report as SARIF 2.1.0, for GitHub code scanning (github/codeql-action/upload-sarif) and any SARIF viewer.

One run: a rule per code deploycheck knows (from the checks' declarations: id, title, default level, the
docs/codes.md entry as help and its URL as helpUri), a result per finding (level from its severity, the file
and line from the repository's top under %SRCROOT%), and the "could not check" problems as tool execution
notifications, so that a run that could not check is never an empty, clean-looking result list.

Repository text (paths, messages) is JSON string data here and `message.text` is shown as plain text, never
Markdown: only deploycheck's own rule help is given as Markdown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from deploycheck.report import ruledocs
from deploycheck.report.model import Finding, Problem, Report
from deploycheck.report.rules import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SRCROOT = "%SRCROOT%"


def _uri(path: str) -> str:
    """A repository path as a relative URI reference: `svc a/req#1.txt` -> `svc%20a/req%231.txt`."""
    # A name of raw bytes (b"\xff" is the surrogate "\udcff" in Python) is percent-encoded as those bytes.
    return quote(path.replace("\\", "/").lstrip("/"), safe="/-._~", errors="surrogateescape")


def _location(path: str | None, line: int | None, locate: Callable[[str], str]) -> list[dict[str, Any]]:
    if not path:
        return []
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(locate(path)), "uriBaseId": SRCROOT}}
    if line and line > 0:
        physical["region"] = {"startLine": line}
    return [{"physicalLocation": physical}]


def _rule(rule: Rule, docs: str) -> dict[str, Any]:
    entry = ruledocs.entry(rule.code, docs) or f"## {rule.code} {rule.title} ({rule.severity})\n"
    return {
        "id": rule.code,
        "shortDescription": {"text": rule.title},
        "helpUri": ruledocs.url(rule.code),
        "help": {"text": entry, "markdown": entry},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["deploycheck"], "severity": rule.severity},
    }


def _result(finding: Finding, index: dict[str, int], locate: Callable[[str], str]) -> dict[str, Any]:
    text = f"{finding.message} Fix: {finding.fix}" if finding.fix else finding.message
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": text},
        # A notebook's line counts within its cell (the message names it): the file, without a region.
        "locations": _location(finding.path, None if finding.cell else finding.line, locate),
        "properties": {"severity": finding.severity, "helpUri": ruledocs.url(finding.code)},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    return result


def _notification(problem: Problem, locate: Callable[[str], str]) -> dict[str, Any]:
    text = f"{problem.message} ({problem.fix})" if problem.fix else problem.message
    note: dict[str, Any] = {"level": "error", "message": {"text": f"could not check: {text}"}}
    where = _location(problem.path, problem.line, locate)
    if where:
        note["locations"] = where
    return note


def to_sarif(
    report: Report, rules: Iterable[Rule], *, version: str, locate: Callable[[str], str] = lambda path: path
) -> str:
    """`locate`: a path as the report shows it (from the checked folder) -> from the repository's top, which is
    what code scanning resolves %SRCROOT% to."""
    ordered = sorted(rules, key=lambda rule: rule.code)
    index = {rule.code: i for i, rule in enumerate(ordered)}
    docs = ruledocs.codes_md()
    problems = report.problems + [lock.error for lock in report.lockfiles if lock.error]
    run = {
        "tool": {
            "driver": {
                "name": "deploycheck",
                "version": version,
                "informationUri": ruledocs.REPOSITORY,
                "rules": [_rule(rule, docs) for rule in ordered],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not problems,
                "exitCode": report.exit_code,
                "toolExecutionNotifications": [_notification(p, locate) for p in problems],
            }
        ],
        "results": [_result(f, index, locate) for f in report.findings],
        "properties": {"outcome": report.outcome},
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
