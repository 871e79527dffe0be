"""Which dependency file an app's platform installs, and what deploycheck does with each of the app's files.

Every dependency file the scan finds is of one of three kinds:
- "checked": a registered format (deploycheck.locks.formats) reads it and its verify kind has a check;
- "read-only": only the cheaper checks read it (pyproject.toml for requires-python and its dependencies, a
  Pipfile without a lock, a format registered without a verify kind);
- "not-checked": a file the platform may install that no format reads yet (uv.lock before its reader).
The kind comes from the registry alone: when a format's entry lands, its files become "checked" here.

The file the platform installs follows the platform table (runtime/platforms.py): the first of its
`dependency_files` in the app's folder (then the repository root, for platforms that read it too), or, on a
platform that refuses several package managers' files (Heroku), the one file present or none at all.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.locks import formats
from deploycheck.locks.model import Lock, Pin
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository
from deploycheck.runtime import platforms

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CHECKED, READ_ONLY, NOT_CHECKED = "checked", "read-only", "not-checked"
# Dependency files some platform installs, known by name whether or not a format reads them yet; in the
# order a platform that nobody named is assumed to prefer them (locks before what they are made from).
KNOWN = (
    "requirements.txt",
    "uv.lock",
    "pylock.toml",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "environment.yml",
    "environment.yaml",
    "Pipfile",
    "pyproject.toml",
)
_PYLOCK = re.compile(r"^pylock\.[^.]+\.toml$")
_MADE_FROM = {"Pipfile.lock": "Pipfile", "environment.yml": "", "environment.yaml": ""}
READ_ONLY_NAMES = {"pyproject.toml", "Pipfile"}  # read for requires-python and declared names, never installed pins


def known_name(name: str) -> bool:
    """A dependency file name deploycheck knows (read or not): what --lockfile accepts."""
    return name in KNOWN or bool(_PYLOCK.match(name)) or formats.claiming(name) is not None


def reads() -> str:
    """The dependency files deploycheck knows, for a message."""
    return "requirements*.txt (any .txt), " + ", ".join(n for n in KNOWN if n != "requirements.txt")


def kind_of(name: str) -> str:
    fmt = formats.claiming(name)
    if fmt is not None:
        return CHECKED if fmt.checked else READ_ONLY
    return READ_ONLY if name in READ_ONLY_NAMES else NOT_CHECKED


def not_checked_why(name: str) -> str:
    """What is not checked in a file no format reads, and why."""
    source = _MADE_FROM.get(name, "pyproject.toml")
    fresh = f", whether it still matches {source}" if source else ""
    return (
        f"deploycheck cannot read {name} yet, so its pins{fresh}, its hashes and the imports it provides "
        "are not checked"
    )


def has_dependencies(pyproject: Path, repo: Repository) -> bool:
    try:
        head = repo.read_bytes(pyproject, cap=2 * 1024 * 1024)  # never a FIFO, never a link out
    except (OSError, safefs.UnsafePath):
        return False
    return b"dependencies" in head or b"[tool.poetry" in head


def present(folder: Path, repo: Repository) -> list[str]:
    """The dependency files deploycheck knows in one folder (a pyproject.toml only when it declares some)."""
    names = sorted(n for n, is_dir in repo.listing(folder).items() if not is_dir and known_name(n))
    names = [n for n in names if not n.endswith(".txt") or n == "requirements.txt"]
    return [n for n in names if n != "pyproject.toml" or has_dependencies(folder / n, repo)]


@dataclass(frozen=True)
class DepFile:
    display: str
    kind: str  # CHECKED | READ_ONLY | NOT_CHECKED
    installed: bool = False  # the platform installs it
    ignored: bool = False  # the platform reads files of its kind but installs another one instead

    def to_json(self) -> dict[str, object]:
        return {"path": self.display, "kind": self.kind, "installed": self.installed, "ignored": self.ignored}


@dataclass(frozen=True)
class Install:
    """The file the platform installs for one app (None: none, refused, or the Dockerfile decides), and why."""

    file: str | None
    why: str
    refused: bool = False  # several files that the platform refuses together: the build fails
    certain: bool = True  # the platform is known; False: the file is deploycheck's best guess
    dockerfile: bool = False  # the Dockerfile names what is installed
    files: list[DepFile] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "why": self.why,
            "refused": self.refused,
            "certain": self.certain,
            "files": [f.to_json() for f in self.files],
        }


def _display(repo: Repository, folder: Path, name: str) -> str:
    where = repo.display(folder)
    return name if where == "." else f"{where}/{name}"


def _first(plat: platforms.Platform, found: list[str]) -> str | None:
    """The first of the platform's files present. pyproject.toml counts where it comes first (Vercel: then the
    lock beside it, if any, is what is installed); elsewhere only when nothing else is there, since most
    repositories keep one for their tools."""
    order = plat.dependency_files
    if order and order[0] == "pyproject.toml" and "pyproject.toml" in found:
        return next((n for n in plat.locks_beside_pyproject if n in found), "pyproject.toml")
    chosen = next((n for n in order if n in found and n != "pyproject.toml"), None)
    return chosen or ("pyproject.toml" if "pyproject.toml" in order and "pyproject.toml" in found else None)


def _decide(
    plat: platforms.Platform, folders: list[tuple[Path, list[str]]], repo: Repository, extra: tuple[str, ...]
) -> Install:
    if plat.builds_from_dockerfile:
        return Install(None, f"{plat.called} installs whatever the Dockerfile names", dockerfile=True)
    if not plat.known:
        return _unknown_platform(folders[0], repo, extra)
    if plat.several_files == "refuses":
        folder, found = folders[0]
        managers = [
            (m, next(f for f in files if f in found))
            for m, files in plat.one_package_manager
            if set(files) & set(found)
        ]
        if len(managers) > 1:
            listed = ", ".join(f"{f} ({m})" for m, f in managers)
            return Install(None, f"several files: {plat.called} refuses the build when it finds {listed}", refused=True)
        if managers:
            chosen = managers[0][1]
            why = f"the only package manager file {plat.called} finds ({plat.dependency_where})"
            return Install(_display(repo, folder, chosen), why)
        return Install(None, plat.without_dependency_file)
    order = plat.dependency_files
    for folder, found in folders:
        first = _first(plat, found)
        if first is not None:
            where = "the app's folder" if folder == folders[0][0] else "the repository root"
            why = (
                f"{plat.called} installs the first of {', '.join(order)} it finds in {where} ({plat.dependency_where})"
            )
            return Install(_display(repo, folder, first), why)
    return Install(None, plat.without_dependency_file)


def _unknown_platform(place: tuple[Path, list[str]], repo: Repository, extra: tuple[str, ...]) -> Install:
    folder, found = place
    if not found and extra:  # requirements files of other names (prod.txt, app.requirements.txt)
        if len(extra) == 1:
            why = "the app's only requirements file; no platform was told or recognised"
            return Install(extra[0], why, certain=False)
        why = f"no platform was told or recognised, so which of {', '.join(extra)} is installed is unknown"
        return Install(None, why, certain=False)
    locks = [n for n in KNOWN if n in found and n not in READ_ONLY_NAMES] or [n for n in KNOWN if n in found]
    if "requirements.txt" in found:
        locks = ["requirements.txt"]
    if len(locks) == 1:
        what = "dependency file" if len(found) == 1 else "lock"
        why = f"the app's only {what}; no platform was told or recognised"
        return Install(_display(repo, folder, locks[0]), why, certain=False)
    if locks:
        return Install(
            None,
            f"no platform was told or recognised, so which of {', '.join(locks)} the deploy installs is not known",
            certain=False,
        )
    return Install(None, platforms.GENERIC.without_dependency_file, certain=False)


def _folders(
    folder: Path, repo: Repository, plat: platforms.Platform, found: list[str]
) -> list[tuple[Path, list[str]]]:
    folders = [(folder, found)]
    if plat.reads_root_too and folder != repo.root:
        folders.append((repo.root, present(repo.root, repo)))
    return folders


def _settle(plat: platforms.Platform, install: Install, others: list[tuple[platforms.Platform, Install]]) -> Install:
    """The guessed platform's Install when every other platform the evidence fits would do the same (issue
    #17.8, as which_platform.settle does for findings); otherwise a best guess, not certain and refusing
    nothing, whose why says what each candidate would do. The file named is the first candidate's that
    installs one: a refusal that holds on one platform only does not say the deploy installs nothing."""
    same = all(
        (o.file, o.refused, o.dockerfile) == (install.file, install.refused, install.dockerfile) for _, o in others
    )
    if same:
        return install
    said = [f"{plat.called}: {_what(install)}"] + [f"{p.called}: {_what(o)}" for p, o in others]
    chosen = next((i.file for i in (install, *(o for _, o in others)) if i.file is not None), None)
    why = "the platform is a guess, and its candidates differ (" + "; ".join(said) + ")"
    return Install(chosen, why, certain=False)


def _what(install: Install) -> str:
    return f"installs {install.file}" if install.file else install.why


def decide(
    folder: Path,
    repo: Repository,
    plat: platforms.Platform,
    extra: tuple[str, ...] = (),
    alternatives: Sequence[platforms.Platform] = (),
) -> Install:
    """The app's Install, with every dependency file of its folder classified. `extra`: other files of the
    app that a format reads (requirements files in a requirements/ folder), as shown. `alternatives`: other
    platforms the evidence fits, when `plat` is a guess: what they would all do is certain, nothing else."""
    found = present(folder, repo)
    install = _decide(plat, _folders(folder, repo, plat, found), repo, extra)
    if alternatives and plat.known:
        others = [(alt, _decide(alt, _folders(folder, repo, alt, found), repo, extra)) for alt in alternatives]
        install = _settle(plat, install, others)
    shown = [_display(repo, folder, n) for n in found]
    shown += [e for e in extra if e not in shown]
    considered = {*plat.dependency_files, *plat.locks_beside_pyproject, *KNOWN}
    files = []
    for display in shown:
        name = display.rsplit("/", 1)[-1]
        installed = display == install.file
        ignored = (
            install.file is not None
            and install.certain
            and not installed
            and name in considered
            and name not in READ_ONLY_NAMES
        )
        files.append(DepFile(display, kind_of(name), installed, ignored))
    if install.file is not None and install.file not in shown:  # a root file, for an app in a subfolder
        files.append(DepFile(install.file, kind_of(install.file.rsplit("/", 1)[-1]), True))
    return Install(install.file, install.why, install.refused, install.certain, install.dockerfile, files)


def has_python(folder: Path, repo: Repository) -> bool:
    """Python code in the folder itself, or a Procfile that starts something: an app, whatever files it has."""
    return any(
        not is_dir and (name.endswith((".py", ".ipynb")) or name == "Procfile")
        for name, is_dir in repo.listing(folder).items()
    )


MAX_DECLARED = 2000  # dependencies read from one file: more is not an app's list


def declared(folder: Path, repo: Repository) -> Lock | None:
    """What the app's pyproject.toml ([project].dependencies) or, failing that, its Pipfile ([packages])
    declares, as an unlocked Lock: what the imports check counts as declared when the file the platform
    installs is one no format reads yet (uv.lock before its reader). None when neither declares anything
    readable (the runtime checks report an unreadable pyproject.toml)."""
    for name in ("pyproject.toml", "Pipfile"):
        path = folder / name
        try:
            text = repo.read_bytes(path, cap=2 * 1024 * 1024).decode("utf-8")
            data = tomllib.loads(text)
        except (OSError, safefs.UnsafePath, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            continue
        if name == "Pipfile":
            packages = data.get("packages")
            values = [_pipfile_line(k, v) for k, v in packages.items()] if isinstance(packages, dict) else None
        else:
            project = data.get("project")
            values = project.get("dependencies") if isinstance(project, dict) else None
        if isinstance(values, list):
            return Lock(path, repo.display(path), name, text, _pins(values, text.splitlines()))
    return None


def _pipfile_line(name: object, value: object) -> str | None:
    spec = value if isinstance(value, str) else value.get("version", "*") if isinstance(value, dict) else "*"
    return f"{name}{'' if spec == '*' else spec}" if isinstance(name, str) and isinstance(spec, str) else None


def _pins(values: Sequence[object], lines: list[str]) -> dict[NormalizedName, Pin]:
    pins: dict[NormalizedName, Pin] = {}
    for value in values[:MAX_DECLARED]:
        try:
            req = Requirement(value) if isinstance(value, str) else None
        except InvalidRequirement:
            req = None
        if req is None or not isinstance(value, str):
            continue
        key = value.split("=")[0].split(">")[0].split("<")[0].strip()
        line = next((i for i, s in enumerate(lines, 1) if value in s or s.lstrip().startswith(key)), 0)
        name = canonicalize_name(req.name)
        extras, marker = tuple(sorted(req.extras)), str(req.marker or "")
        pins.setdefault(name, Pin(name, line, value, specifier=str(req.specifier), extras=extras, marker=marker))
    return pins


# Build scripts that declare a project's dependencies (install_requires) where only running or fully parsing
# them would tell which: `pip install .` installs them, so an app with one is not an app with no dependencies.
BUILD_SCRIPTS = ("setup.py", "setup.cfg")


def build_script(folder: Path, repo: Repository) -> str | None:
    """The setup.py or setup.cfg in the app's folder, if any."""
    names = repo.listing(folder)
    return next((n for n in BUILD_SCRIPTS if n in names and not names[n]), None)
