"""DC501-DC505: what the app imports against what its requirements install on the deploy.

Only code the deploy runs can fail it: the files its entrypoint reaches (deploycheck.imports.reach); an
unprovided import elsewhere (a notebook, a training script, a local client) is info that says so.

The app's .py files and notebooks are read with `ast` (deploycheck.imports.collect); each production import that is
neither stdlib on the deploy's Python nor a module of the repository is looked up in the modules that the
pinned distributions install, read from their wheels' RECORD / top_level.txt on the package index
(deploycheck.index.client: PEP 658 files and HTTP range requests, cached forever by file hash). A module nothing
installs is DC501 (ModuleNotFoundError at deploy); one installed only as a dependency of a dependency is
DC502 (works today, breaks when the parent drops it); a module the deploy's Python removed is DC503.

Which requirements count (deploycheck.imports.requirements): the deployed requirements.txt of the app (every
requirements file when none is named so). For a lock, its sources (.in) are the declared distributions and its
other pins the transitive ones. A plain requirements file has no list of what its lines pull in, so the
dependencies of its lines are read from the index (Requires-Dist of the pinned release, or of the newest release
that fits, down the tree, bounded): an import is called missing only when neither a line nor anything found
below it provides it. An index that does not answer makes the check "could not check" (exit 2), never a false
DC501.

Which index: each deployed file's own (its `IndexSources`, as the pins check reads them: the last
--index-url wins, the run's --index-url replaces them). A file that installs with --no-index names no index
to read, so its imports are not matched (DC505) rather than matched against an index the deploy never uses.
The index lookups themselves are deploycheck.index.provides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from deploycheck.imports import requirements
from deploycheck.imports.requirements import Requirements
from deploycheck.locks.model import Lock
from deploycheck.project import installs
from deploycheck.project.apps import App
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

if TYPE_CHECKING:
    from deploycheck.imports.classify import Import
    from deploycheck.imports.providers import ImportVerdict as Verdict
    from deploycheck.imports.reach import Reach
    from deploycheck.index.provides import Provided

MISSING = Rule("DC501", "error", "an import that no requirement provides")
TRANSITIVE = Rule("DC502", "info", "an import provided only by a dependency of a requirement")
REMOVED = Rule("DC503", "error", "an import of a module the deploy's Python no longer has")
UNREADABLE = Rule("DC504", "warning", "a Python file whose imports could not be read")
NOT_MATCHED = Rule("DC505", "info", "imports not matched to the requirements: they install from no index")
RULES = (MISSING, TRANSITIVE, REMOVED, UNREADABLE, NOT_MATCHED)
SCOPE = "app"
BACKGROUND = True  # reads the package index only, starts no subprocess: runs beside the resolvers

MAX_PLACES = 3  # other places named in one finding's message


# ------------------------------------------------------------------------------------------------ findings


def _where(file: str, line: int, cell: int | None) -> str:
    return f"{file} cell {cell}, line {line}" if cell else f"{file}:{line}"


def check(app: App, settings: Settings) -> list[Finding]:
    # ast, the stdlib tables and the index lookups: loaded only when this check runs
    from deploycheck.imports import collect as imports
    from deploycheck.imports import providers, reach
    from deploycheck.index import provides
    from deploycheck.project import entrypoints
    from deploycheck.runtime import stdlib  # ast and the stdlib tables: read only when this check runs

    if app.runtime.no_python:
        return []  # the image runs no Python (a Go or Node site): no import of a helper script fails its deploy
    minor = app.runtime.minor
    scan = imports.collect(app.folder, app.repo, python=minor, exclude=app.nested)
    findings = [
        UNREADABLE.finding(
            p.file,
            p.line,
            f"{p.message}. A production file that does not parse on Python {minor} also fails at deploy when imported",
            "make the file valid Python 3 for the deploy's version, or delete it if the app does not use it",
        )
        for p in scan.problems
    ]
    reqs = requirements.requirements(app, minor)
    if not reqs.files and installs.build_script(app.folder, app.repo):
        return findings  # setup.py/setup.cfg declares what `pip install .` installs: not read here, never "none"
    scan = replace(scan, local=scan.local | requirements.local_modules(app, reqs))  # -e ./libs/core's corelib
    outside = [
        i
        for i in scan.imports
        if i.kind == "production" and i.top not in scan.local and i.top not in stdlib.stdlib_modules(minor)
    ]
    where = requirements.indexes(settings, reqs)
    looked = provides.Provided()
    if outside and where.unread is not None:
        findings.append(_not_matched(*where.unread))
    elif outside:
        looked = provides.look_up(reqs.pins, reqs.locked, where.urls, where.trusted, minor)
    transitive = set(reqs.pins) - reqs.declared if reqs.locked else set(looked.pulled) - reqs.declared
    provided = {d: m for d, m in looked.provided.items() if d in reqs.declared or d in transitive}
    verdicts = providers.resolve(
        imports.ImportScan(outside, scan.local),
        python=minor,
        provided=provided,
        declared=reqs.declared,
        transitive=transitive,
    )
    if all(v.status == "declared" for v in verdicts):
        return findings  # nothing to judge: what the deploy runs does not matter
    found = entrypoints.find(app.folder, app.repo, app.platform)
    reached = reach.reach(scan, found, app.repo, app.folder)
    stale = _stale(verdicts, reqs, scan.local, where, minor) if where.unread is None else {}
    unread = reqs.unread(looked.provided) if where.unread is None else []
    groups = _groups(verdicts, reached, stale, _main_only(app.repo, reached), no_index=where.unread is not None)
    missing = [vs[0].imp.dotted for (status, *_), vs in groups.items() if status == "missing" and not vs[0].stdlib_from]
    names = provides.fix_names(missing, where.urls, where.trusted) if missing else {}
    for (status, _key, judged), group in groups.items():
        first = group[0]
        fails = "the deploy fails" if judged else "it fails where that file runs"
        if status == "stale":
            finding = _stale_finding(first, stale[first.imp], _also(group[1:]), reqs, fails)
        else:
            finding = _finding(first, status, _also(group[1:]), reqs, looked, names, minor, fails, unread)
        findings.append(finding if judged else _not_run(finding, first.imp.file, reached))
    return findings


def _groups(
    verdicts: list[Verdict],
    reached: Reach,
    stale: dict[Import, str],
    main_only: Callable[[Import], bool],
    *,
    no_index: bool,
) -> dict[tuple[str, str, bool], list[Verdict]]:
    """One finding per (status, module or distribution, whether the deploy runs it), in the order first seen."""
    groups: dict[tuple[str, str, bool], list[Verdict]] = {}
    for verdict in verdicts:
        if verdict.status == "declared" or (no_index and verdict.status != "removed"):
            continue  # with no index read, only what needs none is judged
        judged = reached.judged(verdict.imp.file) and not main_only(verdict.imp)
        if not judged and verdict.status == "transitive":
            continue  # works today in a file the deploy does not run: nothing to say
        status: str = "stale" if verdict.imp in stale else verdict.status
        key = verdict.imp.top if status != "transitive" else verdict.dist or verdict.imp.top
        groups.setdefault((status, key, judged), []).append(verdict)
    # A module imported where the deploy runs it is that finding's; the same module elsewhere adds nothing.
    return {k: vs for k, vs in groups.items() if k[2] or (k[0], k[1], True) not in groups}


def _not_run(finding: Finding, file: str, reached: Reach) -> Finding:
    """A finding about a file the deploy does not run (or a block of it that runs only as a script): info."""
    fix = finding.fix[0].lower() + finding.fix[1:] if finding.fix else ""
    why = reached.why_not(file)
    if reached.judged(file):  # reached, but the import is under `if __name__ == "__main__":`
        why = (
            f'the import is under `if __name__ == "__main__":`, and what the deploy runs ({reached.entries}) '
            f"imports {file} rather than running it as a script, so it does not fail the deploy"
        )
    return replace(
        finding,
        severity="info",
        message=f"{finding.message}; {why}",
        fix=f"nothing is needed for the deploy; where {file} runs, {fix}" if fix else "",
    )


def _main_only(repo: Repository, reached: Reach) -> Callable[[Import], bool]:
    """Whether an import runs only when its file runs as a script, in a file the deploy never runs as one."""
    from deploycheck.imports.collect import MAX_FILE_BYTES
    from deploycheck.imports.parse import decode_source
    from deploycheck.imports.reach import main_guards

    spans: dict[str, list[tuple[int, int]]] = {}

    def check(imp: Import) -> bool:
        if imp.cell is not None or not imp.file.endswith(".py") or imp.file in reached.scripts:
            return False
        if imp.file not in spans:
            try:
                source = decode_source(repo.read_bytes(repo.root / imp.file, cap=MAX_FILE_BYTES))
            except (OSError, ValueError, safefs.UnsafePath):  # undecodable, too large, a link out
                source = ""
            spans[imp.file] = main_guards(source) if "__main__" in source else []
        return any(start <= imp.line <= end for start, end in spans[imp.file])

    return check


def _stale(
    verdicts: list[Verdict], reqs: Requirements, local: frozenset[str], where: requirements.Indexes, minor: str
) -> dict[Import, str]:
    """Missing imports that a name the lock's sources list (but the stale lock lacks) provides, with that name."""
    from deploycheck.imports import providers
    from deploycheck.imports.collect import ImportScan
    from deploycheck.index import provides

    missing = [v.imp for v in verdicts if v.status == "missing" and not v.stdlib_from]
    if not missing or not reqs.stale:
        return {}
    pins = {name: pin for name, (pin, _source, _lock) in reqs.stale.items()}
    seen = provides.look_up(pins, True, where.urls, where.trusted, minor)
    again = providers.resolve(
        ImportScan(missing, local), python=minor, provided=seen.provided, declared=set(pins), transitive=()
    )
    return {v.imp: v.dist for v in again if v.status == "declared" and v.dist}


