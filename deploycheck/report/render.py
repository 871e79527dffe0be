"""Renderings of one report: text for a terminal, markdown for a PR comment or job summary, JSON.

Every value in a report may come from the pull request (paths, lock lines, package names, resolver
messages; in publish-only mode the whole report): each passes through deploycheck.inert on its way into
text or Markdown, so that it stays text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from deploycheck.report.inert import md_code, md_fence, md_prose, md_text, visible
from deploycheck.report.model import LockResult, Problem, Report
from deploycheck.runtime.platforms import PLATFORMS

if TYPE_CHECKING:  # a type only: the lock model behind it is 20 ms that rendering a cached report never needs
    from deploycheck.locks.diff import Change

VERDICT = {"ready": "ready to deploy", "not-ready": "NOT ready to deploy", "error": "could not check"}
VERDICT_ICON = {"ready": "✅", "not-ready": "❌", "error": "⚠️"}
_SIGN = {"added": "+", "removed": "-", "changed": "~"}


def _runtime(rt: dict[str, object]) -> str:
    where = f"{rt.get('source')}:{rt['line']}" if rt.get("line") else str(rt.get("source"))
    text = f"Python {rt.get('python')} (from {where})"
    plat = PLATFORMS.get(str(rt.get("platform")))
    if rt.get("platform") and (plat is None or plat.known):  # an id this version does not know is shown as is
        text += f", platform {rt['platform']}"
    text += f"; {rt['reason']}" if rt.get("reason") else ""
    notes = rt.get("notes")
    # e.g. the lock looks made for another Python than the one assumed: said, rather than blaming the lock
    return text + "".join(f"; {note}" for note in notes) if isinstance(notes, list) else text


def _installs(app: dict[str, object]) -> str | None:
    """Which file the app's platform installs and why, and the files deploycheck does not check."""
    installs = app.get("installs")
    if not isinstance(installs, dict):
        return None
    chosen = installs.get("file")
    verb = "installs" if installs.get("certain", True) else "probably installs"
    text = (
        f"{verb} {chosen}: {installs.get('why')}" if chosen else f"installs no dependency file: {installs.get('why')}"
    )
    files = installs.get("files") if isinstance(installs.get("files"), list) else []
    kinds = {"read-only": "read only", "not-checked": "not checked"}
    other = [
        f"{f.get('path')} ({kinds[str(f.get('kind'))]}{', ignored by the platform' if f.get('ignored') else ''})"
        for f in files or []
        if isinstance(f, dict) and str(f.get("kind")) in kinds
    ]
    ignored = [
        f"{f.get('path')}"
        for f in files or []
        if isinstance(f, dict) and f.get("ignored") and f.get("kind") == "checked"
    ]
    text += f"; {', '.join(other)}" if other else ""
    text += f"; ignored by the platform (findings lowered): {', '.join(ignored)}" if ignored else ""
    return text


def _change_line(c: Change) -> str:
    what = {"changed": f"{c.before} -> {c.after}", "added": c.after, "removed": c.before}.get(c.kind)
    return f"{_SIGN.get(c.kind, '?')} {what}"


def _settings_line(report: Report) -> str | None:
    if not report.config:
        return None
    chosen = ", ".join(f"{k} = {v}" for k, v in report.config.items() if k != "file")
    return f"settings from {report.config.get('file')} [tool.deploycheck]: {chosen}"


def _text_lock(lock: LockResult, report: Report) -> list[str]:
    by = ", ".join(x for x in (lock.resolver or "not recompiled", lock.interpreter) if x)
    out = ["", visible(f"{lock.path}  [{lock.status}]  ({by})")]
    if lock.sources:
        out.append(visible(f"  sources: {', '.join(lock.sources)}"))
    if lock.runtime != report.runtime:
        out.append(visible(f"  runtime: {_runtime(lock.runtime)}"))
    for change in lock.changes:
        out.append(visible(f"  {_change_line(change)}"))
        if change.reason:
            out.append(visible(f"      {change.reason}"))
    if lock.cosmetic:
        out.append(visible(f"  cosmetic only: {', '.join(lock.cosmetic)}"))
    out += [visible(f"  note: {note}") for note in lock.notes]
    if lock.error:
        out.append(visible(f"  could not check: {lock.error.message}", lines=True).replace("\n", "\n    "))
        if lock.error.fix:
            out.append(visible(f"  fix: {lock.error.fix}"))
    elif lock.status != "in-sync" and lock.fix_command:
        out.append(visible(f"  fix: {lock.fix_command}"))
    return out


