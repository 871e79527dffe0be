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
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.errors import CheckError
from deploycheck.index import pinned
from deploycheck.locks import explain
from deploycheck.locks.requirements import reqfile
from deploycheck.locks.requirements.reqfile import Pin, ReqFile
from deploycheck.project.apps import App
from deploycheck.project.scan import LockPair, rel
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

if TYPE_CHECKING:
    from deploycheck.imports.providers import ImportVerdict as Verdict
    from deploycheck.index.client import Project
    from deploycheck.index.simpleapi import DistFile

MISSING = Rule("DC501", "error", "an import that no requirement provides")
TRANSITIVE = Rule("DC502", "info", "an import provided only by a dependency of a requirement")
REMOVED = Rule("DC503", "error", "an import of a module the deploy's Python no longer has")
UNREADABLE = Rule("DC504", "warning", "a Python file whose imports could not be read")
RULES = (MISSING, TRANSITIVE, REMOVED, UNREADABLE)
SCOPE = "app"
BACKGROUND = True  # reads the package index only, starts no subprocess: runs beside the resolvers

MAX_PROJECTS = 400  # distributions looked up per app: a lock's pins, or a plain file's lines and what they pull in
MAX_VERSIONS = 60  # releases tried, newest first, for a requirement that names no exact version
MAX_NAME_LOOKUPS = 40  # index lookups that name the distribution in a DC501 fix
MAX_PLACES = 3  # other places named in one finding's message
TIMEOUT = 15.0

# For the fix text only: the distribution to add for a well-known import name that differs from it. Whether
# an import is provided is decided from the pinned distributions' own metadata, never from this table.
FIX_NAMES = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python-headless",
    "PIL": "pillow",
    "yaml": "PyYAML",
    "bs4": "beautifulsoup4",
    "dotenv": "python-dotenv",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "jwt": "PyJWT",
    "dateutil": "python-dateutil",
    "docx": "python-docx",
    "fitz": "PyMuPDF",
    "magic": "python-magic",
    "telegram": "python-telegram-bot",
    "Crypto": "pycryptodome",
    "serial": "pyserial",
    "attr": "attrs",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "skimage": "scikit-image",
    "win32api": "pywin32",
}


@dataclass
class _Requirements:
    """What the deployed requirements say, for one app."""

    files: list[ReqFile]
    pins: dict[NormalizedName, Pin] = field(default_factory=dict)  # every pin installed on the target
    declared: set[NormalizedName] = field(default_factory=set)
    parents: dict[NormalizedName, list[str]] = field(default_factory=dict)  # transitive pin -> who needs it
    locked: bool = True  # the pins are the whole install (a lock); else dependencies are looked up
    index_options: list[str] = field(default_factory=list)
    fix_target: str = "requirements.txt"  # where a missing requirement goes
    declared_in: str = "requirements.txt"  # the files that name the declared distributions, for messages


def _environment(minor: str, extra: str = "") -> dict[str, str]:
    return {**explain.environment(minor, "linux"), "extra": extra}


def _applies(marker: str, env: dict[str, str]) -> bool:
    try:
        return not marker or Marker(marker).evaluate(env)
    except InvalidMarker:
        return True  # pip would refuse the line: the syntax check reports it; here it counts as installed


def _deployed(app: App) -> tuple[list[LockPair], list[ReqFile]]:
    """The files the platform installs: requirements.txt when the app has one, else every requirements file."""
    locks = [p for p in app.locks if p.path.name == "requirements.txt"]
    plain = [f for f in app.plain if f.path.name == "requirements.txt"]
    if locks or plain:
        return locks, plain
    return list(app.locks), list(app.plain)


def _source_names(pair: LockPair, app: App) -> set[NormalizedName] | None:
    """Names the lock's requirements files (.in) list; None when no source could be read as one."""
    names: set[NormalizedName] = set()
    read_any = False
    for source in pair.sources:
        if source.suffix not in (".in", ".txt") or source.resolve() == pair.path.resolve():
            continue
        try:
            names |= set(reqfile.read(source, rel(source, app.root)).pins)
            read_any = True
        except CheckError:
            continue  # an unreadable .in is the drift check's "could not check"
    return names if read_any else None


def _via_declared(pin: Pin) -> bool:
    """`# via -r requirements.in` or `# via pyproject.toml`: the lock's annotation that a source names it."""
    # pip-compile writes `deploycheck (pyproject.toml)` for a project's own dependencies.
    return any(v.startswith("-r ") or v.rstrip(")").endswith((".toml", ".py", ".cfg")) for v in pin.via)


