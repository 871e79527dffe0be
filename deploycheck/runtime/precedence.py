"""The order of precedence of runtime detection (deploycheck.runtime.detect's docstring): each step answers
with a Runtime or passes to the next, and what a step finds unusable on the way is reported whichever answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import SpecifierSet

from deploycheck.locks.model import Lock
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository, decode
from deploycheck.runtime import cpython, declarations, inferred, platforms
from deploycheck.runtime.lockpython import LockPython, lock_python
from deploycheck.runtime.model import GENERIC_DEFAULT, GENERIC_ORDER, SUPPORTED, Runtime
from deploycheck.runtime.versions import BadDeclaration, Declaration


def declarations_in(folder: Path, repo: Repository, order: tuple[str, ...] = GENERIC_ORDER) -> list[Declaration]:
    """The usable exact declarations in one folder, in `order`."""
    found, _ = _read_folder(folder, repo, order)
    return found


def _read_folder(
    folder: Path, repo: Repository, order: tuple[str, ...]
) -> tuple[list[Declaration], list[BadDeclaration]]:
    found: list[Declaration] = []
    bad: list[BadDeclaration] = []
    for name in order:
        reader = declarations.READERS.get(name)
        if reader is None:
            continue
        result = declarations.read(folder / name, repo, reader)
        if isinstance(result, Declaration):
            found.append(result)
        elif isinstance(result, BadDeclaration):
            bad.append(result)
    return found, bad


def _platform_rule(decl: Declaration, plat: platforms.Platform | None) -> BadDeclaration | None:
    """Forms one platform rejects although others accept them."""
    name = decl.path.name
    if plat and plat.bare_python_version_file and name == ".python-version" and decl.what != decl.version:
        return BadDeclaration(
            decl.path,
            decl.line,
            decl.what,
            f"{plat.called}'s .python-version takes 3.N or 3.N.N only",
            f"write `{decl.minor}`",
            platform_rule=True,
        )
    if plat and plat.runtime_txt_prefix and name == "runtime.txt" and not decl.what.startswith("python-"):
        return BadDeclaration(
            decl.path,
            decl.line,
            decl.what,
            f"{plat.called}'s runtime.txt needs the python- prefix"
            + (" (and is deprecated)" if plat.runtime_txt_deprecated else ""),
            f"delete runtime.txt and write `{decl.minor}` to .python-version",
            platform_rule=True,
        )
    return None


def _pick_in_range(spec: SpecifierSet, prefer: list[str]) -> str | None:
    allowed = [v for v in SUPPORTED if spec.contains(v + ".0") or spec.contains(v + ".99")]
    for want in prefer:
        if cpython.minor_of(want) in allowed:
            return want
    return allowed[-1] if allowed else None


@dataclass
class _Seen:
    """What the steps of _choose found on the way, reported whichever step answers."""

    unusable: list[BadDeclaration] = field(default_factory=list)
    ignored: list[Declaration] = field(default_factory=list)

    def runtime(
        self,
        python: str,
        source: str,
        line: int | None = None,
        *,
        exact: bool = True,
        reason: str = "",
        conflicts: list[Declaration] | None = None,
        declaration: Declaration | None = None,
        inferred: list[Declaration] | None = None,
    ) -> Runtime:
        return Runtime(
            python,
            source,
            line,
            exact=exact,
            reason=reason,
            conflicts=conflicts or [],
            declaration=declaration,
            unusable=self.unusable,
            inferred=inferred or [],
            ignored=self.ignored,
        )


def choose(
    app_folder: Path,
    repo: Repository,
    *,
    explicit: str | None,
    header_python: str | None,
    plat: platforms.Platform | None,
    lock: Lock | None,
) -> Runtime:
    """The steps of the module docstring's order, each answering or passing to the next."""
    if explicit:
        return Runtime(python=explicit, source="--python-version")
    folders = repo.up(app_folder)
    seen = _Seen()
    found = _declared(folders, repo, plat, seen) or _hinted(folders, repo, seen)
    if found:
        return found
    default = plat.default_python if plat else None
    lp = lock_python(lock) if lock is not None else None
    from_lock = [m for m in reversed(lp.minors) if m in SUPPORTED] if lp else []
    return (
        _in_range(folders, repo, seen, header_python, from_lock[:1], default)
        or _from_lock(header_python, lock, lp, from_lock, default, seen)
        or _default(plat, seen)
    )


