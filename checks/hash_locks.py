"""DC130-DC132, DC209: poetry.lock and pdm.lock, whose freshness is a hash of pyproject.toml they record.

Heroku (`poetry sync`), Railpack and the GCP buildpacks (`poetry install`) and Railpack's `pdm install
--check` refuse a lock whose recorded hash is not pyproject.toml's: the build fails. The hash is computed
here as the tools compute it (deploycheck.locks.poetry / .pdm, verified against Poetry 2.5.1 and PDM 2.29.4
in tests/test_hash_locks.py), so the verdict is one sha256 of a few tables: nothing is resolved, no tool
runs. A stale lock's finding names the dependencies pyproject.toml declares that the lock lacks (read from
both files, no resolve), and the command that re-locks keeping the locked versions. A stale poetry.lock is
then re-locked as that command does (`poetry lock`, the pinned Poetry, in the workspace copy and the sandbox:
resolve/poetrylock) and the two locks' installed sets are compared: the lock result carries the changes, as
requirements.txt drift does. Not under only-binary (Poetry would build sdists to read their metadata); a
re-lock that fails leaves DC130 standing and says why there is no diff. Poetry and PDM also
refuse to install on a Python their project excludes (`python` in [tool.poetry.dependencies],
`requires-python`): DC209.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.errors import CheckError
from deploycheck.locks import diff as lockdiff
from deploycheck.locks import markers, pdm, poetry, tomllock
from deploycheck.locks.diff import unified
from deploycheck.locks.model import Lock
from deploycheck.project.apps import App, Project
from deploycheck.repo import safefs
from deploycheck.report.model import Finding, LockResult
from deploycheck.report.rules import Outcome, Rule, sh
from deploycheck.resolve import interpreters, poetrylock
from deploycheck.resolve.workspace import Workspace
from deploycheck.runtime import recommend
from deploycheck.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STALE = Rule("DC130", "error", "a poetry.lock or pdm.lock out of date with pyproject.toml")
NOT_VERIFIED = Rule("DC131", "warning", "a hash-based lock whose freshness could not be verified")
NO_PYPROJECT = Rule("DC132", "error", "a poetry.lock or pdm.lock without a readable pyproject.toml")
PYTHON_EXCLUDED = Rule("DC209", "error", "the project's Python constraint excludes the deploy's Python")
RULES = (STALE, NOT_VERIFIED, NO_PYPROJECT, PYTHON_EXCLUDED)
SCOPE = "project"

MAX_PYPROJECT = 2 * 1024 * 1024
MAX_NAMED = 5  # missing dependencies named in one message
LOCKING_PYTHONS = ("3.13", "3.12", "3.11", "3.10")  # tried after the deploy's, for a project that excludes it
_REFUSED_BY = {
    pdm.FORMAT: "`pdm install --check` (Railpack) refuses it and the build fails",
    poetry.FORMAT: "`poetry sync` / `poetry install` (Heroku, Railpack, App Engine, Cloud Run) refuse it and the "
    "build fails",
}
_RELOCK = {poetry.FORMAT: "poetry lock", pdm.FORMAT: "pdm lock --update-reuse"}


def _pyproject(app: App, lock: Lock) -> tuple[dict[str, Any] | None, Finding | None]:
    path = lock.path.parent / "pyproject.toml"
    shown = app.repo.display(path)
    try:
        if path.name not in app.repo.listing(path.parent):
            raise FileNotFoundError(path)
        raw = app.repo.read_bytes(path, cap=MAX_PYPROJECT)
    except FileNotFoundError:
        why = "there is none beside it"
    except (OSError, safefs.UnsafePath) as exc:
        why = f"it {exc.reason}" if isinstance(exc, safefs.UnsafePath) else f"it cannot be read ({exc.strerror})"
    else:
        try:
            return tomllib.loads(raw.decode("utf-8")), None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            why = f"it is not valid TOML ({str(exc).split(' (at line')[0]})"
        except RecursionError:
            why = "it nests deeper than TOML can be read here"
    tool = lock.tool or "the tool"
    return None, NO_PYPROJECT.finding(
        lock.display,
        None,
        f"{lock.display} is installed together with {shown}, but {why}: {tool} cannot install the app",
        f"commit the pyproject.toml the lock was made from as {shown}",
    )


def _declared(pyproject: dict[str, Any], fmt: str) -> set[NormalizedName]:
    """The distributions pyproject.toml says the deploy installs: [project] dependencies, and for Poetry the
    [tool.poetry.dependencies] table (python aside)."""
    names: set[NormalizedName] = set()
    for text in tomllock.strings(tomllock.table(pyproject.get("project")).get("dependencies")):
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    if fmt == poetry.FORMAT:
        table = tomllock.table(tomllock.table(tomllock.table(pyproject.get("tool")).get("poetry")).get("dependencies"))
        names |= {canonicalize_name(n) for n in table if n.lower() != "python" and tomllock.valid_name(n)}
    return names


def _cd(lock: Lock) -> str:
    folder = str(PurePosixPath(lock.display).parent)
    return "" if folder == "." else f"cd {sh(folder)} && "


def _stale(lock: Lock, locked: str, now: str, pyproject: dict[str, Any]) -> Finding:
    lacking = sorted(_declared(pyproject, lock.format) - set(lock.pins))
    more = len(lacking) - MAX_NAMED
    named = ", ".join(lacking[:MAX_NAMED]) + (f" and {more} more" if more > 0 else "")
    what = f"; pyproject.toml declares {named}, which the lock does not install" if lacking else ""
    return STALE.finding(
        lock.display,
        None,
        f"{lock.display} is out of date with pyproject.toml (recorded hash {locked[:19]}…, pyproject.toml now "
        f"hashes to {now[:19]}…){what}: {_REFUSED_BY[lock.format]}",
        f"`{_cd(lock)}{_RELOCK[lock.format]}` (keeps the locked versions) and commit "
        f"{PurePosixPath(lock.display).name}",
    )


def _freshness_or_unverified(lock: Lock, data: dict[str, Any], pyproject: dict[str, Any]) -> Finding | None:
    """The hash needs pyproject's sections as JSON; a hostile or unusual file can hold values JSON has no form
    for (a TOML date) or nest past any limit. The tool itself cannot hash those either: not verified, said."""
    try:
        return _freshness(lock, data, pyproject)
    except (TypeError, ValueError, RecursionError) as exc:
        return NOT_VERIFIED.finding(
            lock.display,
            None,
            f"pyproject.toml holds values its content hash cannot be computed over ({type(exc).__name__}): whether "
            f"{lock.display} matches it was not verified",
            f"run `{_cd(lock)}{lock.command} --check` before you deploy",
        )


def _freshness(lock: Lock, data: dict[str, Any], pyproject: dict[str, Any]) -> Finding | None:
    if lock.format == poetry.FORMAT:
        locked = poetry.locked_hash(data)
        if locked is not None and not poetry.is_fresh(lock.text, locked, pyproject):
            return _stale(lock, locked, poetry.content_hash(pyproject), pyproject)
    else:
        locked = pdm.locked_hash(data)
        workspace = "workspace" in tomllock.table(tomllock.table(pyproject.get("tool")).get("pdm"))
        if locked is not None and not pdm.is_fresh(locked, pyproject):
            if workspace:
                return NOT_VERIFIED.finding(
                    lock.display,
                    None,
                    f"{lock.display} is a PDM workspace's lock, whose hash also covers its members: deploycheck does "
                    "not compute it, so whether the lock is fresh was not verified",
                    f"run `{_cd(lock)}pdm lock --check` before you deploy",
                )
            return _stale(lock, locked, pdm.content_hash(pyproject, locked.partition(":")[0]), pyproject)
    if locked is None:
        return NOT_VERIFIED.finding(
            lock.display,
            None,
            f"{lock.display} records no content hash (PDM's `lock_inputs` mode, or a hand-edited file): "
            "whether it matches pyproject.toml was not verified",
            f"run `{_cd(lock)}{lock.command} --check` before you deploy, or re-lock with a hash",
        )
    return None


def _deploy_version(app: App) -> str:
    """As DC208 judges it: a declared X.Y is the newest X.Y.Z the platform installs."""
    python = app.runtime.python
    return python if python.count(".") >= 2 else f"{python}.99"


def _python(app: App, lock: Lock, pyproject: dict[str, Any]) -> list[Finding]:
    version = _deploy_version(app)
    rec = recommend.of(app.runtime, app.platform_of, app.folder, app.repo)
    target = f"{rec.version}.99"  # as the deploy's: the newest patch of the recommended minor
    said: list[tuple[str, str, bool | None, bool | None]] = []  # (what it says, its key, deploy, recommended)
    requires = tomllock.table(pyproject.get("project")).get("requires-python")
    if isinstance(requires, str) and "uv.lock" not in app.files:  # with uv.lock, DC208 judges requires-python
        with contextlib.suppress(InvalidSpecifier):
            spec = SpecifierSet(requires)
            said.append(
                (
                    f"requires-python = {requires!r}",
                    "requires-python",
                    spec.contains(version, prereleases=True),
                    spec.contains(target, prereleases=True),
                )
            )
    tool_poetry = tomllock.table(tomllock.table(pyproject.get("tool")).get("poetry"))
    poetry_python = tomllock.table(tool_poetry.get("dependencies"))
    if lock.format == poetry.FORMAT and isinstance(poetry_python.get("python"), str):
        constraint = poetry_python["python"]
        said.append(
            (
                f"[tool.poetry.dependencies] python = {constraint!r}",
                "[tool.poetry.dependencies] python",
                poetry.python_admits(constraint, version),
                poetry.python_admits(constraint, target),
            )
        )
    shown = str(PurePosixPath(lock.display).parent / "pyproject.toml")
    return [
        PYTHON_EXCLUDED.finding(
            shown,
            None,
            f"{shown} says {what}, which excludes Python {app.runtime.python}, the deploy's "
            f"({app.runtime.source}): {lock.tool} refuses to install the project on it and the build "
            f"fails{recommend.said(rec)}",
            recommend.range_fix(
                app.runtime,
                rec,
                app.repo,
                app.platform_of,
                fits is not False,
                f"widen {key} in {shown} to admit {rec.version} and re-lock (`{_cd(lock)}{lock.command}`)",
            ),
        )
        for what, key, admits, fits in said
        if admits is False
    ]


def check(project: Project, settings: Settings) -> Outcome:
    out = Outcome()
    stale_poetry: list[tuple[App, Lock, dict[str, Any]]] = []
    for app in project.apps:
        for lock in app.other_locks:
            if lock.verify != tomllock.CONTENT_HASH or lock.errors:
                continue  # an unreadable lock is the syntax check's
            data = tomllock.parse(lock.text.encode("utf-8"), lock.display)[0] or {}  # parsed before: no issue
            pyproject, missing = _pyproject(app, lock)
            if pyproject is None:
                out.findings.extend([missing] if missing else [])
                continue
            stale = _freshness_or_unverified(lock, data, pyproject)
            out.findings.extend([stale] if stale else [])
            if stale is not None and stale.code == STALE.code and lock.format == poetry.FORMAT:
                stale_poetry.append((app, lock, pyproject))
            out.findings.extend(_python(app, lock, pyproject))
    if stale_poetry:
        out.lockfiles += _poetry_diffs(project, settings, stale_poetry)
    return out


def _poetry_diffs(
    project: Project, settings: Settings, stale: list[tuple[App, Lock, dict[str, Any]]]
) -> list[LockResult]:
    results = [_result(app, lock) for app, lock, _ in stale]
    if settings.only_binary:
        for result in results:
            result.notes.append(
                "the diff was not made: `poetry lock` reads the metadata of packages that have no wheel by building "
                "them, which only-binary forbids"
            )
        return results
    with Workspace(project, timeout=settings.timeout) as ws:
        for (app, lock, pyproject), result in zip(stale, results):
            _relock(app, lock, pyproject, ws, settings, result)
    return results


def _result(app: App, lock: Lock) -> LockResult:
    pyproject = str(PurePosixPath(lock.display).parent / "pyproject.toml")
    result = LockResult(lock.display, [pyproject], poetrylock.poetry_version(), "drift", app.runtime.to_json())
    result.tool = lock.tool or "poetry"
    result.fix_command = f"{_cd(lock)}poetry lock"
    return result


def _locking_python(app: App, pyproject: dict[str, Any]) -> interpreters.Interpreter | None:
    """The interpreter Poetry locks with: the deploy's, else the newest here that the project admits (Poetry
    refuses one it excludes; the lock it writes covers the project's whole Python range either way)."""
    requires = tomllock.table(pyproject.get("project")).get("requires-python")
    constraint = tomllock.table(tomllock.table(tomllock.table(pyproject.get("tool")).get("poetry")).get("dependencies"))
    for minor in dict.fromkeys([app.runtime.minor, *LOCKING_PYTHONS]):
        with contextlib.suppress(InvalidSpecifier):
            if isinstance(requires, str) and not SpecifierSet(requires).contains(f"{minor}.99", prereleases=True):
                continue
        python = constraint.get("python")
        if isinstance(python, str) and poetry.python_admits(python, f"{minor}.99") is False:
            continue
        found = interpreters.find(minor)
        if found is not None and poetrylock.supports(found):
            return found
    return None


