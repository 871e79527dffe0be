"""DC501-DC504: what the app imports against what its requirements install on the deploy.

The app's .py files and notebooks are read with `ast` (deploycheck.imports.collect); each production import that is
neither stdlib on the deploy's Python nor a module of the repository is looked up in the modules that the
pinned distributions install, read from their wheels' RECORD / top_level.txt on the package index
(deploycheck.index.client: PEP 658 files and HTTP range requests, cached forever by file hash). A module nothing
installs is DC501 (ModuleNotFoundError at deploy); one installed only as a dependency of a dependency is
DC502 (works today, breaks when the parent drops it); a module the deploy's Python removed is DC503.

Which requirements count: the deployed requirements.txt of the app (every requirements file when none is
named so). For a lock, its sources (.in) are the declared distributions and its other pins the transitive
ones. A plain requirements file has no list of what its lines pull in, so the dependencies of its lines are
read from the index (Requires-Dist of the pinned release, or of the newest release that fits, down the
tree, bounded): an import is called missing only when neither a line nor anything found below it provides
it. An index that does not answer makes the check "could not check" (exit 2), never a false DC501.

Which index: each deployed file's own (its `IndexSources`, as the pins check reads them: the last
--index-url wins, the run's --index-url replaces them). A file that installs with --no-index names no index
to read, so its imports are not matched (DC505) rather than matched against an index the deploy never uses.
The index lookups themselves are deploycheck.index.provides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.locks import markers, tomllock
from deploycheck.locks.indexes import IndexSources
from deploycheck.locks.model import Lock, Pin
from deploycheck.project import installs
from deploycheck.project.apps import App
from deploycheck.project.records import LockPair
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

if TYPE_CHECKING:
    from deploycheck.imports.providers import ImportVerdict as Verdict
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


@dataclass
class _Requirements:
    """What the deployed requirements say, for one app."""

    files: list[Lock]
    pins: dict[NormalizedName, Pin] = field(default_factory=dict)  # every pin installed on the target
    declared: set[NormalizedName] = field(default_factory=set)
    parents: dict[NormalizedName, list[str]] = field(default_factory=dict)  # transitive pin -> who needs it
    locked: bool = True  # the pins are the whole install (a lock); else dependencies are looked up
    fix_target: str = "requirements.txt"  # where a missing requirement goes
    declared_in: str = "requirements.txt"  # the files that name the declared distributions, for messages


def _deployed(app: App) -> tuple[list[LockPair], list[Lock], list[Lock]]:
    """The files the platform installs: the one it installs when that can be told and is read here, else
    requirements.txt when the app has one, else every requirements file, else the locks of the other formats
    (poetry.lock, pdm.lock), whose pins are already the installed set, else the Pipfile and environment.yml
    lists, else what pyproject.toml declares (uv.lock's reader marks no declared pins). Nothing at all: every
    third-party import is unprovided (issue #15)."""
    chosen = app.installed_file()
    if chosen is not None:
        shown = app.installs.file if app.installs is not None else None
        locks = [p for p in app.locks if p.display == shown]
        plain = [f for f in app.plain if f.display == shown]
        hashed = [f for f in _hashed(app) if f.display == shown]
        own = [f for f in _other_files(app) if f.display == shown]
        if locks or plain or hashed or own:
            return locks, plain + own, hashed
    locks = [p for p in app.locks if p.path.name == "requirements.txt"]
    plain = [f for f in app.plain if f.path.name == "requirements.txt"]
    if locks or plain:
        return locks, plain, []
    if app.locks or app.plain:
        return list(app.locks), list(app.plain), []
    # Pipfile.lock (else the Pipfile) and environment.yml are read as plain lists: every pin declared. poetry.lock
    # and pdm.lock: their readers mark the pins pyproject.toml declares (`via pyproject.toml`).
    hashed, others = _hashed(app), _other_files(app)
    if hashed or others:
        return [], others, hashed
    named = installs.declared(app.folder, app.repo)
    return [], [named] if named is not None else [], []


def _hashed(app: App) -> list[Lock]:
    return [f for f in app.other_locks if f.verify == tomllock.CONTENT_HASH and not f.errors]


def _other_files(app: App) -> list[Lock]:
    """With no requirements file: Pipfile.lock (else the Pipfile) and environment.yml, read as plain files.
    A conda package counts as its PyPI distribution (deploycheck.locks.conda_names), looked up unpinned:
    its conda version comes from a solve that cannot be run here."""
    from deploycheck.locks import conda, conda_names, pipfile

    own = [f for f in app.other_locks if f.path.parent == app.folder and not f.errors]
    chosen = [f for f in own if f.format == pipfile.LOCK_FORMAT] or [
        f for f in own if f.format == pipfile.PIPFILE_FORMAT
    ]
    for env in own:
        if not isinstance(env, conda.CondaLock):
            continue
        pins = dict(env.pins)
        for package in env.conda:
            if package.name in conda_names.CONDA_ONLY or package.name == "pip":
                continue
            for name in map(canonicalize_name, conda_names.pypi_names(package.name)):
                pins.setdefault(name, Pin(name, package.line, package.raw, file=env.display))
        chosen.append(replace(env, pins=pins))
    return chosen


def _source_names(pair: LockPair) -> set[NormalizedName] | None:
    """Names the lock's requirements files (.in) list, as the scan read them; None when none was read."""
    names: set[NormalizedName] = set()
    read_any = False
    for source in pair.lock.compiled_from():
        if source.path.suffix not in (".in", ".txt") or source.path == pair.path:
            continue
        if source.pins is not None:  # an unreadable .in is the drift check's "could not check"
            names |= set(source.pins)
            read_any = True
    return names if read_any else None


def _via_declared(pin: Pin) -> bool:
    """`# via -r requirements.in` or `# via pyproject.toml`: the lock's annotation that a source names it."""
    # pip-compile writes `deploycheck (pyproject.toml)` for a project's own dependencies.
    return any(v.startswith("-r ") or v.rstrip(")").endswith((".toml", ".py", ".cfg")) for v in pin.via)


def _requirements(app: App, minor: str) -> _Requirements:
    locks, plain, others = _deployed(app)
    env = markers.environment(minor, extra="")
    reqs = _Requirements([p.lock for p in locks] + plain + others, locked=not plain)
    sources = [s for p in locks for s in p.lock.compiled_from()]
    source = next((s for s in sources if s.path.suffix == ".in"), None)
    if plain:
        reqs.fix_target = PurePosixPath(plain[0].display).name
        if reqs.fix_target == "Pipfile.lock":
            reqs.fix_target = "the Pipfile (then run `pipenv lock`)"
    elif locks:
        reqs.fix_target = (source.path.name if source else "the lock's sources") + " and recompile the lock"
    named = [*(s.path.name for s in sources), *(PurePosixPath(f.display).name for f in plain)]
    reqs.declared_in = " and ".join(dict.fromkeys(named)) or reqs.fix_target
    if not reqs.files:
        reqs.declared_in = "the app's dependency files (it has none)"
    for pair in locks:
        from_sources = _source_names(pair)
        annotated = any(pin.via for pin in pair.lock.pins.values())
        for pin in pair.lock.installed(env):
            reqs.pins[pin.name] = pin
            if (from_sources is not None and pin.name in from_sources) or _via_declared(pin):
                reqs.declared.add(pin.name)
            elif from_sources is None and not annotated:
                reqs.declared.add(pin.name)  # nothing tells which pins are direct: none is called transitive
            else:
                reqs.parents[pin.name] = [v for v in pin.via if not v.startswith("-")]
    for file in plain:
        for pin in file.installed(env):
            reqs.pins[pin.name] = pin
            reqs.declared.add(pin.name)
    for other in others:
        # Their readers mark the pins pyproject.toml declares (`via pyproject.toml`); the rest name parents.
        reqs.fix_target = reqs.declared_in = "pyproject.toml"
        reqs.fix_target += f" and run `{other.command}`" if other.command else ""
        for pin in other.installed(env):
            reqs.pins[pin.name] = pin
            if _via_declared(pin):
                reqs.declared.add(pin.name)
            else:
                reqs.parents[pin.name] = list(pin.via)
    return reqs


@dataclass(frozen=True)
class _Indexes:
    """The indexes the deploy installs the app's requirements from, as the run sees them."""

    urls: tuple[str, ...] = ()
    trusted: tuple[str, ...] = ()
    unread: tuple[Lock, int | None] | None = None  # a file that installs with --no-index, and the line


def _indexes(settings: Settings, reqs: _Requirements) -> _Indexes:
    """Each deployed file's own indexes (as the pins check reads them), all of them, each once."""
    urls: dict[str, None] = {}
    trusted: dict[str, None] = {}
    # No file at all: the indexes the run names (or pip's default) are the ones the fix's names come from.
    for sources in [f.indexes for f in reqs.files] or [IndexSources()]:
        said = sources.within(settings.indexes)
        if said.no_index is not None:
            return _Indexes(unread=(next(f for f in reqs.files if f.indexes is sources), said.no_index.line))
        urls.update(dict.fromkeys(u if u.endswith("/") else u + "/" for u in said.urls))
        trusted.update(dict.fromkeys(said.trusted))
    return _Indexes(tuple(urls), tuple(trusted))


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
    reqs = _requirements(app, minor)
    if not reqs.files and installs.build_script(app.folder, app.repo):
        return findings  # setup.py/setup.cfg declares what `pip install .` installs: not read here, never "none"
    outside = [
        i
        for i in scan.imports
        if i.kind == "production" and i.top not in scan.local and i.top not in stdlib.stdlib_modules(minor)
    ]
    where = _indexes(settings, reqs)
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
    found = entrypoints.find(app.folder, app.repo, app.platform)
    reached = reach.reach(scan, found, app.repo, app.folder)
    groups: dict[tuple[str, str, bool], list[Verdict]] = {}
    for verdict in verdicts:
        if verdict.status == "declared" or (where.unread is not None and verdict.status != "removed"):
            continue  # with no index read, only what needs none is judged
        judged = reached.judged(verdict.imp.file)
        if not judged and verdict.status == "transitive":
            continue  # works today in a file the deploy does not run: nothing to say
        key = verdict.imp.top if verdict.status != "transitive" else verdict.dist or verdict.imp.top
        groups.setdefault((verdict.status, key, judged), []).append(verdict)
    # A module imported where the deploy runs it is that finding's; the same module elsewhere adds nothing.
    groups = {k: vs for k, vs in groups.items() if k[2] or (k[0], k[1], True) not in groups}
    missing = [vs[0].imp.dotted for (status, *_), vs in groups.items() if status == "missing" and not vs[0].stdlib_from]
    names = provides.fix_names(missing, where.urls, where.trusted) if missing else {}
    for (status, _key, judged), group in groups.items():
        fails = "the deploy fails" if judged else "it fails where that file runs"
        finding = _finding(group[0], status, _also(group[1:]), reqs, looked, names, minor, fails)
        if not judged:
            fix = finding.fix[0].lower() + finding.fix[1:] if finding.fix else ""
            finding = replace(
                finding,
                severity="info",
                message=f"{finding.message}; {reached.why_not(group[0].imp.file)}",
                fix=f"nothing is needed for the deploy; where {group[0].imp.file} runs, {fix}" if fix else "",
            )
        findings.append(finding)
    return findings


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
    reqs: _Requirements,
    looked: Provided,
    names: dict[str, str],
    minor: str,
    fails: str = "the deploy fails",
) -> Finding:
    imp = v.imp
    line = None if imp.cell else imp.line
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
        )
    if v.stdlib_from:
        return MISSING.finding(
            imp.file,
            line,
            f"{where}`{statement}`: {imp.top} is in the standard library only from Python 3.{v.stdlib_from}, and the "
            f"deploy runs Python {minor}: ModuleNotFoundError: No module named '{imp.top}' at deploy{also}",
            f"deploy on Python 3.{v.stdlib_from} or newer, or guard the import with try/except ImportError and "
            f"declare a backport in {reqs.fix_target.split(' and ')[0]}",
        )
    dist = names.get(imp.dotted)
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
    )