def _requirements(app: App, minor: str) -> _Requirements:
    locks, plain = _deployed(app)
    env = _environment(minor)
    reqs = _Requirements([p.lock for p in locks] + plain, locked=not plain)
    source = next((s for p in locks for s in p.sources if s.suffix == ".in"), None)
    if plain:
        reqs.fix_target = PurePosixPath(plain[0].display).name
    elif locks:
        reqs.fix_target = (source.name if source else "the lock's sources") + " and recompile the lock"
    named = [*(s.name for p in locks for s in p.sources), *(PurePosixPath(f.display).name for f in plain)]
    reqs.declared_in = " and ".join(dict.fromkeys(named)) or reqs.fix_target
    for pair in locks:
        from_sources = _source_names(pair, app)
        annotated = any(pin.via for pin in pair.lock.pins.values())
        for pin in pair.lock.pins.values():
            if not _applies(pin.marker, env):
                continue
            reqs.pins[pin.name] = pin
            if (from_sources is not None and pin.name in from_sources) or _via_declared(pin):
                reqs.declared.add(pin.name)
            elif from_sources is None and not annotated:
                reqs.declared.add(pin.name)  # nothing tells which pins are direct: none is called transitive
            else:
                reqs.parents[pin.name] = [v for v in pin.via if not v.startswith("-")]
        reqs.index_options += [part for opt, value, _ in pair.lock.options if opt in _INDEX for part in (opt, value)]
        reqs.index_options += pair.command.index_options
    for file in plain:
        for pin in file.pins.values():
            if _applies(pin.marker, env):
                reqs.pins[pin.name] = pin
                reqs.declared.add(pin.name)
        reqs.index_options += [part for opt, value, _ in file.options if opt in _INDEX for part in (opt, value)]
    return reqs


_INDEX = ("--index-url", "--extra-index-url", "--index", "--default-index")


def _index_urls(settings: Settings, reqs: _Requirements) -> list[str]:
    """The indexes the deploy installs from: the run's own, else the lock's, else PyPI."""
    options = settings.index_options() or reqs.index_options
    primary = [
        options[i + 1] for i in range(0, len(options) - 1, 2) if options[i] in ("--index-url", "--default-index")
    ]
    extra = [options[i + 1] for i in range(0, len(options) - 1, 2) if options[i] in ("--extra-index-url", "--index")]
    urls = [*(primary[:1] or [pinned.PYPI]), *extra]
    return list(dict.fromkeys(u if u.endswith("/") else u + "/" for u in urls))


# ------------------------------------------------------------------------------------------------ the index


@dataclass
class _Looked:
    provided: dict[str, list[str]] = field(default_factory=dict)  # distribution -> dotted modules (metadata)
    pulled: dict[NormalizedName, list[str]] = field(default_factory=dict)  # found below a plain file's lines
    known: set[NormalizedName] = field(default_factory=set)  # projects the index lists


def _unavailable(name: str, project: Project, urls: Sequence[str]) -> CheckError:
    reason = str(project.unavailable[0]) if project.unavailable else "no answer"
    return CheckError(
        f"the package index did not answer for {name!r} ({reason}), so the imports cannot be matched to what the "
        "requirements install",
        fix=f"check that {', '.join(urls)} is reachable (proxy, certificates), or --ignore DC501,DC502 to skip",
    )


def _pick(project: Project, pin: Pin | None, spec: str, minor: str) -> list[DistFile]:
    """The files of the release the deploy installs: the pinned one, else the newest that fits."""
    from deploycheck.index import targettags

    target = targettags.Target(minor)
    if pin is not None and pin.version:
        files = project.release(pin.version)
        return list(files)
    try:
        wanted = SpecifierSet(spec)
    except InvalidSpecifier:
        wanted = SpecifierSet()
    versions = project.versions()
    tried = 0
    for version in reversed(versions):
        if not wanted.contains(version, prereleases=bool(spec) and version.is_prerelease):
            continue
        tried += 1
        if tried > MAX_VERSIONS:
            break
        files = [f for f in project.release(version) if not f.yanked]
        if targettags.installable(files, target):
            return files
    return []


def _best(files: list[DistFile], minor: str) -> DistFile | None:
    from deploycheck.index import targettags

    target = targettags.Target(minor)
    wheels = [f for f in files if f.kind == "wheel"]
    fitting = [f for f in wheels if targettags.wheel_fits(f, target)]
    best = fitting or wheels or files
    return best[0] if best else None


def _requires(text: str, extras: Iterable[str], minor: str) -> list[Requirement]:
    """Requires-Dist lines of a METADATA text that apply on the deploy for these extras."""
    out = []
    envs = [_environment(minor, e) for e in ("", *extras)]
    for line in text.splitlines()[:5000]:
        if not line.startswith("Requires-Dist:"):
            if not line.strip():
                break  # the headers end at the first blank line; the description follows
            continue
        try:
            req = Requirement(line.split(":", 1)[1].strip())
        except InvalidRequirement:
            continue
        if req.marker is None or any(req.marker.evaluate(env) for env in envs):
            out.append(req)
    return out


