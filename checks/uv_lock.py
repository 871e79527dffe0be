"""DC12x: uv.lock, pylock.toml and requirements exported from uv.lock: fresh, and covering the deploy?

- uv.lock: `uv lock --locked` in the workspace copy and the sandbox, with the project's own [tool.uv]
  settings (resolve/uvproject). Stale: `uv lock` in the copy, both locks read as Locks for the deploy's
  marker environment, and the difference pin by pin, with what in pyproject.toml changed.
- requirements.txt whose header says `uv export`: exported again from the copy's uv.lock (--frozen) with
  the recorded options and compared; uv.lock itself is checked as above.
- pylock.toml: exported again when uv export wrote it, compiled again (resolve/pylockcompile) when `uv pip
  compile -o pylock.toml` did; otherwise it cannot be verified against a source.
  Its `environments` must admit the deploy, and every package it installs there needs a wheel whose tags the
  deploy's CPython on Linux accepts (index/targettags), or something to build from.
[tool.uv] settings that would make uv read or write outside the repository stop the run (DC121).

What platforms run for a uv.lock, read 2026-12-04 (so what a stale lock does there):
- Heroku classic buildpack v351 (heroku/heroku-buildpack-python lib/uv.sh, 2026-08-18):
  `uv sync --locked --no-default-groups` -- a stale lock fails the build.
- Railway, Railpack (railwayapp/railpack core/providers/python/python.go, 2026-08-18): `uv sync --locked --no-dev
  --no-install-project`, then `uv sync --locked --no-dev --no-editable`; only when no requirements.txt (that wins).
- Vercel, @vercel/python 6.54.1 (vercel/vercel packages/python/src/install.ts, 2026-08-03): `uv sync --active
  --no-dev --link-mode hardlink --frozen --no-editable` -- --frozen: a stale lock is installed unchecked.
- Google App Engine / Cloud Run buildpacks (GoogleCloudPlatform/buildpacks pkg/python, 2026-08-22): `uv sync
  --active --link-mode=copy`, neither --locked nor --frozen: a stale lock is re-locked at build time.
- Render (render.com/docs/uv-version): the user's Build Command; uv is added when uv.lock is in the root
  directory. The default command is not documented.
- Streamlit Community Cloud (docs.streamlit.io .../app-dependencies): uv.lock comes first in its order; the
  command (--locked or --frozen, which groups) is not documented.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from deploycheck.index import pinned
from deploycheck.index.targettags import Target
from deploycheck.locks import diff as lockdiff
from deploycheck.locks import markers, pylock, uvlock, uvsettings
from deploycheck.locks.change import Change
from deploycheck.locks.model import Lock, Pin
from deploycheck.locks.requirements import header
from deploycheck.project.apps import App, Project
from deploycheck.report.model import Finding, LockResult, Problem
from deploycheck.report.rules import Outcome, Rule, sh
from deploycheck.resolve import interpreters, pylockcompile, resolver, sandbox, uvproject
from deploycheck.resolve.workspace import Workspace
from deploycheck.settings import Settings

STALE = Rule("DC120", "error", "uv.lock is not what uv locks the project to (`uv lock --locked` fails)")
OUTSIDE = Rule("DC121", "error", "a uv setting reaches outside the repository: the lock was not checked")
EXPORT_DRIFT = Rule("DC122", "error", "a requirements file exported from uv.lock disagrees with uv.lock")
PYLOCK_STALE = Rule("DC123", "error", "pylock.toml is not what its recorded command writes")
UNVERIFIED = Rule("DC124", "info", "pylock.toml records no command to re-create it: not verified")
NOT_COVERED = Rule("DC125", "error", "pylock.toml's environments exclude the deploy's")
NO_FILE = Rule("DC126", "error", "a package pylock.toml installs on the deploy has no wheel or sdist for it")
NO_PROJECT = Rule("DC127", "error", "uv.lock has no pyproject.toml beside it: `uv sync` cannot install it")
RULES = (STALE, OUTSIDE, EXPORT_DRIFT, PYLOCK_STALE, UNVERIFIED, NOT_COVERED, NO_FILE, NO_PROJECT)
SCOPE = "project"

# uv export options that only choose what is exported; any other option is not run (it could name paths).
_EXPORT_FLAGS = {
    "--no-hashes", "--all-extras", "--no-dev", "--only-dev", "--all-groups", "--no-default-groups",
    "--no-emit-project", "--no-emit-workspace", "--no-annotate", "--no-header", "--all-packages",
    "--no-editable", "--frozen", "--locked", "--quiet", "-q", "--no-extra", "--dev",
}  # fmt: skip
_EXPORT_VALUES = {"--extra", "--group", "--only-group", "--no-group", "--package", "--prune", "--format"}


def check(project: Project, settings: Settings) -> Outcome:
    out = Outcome()
    for app in project.apps:
        for lock in app.other_locks:
            if lock.format == pylock.FORMAT:
                out.findings += _coverage(app, lock) + _unverified(lock)
    work = [app for app in project.apps if _uv_lock(app) is not None or _exported(app) or _pylock_regen(app)]
    if not work:
        return out
    with Workspace(project, timeout=settings.timeout) as ws:
        for app in work:
            _check_app(app, project, settings, ws, out)
    return out


def _uv_lock(app: App) -> Lock | None:
    return next((lk for lk in app.other_locks if lk.format == uvlock.FORMAT and not lk.errors), None)


def _exported(app: App) -> list[Lock]:
    return [lk for lk in app.requirement_files() if lk.format == "requirements.txt" and is_exported(lk)]


def is_exported(lock: Lock) -> bool:
    return header.uv_export_argv(lock.text) is not None


def _pylock_regen(app: App) -> list[Lock]:
    return [lk for lk in app.other_locks if lk.format == pylock.FORMAT and lk.verify == pylock.PYLOCK_REGEN]


def _check_app(app: App, project: Project, settings: Settings, ws: Workspace, out: Outcome) -> None:
    blocked = uvsettings.outside(app.repo, app.folder)
    if blocked:
        out.findings += [OUTSIDE.finding(path, line, message, fix) for path, line, message, fix in blocked]
        return
    cwd = ws.path(app.folder)
    found = interpreters.find(app.runtime.python)
    python = found.path if found is not None else None
    uv_lock = _uv_lock(app)
    if uv_lock is not None and "pyproject.toml" not in app.repo.listing(app.folder):
        # The app's fault, not deploycheck's: the platform's `uv sync` fails the same way.
        out.findings.append(
            NO_PROJECT.finding(
                uv_lock.display,
                None,
                f"{uv_lock.display} has no pyproject.toml beside it: uv reads the project from pyproject.toml, so "
                "`uv sync --locked` (what the platform runs) fails, and the lock cannot be checked",
                "commit the project's pyproject.toml beside uv.lock, or delete the stray uv.lock",
            )
        )
        uv_lock = None
    if uv_lock is not None:
        out.lockfiles.append(_freshness(app, uv_lock, cwd, ws, python, settings, out.findings))
    for lock in [*_exported(app), *_pylock_regen(app)]:
        if pylockcompile.is_compiled(lock):
            out.lockfiles.append(_recompile(app, lock, project, ws, settings, out.findings))
        else:
            out.lockfiles.append(_reexport(app, lock, cwd, ws, settings, out.findings))


def _recompile(
    app: App, lock: Lock, project: Project, ws: Workspace, settings: Settings, findings: list[Finding]
) -> LockResult:
    """A pylock.toml from `uv pip compile`: re-created with its recorded command for the deploy, and compared."""
    python = app.runtime.python
    made = pylockcompile.recreate(lock, ws, python, settings, project.root, app.repo.boundary)
    result = _result(app, lock, made.resolver)
    result.fix_command, result.notes = made.fix, made.notes
    if made.problem is not None or made.text is None:
        result.error = made.problem
        return result
    sandbox_write(ws, lock)  # the copy holds the committed file again for the checks after this one
    after = pylock.read(made.text.encode("utf-8"), lock.path, lock.display)
    env = markers.environment(python)
    result.changes = lockdiff.installed_changes(lock, after, env) + _hash_changes(lock, after)
    result.status = "drift" if result.changes else "in-sync"
    if result.changes:
        result.proposed = made.text
        summary = ", ".join(f"{c.name} {c.kind}" for c in result.changes[:6])
        findings.append(
            PYLOCK_STALE.finding(
                lock.display,
                min((c.line for c in result.changes if c.line), default=None),
                f"{lock.display} is not what its recorded command writes for the deploy's Python {python} on "
                f"Linux ({summary}): its sources changed and it was not compiled again, or it was edited by hand",
                made.fix,
            )
        )
    return result


def _unverified(lock: Lock) -> list[Finding]:
    if lock.verify != pylock.PYLOCK_UNVERIFIED or lock.errors:
        return []
    return [
        UNVERIFIED.finding(
            lock.display,
            1,
            f"{lock.display} does not say which command wrote it (created-by alone names no options): it cannot be "
            "re-created and compared; its pins are still checked against the index",
            "write it with `uv export --format pylock.toml -o pylock.toml` or `uv pip compile requirements.in -o "
            "pylock.toml` so that it can be verified",
        )
    ]


def _result(app: App, lock: Lock, resolver: str) -> LockResult:
    return LockResult(lock.display, [], resolver, "error", app.runtime.to_json(), tool="uv")


def _freshness(
    app: App, lock: Lock, cwd: Path, ws: Workspace, python: str | None, settings: Settings, findings: list[Finding]
) -> LockResult:
    result = _result(app, lock, "uv lock --locked")
    fix = f"{_cd(app)}uv lock"
    result.fix_command = fix
    timeout, binary = settings.timeout, settings.only_binary
    done = uvproject.lock_check(cwd, ws.root, python=python, timeout=timeout, only_binary=binary)
    if done.ok:
        result.status = "in-sync"
        return result
    if done.timed_out or done.returncode != uvproject.STALE or uvproject.STALE_TEXT not in done.stderr:
        result.error = _could_not_check(done, lock, binary, _cd(app))
        return result
    _, text = uvproject.relock(cwd, ws.root, python=python, timeout=timeout, only_binary=binary)
    result.status = "drift"
    if text is not None:
        result.proposed = text
        after = uvlock.read(text.encode("utf-8"), lock.path, lock.display)
        result.changes = lockdiff.installed_changes(lock, after, markers.environment(app.runtime.python))
        sandbox_write(ws, lock)  # the next app's checks see the committed file again
    data, _ = uvlock.load(lock.text.encode("utf-8"), lock.display)
    why = uvsettings.why_stale(app.repo, app.folder, data or {})
    summary = ", ".join(f"{c.name} {c.kind}" for c in result.changes[:6]) or "no pin changes for the deploy"
    findings.append(
        STALE.finding(
            lock.display,
            None,
            f"uv.lock is stale: `uv lock --locked` fails ({why}); for the deploy's Python {app.runtime.python}: "
            f"{summary}",
            fix,
        )
    )
    return result


def sandbox_write(ws: Workspace, lock: Lock) -> None:
    sandbox.write_into(ws.path(lock.path), lock.text.encode("utf-8"))


# uv 0.13 under --no-build, for a package whose lock entry has no wheel (a local path or git source, an sdist).
_NO_BUILD = re.compile(
    r"Distribution `([A-Za-z0-9._-]+)[=@ ][^`]*` can't be installed because it is marked as `--no-build`"
)


def _cd(app: App) -> str:
    """`cd web && ` before a command for an app in web/ (commands are given from the checked folder)."""
    return "" if app.display == "." else f"cd {sh(app.display)} && "


def _could_not_check(done: resolver.Run, lock: Lock, only_binary: bool, cd: str = "") -> Problem:
    names = sorted({m.group(1) for m in _NO_BUILD.finditer(done.stderr)}) if only_binary else []
    if names and not done.timed_out:
        return Problem(
            f"with only-binary, {lock.display} cannot be checked: {', '.join(names)} has no wheel in the lock, and "
            f"reading its metadata would run its build code (setup.py or build backend)\n{_uv_said(done.stderr)}",
            lock.display,
            None,
            "check this lock without only-binary in a job that has no secrets",
        )
    return Problem(_uv_said(done.stderr), lock.display, None, f"run `{cd}uv lock --locked` and read its error")


def _uv_said(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(("Using ", "Resolved "))]
    return "uv could not check the lock: " + ("\n".join(lines[-12:]) or "no message")


def export_options(argv: list[str]) -> list[str] | None:
    """The recorded uv export options, when every one only chooses what is exported; else None."""
    out, i = [], 0
    while i < len(argv):
        word = argv[i]
        name, eq, _ = word.partition("=")
        if word in _EXPORT_FLAGS:
            out += [] if word in ("--frozen", "--locked") else [word]
        elif name in _EXPORT_VALUES and (eq or i + 1 < len(argv)):
            out += [word] if eq else [word, argv[i + 1]]
            i += 0 if eq else 1
        else:
            return None
        i += 1
    return out


def _reexport(
    app: App, lock: Lock, cwd: Path, ws: Workspace, settings: Settings, findings: list[Finding]
) -> LockResult:
    result = _result(app, lock, "uv export --frozen")
    recorded = header.uv_export_argv(lock.text) if lock.format != pylock.FORMAT else _pylock_argv(lock)
    options = export_options(recorded or [])
    name = Path(lock.display).name
    if options is not None and lock.format == pylock.FORMAT and "--format" not in options:
        options += ["--format", "pylock.toml"]
    cd = _cd(app)
    export = f"uv export {shlex.join(options or [])} -o {sh(name)}".replace("  ", " ")
    result.fix_command = cd + export
    if options is None:
        result.error = Problem(f"{lock.display}: its header's uv export options are not re-run", lock.display, 1)
        return result
    done, text = uvproject.export(cwd, ws.root, options, name, timeout=settings.timeout)
    if text is None:
        result.error = Problem(_uv_said(done.stderr), lock.display, None, f"run `{cd}{export}` and read its error")
        return result
    reader = pylock.read if lock.format == pylock.FORMAT else _requirements_read
    after = reader(text.encode("utf-8"), lock.path, lock.display)
    env = markers.environment(app.runtime.python)
    result.changes = lockdiff.installed_changes(lock, after, env) + _hash_changes(lock, after)
    result.status = "drift" if result.changes else "in-sync"
    if result.changes:
        result.proposed = text
        rule = PYLOCK_STALE if lock.format == pylock.FORMAT else EXPORT_DRIFT
        summary = ", ".join(f"{c.name} {c.kind}" for c in result.changes[:6])
        findings.append(
            rule.finding(
                lock.display,
                min((c.line for c in result.changes if c.line), default=None),
                f"{lock.display} is not what uv.lock exports with its recorded options ({summary}): one of the two "
                "files was edited without the other (a bot that bumps requirements.txt and leaves uv.lock alone)",
                f"update the dependency in pyproject.toml, then run `{cd}uv lock && {export}`",
            )
        )
    return result


def _requirements_read(raw: bytes, path: Path, display: str) -> Lock:
    from deploycheck.locks.requirements import lock as requirements

    return requirements.read(raw, path, display)


def _hash_changes(before: Lock, after: Lock) -> list[Change]:
    """Lines whose hashes differ, every line of a name included (its line for the deploy's Python is not always
    its first): the same release under the same marker must carry the same hashes."""
    theirs = {_line_key(pin): pin for pin in after.every_pin()}
    changes = []
    for pin in before.every_pin():
        other = theirs.get(_line_key(pin))
        if other is not None and set(pin.hashes) != set(other.hashes):
            changes.append(Change(pin.name, "changed", pin.describe(), other.describe(), pin.line, ["hashes"]))
    return changes


def _line_key(pin: Pin) -> tuple[str, str | None, str]:
    return pin.name, pin.version, lockdiff.marker_key(pin)


def _pylock_argv(lock: Lock) -> list[str] | None:
    if lock.command.split()[:2] != ["uv", "export"]:
        return None
    return header.uv_export_argv("# autogenerated by uv\n#    " + lock.command)


def _coverage(app: App, lock: Lock) -> list[Finding]:
    env = markers.environment(app.runtime.python)
    cover = pylock.coverage(lock)
    if cover.environments and not any(markers.holds(m, env) for m in cover.environments):
        return [
            NOT_COVERED.finding(
                lock.display,
                None,
                f"{lock.display} is locked for {' or '.join(cover.environments)}, and the deploy (Linux x86_64, "
                f"CPython {app.runtime.python}) matches none of them: the installer refuses the file",
                "add the deploy's environment to the lock's environments and lock again",
            )
        ]
    deploy = pinned.deploy_of(app)
    if deploy is None:
        return []
    needed = {pin.name for pin in lock.installed(env)}
    findings = []
    for entry in cover.files:
        name = canonicalize_name(entry.name)
        if name not in needed or entry.source or any(_fits(w, deploy.target) for w in entry.wheels):
            continue
        pin = lock.pins.get(name)
        shown = ", ".join(entry.wheels[:3]) + (f" and {len(entry.wheels) - 3} more" if len(entry.wheels) > 3 else "")
        findings.append(
            NO_FILE.finding(
                lock.display,
                pin.line if pin is not None else None,
                f"{name} is installed on the deploy ({deploy.target.describe()}) but {lock.display} gives no wheel "
                f"for it there and no sdist: only {shown}. The installer stops at this package",
                "lock again on (or for) the deploy's platform, e.g. `uv export --format pylock.toml` from a uv.lock, "
                "or pin a release that ships a wheel for it",
            )
        )
    return findings


def _fits(filename: str, target: Target) -> bool:
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return False  # not a wheel's name: the installer cannot use it either
    return not tags.isdisjoint(target.tags)