def _checked_line(report: Report) -> str:
    line = f"{len(report.passed)} check(s) passed"
    return line + (f"; not checked: {', '.join(report.not_checked)}" if report.not_checked else "")


def to_text(report: Report) -> str:
    out = [f"deploycheck: {VERDICT[report.outcome]}"]
    if report.runtime.get("python"):  # unknown when the run stopped before any app was read
        out.append(visible(f"runtime: {_runtime(report.runtime)}"))
    for app in report.apps[1:] and report.apps:  # several apps: each with its own runtime
        out.append(visible(f"app {app.get('path')}: {_runtime(app.get('runtime') or {})}"))
    for app in report.apps:
        if (line := _installs(app)) is not None:
            out.append(visible(f"app {app.get('path')} {line}"))
    if report.passed or report.not_checked:
        out.append(visible(_checked_line(report)))
    if (line := _settings_line(report)) is not None:
        out.append(visible(line))
    for lock in report.lockfiles:
        out += _text_lock(lock, report)
    if report.findings:
        out += ["", "findings:"]
        for f in report.findings:
            where = f"{f.path}:{f.line}" if f.line else (f.path or ".")
            out.append(visible(f"  {where}: {f.severity} {f.code} {f.message}"))
            if f.fix:
                out.append(visible(f"      fix: {f.fix}"))
    for p in report.problems:
        where = f"{p.path}:{p.line}: " if p.line else (f"{p.path}: " if p.path else "")
        out += ["", visible(f"could not check: {where}{p.message}", lines=True)]
        out += [visible(f"  fix: {p.fix}")] if p.fix else []
    return "\n".join(out) + "\n"


def _first(items: list, rows: int | None, what: str, more: str) -> tuple[list, list[str]]:
    """The first `rows` items (all when None), and the line that says how many were left out."""
    if rows is None or len(items) <= rows:
        return items, []
    return items[:rows], [f"… {len(items) - rows} more {what}, {more}.", ""]


def _md_changes(lock: LockResult, rows: int | None, more: str) -> list[str]:
    shown, rest = _first(lock.changes, rows, "changes", more)
    out = ["| package | change | committed | recompiled | why |", "|---|---|---|---|---|"] if shown else []
    for c in shown:
        before, after = md_code(c.before or "", table=True), md_code(c.after or "", table=True)
        cells = (md_code(c.name, table=True), md_text(c.kind), before, after, md_prose(c.reason, table=True))
        out.append("| " + " | ".join(cells) + " |")
    return [*out, "", *rest] if shown else rest


def _md_lock(lock: LockResult, report: Report, with_diff: bool, rows: int | None, more: str) -> list[str]:
    icon = {"in-sync": "✅", "drift": "❌", "error": "⚠️", "unlocked": "⚠️"}.get(lock.status, "")
    out = [f"### {icon} {md_code(lock.path)}: {md_text(lock.status)}", ""]
    sources = ", ".join(md_code(s) for s in lock.sources) or "none"
    facts = [f"sources: {sources}", f"checked with {md_text(lock.resolver)}" if lock.resolver else "not recompiled"]
    if lock.runtime != report.runtime:
        facts.append(f"runtime: {md_text(_runtime(lock.runtime))}")
    out += [" · ".join(facts), ""]
    out += _md_changes(lock, rows, more)
    if lock.cosmetic:
        out += [f"Only cosmetic differences: {md_text(', '.join(lock.cosmetic))}.", ""]
    notes, rest = _first(lock.notes, rows, "notes", more)
    for note in notes:
        out += [f"> {md_prose(note)}", ""]
    out += rest
    if lock.error:
        out += ["Could not check:", "", *md_fence(lock.error.message), ""]
        if lock.error.fix:
            out += [f"Fix: {md_prose(lock.error.fix)}", ""]
    elif lock.status != "in-sync" and lock.fix_command:
        out += ["Fix:", "", *md_fence(lock.fix_command, "sh"), ""]
    if with_diff and lock.diff:
        out += ["<details><summary>diff</summary>", "", *md_fence(lock.diff, "diff"), "", "</details>", ""]
    return out


