"""What an app's deployed requirements install, for the checks that match code against them (DC501-DC505, DC510).

The files the platform installs (`deployed`): the one it installs when that can be told, else requirements.txt,
else every requirements file, else the other formats' locks, the Pipfile and environment.yml lists, else what
pyproject.toml declares. For a lock, its sources (.in) are the declared distributions and its other pins the
transitive ones; a name its sources list that the lock lacks is `stale` (the lock needs a recompile: DC101).
Which indexes they install from (`indexes`): each file's own, as the pins check reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.locks import markers, tomllock
from deploycheck.locks.indexes import IndexSources
from deploycheck.locks.model import Lock, Pin
from deploycheck.locks.requirements import header
from deploycheck.project import installs
from deploycheck.project.apps import App
from deploycheck.project.records import LockPair
from deploycheck.repo.repository import Repository
from deploycheck.settings import Settings


@dataclass
class Requirements:
    """What the deployed requirements say, for one app."""

    files: list[Lock]
    pins: dict[NormalizedName, Pin] = field(default_factory=dict)  # every pin installed on the target
    declared: set[NormalizedName] = field(default_factory=set)
    parents: dict[NormalizedName, list[str]] = field(default_factory=dict)  # transitive pin -> who needs it
    locked: bool = True  # the pins are the whole install (a lock); else dependencies are looked up
    fix_target: str = "requirements.txt"  # where a missing requirement goes
    declared_in: str = "requirements.txt"  # the files that name the declared distributions, for messages
    # A name a lock's sources list that the lock lacks (a stale lock, DC101): its pin in the source, the
    # source's name and the lock's, as shown.
    stale: dict[NormalizedName, tuple[Pin, str, str]] = field(default_factory=dict)

    def unread(self, provided: Iterable[str]) -> list[str]:
        """Installed distributions whose modules are not known (no metadata read: a pin the index does not have,
        a URL, an sdist), which may provide a module of any name. A local path (`-e .`) is the repository's own."""
        known = {canonicalize_name(d) for d in provided}
        return sorted(n for n, pin in self.pins.items() if n not in known and not pin.editable and not _local(pin.url))


def _local(url: str) -> bool:
    return bool(url) and not url.startswith(("http://", "https://", "git+", "hg+", "svn+", "bzr+"))


MAX_LOCAL_PATHS = 64  # local path requirements looked into per app


def local_modules(app: App, reqs: Requirements) -> frozenset[str]:
    """Top-level modules the local path requirements install (`-e ./libs/core`, `./pkg`, `file:///…`), read
    from their folder and its src/ as pip installs them: the package's name (corelib) is often not the
    folder's (core). A path is taken from the app's folder, where the platform runs pip, and from the file's;
    only inside the repository."""
    from deploycheck.imports.collect import names_in

    found: set[str] = set()
    paths = [pin for pin in reqs.pins.values() if _local(pin.url)][:MAX_LOCAL_PATHS]
    for pin in paths:
        written = pin.url[len("file://") :] if pin.url.startswith("file://") else pin.url
        bases = [app.folder] + [f.path.parent for f in reqs.files if f.display == pin.file]
        for base in dict.fromkeys(bases):
            folder = base / written
            found |= names_in(folder, app.repo) | names_in(folder / "src", app.repo)
    return frozenset(found)


def deployed(app: App) -> tuple[list[LockPair], list[Lock], list[Lock]]:
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


def _source_names(pair: LockPair, repo: Repository) -> set[NormalizedName] | None:
    """Names the lock's requirements files (.in) list, as the scan read them, and for `uv export` its
    pyproject.toml's [project].dependencies (annotated `# via <the project's name>`, which names no file);
    None when none was read."""
    names: set[NormalizedName] = set()
    read_any = False
    for source in pair.lock.compiled_from():
        if source.path.name == "pyproject.toml" and header.uv_export_argv(pair.lock.text) is not None:
            project = installs.declared(source.path.parent, repo)
            if project is not None and project.path == source.path:
                names |= set(project.pins)
                read_any = True
            continue
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


