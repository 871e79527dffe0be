"""What a GitHub Actions step writes for the runner: outputs, the job summary, annotations.

No API calls here: these work with any token, including the read-only one of a fork's pull request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from deploycheck.report import render
from deploycheck.report.inert import visible
from deploycheck.report.model import Report

SUMMARY_LIMIT = 1024 * 1024  # bytes GitHub accepts per step summary
ANNOTATION_LIMIT = 50


def write_outputs(path: Path, outputs: dict[str, str]) -> None:
    """Heredoc form with a random delimiter, so no value can end the block early or inject an output."""
    with path.open("a", encoding="utf-8") as f:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            f.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def step_outputs(report: Report, report_path: str) -> dict[str, str]:
    """The action's outputs (action.yml). `findings` and `not-checked` are JSON, for a workflow's fromJSON():
    `fromJSON(steps.deploycheck.outputs.findings).warning > 0`, `join(fromJSON(…not-checked), ', ')`."""
    counts = {severity: 0 for severity in ("error", "warning", "info")}
    for finding in report.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return {
        "outcome": report.outcome,
        "drift": str(report.drift).lower(),
        "report-path": report_path,
        "findings": json.dumps(counts, separators=(",", ":")),
        "not-checked": json.dumps(report.not_checked, separators=(",", ":")),
    }


def summary_markdown(report: Report, run_url: str | None, provenance: str = "") -> str:
    """provenance: in publish-only mode, whose report this is (under the heading)."""
    where = f" of {run_url}" if run_url else ""
    more = f"see the JSON report{where} (the report-path output)"
    room = SUMMARY_LIMIT - 1024 - len(provenance.encode("utf-8"))
    text = render.fit_markdown(report, lambda md: len(md.encode("utf-8")) < room, more)
    if text is None:
        text = (
            f"## deploycheck: {render.VERDICT[report.outcome]}\n\nThe report is too long for GitHub's 1 MiB "
            f"summary limit: {len(report.lockfiles)} lockfiles, {len(report.findings)} findings; {more}.\n"
        )
    heading, _, rest = text.partition("\n")
    return f"{heading}\n\n{provenance}\n{rest}" if provenance else text


def append_summary(path: Path, report: Report, run_url: str | None) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(summary_markdown(report, run_url) + "\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """One workflow command of deploycheck's own (`::warning title=…::message`), escaped as the runner
    unescapes it: whatever the message and the properties hold, it stays one line and one command."""
    props = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items() if value)
    return f"::{name}{' ' + props if props else ''}::{_escape_data(message)}"


def annotation_lines(report: Report, prefix: str = "", locate: Callable[[str], str] | None = None) -> list[str]:
    """`::error file=…,line=…::` workflow commands for findings and drifted lines, paths from the repo top:
    `locate` (report.located.from_top) finds them, or else `prefix` (the checked folder) is put before each."""
    top = locate or (lambda shown: prefix + shown)
    lines: list[str] = []
    for lock in report.lockfiles:
        path = visible(top(lock.path))
        for change in lock.changes:
            level = "error" if change.severity == "error" else "warning"
            title = visible(f"deploycheck: {change.name} {change.kind}")
            lines.append(
                command(level, visible(change.reason or change.kind), file=path, line=change.line, title=title)
            )
        if lock.error:
            message = visible(lock.error.message, lines=True)
            lines.append(command("error", message, file=path, title="deploycheck could not check"))
    for problem in report.problems:  # "could not check": on the file when one is named
        text = f"{problem.message} ({problem.fix})" if problem.fix else problem.message
        # A problem may name the checked folder itself, or a path as given on the command line: not a file here.
        shown = problem.path if problem.path and not Path(problem.path).is_absolute() else None
        where = visible(top(shown)) if shown and shown != report.root else None
        lines.append(
            command(
                "error", visible(text, lines=True), file=where, line=problem.line, title="deploycheck could not check"
            )
        )
    for finding in report.findings:
        if finding.code == "DC101":  # its changes are annotated one by one above
            continue
        level = {"error": "error", "warning": "warning", "info": "notice"}.get(finding.severity, "warning")
        message = visible(f"{finding.message} Fix: {finding.fix}", lines=True)
        where = visible(top(finding.path)) if finding.path else None
        line = None if finding.cell else finding.line  # a notebook's line counts within a cell, not the file
        lines.append(command(level, message, file=where, line=line, title=visible("deploycheck " + finding.code)))
    if len(lines) > ANNOTATION_LIMIT:
        extra = len(lines) - ANNOTATION_LIMIT + 1
        lines = [*lines[: ANNOTATION_LIMIT - 1], f"::notice::{extra} more deploycheck annotations: see the job summary"]
    return lines