def _stale_finding(v: Verdict, dist: str, also: str, reqs: Requirements, fails: str) -> Finding:
    imp = v.imp
    pin, source, lock = reqs.stale[canonicalize_name(dist)]
    statement = f"from {imp.module} import {imp.name}" if imp.name else f"import {imp.module}"
    where = f"cell {imp.cell}, line {imp.line}: " if imp.cell else ""
    return MISSING.finding(
        imp.file,
        None if imp.cell else imp.line,
        f"{where}`{statement}`: {source} lists {pin.name}, but the lock {lock} does not (it is stale: DC101), and "
        f"the deploy installs the lock, so {fails} with ModuleNotFoundError: No module named '{imp.top}'{also}",
        f"recompile {lock} from {source} (DC101 gives the command) and commit it",
        severity="warning",
    )


def _also(others: list[Verdict]) -> str:
    """The other places that import the same module, for one finding's message."""
    if not others:
        return ""
    places = [_where(v.imp.file, v.imp.line, v.imp.cell) for v in others]
    shown = ", ".join(places[:MAX_PLACES]) + (
        f" and {len(places) - MAX_PLACES} more" if len(places) > MAX_PLACES else ""
    )
    return f" (also imported at {shown})"


def _not_matched(file: Lock, line: int | None) -> Finding:
    return NOT_MATCHED.finding(
        file.display,
        line,
        f"the app's imports are not matched to its requirements: {file.display} installs with --no-index, from "
        "files deploycheck does not read, so which modules its packages provide is not known here (DC501 and "
        "DC502 say nothing about this app)",
        "pass --index-url to match them against an index that serves the same packages, or ignore DC505",
    )


