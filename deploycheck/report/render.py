"""Renderings of one report: text for a terminal, markdown for a PR comment or job summary, JSON."""

from __future__ import annotations

import json

from deploycheck.locks.diff import Change
from deploycheck.report.model import LockResult, Report
from deploycheck.runtime.platforms import PLATFORMS

VERDICT = {"ready": "ready to deploy", "not-ready": "NOT ready to deploy", "error": "could not check"}
_SIGN = {"added": "+", "removed": "-", "changed": "~"}


def _runtime(rt: dict[str, object]) -> str:
    where = f"{rt['source']}:{rt['line']}" if rt.get("line") else str(rt["source"])
    text = f"Python {rt['python']} (from {where})"
    plat = PLATFORMS.get(str(rt.get("platform")))
    if rt.get("platform") and (plat is None or plat.known):  # an id this version does not know is shown as is
        text += f", platform {rt['platform']}"
    text += f"; {rt['reason']}" if rt.get("reason") else ""
    notes = rt.get("notes")
    # e.g. the lock looks made for another Python than the one assumed: said, rather than blaming the lock
    return text + "".join(f"; {note}" for note in notes) if isinstance(notes, list) else text


def _change_line(c: Change) -> str:
    what = {"changed": f"{c.before} -> {c.after}", "added": c.after, "removed": c.before}[c.kind]
    return f"{_SIGN[c.kind]} {what}"


def _settings_line(report: Report) -> str | None:
    if not report.config:
        return None
    chosen = ", ".join(f"{k} = {v}" for k, v in report.config.items() if k != "file")
    return f"settings from {report.config.get('file')} [tool.deploycheck]: {chosen}"


def to_text(report: Report) -> str:
    out = [f"deploycheck: {VERDICT[report.outcome]}"]
    if report.runtime.get("python"):  # unknown when the run stopped before any app was read
        out.append(f"runtime: {_runtime(report.runtime)}")
    for app in report.apps[1:] and report.apps:  # several apps: each with its own runtime
        out.append(f"app {app['path']}: {_runtime(app['runtime'])}")
    if (line := _settings_line(report)) is not None:
        out.append(line)
    for lock in report.lockfiles:
        out.append("")
        by = f"{lock.resolver}" + (f", {lock.interpreter}" if lock.interpreter else "")
        out.append(f"{lock.path}  [{lock.status}]  ({by})")
        if lock.sources:
            out.append(f"  sources: {', '.join(lock.sources)}")
        if lock.runtime != report.runtime:
            out.append(f"  runtime: {_runtime(lock.runtime)}")
        for change in lock.changes:
            out.append(f"  {_change_line(change)}")
            if change.reason:
                out.append(f"      {change.reason}")
        if lock.cosmetic:
            out.append(f"  cosmetic only: {', '.join(lock.cosmetic)}")
        for note in lock.notes:
            out.append(f"  note: {note}")
        if lock.error:
            out.append(f"  could not check: {lock.error.message}".replace("\n", "\n    "))
            if lock.error.fix:
                out.append(f"  fix: {lock.error.fix}")
        elif lock.status != "in-sync" and lock.fix_command:
            out.append(f"  fix: {lock.fix_command}")
    if report.findings:
        out += ["", "findings:"]
        for f in report.findings:
            where = f"{f.path}:{f.line}" if f.line else (f.path or ".")
            out.append(f"  {where}: {f.severity} {f.code} {f.message}")
            if f.fix:
                out.append(f"      fix: {f.fix}")
    for p in report.problems:
        where = f"{p.path}:{p.line}: " if p.line else (f"{p.path}: " if p.path else "")
        out += ["", f"could not check: {where}{p.message}"] + ([f"  fix: {p.fix}"] if p.fix else [])
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_lock(lock: LockResult, report: Report, with_diff: bool) -> list[str]:
    icon = {"in-sync": "✅", "drift": "❌", "error": "⚠️", "unlocked": "⚠️"}.get(lock.status, "")
    out = [f"### {icon} `{lock.path}`: {lock.status}", ""]
    facts = [f"sources: {', '.join(f'`{s}`' for s in lock.sources) or 'none'}", f"checked with {lock.resolver}"]
    if lock.runtime != report.runtime:
        facts.append(f"runtime: {_runtime(lock.runtime)}")
    out += [" · ".join(facts), ""]
    if lock.changes:
        out += ["| package | change | committed | recompiled | why |", "|---|---|---|---|---|"]
        for c in lock.changes:
            out.append(
                f"| `{c.name}` | {c.kind} | {_md_escape(c.before or '')} | {_md_escape(c.after or '')} "
                f"| {_md_escape(c.reason)} |"
            )
        out.append("")
    if lock.cosmetic:
        out += [f"Only cosmetic differences: {', '.join(lock.cosmetic)}.", ""]
    for note in lock.notes:
        out += [f"> {note}", ""]
    if lock.error:
        out += ["Could not check:", "", "```", lock.error.message, "```", ""]
        if lock.error.fix:
            out += [f"Fix: {lock.error.fix}", ""]
    elif lock.status != "in-sync" and lock.fix_command:
        out += ["Fix:", "", "```sh", lock.fix_command, "```", ""]
    if with_diff and lock.diff:
        out += ["<details><summary>diff</summary>", "", "```diff", lock.diff.rstrip("\n"), "```", "", "</details>", ""]
    return out


def to_markdown(report: Report, *, with_diff: bool = True) -> str:
    icon = {"ready": "✅", "not-ready": "❌", "error": "⚠️"}[report.outcome]
    out = [f"## {icon} deploycheck: {VERDICT[report.outcome]}", ""]
    if report.runtime.get("python"):
        out += [f"Runtime: {_runtime(report.runtime)}", ""]
    for app in report.apps[1:] and report.apps:
        out += [f"App `{app['path']}`: {_runtime(app['runtime'])}", ""]
    if (line := _settings_line(report)) is not None:
        out += [line, ""]
    for lock in report.lockfiles:
        out += _md_lock(lock, report, with_diff)
    if report.findings:
        out += ["| | code | where | finding | fix |", "|---|---|---|---|---|"]
        for f in report.findings:
            mark = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}[f.severity]
            where = f"`{f.path}:{f.line}`" if f.line else (f"`{f.path}`" if f.path else "")
            out.append(f"| {mark} | {f.code} | {where} | {_md_escape(f.message)} | {_md_escape(f.fix)} |")
        out.append("")
    for p in report.problems:
        out += [f"⚠️ Could not check `{p.path or '.'}`: {_md_escape(p.message)}", ""]
    return "\n".join(out)


def to_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


RENDERERS = {"text": to_text, "markdown": to_markdown, "json": to_json}
