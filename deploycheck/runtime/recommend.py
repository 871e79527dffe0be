"""One recommended Python per app (issue #17.17), so that every runtime finding's fix tells the same story.

The version: the first version the app declares that its platform offers and that is not past its end of
life (and, among several such, one its lock resolves on); otherwise the supported version nearest the
declared one (or the platform's default) that the lock and requires-python allow. "Supported" means the
platform installs it (runtime/platforms.py), CPython still gets security fixes (runtime/cpython.py), and it
is released. No fix can name a version these tables reject.

The place: the file or setting the platform really reads. Streamlit Community Cloud reads no file (the deploy
dialog's Advanced settings decide); Heroku's runtime.txt is deprecated, so .python-version; a Docker image's
FROM line; App Engine's app.yaml; a Space's README front matter. A declaration the app already keeps in a file
its platform reads is pointed at where it is.
"""

from __future__ import annotations

import datetime
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet

from deploycheck.repo.repository import Repository
from deploycheck.runtime import cpython, platforms, precedence
from deploycheck.runtime.model import GENERIC_DEFAULT, SUPPORTED, Runtime
from deploycheck.runtime.versions import Declaration

# Files a declaration can be pointed at, by how each is edited; Pipfile and Pipfile.lock are generated or
# belong to pipenv's own workflow, so a recommendation never starts there.
_EDITABLE = (".python-version", "Dockerfile", "Containerfile", "app.yaml", "render.yaml", "README.md", ".tool-versions")
_NOT_A_DECLARATION = ("default", "the lock's header", "--python-version")
_VARIANT = re.compile(r"-[a-z0-9][a-z0-9.-]{0,39}")  # an image variant: -slim, -slim-bookworm, -alpine3.20


@dataclass(frozen=True)
class Recommendation:
    version: str  # a CPython minor, "3.12"
    why: str  # why this version, one clause
    where: str  # the file (as shown, from the checked root) or the setting the platform reads
    action: str  # how to declare it there: a command or an instruction, with the version
    in_file: bool = True  # False: a setting outside the repository (a deploy dialog)

    def to_json(self) -> dict[str, object]:
        return {"python": self.version, "why": self.why, "where": self.where, "action": self.action}


def _supported(plat: platforms.Platform | None, today: datetime.date | None) -> list[str]:
    """Minors the platform installs, released and not past end of life, oldest first."""
    pool = [m for m in cpython.MINORS if cpython.released(m, today) and not cpython.eol(m, today)]
    if plat is not None and plat.known and plat.offered is not None:
        return [m for m in pool if plat.offers(m)]
    return [m for m in pool if m in SUPPORTED]


def _lock_fit(rt: Runtime, spec: SpecifierSet | None, said: str = "") -> tuple[set[str] | None, str]:
    """The minors the lock's own evidence and requires-python allow (None: nothing restricts), and whence.
    A lock header names only the Python that compiled it, not the ones it resolves on: it restricts nothing."""
    allowed: set[str] | None = None
    says: list[str] = []
    lp = rt.lock_python
    if lp is not None and lp.evidence and lp.evidence[0].package != "the header":
        allowed = set(lp.minors)
        says.append(f"the lock's pins ({lp.because()})")
    if spec is not None:
        fits = {m for m in cpython.MINORS if spec.contains(m + ".0") or spec.contains(m + ".99")}
        allowed = fits if allowed is None else allowed & fits
        says.append(said or f"requires-python {str(spec)!r}")
    return allowed, " and ".join(says)


def _declared(rt: Runtime) -> list[Declaration]:
    """What the app declares, in the platform's order: the chosen declaration, those that disagree, then those
    the platform ignores and the weaker hints (they still say what the developer meant)."""
    out: list[Declaration] = []
    if rt.declaration is not None and rt.source not in _NOT_A_DECLARATION:
        out.append(rt.declaration)
    for decl in (*rt.conflicts, *rt.ignored, *rt.inferred):
        if all(d.minor != decl.minor for d in out):
            out.append(decl)
    return out


