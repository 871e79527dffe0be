"""Renderings of one report: text for a terminal, markdown for a PR comment or job summary, JSON.

Every value in a report may come from the pull request (paths, lock lines, package names, resolver
messages; in publish-only mode the whole report): each passes through deploycheck.inert on its way into
text or Markdown, so that it stays text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from deploycheck.report.inert import md_code, md_fence, md_prose, md_text, visible
from deploycheck.report.model import Finding, LockResult, Problem, Report
from deploycheck.runtime.platforms import PLATFORMS

if TYPE_CHECKING:  # a type only: the lock model behind it is 20 ms that rendering a cached report never needs
    from deploycheck.locks.diff import Change

VERDICT = {"ready": "ready to deploy", "not-ready": "NOT ready to deploy", "error": "could not check"}
VERDICT_ICON = {"ready": "✅", "not-ready": "❌", "error": "⚠️"}
_SIGN = {"added": "+", "removed": "-", "changed": "~"}
# Colour in the text rendering (deploycheck.term decides whether it is on): by what a part of a line is,
# never by what repository text says, so a path named "error" stays uncoloured.
VERDICT_STYLE = {"ready": ("bold", "green"), "not-ready": ("bold", "red"), "error": ("bold", "yellow")}
SEVERITY_STYLE = {"error": ("bold", "red"), "warning": ("yellow",), "info": ("cyan",)}
CHANGE_STYLE = {"added": ("green",), "removed": ("red",), "changed": ("yellow",)}


class Paint(Protocol):
    def __call__(self, text: str, *styles: str) -> str: ...


def _plain(text: str, *styles: str) -> str:
    return text


def plural(count: int, word: str) -> str:
    """'1 check', '2 checks': the words the renderings count (check, change, finding, note, problem)."""
    return f"{count} {word}" + ("" if count == 1 else "s")


def _runtime(rt: dict[str, object], said: str = "") -> str:
    """The runtime and where it came from; its reason is left out when `said` (a finding's text) says it."""
    where = f"{rt.get('source')}:{rt['line']}" if rt.get("line") else str(rt.get("source"))
    text = f"Python {rt.get('python')} (from {where})"
    plat = PLATFORMS.get(str(rt.get("platform")))
    if rt.get("platform") and (plat is None or plat.known):  # an id this version does not know is shown as is
        text += f", platform {rt['platform']}"
    reason = rt.get("reason")
    text += f"; {reason}" if reason and str(reason) not in said else ""
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


def _app_of(path: str, apps: list[dict[str, object]]) -> dict[str, object] | None:
    """The app a lock belongs to: the one with the deepest folder that holds it."""
    holding = [a for a in apps if a.get("path") in (".", "") or path.startswith(f"{a.get('path')}/")]
    return max(holding, key=lambda a: len(str(a.get("path"))), default=None)


class _Said:
    """What the text has already said, so that a fix or a note shared by several locks or findings is
    written once, and later ones point back to it."""

    def __init__(self) -> None:
        self.fixes: set[str] = set()
        self.notes: dict[str, str] = {}

    def fix(self, fix: str, indent: str) -> str:
        line = f"{indent}fix: {'as above' if fix in self.fixes else fix}"
        self.fixes.add(fix)
        return visible(line)

    def note(self, note: str, where: str) -> str:
        first = self.notes.setdefault(note, where)
        return visible(f"  note: {note}" if first == where else f"  note: the same as for {first}")


def _text_lock(lock: LockResult, report: Report, said: _Said, paint: Paint) -> list[str]:
    by = ", ".join(x for x in (lock.resolver or "not recompiled", lock.interpreter) if x)
    out = ["", visible(f"{lock.path}  [{lock.status}]  ({by})")]
    if lock.sources and lock.status != "unlocked":  # an unlocked file's "source" is the one --fix-dir would write
        out.append(visible(f"  sources: {', '.join(lock.sources)}"))
    app = _app_of(lock.path, report.apps)
    if lock.runtime != (app.get("runtime") if app else report.runtime):
        out.append(visible(f"  runtime: {_runtime(lock.runtime)}"))
    for change in lock.changes:
        out.append("  " + paint(visible(_change_line(change)), *CHANGE_STYLE.get(change.kind, ())))
        if change.reason:
            out.append(visible(f"      {change.reason}"))
    if lock.cosmetic:
        out.append(visible(f"  cosmetic only: {', '.join(lock.cosmetic)}"))
    out += [said.note(note, lock.path) for note in lock.notes]
    if lock.error:
        out.append(visible(f"  could not check: {lock.error.message}", lines=True).replace("\n", "\n    "))
        if lock.error.fix:
            out.append(said.fix(lock.error.fix, "  "))
    elif lock.status != "in-sync" and lock.fix_command:
        out.append(said.fix(lock.fix_command, "  "))
    return out


def _checked_line(report: Report) -> str:
    line = f"{plural(len(report.passed), 'check')} passed"
    return line + (f"; not checked: {', '.join(report.not_checked)}" if report.not_checked else "")


def _text_apps(report: Report, said: str) -> list[str]:
    """The runtime once: for one app (or none) on the `runtime:` line, else on each app's own line."""
    out = []
    several = len(report.apps) > 1
    if report.runtime.get("python") and not several:  # unknown when the run stopped before any app was read
        out.append(visible(f"runtime: {_runtime(report.runtime, said)}"))
    for app in report.apps:
        line = _installs(app)
        if several:
            out.append(visible(f"app {app.get('path')}: {_runtime(app.get('runtime') or {}, said)}"))
            out += [visible(f"  {line}")] if line is not None else []
        elif line is not None:
            out.append(visible(line))
    return out


def _text_finding(f: Finding, paint: Paint) -> str:
    where = visible(f.place() or ".")
    return f"  {where}: {paint(f.severity, *SEVERITY_STYLE.get(f.severity, ()))} {visible(f'{f.code} {f.message}')}"


def _text_problems(report: Report) -> list[str]:
    out = []
    for p in report.problems:
        where = f"{p.path}:{p.line}: " if p.line else (f"{p.path}: " if p.path else "")
        out += ["", visible(f"could not check: {where}{p.message}", lines=True)]
        out += [visible(f"  fix: {p.fix}")] if p.fix else []
    return out


def to_text(report: Report, *, paint: Paint = _plain, quiet: bool = False) -> str:
    """The report for a terminal. quiet: the verdict line and errors only (error findings, locks and
    problems that could not be checked)."""
    out = [paint(f"deploycheck: {VERDICT[report.outcome]}", *VERDICT_STYLE[report.outcome])]
    if quiet:
        for f in report.findings:
            out += [_text_finding(f, paint)] if f.severity == "error" else []
        for lock in report.lockfiles:
            if lock.error:
                out.append(visible(f"  {lock.path}: could not check: {lock.error.message}", lines=True))
        return "\n".join(out + _text_problems(report)) + "\n"
    out += _text_apps(report, "\n".join(f.message for f in report.findings))
    if report.passed or report.not_checked:
        out.append(visible(_checked_line(report)))
    if (line := _settings_line(report)) is not None:
        out.append(visible(line))
    said = _Said()
    for lock in report.lockfiles:
        out += _text_lock(lock, report, said, paint)
    if report.findings:
        out += ["", "findings:"]
        for f in report.findings:
            out.append(_text_finding(f, paint))
            if f.fix:
                out.append(said.fix(f.fix, "      "))
    return "\n".join(out + _text_problems(report)) + "\n"


def _first(items: list, rows: int | None, what: str, more: str) -> tuple[list, list[str]]:
    """The first `rows` items (all when None), and the line that says how many were left out."""
    if rows is None or len(items) <= rows:
        return items, []
    return items[:rows], [f"… {plural(len(items) - rows, 'more ' + what)}, {more}.", ""]


def _md_changes(lock: LockResult, rows: int | None, more: str) -> list[str]:
    shown, rest = _first(lock.changes, rows, "change", more)
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
    facts = [f"checked with {md_text(lock.resolver)}" if lock.resolver else "not recompiled"]
    if lock.status != "unlocked":  # an unlocked file's "source" is the one --fix-dir would write
        facts.insert(0, f"sources: {sources}")
    app = _app_of(lock.path, report.apps)
    if lock.runtime != (app.get("runtime") if app else report.runtime):
        facts.append(f"runtime: {md_text(_runtime(lock.runtime))}")
    out += [" · ".join(facts), ""]
    out += _md_changes(lock, rows, more)
    if lock.cosmetic:
        out += [f"Only cosmetic differences: {md_text(', '.join(lock.cosmetic))}.", ""]
    notes, rest = _first(lock.notes, rows, "note", more)
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
    shown, rest = _first(report.findings, rows, "finding", more)
    if not shown:
        return rest
    out = ["| | code | where | finding | fix |", "|---|---|---|---|---|"]
    # A lock's fix command is shown in its own block above the table: the finding points to it.
    above = {lock.fix_command for lock in report.lockfiles if lock.status != "in-sync" and not lock.error}
    for f in shown:
        mark = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}.get(f.severity, "")
        where = md_code(f.place(), table=True)
        fix = f"the fix of {md_code(f.path or '', table=True)} above" if f.fix and f.fix in above else ""
        fix = fix or md_prose(f.fix, table=True)
        cells = (mark, md_text(f.code), where, md_prose(f.message, table=True), fix)
        out.append("| " + " | ".join(cells) + " |")
    return [*out, "", *rest]