def _declared(folders: list[Path], repo: Repository, plat: platforms.Platform | None, seen: _Seen) -> Runtime | None:
    """Step 2: the exact declarations, nearest folder first, in the platform's own order."""
    # A platform whose table names no file it reads (the unknown one, or one whose Python is set in a deploy
    # dialog) gets the generic order.
    if plat is None or not plat.runtime_files:
        order = tuple(n for n in GENERIC_ORDER if not (plat and n in plat.ignores))
    else:
        order = plat.runtime_files
    others = tuple(n for n in GENERIC_ORDER if n not in order)
    for folder in folders:
        decls, bad = _read_folder(folder, repo, order)
        seen.unusable += bad
        usable = []
        for decl in decls:
            rejected = _platform_rule(decl, plat)
            if rejected:
                seen.unusable.append(rejected)
            else:
                usable.append(decl)
        # Files this platform does not read: their problems are not the deploy's.
        extra, _ = _read_folder(folder, repo, others)
        if plat:
            seen.ignored += [d for d in extra if d.path.name in plat.ignores]
        if not usable:
            continue
        chosen = usable[0]
        conflicts = [d for d in usable[1:] + extra if d.minor != chosen.minor and d not in seen.ignored]
        rt = seen.runtime(
            chosen.version, repo.display(chosen.path), chosen.line, conflicts=conflicts, declaration=chosen
        )
        if plat and plat.python_from_dialog:
            rt.exact = False
            rt.reason = (
                f"{plat.name} takes the Python version from its deploy dialog, not from files; {rt.source} says "
                f"{rt.python}, so the dialog is assumed to match (its default is {plat.default_python})"
            )
        return rt
    return None


def _hinted(folders: list[Path], repo: Repository, seen: _Seen) -> Runtime | None:
    """Step 3: the weaker hints (inferred.py)."""
    hints, hint_bad = inferred.find(folders[0], folders, repo)
    seen.unusable += hint_bad
    if not hints:
        return None
    hint = hints[0]
    return seen.runtime(
        hint.version,
        repo.display(hint.path),
        hint.line,
        exact=False,
        reason=f"inferred from {hint.what} in {repo.display(hint.path)}:{hint.line}, as no file the "
        "platform reads declares it",
        declaration=hint,
        inferred=hints,
    )


def _in_range(
    folders: list[Path],
    repo: Repository,
    seen: _Seen,
    header_python: str | None,
    lock_own: list[str],
    default: str | None,
) -> Runtime | None:
    """Step 4: a requires-python range, narrowed by what the lock and the platform prefer."""
    prefer = [p for p in (header_python, *lock_own, default or GENERIC_DEFAULT) if p]
    for folder in folders:
        found = _requires_python(folder, repo)
        if isinstance(found, BadDeclaration):
            seen.unusable.append(found)
            continue
        if found is None:
            continue
        spec, path, line, said = found
        pick = _pick_in_range(spec, prefer)
        if pick is None:
            continue
        reason = (
            f"inferred from {said}, which allows several versions; took {pick} "
            + (
                "(the lock's own Python)"
                if pick in (header_python, *lock_own)
                else "(the platform's default)"
                if pick == (default or GENERIC_DEFAULT)
                else "(the newest it allows)"
            )
            + "; declare the exact version in .python-version to be sure"
        )
        return seen.runtime(pick, repo.display(path), line, exact=False, reason=reason)
    return None


def _from_lock(
    header_python: str | None,
    lock: Lock | None,
    lp: LockPython | None,
    from_lock: list[str],
    default: str | None,
    seen: _Seen,
) -> Runtime | None:
    """Step 5: the lock header's Python, then what the lock's pins say."""
    if header_python:
        return seen.runtime(
            header_python,
            "the lock's header",
            exact=False,
            reason="no file declares the deploy Python; the lock's header says which Python compiled it",
        )
    if lp and lock is not None and from_lock and lp.evidence:
        pick = default if default and default in from_lock else from_lock[0]
        return seen.runtime(
            pick,
            lock.display,
            lp.evidence[0].line,
            exact=False,
            reason=f"no file declares the deploy Python; the lock's pins look made for Python {lp.describe()} "
            f"({lp.because()})",
        )
    return None


def _default(plat: platforms.Platform | None, seen: _Seen) -> Runtime:
    """Step 6: the platform's default for new apps, then GENERIC_DEFAULT."""
    if plat and plat.default_python:
        return seen.runtime(
            plat.default_python,
            "default",
            exact=False,
            reason=f"nothing declares a Python version; assuming {plat.default_python}, {plat.name}'s default for "
            f"new apps (checked {plat.verified.isoformat()})",
        )
    return seen.runtime(
        GENERIC_DEFAULT,
        "default",
        exact=False,
        reason=f"nothing declares a Python version; assuming {GENERIC_DEFAULT}, the default of Heroku and Render "
        "for new apps (Railway: 3.13, Streamlit Community Cloud: 3.12)",
    )


def requires_python_range(folders: list[Path], repo: Repository) -> tuple[SpecifierSet, str] | None:
    """The nearest usable Python range of these folders (their pyproject.toml), and how it is written."""
    for folder in folders:
        found = _requires_python(folder, repo)
        if found is not None and not isinstance(found, BadDeclaration):
            return found[0], found[3]
    return None


def _requires_python(folder: Path, repo: Repository) -> tuple[SpecifierSet, Path, int, str] | BadDeclaration | None:
    path = folder / "pyproject.toml"
    try:
        data = repo.read(path)
    except FileNotFoundError:
        return None
    except (OSError, safefs.UnsafePath) as exc:
        why = exc.reason if isinstance(exc, safefs.UnsafePath) else str(exc)
        return BadDeclaration(path, None, "", f"pyproject.toml {why}", "make pyproject.toml a regular file in the repo")
    found = declarations.python_range(path, decode(data))
    if found is None or isinstance(found, BadDeclaration):
        return found
    spec, line, said = found
    return spec, path, line, said
