"""One run, for the CLI and the action alike: settings -> scan -> apps -> checks -> report.

Rendering, publishing and the exit code are the callers' (deploycheck.cli, deploycheck.github.action); they read
the same Report.
"""

from __future__ import annotations

import dataclasses
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, ModuleType

from deploycheck import parallel, progress
from deploycheck.checks import CHECKS, all_codes, name_of
from deploycheck.errors import CheckError
from deploycheck.locks import formats
from deploycheck.project import apps, installs, scan
from deploycheck.project.apps import Project
from deploycheck.project.candidates import given_lockfile
from deploycheck.project.records import Scanned
from deploycheck.repo.repository import Repository
from deploycheck.report.inline import LineComments
from deploycheck.report.model import Finding, Problem, Report, failing
from deploycheck.report.rules import Outcome
from deploycheck.report.selection import Selection, unknown
from deploycheck.resolve import resolver, sandbox
from deploycheck.settings import Settings


class Refused(Exception):
    """A guard of the caller refused the run after the scan (e.g. --output would overwrite an input)."""

    def __init__(self, error: CheckError) -> None:
        super().__init__(error.message)
        self.error = error


class RunTimeout(BaseException):
    """--timeout bounds the whole run: raised in the main thread wherever the run is when it expires. A
    BaseException, so that no check's own error handling can swallow it."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise RunTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _empty_report(settings: Settings) -> Report:
    return Report(root=str(settings.root), runtime={}, fail_on=settings.fail_on)


def validate_selection(settings: Settings) -> None:
    codes = all_codes()
    patterns = [*settings.select, *settings.ignore, *(c for cs in settings.per_file_ignores.values() for c in cs)]
    bad = unknown(patterns, codes)
    if bad:
        raise CheckError(
            f"unknown code(s): {', '.join(sorted(set(bad)))}",
            fix=f"use codes or prefixes of: {', '.join(sorted(codes))} (docs/codes.md)",
        )


Guard = Callable[[Scanned], None]


def run(settings: Settings, guard: Guard | None = None) -> Report:
    """The report of one run; CheckError anywhere before the checks becomes a "could not check" problem.
    `guard` sees the scanned project before any check runs; its CheckError stops the run (Refused)."""
    try:
        with sandbox.scope(), deadline(settings.timeout):  # a sandbox user of this run's own, when root
            return _run(settings, guard)
    except (Refused, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug or an input nobody foresaw: "could not check" (exit 2), never a traceback
        report = _empty_report(settings)
        report.problems.append(
            Problem(
                f"deploycheck failed while reading the repository: {type(exc).__name__}: {str(exc)[:300]}",
                str(settings.root),
                None,
                "this is a bug in deploycheck: please report it with the repository layout that caused it",
            )
        )
        return report
    except RunTimeout:
        report = _empty_report(settings)
        report.problems.append(
            Problem(
                f"the run did not finish within --timeout {settings.timeout:g}s",
                str(settings.root),
                None,
                "pass a larger --timeout, or check fewer lockfiles at once (--lockfile)",
            )
        )
        return report


def project(settings: Settings) -> Project:
    """The apps the scan finds, built once, without running any check, resolver or request (`deploycheck
    apps`). CheckError when the folder cannot be read."""
    repo = Repository.at(settings.root, settings.boundary)
    return apps.build(_scan(repo, settings), settings)


def _run(settings: Settings, guard: Guard | None) -> Report:
    report = _empty_report(settings)
    try:
        validate_selection(settings)
        repo = Repository.at(settings.root, settings.boundary)  # the one boundary every reader checks against
        scanned = _scan(repo, settings)
    except CheckError as exc:
        report.problems.append(Problem(exc.message, exc.path, exc.line, exc.fix))
        return report
    if guard is not None:
        try:
            guard(scanned)
        except CheckError as exc:
            raise Refused(exc) from None
    try:
        project = apps.build(scanned, settings)
    except CheckError as exc:
        report.problems.append(Problem(exc.message, exc.path, exc.line, exc.fix))
        return report
    report.inputs = project.inputs
    report.apps = [app.to_json() for app in project.apps]
    report.runtime = project.apps[0].runtime.to_json() if project.apps else {}
    if settings.config_file:
        report.config = {"file": settings.config_file, **settings.config}
    if not project.apps and not project.violations:
        report.problems.append(
            Problem(
                "no Python app found: no Python file, Procfile or dependency file "
                f"({installs.reads()}) in the checked folder",
                str(settings.root),
                None,
                "run deploycheck in the app's folder, or pass it as PATH",
            )
        )
        return report
    selection = Selection(settings.select, settings.ignore, settings.per_file_ignores)
    # Inline comments: the requirements files as the scan read them, any other file on demand.
    lines = LineComments(scanned.repo, {f.display: f.text for a in project.apps for f in a.requirement_files()})
    chosen = [m for m in CHECKS if selection.wants_any(rule.code for rule in m.RULES)]  # off: not run at all
    # Checks that only read the package index (BACKGROUND = True) run in one background thread while the
    # others, the resolver runs among them, run here: their waits overlap. Only the main thread starts
    # subprocesses, so an interruption or --timeout here stops every one of them.
    outcomes: dict[int, list[Report]] = {}
    background = [m for m in chosen if getattr(m, "BACKGROUND", False)]
    # The resolver is the run's longest step: the background checks start once it runs (or the foreground is
    # done), so that until then they do not hold the interpreter lock the steps before it need.
    go = resolver.first_step()

    def later() -> None:
        go.wait()
        _run_all(background, project, settings, outcomes)

    worker = threading.Thread(target=later, daemon=True)
    worker.start()
    try:
        _foreground(chosen, background, project, settings, outcomes)
    finally:
        go.set()
    worker.join()
    _merge(report, chosen, outcomes, project, selection, lines, settings)
    return report


def _foreground(
    chosen: list[ModuleType],
    background: list[ModuleType],
    project: Project,
    settings: Settings,
    outcomes: dict[int, list[Report]],
) -> None:
    foreground = [m for m in chosen if m not in background]
    fanned = [m for m in foreground if name_of(m) in parallel.PER_APP]
    groups = parallel.groups(project)
    jobs = parallel.default_jobs() if settings.jobs is None else settings.jobs
    with sandbox.workers(min(jobs, len(groups)) if fanned else 0) as runs:
        if runs:  # the resolver checks, one group of apps at a time in each worker: see deploycheck/parallel.py
            foreground = [m for m in foreground if m not in fanned]
            with parallel.Fan(runs, fanned, groups, settings, _run_check, _empty_report) as fan:
                _run_all(foreground, project, settings, outcomes)
            outcomes.update(fan.outcomes)
        else:
            _run_all(foreground, project, settings, outcomes)


def _lowered(finding: Finding, ignored: dict[str, str], module: ModuleType) -> Finding:
    """A finding about a dependency file the platform reads but does not install: one level lower (an error
    there does not break the deploy), with a note that says so. The checks that judge which file is
    installed keep theirs."""
    why = ignored.get(finding.path or "")
    if why is None or getattr(module, "JUDGES_INSTALLED_FILE", False) or finding.severity == "info":
        return finding
    lower = "warning" if finding.severity == "error" else "info"
    message = f"{finding.message} (lowered from {finding.severity}: {why})"
    return dataclasses.replace(finding, severity=lower, message=message)


def _scan(repo: Repository, settings: Settings) -> Scanned:
    """The scan, of every requirements file, or of the --lockfile names: those of another known format
    (uv.lock) are checked here and made apps by apps.build; an unknown one is a usage error (exit 2)."""
    if not settings.lockfiles:
        return scan.scan(repo, None, only_binary=settings.only_binary)
    requirements = []
    for name in settings.lockfiles:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if formats.claiming(base) is formats.REQUIREMENTS_TXT:
            requirements.append(name)
        elif installs.known_name(base):
            given_lockfile(name, repo)
        else:
            raise CheckError(
                f"{base} is not a dependency file deploycheck knows",
                path=name,
                fix=f"pass one of: {installs.reads()}",
            )
    if requirements:
        return scan.scan(repo, requirements, only_binary=settings.only_binary)
    return Scanned(repo, [], [])


def _merge(
    report: Report,
    chosen: list[ModuleType],
    outcomes: dict[int, list[Report]],
    project: Project,
    selection: Selection,
    lines: LineComments,
    settings: Settings,
) -> None:
    """The checks' reports into the run's, in the registry's order whichever thread ran them: findings on a
    file the platform ignores lowered, duplicates (apps sharing a declaration) once, which checks passed, and
    which installed files nothing checked."""
    ignored = {path: why for app in project.apps for path, why in app.ignored().items()}
    # Seen findings and problems by their repr (every field): a list's `in` made thousands of findings quadratic.
    seen = {repr(f) for f in report.findings}
    seen_problems = {repr(p) for p in report.problems}
    for module in chosen:  # merged in the registry's order, whichever thread ran them
        parts = outcomes.get(id(module), [])
        for part in parts:
            report.lockfiles += part.lockfiles
            for problem in part.problems:
                if repr(problem) not in seen_problems:
                    seen_problems.add(repr(problem))
                    report.problems.append(problem)
            for finding in part.findings:
                finding = _lowered(finding, ignored, module)
                # Apps that share a declaration (a root .python-version) would each report it.
                if repr(finding) not in seen and selection.keeps(finding, lines):
                    seen.add(repr(finding))
                    report.findings.append(finding)
        clean = parts and not any(p.problems for p in parts)
        if clean and not failing([f for p in parts for f in p.findings], settings.fail_on):
            report.passed.append(name_of(module))
    report.not_checked = [
        f.display
        for app in project.apps
        if app.installs is not None
        for f in app.installs.files
        if f.kind == installs.NOT_CHECKED and (f.installed or not app.installs.certain)
    ]


def _run_all(modules: list[ModuleType], project: Project, settings: Settings, into: dict[int, list[Report]]) -> None:
    for module in modules:
        targets = [project] if module.SCOPE == "project" else project.apps
        into[id(module)] = [_run_check(module, target, settings, _empty_report(settings)) for target in targets]


def _run_check(module: ModuleType, target: object, settings: Settings, report: Report) -> Report:
    """One check on one app (or the project), into a report of its own: its exception is its own "could not
    check", never the run's."""
    name = name_of(module)
    try:
        with progress.step(f"{name} check, {getattr(target, 'display', None) or 'the project'}"):
            result = module.check(target, settings)
    except Exception as exc:  # the contract: a failing check is that check's problem, not the run's
        message = exc.message if isinstance(exc, CheckError) else f"{type(exc).__name__}: {exc}"
        report.problems.append(
            Problem(
                f"the {name} check could not run: {message}",
                getattr(exc, "path", None) or str(getattr(target, "display", ".")),
                getattr(exc, "line", None),
                getattr(exc, "fix", "")
                or f"this is a bug in deploycheck's {name} check: please report it; --ignore its codes to skip it",
            )
        )
        return report
    outcome = result if isinstance(result, Outcome) else Outcome(list(result))
    report.lockfiles += outcome.lockfiles
    # Checks that share a source (one index for the pins and hashes checks) report its failure once.
    report.problems += [p for p in outcome.problems if p not in report.problems]
    declared = {rule.code for rule in module.RULES}
    stray = sorted({f.code for f in outcome.findings} - declared)
    if stray:
        report.problems.append(
            Problem(
                f"the {name} check emitted undeclared code(s) {', '.join(stray)}; they are not reported",
                None,
                None,
                "this is a bug in deploycheck: declare the code in the check's RULES and docs/codes.md",
            )
        )
    report.findings = [f for f in outcome.findings if f.code in declared]
    return report