def _md_problem(p: Problem) -> list[str]:
    first, _, rest = p.message.partition("\n")
    out = [f"⚠️ Could not check {md_code(p.path or '.')}: {md_prose(first)}", ""]
    out += [*md_fence(rest), ""] if rest.strip() else []
    return out + ([f"Fix: {md_prose(p.fix)}", ""] if p.fix else [])


def _md_apps(report: Report, said: str) -> list[str]:
    """As _text_apps: the runtime once, for the one app or for each of several, with what each installs."""
    if len(report.apps) <= 1:
        out = [f"Runtime: {md_text(_runtime(report.runtime, said))}", ""] if report.runtime.get("python") else []
        line = _installs(report.apps[0]) if report.apps else None
        return out + ([md_text(line[:1].upper() + line[1:]), ""] if line else [])
    out = []
    for app in report.apps:
        line = _installs(app)
        runtime = md_text(_runtime(app.get("runtime") or {}, said))
        out += [f"App {md_code(app.get('path'))}: {runtime}" + (f"; {md_text(line)}" if line else ""), ""]
    return out


def to_markdown(
    report: Report, *, with_diff: bool = True, rows: int | None = None, more: str = "see the job summary"
) -> str:
    """rows: at most this many rows per table (and notes per lock, problems), each cut said with `more`."""
    out = [f"## {VERDICT_ICON[report.outcome]} deploycheck: {VERDICT[report.outcome]}", ""]
    out += _md_apps(report, "\n".join(f.message for f in report.findings))
    if report.passed or report.not_checked:
        out += [md_text(_checked_line(report)), ""]
    if (line := _settings_line(report)) is not None:
        out += [md_text(line), ""]
    for lock in report.lockfiles:
        out += _md_lock(lock, report, with_diff, rows, more)
    out += _md_findings(report, rows, more)
    problems, rest = _first(report.problems, rows, "problem", more)
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


def _text_in_full(report: Report) -> str:
    return to_text(report)


def _markdown_in_full(report: Report) -> str:
    return to_markdown(report)


RENDERERS: dict[str, Callable[[Report], str]] = {"text": _text_in_full, "markdown": _markdown_in_full, "json": to_json}