def _nearest(target: str, pool: list[str]) -> str:
    """The minor of `pool` nearest `target`; on a tie the newer (moving off an old Python goes up)."""
    key = cpython.minor_of(target).split(".")
    wanted = int(key[1]) if len(key) > 1 and key[1].isdigit() else 0
    return min(pool, key=lambda m: (abs(int(m.split(".")[1]) - wanted), -int(m.split(".")[1])))


def choose_version(
    rt: Runtime,
    plat: platforms.Platform | None,
    spec: SpecifierSet | None = None,
    today: datetime.date | None = None,
    said: str = "",
) -> tuple[str, str]:
    """(minor, why): the recommended version and why, from the rules of the module docstring."""
    if rt.source == "--python-version":
        return rt.minor, "set by --python-version"
    supported = _supported(plat, today)
    fit, fit_says = _lock_fit(rt, spec, said)
    declared = _declared(rt)
    offered = [d for d in declared if d.minor in supported]
    fitting = [d for d in offered if fit is None or d.minor in fit]
    called = plat.called if plat is not None and plat.known else "deploy platforms"
    if fitting or offered:
        decl = (fitting or offered)[0]
        why = f"declared in {_shown_path(decl)}, offered by {called} and maintained"
        if fit is not None and decl.minor not in fit:
            why += f"; {fit_says} {_verb(fit_says)} other versions, so recompile the lock for it"
        return decl.minor, why
    default = (plat.default_python if plat is not None and plat.known else None) or GENERIC_DEFAULT
    target = declared[0].minor if declared else rt.minor if rt.exact else default
    pool = [m for m in supported if fit is None or m in fit] or supported or list(SUPPORTED)
    pick = _nearest(target, pool)
    if declared:
        first = declared[0]
        gone = "not offered by " + called if first.minor not in _offered_any(plat) else "past its end of life"
        why = f"{_shown_path(first)}'s {first.version} is {gone}; {pick} is the nearest maintained version"
    elif pick == default:
        why = f"nothing declares the Python; {pick} is {_default_of(plat)}"
    else:
        why = f"nothing declares the Python; {pick} is the maintained version nearest {_default_of(plat)}, {default}"
    if fit is not None:
        why += (
            f" that {fit_says} {_verb(fit_says)}"
            if pick in fit
            else f" ({fit_says} {_verb(fit_says)} no supported version: recompile the lock for {pick})"
        )
    return pick, why


def _default_of(plat: platforms.Platform | None) -> str:
    if plat is not None and plat.known and plat.default_python:
        return f"{plat.called}'s default"
    return "the default of Heroku and Render for new apps"  # GENERIC_DEFAULT's own reason


def _verb(subject: str) -> str:
    return "allow" if " and " in subject else "allows"


def _offered_any(plat: platforms.Platform | None) -> tuple[str, ...]:
    if plat is None or not plat.known or plat.offered is None:
        return tuple(cpython.MINORS)
    return plat.offered


def _shown_path(decl: Declaration) -> str:
    return f"{decl.path.name}:{decl.line}"


def _place(
    rt: Runtime, plat: platforms.Platform | None, app_folder: Path, repo: Repository, version: str
) -> tuple[str, str, bool]:
    """(where, action, in a file) for declaring `version` where the platform reads it."""
    if plat is not None and plat.python_from_dialog:
        return (
            "the deploy dialog's Advanced settings",
            f"choose Python {version} in the deploy dialog's Advanced settings ({plat.name} reads no file for "
            "it; changing it later means deleting and redeploying the app)",
            False,
        )
    readable = plat.runtime_files if plat is not None and plat.known else (".python-version",)
    usable = [
        f
        for f in readable
        if f in _EDITABLE and not (f == "runtime.txt" and plat is not None and plat.runtime_txt_deprecated)
    ]
    current = rt.declaration
    if current is not None and rt.source not in _NOT_A_DECLARATION and current.path.name in usable:
        name, folder = current.path.name, current.path.parent
    else:
        name = ".python-version" if ".python-version" in usable or not usable else usable[0]
        folder = app_folder
    shown = repo.display(folder / name)
    return shown, _action(name, shown, version, current), True