def _md_findings(report: Report, rows: int | None, more: str) -> list[str]:
    shown, rest = _first(report.findings, rows, "findings", more)
    if not shown:
        return rest
    out = ["| | code | where | finding | fix |", "|---|---|---|---|---|"]
    for f in shown:
        mark = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}.get(f.severity, "")
        where = md_code(f"{f.path}:{f.line}" if f.line else (f.path or ""), table=True)
        cells = (mark, md_text(f.code), where, md_prose(f.message, table=True), md_prose(f.fix, table=True))
        out.append("| " + " | ".join(cells) + " |")
    return [*out, "", *rest]


def _md_problem(p: Problem) -> list[str]:
    first, _, rest = p.message.partition("\n")
    out = [f"⚠️ Could not check {md_code(p.path or '.')}: {md_prose(first)}", ""]
    out += [*md_fence(rest), ""] if rest.strip() else []
    return out + ([f"Fix: {md_prose(p.fix)}", ""] if p.fix else [])


def to_markdown(
    report: Report, *, with_diff: bool = True, rows: int | None = None, more: str = "see the job summary"
) -> str:
    """rows: at most this many rows per table (and notes per lock, problems), each cut said with `more`."""
    out = [f"## {VERDICT_ICON[report.outcome]} deploycheck: {VERDICT[report.outcome]}", ""]
    if report.runtime.get("python"):
        out += [f"Runtime: {md_text(_runtime(report.runtime))}", ""]
    for app in report.apps[1:] and report.apps:
        out += [f"App {md_code(app.get('path'))}: {md_text(_runtime(app.get('runtime') or {}))}", ""]
    for app in report.apps:
        if (line := _installs(app)) is not None:
            out += [f"App {md_code(app.get('path'))} {md_text(line)}", ""]
    if report.passed or report.not_checked:
        out += [md_text(_checked_line(report)), ""]
    if (line := _settings_line(report)) is not None:
        out += [md_text(line), ""]
    for lock in report.lockfiles:
        out += _md_lock(lock, report, with_diff, rows, more)
    out += _md_findings(report, rows, more)
    problems, rest = _first(report.problems, rows, "problems", more)
    for p in problems:
        out += _md_problem(p)
    return "\n".join(out + rest)


def fit_markdown(report: Report, fits: Callable[[str], bool], more: str) -> str | None:
    """The fullest Markdown rendering that fits: with diffs, without them, then as many rows of each
    table as fit (never cut inside Markdown, where a half code span would let its text loose)."""
    for with_diff in (True, False):
        if fits(text := to_markdown(report, with_diff=with_diff, more=more)):
            return text
    longest = max(
        [len(report.findings), len(report.problems)] + [len(lk.changes) + len(lk.notes) for lk in report.lockfiles]
    )
    low, high, best = 0, longest, None
    while low <= high:  # the rendering grows with rows: the most rows that fit
        mid = (low + high) // 2
        if fits(text := to_markdown(report, with_diff=False, rows=mid, more=more)):
            best, low = text, mid + 1
        else:
            high = mid - 1
    return best


def to_json(report: Report) -> str:
    # `##[` can only be inside a JSON string: written as `##\u005b` it is the same string, and no workflow
    # command of the runner's legacy form when the JSON is printed in a GitHub Actions log.
    return json.dumps(report.to_json(), indent=2).replace("##[", "##\\u005b") + "\n"


RENDERERS = {"text": to_text, "markdown": to_markdown, "json": to_json}
