"""What a GitHub Actions step writes for the runner: outputs, the job summary, annotations.

No API calls here: these work with any token, including the read-only one of a fork's pull request.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from deploycheck.report import render
from deploycheck.report.model import Report

SUMMARY_LIMIT = 1024 * 1024  # bytes GitHub accepts per step summary
ANNOTATION_LIMIT = 50


def write_outputs(path: Path, outputs: dict[str, str]) -> None:
    """Heredoc form with a random delimiter, so no value can end the block early or inject an output."""
    with path.open("a", encoding="utf-8") as f:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            f.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def summary_markdown(report: Report, run_url: str | None) -> str:
    for text in (render.to_markdown(report), render.to_markdown(report, with_diff=False)):
        if len(text.encode("utf-8")) < SUMMARY_LIMIT - 1024:
            return text
    short = render.to_markdown(report, with_diff=False).encode("utf-8")[: SUMMARY_LIMIT - 4096]
    where = f" of {run_url}" if run_url else ""
    tail = f"\n\n… cut at GitHub's 1 MiB summary limit; the full report is the JSON report{where}.\n"
    return short.decode("utf-8", errors="ignore") + tail


def append_summary(path: Path, report: Report, run_url: str | None) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(summary_markdown(report, run_url) + "\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report: Report, prefix: str = "") -> list[str]:
    """`::error file=…,line=…::` workflow commands for findings and drifted lines, paths from the repo top."""
    lines: list[str] = []
    for lock in report.lockfiles:
        for change in lock.changes:
            level = "error" if change.severity == "error" else "warning"
            where = f"file={_escape_property(prefix + lock.path)}" + (f",line={change.line}" if change.line else "")
            title = _escape_property(f"deploycheck: {change.name} {change.kind}")
            lines.append(f"::{level} {where},title={title}::{_escape_data(change.reason or change.kind)}")
        if lock.error:
            lines.append(
                f"::error file={_escape_property(prefix + lock.path)},title=deploycheck could not check::"
                f"{_escape_data(lock.error.message)}"
            )
    for finding in report.findings:
        if finding.code == "DC101":  # its changes are annotated one by one above
            continue
        level = {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        props = [f"file={_escape_property(prefix + finding.path)}"] if finding.path else []
        if finding.line:
            props.append(f"line={finding.line}")
        props.append(f"title={_escape_property('deploycheck ' + finding.code)}")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(finding.message + ' Fix: ' + finding.fix)}")
    if len(lines) > ANNOTATION_LIMIT:
        extra = len(lines) - ANNOTATION_LIMIT + 1
        lines = [*lines[: ANNOTATION_LIMIT - 1], f"::notice::{extra} more deploycheck annotations: see the job summary"]
    return lines
