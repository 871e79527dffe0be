"""DC1xx: is the committed lock what its sources resolve to on the deploy's Python?

deploycheck.resolve.recompile decides how each lock is recompiled; this check turns its verdicts into lockfile
results and findings, with the cause of each change (deploycheck.locks.explain). It verifies the locks whose
`verify` is model.RECOMPILE: each comes with its recompile plan (the scan's LockPair), and every fact about
the lock itself is read from its `Lock`.
"""

from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck import cache
from deploycheck.index import nearest, pinned, relay
from deploycheck.locks import diff as lockdiff
from deploycheck.locks import explain
from deploycheck.locks.indexes import COMMAND, IndexSources, Origin
from deploycheck.locks.requirements import header
from deploycheck.locks.tools import PIP_TOOLS, UV
from deploycheck.project.apps import App, Project, app_of
from deploycheck.project.records import LockPair, rel
from deploycheck.report.model import Finding, LockResult, Problem
from deploycheck.report.rules import Outcome, Rule
from deploycheck.resolve import drivers, failures, fixcmd, interpreters, recompile, sandbox
from deploycheck.resolve.workspace import Workspace
from deploycheck.settings import Settings

DRIFT = Rule("DC101", "error", "the lock is not what its sources resolve to on the deploy's Python")
COSMETIC = Rule("DC102", "info", "only cosmetic differences from a recompile (error with --strict)")
OTHER_PYTHON = Rule("DC103", "warning", "the lock was compiled with another Python than the deploy's")
NOT_COVERED = Rule("DC107", "error", "a universal lock does not cover the deploy's Python")
NO_INTERPRETER = Rule("DC104", "warning", "no interpreter of the deploy's Python: uv resolved without one")
FRESH = Rule("DC105", "warning", "only a fresh compile resolves sensibly: the committed pins are stale")
NO_RELEASE = Rule("DC108", "error", "a requirement has no release that installs on the deploy's Python")
RULES = (DRIFT, COSMETIC, OTHER_PYTHON, NO_INTERPRETER, FRESH, NOT_COVERED, NO_RELEASE)
SCOPE = "project"


def check(project: Project, settings: Settings) -> Outcome:
    out = Outcome()
    if not project.locks:
        return out
    with Workspace(project, timeout=settings.timeout) as ws, relay.running(cache_dir=cache.folder() / "index") as via:
        for pair in project.locks:
            if header.uv_export_argv(pair.lock.text) is not None:
                continue  # exported from uv.lock: checks/uv_lock.py compares it with uv.lock (DC122)
            result = _check_lock(pair, project, settings, ws, out.findings, via)
            out.lockfiles.append(result)
            # Locks that include this one (-c base.txt) are compiled against what it should be.
            settled = result.proposed if result.status == "drift" and result.proposed else pair.lock.text
            sandbox.write_into(ws.path(pair.path), settled.encode("utf-8"))  # never through a planted link
    return out


def _check_lock(
    pair: LockPair,
    project: Project,
    settings: Settings,
    ws: Workspace,
    findings: list[Finding],
    via: relay.Relay | None,
) -> LockResult:
    app = app_of(project.apps, pair)
    rt = app.runtime
    lock = pair.lock
    result = LockResult(
        path=pair.display,
        sources=[rel(s, project.root) for s in pair.sources],
        resolver="",
        status="error",
        runtime=rt.to_json(),
        tool=lock.tool or "",
        header_python=lock.python,
        notes=list(pair.notes),
    )
    result.error = _not_recompiled(pair)
    if result.error is not None:
        return result
    installed = app.installed_file()
    if installed is not None and pair.path == (app.folder.resolve() / "requirements.txt") != installed.resolve():
        result.notes.append(
            f"the platform installs {installed.name}, not this file (DC302): this result does not describe the deploy"
        )
    findings += _python_findings(pair, project, app)
    verdict = recompile.recompile(pair, ws, rt.python, settings, via)
    findings += _interpreter(pair, verdict, result, app, settings)
    result.resolver = verdict.resolver
    if verdict.problem:
        result.error = verdict.problem
        findings += _no_release(pair, app, verdict, settings)  # the app's fault: not ready, not "could not check"
        return result
    result.status = verdict.status
    result.changes = verdict.changes
    result.cosmetic = verdict.cosmetic
    result.proposed = verdict.proposed
    result.fresh = verdict.fresh
    result.notes += verdict.notes
    result.fix_command = fixcmd.fix_command(pair, project.root, rt.python, fresh=verdict.fresh)
    if result.status == "in-sync":
        findings += _cosmetic(pair, result, settings)
        return result
    _explain(pair, verdict, rt.minor)
    findings += _drift(pair, result, rt.python, settings.strict)
    if pair.command.tool != UV:  # after _drift, which quotes the verdict's last note
        result.notes.append(fixcmd.docker_note(pair, project.root, rt.python, fresh=verdict.fresh))
    return result