def _finding(
    v: Verdict,
    status: str,
    also: str,
    reqs: Requirements,
    looked: Provided,
    names: dict[str, str],
    minor: str,
    fails: str = "the deploy fails",
    unread: list[str] | None = None,
) -> Finding:
    imp = v.imp
    line, cell = imp.line, imp.cell  # in a notebook, the line within its cell
    where = f"cell {imp.cell}, line {imp.line}: " if imp.cell else ""
    statement = f"from {imp.module} import {imp.name}" if imp.name else f"import {imp.module}"
    files = reqs.declared_in
    if status == "removed" and v.removed:
        version, instead = v.removed
        return REMOVED.finding(
            imp.file,
            line,
            f"{where}`{statement}`: {imp.top} was removed from the standard library in Python 3.{version}; the deploy "
            f"runs Python {minor}, where this fails with ModuleNotFoundError: No module named '{imp.top}'{also}",
            f"use {instead}",
            cell=cell,
        )
    if status == "transitive":
        provider = v.dist or imp.top
        parents = (
            reqs.parents.get(canonicalize_name(provider))
            if reqs.locked
            else looked.pulled.get(canonicalize_name(provider))
        )
        via = f"a dependency of {', '.join(sorted(set(parents or []))[:3])}" if parents else "a dependency"
        return TRANSITIVE.finding(
            imp.file,
            line,
            f"{where}`{statement}` works only because {provider} is installed as {via}; {files} does not name it, so "
            f"the deploy fails with ModuleNotFoundError when that dependency stops requiring it{also}",
            f"add `{provider}` to {reqs.fix_target}",
            cell=cell,
        )
    if v.stdlib_from:
        return MISSING.finding(
            imp.file,
            line,
            f"{where}`{statement}`: {imp.top} is in the standard library only from Python 3.{v.stdlib_from}, and the "
            f"deploy runs Python {minor}: ModuleNotFoundError: No module named '{imp.top}' at deploy{also}",
            f"deploy on Python 3.{v.stdlib_from} or newer, or guard the import with try/except ImportError and "
            f"declare a backport in {reqs.fix_target.split(' and ')[0]}",
            cell=cell,
        )
    dist = names.get(imp.dotted)
    if unread:
        return _unread_finding(v, statement, unread, files, fails, also, dist)
    fix = (
        f"add `{dist}` to {reqs.fix_target}"
        if dist
        else f"add the distribution that provides `{imp.top}` to {reqs.fix_target} (or delete the import)"
    )
    return MISSING.finding(
        imp.file,
        line,
        f"{where}`{statement}`: no requirement in {files} installs {imp.top}, so {fails} with "
        f"ModuleNotFoundError: No module named '{imp.top}'{also}",
        fix,
        cell=cell,
    )


def _unread_finding(
    v: Verdict, statement: str, unread: list[str], files: str, fails: str, also: str, dist: str | None
) -> Finding:
    """No readable requirement provides the module, and some requirements could not be read: not known."""
    imp = v.imp
    where = f"cell {imp.cell}, line {imp.line}: " if imp.cell else ""
    more = len(unread) - MAX_PLACES
    shown = ", ".join(unread[:MAX_PLACES]) + (f" and {more} more" if more > 0 else "")
    return MISSING.finding(
        imp.file,
        None if imp.cell else imp.line,
        f"{where}`{statement}`: none of the requirements in {files} whose files deploycheck could read installs "
        f"{imp.top}, and {shown} could not be read on the index (a pin it does not have, a URL, an sdist), so "
        f"whether one of them provides it is not known; if none does, {fails} with ModuleNotFoundError: "
        f"No module named '{imp.top}'{also}",
        f"make sure a requirement installs `{imp.top}`" + (f" (`{dist}` does)" if dist else ""),
        severity="warning",
    )