def _look_up(reqs: _Requirements, urls: list[str], minor: str) -> _Looked:
    from deploycheck import cache
    from deploycheck.index.client import Index

    looked = _Looked()
    wanted: dict[NormalizedName, tuple[Pin | None, str, tuple[str, ...]]] = {
        name: (pin, pin.specifier, pin.extras) for name, pin in reqs.pins.items() if not pin.url and not pin.editable
    }
    seen = set(wanted)
    with Index(urls, cache_dir=cache.folder() / "index", timeout=TIMEOUT) as index:
        level = wanted
        while level:
            projects = index.projects(level)
            chosen: dict[NormalizedName, DistFile] = {}
            for name, project in projects.items():
                if not project.found_on:
                    if not project.complete:
                        raise _unavailable(name, project, urls)
                    continue  # on no index: its modules are guessed from its name (imports._same_name)
                looked.known.add(name)
                pin, spec, _extras = level[name]
                best = _best(_pick(project, pin, spec, minor), minor)
                if best is not None:
                    chosen[name] = best
            names = index.import_names_many(chosen.values())
            for name, file in chosen.items():
                found = names[file.filename]
                if found.source != "name":
                    looked.provided[name] = list(found.names)
            if reqs.locked:
                break
            # A plain file: what its lines pull in is installed too. Read down the tree, bounded.
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                metadata = dict(zip(chosen, pool.map(index.metadata, chosen.values())))
            following: dict[NormalizedName, tuple[Pin | None, str, tuple[str, ...]]] = {}
            for parent, text in metadata.items():
                for req in _requires(text or "", level[parent][2], minor):
                    child = canonicalize_name(req.name)
                    looked.pulled.setdefault(child, []).append(parent)
                    if child not in seen and len(seen) < MAX_PROJECTS:
                        seen.add(child)
                        following[child] = (None, str(req.specifier), tuple(sorted(req.extras)))
            level = following
        return looked


def _fix_names(modules: Iterable[str], urls: list[str]) -> dict[str, str]:
    """For missing imports, the distribution that provides them: a well-known name, else a project of the
    import's own name (google.cloud.storage -> google-cloud-storage) when the index has one."""
    from deploycheck import cache
    from deploycheck.index.client import Index, IndexUnavailable

    out: dict[str, str] = {}
    guesses: dict[str, str] = {}
    for module in modules:
        parts = module.split(".")
        known = next(
            (FIX_NAMES[".".join(parts[:d])] for d in range(len(parts), 0, -1) if ".".join(parts[:d]) in FIX_NAMES), None
        )
        if known:
            out[module] = known
        elif len(guesses) < MAX_NAME_LOOKUPS:
            guesses[module] = "-".join(parts[:3]) if parts[0] in ("google", "azure") else parts[0]
    if guesses:
        try:
            with Index(urls, cache_dir=cache.folder() / "index", timeout=TIMEOUT) as index:
                projects = index.projects(guesses.values())
        except IndexUnavailable:
            return out
        for module, guess in guesses.items():
            project = projects.get(canonicalize_name(guess))
            if project is not None and project.found_on:
                out[module] = guess
    return out


# ------------------------------------------------------------------------------------------------ findings


def _where(file: str, line: int, cell: int | None) -> str:
    return f"{file} cell {cell}, line {line}" if cell else f"{file}:{line}"


def check(app: App, settings: Settings) -> list[Finding]:
    from deploycheck.imports import collect as imports
    from deploycheck.imports import providers
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
    if not reqs.files:
        return findings  # no requirements file: dependencies come from elsewhere (pyproject, Pipfile, uv.lock)
    outside = [
        i
        for i in scan.imports
        if i.kind == "production" and i.top not in scan.local and i.top not in stdlib.stdlib_modules(minor)
    ]
    looked = _Looked()
    urls = _index_urls(settings, reqs)
    if outside:
        looked = _look_up(reqs, urls, minor)
    transitive = set(reqs.pins) - reqs.declared if reqs.locked else set(looked.pulled) - reqs.declared
    provided = {d: m for d, m in looked.provided.items() if d in reqs.declared or d in transitive}
    verdicts = providers.resolve(
        imports.ImportScan(outside, scan.local),
        python=minor,
        provided=provided,
        declared=reqs.declared,
        transitive=transitive,
    )
    groups: dict[tuple[str, str], list[Verdict]] = {}
    for verdict in verdicts:
        if verdict.status != "declared":
            key = verdict.imp.top if verdict.status != "transitive" else verdict.dist or verdict.imp.top
            groups.setdefault((verdict.status, key), []).append(verdict)
    missing = [vs[0].imp.dotted for (status, _), vs in groups.items() if status == "missing" and not vs[0].stdlib_from]
    names = _fix_names(missing, urls) if missing else {}
    for (status, _key), group in groups.items():
        first = group[0]
        others = [_where(v.imp.file, v.imp.line, v.imp.cell) for v in group[1:]]
        also = ""
        if others:
            shown = ", ".join(others[:MAX_PLACES]) + (
                f" and {len(others) - MAX_PLACES} more" if len(others) > MAX_PLACES else ""
            )
            also = f" (also imported at {shown})"
        findings.append(_finding(first, status, also, reqs, looked, names, minor))
    return findings


def _finding(
    v: Verdict, status: str, also: str, reqs: _Requirements, looked: _Looked, names: dict[str, str], minor: str
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
        f"{where}`{statement}`: no requirement in {files} installs {imp.top}, so the deploy fails with "
        f"ModuleNotFoundError: No module named '{imp.top}'{also}",
        fix,
    )