def _no_release(pair: LockPair, app: App, verdict: recompile.Verdict, settings: Settings) -> list[Finding]:
    """The resolver failed because a requirement has no release for the deploy's Python or platform, and the
    index confirms it (deploycheck.index.nearest): a finding naming it, the Python, and releases that work."""
    deploy = pinned.deploy_of(app)
    if verdict.problem is None or verdict.job is None or deploy is None:
        return []
    if not failures.unresolvable(verdict.problem):
        return []  # a timeout, an index that did not answer, an OS error: deploycheck's, not the app's
    sources = IndexSources.from_argv(verdict.job.index_options, Origin(COMMAND))
    declared = {name: (src, pin) for src in pair.lock.sources if src.pins for name, pin in src.pins.items()}
    findings = []
    for name, said in failures.target_misses(verdict.problem.message):
        src, pin = declared.get(canonicalize_name(name), (None, None))
        spec = pin.specifier if pin is not None and not pin.url else said
        try:
            found = nearest.miss(sources.urls, sources.trusted, name, spec, deploy.target)
        except Exception:  # an index problem: the lock's "could not check" already says the resolver failed
            continue
        if found is not None:
            path, line = (src.display, pin.line) if src is not None and pin is not None else (pair.display, None)
            message, fix = found.text(deploy.describe(), transitive=pin is None, then=", then recompile the lock")
            findings.append(NO_RELEASE.finding(path, line, message, fix))
    return findings


def _not_recompiled(pair: LockPair) -> Problem | None:
    """Why the lock is not recompiled at all: a reference out of the repository, or lines pip refuses."""
    if pair.blocked:
        return Problem(pair.blocked, pair.display, None, "see the findings on the files it names")
    if pair.lock.errors or not pair.lock.text:
        return Problem(
            "not recompiled: pip cannot read this lock as it stands (see the DC35x findings on its lines)",
            pair.display,
            None,
            "fix the lines named in the findings, then run deploycheck again",
        )
    return None


def _python_findings(pair: LockPair, project: Project, app: App) -> list[Finding]:
    """The lock was made for another Python than the deploy's: by its header, or by its universal floor."""
    rt, made = app.runtime, pair.lock.python
    findings = []
    if made and made != rt.minor:
        findings.append(
            OTHER_PYTHON.finding(
                pair.display,
                1,
                f"the lock was compiled with Python {made}, but the app deploys on Python {rt.python} ({rt.source})",
                f"recompile it with Python {rt.python}: "
                + fixcmd.fix_command(pair, project.root, rt.python, fresh=False),
            )
        )
    floor = recompile.universal_floor(pair) if pair.command.universal else None
    if floor and tuple(int(x) for x in floor.split(".")) > tuple(int(x) for x in rt.minor.split(".")):
        findings.append(
            NOT_COVERED.finding(
                pair.display,
                1,
                f"the lock was resolved with --universal for Python {floor} and newer, but the app deploys on Python "
                f"{rt.python}: its pins and markers say nothing about {rt.minor}, and pip may install releases that "
                f"do not support it",
                f"recompile with --python-version {rt.minor} (the lowest Python you deploy on)",
            )
        )
    return findings


