"""DC140-DC144, DC210: Pipfile.lock against its Pipfile, and the Python they declare against the deploy's.

Fresh or stale is what `pipenv install --deploy` (Heroku) and `pipenv verify` decide: `_meta.hash.sha256`
against the hash of the Pipfile (deploycheck.locks.pipfile.content_hash, the same recipe, proven against the
real pipenv in the tests). No resolve is needed. A hash that matches only the recipe of pipenvs before
2026.4.0 (raw package names) is a lock that today's pipenv calls out of date although nothing changed.
`pipenv install --deploy` also refuses to run on another Python than the Pipfile's [requires] (DC210).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from deploycheck.locks import pipfile
from deploycheck.locks.model import Lock
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.runtime import cpython, recommend
from deploycheck.settings import Settings

STALE = Rule("DC140", "error", "Pipfile.lock is out of date with the Pipfile")
OLD_HASH = Rule("DC141", "warning", "Pipfile.lock hashed by a pipenv older than 2026.4")
NO_PIPFILE = Rule("DC142", "error", "Pipfile.lock without its Pipfile")
NO_LOCK = Rule("DC143", "error", "Pipfile without a Pipfile.lock where the platform installs the lock")
NO_HASH = Rule("DC144", "warning", "Pipfile.lock freshness cannot be checked")
PYTHON = Rule("DC210", "error", "the Pipfile's Python is not the deploy's")
RULES = (STALE, OLD_HASH, NO_PIPFILE, NO_LOCK, NO_HASH, PYTHON)
SCOPE = "app"

FIX_LOCK = "run `pipenv lock` and commit Pipfile.lock"


def _of(app: App, fmt: str) -> Lock | None:
    return next((f for f in app.other_locks if f.format == fmt and f.path.parent == app.folder), None)


def check(app: App, settings: Settings) -> list[Finding]:
    lock, manifest = _of(app, pipfile.LOCK_FORMAT), _of(app, pipfile.PIPFILE_FORMAT)
    findings: list[Finding] = []
    if lock is None and manifest is not None:
        plat = app.platform_of
        if plat is not None and "Pipfile.lock" in plat.dependency_files and "Pipfile" not in plat.dependency_files:
            findings.append(
                NO_LOCK.finding(
                    manifest.display,
                    None,
                    f"{plat.called} installs Pipenv apps from Pipfile.lock (`pipenv install --deploy`) and fails the "
                    "build on a Pipfile without one",
                    FIX_LOCK,
                )
            )
    if lock is not None and not lock.errors:
        findings += _freshness(lock, manifest)
    findings += _python(app, lock, manifest)
    return findings


def _freshness(lock: Lock, manifest: Lock | None) -> list[Finding]:
    if manifest is None:
        return [
            NO_PIPFILE.finding(
                lock.display,
                None,
                f"{lock.display} has no Pipfile beside it: `pipenv install --deploy` needs the Pipfile to check the "
                "lock against and stops with 'Pipfile not found'",
                "commit the Pipfile the lock was made from",
            )
        ]
    locked = pipfile.locked_hash(lock.text)
    data, why = pipfile.parse_pipfile(manifest.text)
    if locked is None or data is None:
        reason = "has no _meta.hash.sha256" if locked is None else f"is beside a Pipfile that {why}"
        return [NO_HASH.finding(lock.display, None, f"{lock.display} {reason}, so its freshness is unknown", FIX_LOCK)]
    try:
        now, old = pipfile.content_hash(data), pipfile.content_hash(data, canonical=False)
    except (TypeError, ValueError, RecursionError):  # a TOML date, say: JSON has no form for it, nor has pipenv
        why = "holds values its hash cannot be computed over (pipenv cannot either)"
        return [NO_HASH.finding(lock.display, None, f"{lock.display} is beside a Pipfile that {why}", FIX_LOCK)]
    if locked == now:
        return []
    if locked == old:
        return [
            OLD_HASH.finding(
                lock.display,
                _hash_line(lock.text),
                f"{lock.display} was hashed by a pipenv older than 2026.4.0, which hashed package names as written; "
                f"pipenv 2026.4.0 and later (Heroku's included) normalise them, so `pipenv install --deploy` calls "
                "this lock out of date although the Pipfile did not change",
                FIX_LOCK + " with pipenv 2026.4.0 or later",
            )
        ]
    return [
        STALE.finding(
            lock.display,
            _hash_line(lock.text),
            f"{lock.display} is out of date: its _meta.hash ({locked[:12]}…) is not the hash of "
            f"{PurePosixPath(manifest.display).name} ({now[:12]}…). "
            "`pipenv install --deploy` (Heroku) stops the build with 'Your Pipfile.lock is out of date'",
            FIX_LOCK,
        )
    ]


def _hash_line(text: str) -> int | None:
    return next((n for n, line in enumerate(text.splitlines(), 1) if '"sha256"' in line), None)


def _declared(file: Lock) -> tuple[str, int | None] | None:
    """(version, line) of the Python a Pipfile's [requires] or a Pipfile.lock's _meta.requires names."""
    if file.format == pipfile.LOCK_FORMAT:
        key = "python_full_version" if '"python_full_version"' in file.text else "python_version"
        return (file.python, _line(file.text, f'"{key}"')) if file.python else None
    data, _ = pipfile.parse_pipfile(file.text)
    requires = data.get("requires") if data else None
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        if isinstance(requires.get(key), str):
            return requires[key], _line(file.text, key)
    return None


def _line(text: str, needle: str) -> int | None:
    return next((n for n, line in enumerate(text.splitlines(), 1) if needle in line), None)


def _python(app: App, lock: Lock | None, manifest: Lock | None) -> list[Finding]:
    """pipenv refuses --deploy on another Python than [requires] asks for (major.minor, or the full version)."""
    rt = app.runtime
    for file in (f for f in (lock, manifest) if f is not None):
        said = _declared(file)
        if said is None or file.display == rt.source:
            continue
        version, line = said
        full = version.count(".") >= 2
        if (version == rt.python) if full else (cpython.minor_of(version) == rt.minor):
            continue
        rec = recommend.of(rt, app.platform_of, app.folder, app.repo)
        pipfile_shown = manifest.display if manifest is not None else "the Pipfile"
        pipenv_files = [f.path for f in (lock, manifest) if f is not None]  # `pipenv lock` rewrites both
        admitted = not full and cpython.minor_of(version) == rec.version
        widen = f'set [requires] python_version = "{rec.version}" in {pipfile_shown} and run `pipenv lock`'
        return [
            PYTHON.finding(
                file.display,
                line,
                f"{file.display} requires Python {version}, but the deploy runs Python {rt.python} ({rt.source}); "
                "`pipenv install --deploy` refuses to install on a Python other than the Pipfile's"
                + recommend.said(rec),
                recommend.range_fix(rt, rec, app.repo, app.platform_of, admitted, widen, pipenv_files),
            )
        ]
    return []