def requirements(app: App, minor: str) -> Requirements:
    locks, plain, others = deployed(app)
    env = markers.environment(minor, extra="")
    reqs = Requirements([p.lock for p in locks] + plain + others, locked=not plain)
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
        from_sources = _source_names(pair, app.repo)
        annotated = any(pin.via for pin in pair.lock.pins.values())
        for pin in pair.lock.installed(env):
            reqs.pins[pin.name] = pin
            if (from_sources is not None and pin.name in from_sources) or _via_declared(pin):
                reqs.declared.add(pin.name)
            elif from_sources is None and not annotated:
                reqs.declared.add(pin.name)  # nothing tells which pins are direct: none is called transitive
            else:
                reqs.parents[pin.name] = [v for v in pin.via if not v.startswith("-")]
        locked = set(pair.lock.pins)
        for source in pair.lock.compiled_from():
            if source.path.suffix != ".in" or source.pins is None:
                continue
            for pin in source.pins.values():
                if pin.name not in locked and markers.holds(pin.marker, env) and not pin.url and not pin.editable:
                    reqs.stale.setdefault(pin.name, (pin, source.path.name, pair.lock.display))
    for file in plain:
        for pin in file.installed(env):
            reqs.pins[pin.name] = pin
            reqs.declared.add(pin.name)
    for file in [*plain, *(p.lock for p in locks)]:
        for pin in _unparsed(file):  # DC350 says the line is wrong; the import is still declared (#17 class 2)
            if pin.name not in reqs.pins:
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
    _platform_installs(app, reqs)
    return reqs


_LEADING_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?)")


def _unparsed(file: Lock) -> list[Pin]:
    """The names of requirement lines pip cannot parse (`supervision==0.18.0.`): declared, under their own name."""
    lines = file.text.splitlines()
    found = []
    for issue in file.issues:
        if issue.kind != "syntax" or issue.line is None or not 0 < issue.line <= len(lines):
            continue
        raw = lines[issue.line - 1]
        match = _LEADING_NAME.match(raw)
        if match and not raw.lstrip().startswith(("-", "#")):
            found.append(Pin(canonicalize_name(match[1]), issue.line, raw, file=file.display))
    return found


def _platform_installs(app: App, reqs: Requirements) -> None:
    """What the platform installs for every app (Streamlit Community Cloud: streamlit), beside the files."""
    table = app.platform_of
    if table is None:
        return
    for given in table.preinstalled:
        name = canonicalize_name(given)
        if name in reqs.pins:
            continue
        reqs.pins[name] = Pin(name, 0, given, via=[f"installed by {table.name}"])
        reqs.declared.add(name)
        reqs.locked = False  # pip installs it on top of the files: its dependencies are looked up too


@dataclass(frozen=True)
class Indexes:
    """The indexes the deploy installs the app's requirements from, as the run sees them."""

    urls: tuple[str, ...] = ()
    trusted: tuple[str, ...] = ()
    unread: tuple[Lock, int | None] | None = None  # a file that installs with --no-index, and the line


def indexes(settings: Settings, reqs: Requirements) -> Indexes:
    """Each deployed file's own indexes (as the pins check reads them), all of them, each once."""
    urls: dict[str, None] = {}
    trusted: dict[str, None] = {}
    # No file at all: the indexes the run names (or pip's default) are the ones the fix's names come from.
    for sources in [f.indexes for f in reqs.files] or [IndexSources()]:
        said = sources.within(settings.indexes)
        if said.no_index is not None:
            return Indexes(unread=(next(f for f in reqs.files if f.indexes is sources), said.no_index.line))
        urls.update(dict.fromkeys(u if u.endswith("/") else u + "/" for u in said.urls))
        trusted.update(dict.fromkeys(said.trusted))
    return Indexes(tuple(urls), tuple(trusted))