def _paths(pyproject: dict[str, Any]) -> list[str]:
    """Every local path pyproject.toml names: `path = ...` tables (Poetry's path dependencies) and `file:` URLs
    (PEP 508 `name @ file:...`, a source's url)."""
    found: list[str] = []
    stack: list[object] = [pyproject]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found += [v for k, v in node.items() if k == "path" and isinstance(v, str)]
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
        elif isinstance(node, str) and "file:" in node:
            found.append(node.split("file:", 1)[1].removeprefix("//").split("#", 1)[0].strip())
    return found


def _reaches_out(app: App, lock: Lock, pyproject: dict[str, Any]) -> bool:
    """Poetry reads (and builds) what a path names: only paths inside the repository are run."""
    return any(not safefs.inside(lock.path.parent / path, app.repo.boundary) for path in _paths(pyproject))


def _relock(
    app: App, lock: Lock, pyproject: dict[str, Any], ws: Workspace, settings: Settings, result: LockResult
) -> None:
    """`poetry lock` in the copy, and the deploy's installed set before and after; a note when it cannot be."""
    if _reaches_out(app, lock, pyproject):
        result.notes.append(
            "the diff was not made: pyproject.toml names a path outside the repository (a path dependency, a "
            "`file:` requirement or source), which `poetry lock` would read"
        )
        return
    interp = _locking_python(app, pyproject)
    if interp is None:
        result.notes.append(
            f"the diff was not made: no Python {poetrylock.MIN_PYTHON_TEXT} or later that the project admits is "
            "installed here for Poetry to lock with"
        )
        return
    try:
        python = poetrylock.toolchain(interp)
        done, text = poetrylock.relock(python, ws.path(lock.path.parent), ws.root, timeout=settings.timeout)
    except CheckError as exc:
        result.notes.append(f"the diff was not made: {exc.message}")
        return
    result.interpreter = f"{interp.path} ({interp.version})"
    if text is None:
        result.notes.append(f"the diff was not made: {poetrylock.said(done)}")
        return
    after = poetry.read(text.encode("utf-8"), lock.path, lock.display)
    result.changes = lockdiff.installed_changes(lock, after, markers.environment(app.runtime.python))
    result.proposed = text
    result.diff = unified(lock.text, text, lock.display)
    if not result.changes:
        result.notes.append("re-locked, the deploy installs the same packages: only the recorded hash changes")