def _interpreter(
    pair: LockPair, verdict: recompile.Verdict, result: LockResult, app: App, settings: Settings
) -> list[Finding]:
    """Which interpreter resolved the lock; none at all is DC104."""
    rt, interp = app.runtime, verdict.interpreter
    if interp is None and settings.resolver != PIP_TOOLS:
        return [
            NO_INTERPRETER.finding(
                pair.display,
                None,
                f"no CPython {rt.python} interpreter here: uv resolved for Python {rt.python} on Linux without one "
                "(pip-compile cannot do that), so results for packages built from source may differ",
                interpreters.how_to_install(rt.python),
            )
        ]
    if interp is not None:
        result.interpreter = f"{interp.path} ({interp.version})"
        if interp.version != rt.python and rt.python.count(".") == 2:
            result.notes.append(f"Python {rt.python} is declared; the nearest interpreter here is {interp.version}")
    return []


def _cosmetic(pair: LockPair, result: LockResult, settings: Settings) -> list[Finding]:
    if not result.cosmetic:
        return []
    if settings.strict:
        result.status = "drift"
    return [
        COSMETIC.finding(
            pair.display,
            1,
            f"only cosmetic differences from a recompile ({', '.join(result.cosmetic)})",
            f"nothing to do; to make the file identical: {result.fix_command}",
            severity="error" if settings.strict else None,
        )
    ]


def _drift(pair: LockPair, result: LockResult, python: str, strict: bool) -> list[Finding]:
    assert result.proposed is not None
    result.diff = lockdiff.unified(pair.lock.text, result.proposed, pair.display)
    first = min((c.line for c in result.changes if c.line), default=None)
    summary = ", ".join(f"{c.name} {c.kind}" for c in result.changes[:6])
    more = f" and {len(result.changes) - 6} more" if len(result.changes) > 6 else ""
    # Only lines another machine or Python needs (a lock made on macOS, or by uv for X.Y.0) that the deploy
    # installs without needing: it deploys as it ran, so the drift is a warning unless --strict. A line the
    # sources no longer ask for stays an error: that is the stale lock this check is for.
    harmless = not strict and all(c.elsewhere and c.severity != "error" for c in result.changes)
    findings = [
        DRIFT.finding(
            pair.display,
            first,
            f"the lock is not what its sources resolve to on Python {python}: {summary}{more}"
            + ("; each change is a line the deploy does not need, so it still deploys as it ran" if harmless else ""),
            result.fix_command,
            severity="warning" if harmless else None,
        )
    ]
    if result.fresh:
        findings.append(FRESH.finding(pair.display, None, result.notes[-1], result.fix_command))
    return findings


def _explain(pair: LockPair, verdict: recompile.Verdict, target: str) -> None:
    assert verdict.job is not None
    header = pair.lock.python
    lowest = min([target, *([header] if header else [])], key=lambda v: tuple(int(x) for x in v.split(".")))
    ctx = explain.Context(
        target_python=target,
        header_python=header,
        markers=drivers.universal_markers(verdict.job, lowest),
        direct=_direct(pair),
        hashes=pair.command.generate_hashes,
        universal=pair.command.universal,
        target_full=verdict.interpreter.version if verdict.interpreter is not None else "",
        made_for=_minor_only(recompile.written_python_version(pair.file.header.argv)),
    )
    for change in verdict.changes:
        explain.explain(change, ctx)


def _minor_only(written: str | None) -> str | None:
    """uv's --python-version when the command gives X.Y, which uv reads as X.Y.0 (X.Y.Z is taken as written)."""
    return written if written is not None and written.count(".") == 1 else None


def _direct(pair: LockPair) -> dict[NormalizedName, SpecifierSet]:
    """The top-level requirements of the lock's sources, as the scan read them."""
    direct: dict[NormalizedName, SpecifierSet] = {}
    for source in pair.lock.compiled_from():
        if source.path.suffix in (".in", ".txt") and source.pins is not None:
            for name, pin in source.pins.items():
                direct[name] = SpecifierSet(pin.specifier)
    return direct