def _action(name: str, shown: str, version: str, current: Declaration | None) -> str:
    quoted = shlex.quote(shown)
    if name == ".python-version":
        return f"`echo {version} > {quoted}`"
    if name in ("Dockerfile", "Containerfile"):
        variant = ""
        if current is not None and current.image and "-" in current.image:
            variant = "-" + current.image.split("-", 1)[1]
        if not _VARIANT.fullmatch(variant):  # repository text: only a tag word is copied into the fix
            variant = ""
        return f"make {shown}'s `FROM` say `python:{version}{variant or '-slim'}`"
    if name == "app.yaml":
        return f"set `runtime: python{version.replace('.', '')}` in {shown}"
    if name == "render.yaml":
        info = cpython.MINORS.get(version)
        full = f"{version}.{info.latest}" if info else version
        return f"set the service's PYTHON_VERSION to `{full}` in {shown}"
    if name == "README.md":
        return f'set `python_version: "{version}"` in {shown}\'s front matter'
    return f"set `python {version}` in {shown}"  # .tool-versions


def recommend(
    rt: Runtime,
    plat: platforms.Platform | None,
    app_folder: Path,
    repo: Repository,
    today: datetime.date | None = None,
) -> Recommendation:
    found = precedence.requires_python_range(repo.up(app_folder), repo)
    spec, said = found if found is not None else (None, "")
    version, why = choose_version(rt, plat, spec, today, said)
    where, action, in_file = _place(rt, plat, app_folder, repo, version)
    return Recommendation(version, why, where, action, in_file)


def stale(rt: Runtime, rec: Recommendation, repo: Repository, besides: Sequence[Path] = ()) -> list[Declaration]:
    """The app's declarations that would still contradict the recommendation once it is declared (but the one
    in `besides`, files the finding's own fix rewrites)."""
    out = [rt.declaration] if rt.declaration is not None and rt.source not in _NOT_A_DECLARATION else []
    out += rt.conflicts
    skip = {rec.where} | {repo.display(p) for p in besides}
    return [d for d in out if d.minor != rec.version and repo.display(d.path) not in skip]


def declare(
    rt: Runtime, rec: Recommendation, repo: Repository, plat: platforms.Platform | None, besides: Sequence[Path] = ()
) -> str:
    """The one fix every runtime finding gives: declare the recommended version where the platform reads it,
    and clear the declarations that would contradict it."""
    text = rec.action
    for decl in stale(rt, rec, repo, besides):
        shown = repo.display(decl.path)
        deprecated = decl.path.name == "runtime.txt" and plat is not None and plat.runtime_txt_deprecated
        if deprecated:
            text += f", `git rm {shlex.quote(shown)}`"
        else:
            text += f", make {shown}:{decl.line} say {rec.version} (or delete it)"
    return text


def of(rt: Runtime, plat: platforms.Platform | None, app_folder: Path, repo: Repository) -> Recommendation:
    """The app's recommendation: the one detect() made, or one made now from the same facts."""
    return rt.recommended if rt.recommended is not None else recommend(rt, plat, app_folder, repo)


def said(rec: Recommendation) -> str:
    """Appended to a finding's message, so that the fix's version comes with its reason."""
    return f"; recommended: Python {rec.version} ({rec.why})"


def range_fix(
    rt: Runtime,
    rec: Recommendation,
    repo: Repository,
    plat: platforms.Platform | None,
    admitted: bool,
    widen: str,
    at: Sequence[Path] = (),
) -> str:
    """The fix of a finding whose cause is a constraint that excludes the deploy's Python (requires-python,
    Poetry's python, a Pipfile's [requires]): declare the recommended version where the platform reads it
    (unless the deploy already runs it, declared), and `widen` the constraint too when it excludes that
    version as well. The constraint's own versions are never named: only the recommended one is. `at`: the
    constraint's files, which `widen` rewrites (a Pipfile and its lock): the declaration part does not ask for
    them again."""
    steps = []
    undeclared = rt.source in ("default", "the lock's header")  # --python-version was said on purpose
    if rec.version != rt.minor or undeclared or stale(rt, rec, repo, at):
        steps.append(declare(rt, rec, repo, plat, at))
    if not admitted or not steps:
        steps.append(widen)
    return "; ".join(steps)
