"""The app model: which folders of a repository are apps, and, for each, what the scan found once.

An app is a folder holding the dependency files a platform reads (requirements files, Pipfile, uv.lock,
poetry.lock, environment.yml, a pyproject.toml with dependencies). Requirements kept in a
`requirements/` subfolder belong to the folder above it. Checks read these records; none of them
detects a runtime or walks the tree again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from deploycheck.locks import formats
from deploycheck.locks.model import Lock
from deploycheck.project import filenames, installs
from deploycheck.project.records import LockPair, Scanned
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository
from deploycheck.runtime import detect as runtime
from deploycheck.runtime import platforms
from deploycheck.settings import Settings

# Folders that hold an app's requirement files without being the app.
REQUIREMENT_FOLDERS = {"requirements", "reqs", "requirements.d", "deps", "dependencies"}
DEPENDENCY_FILES = (
    "requirements.txt",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "environment.yml",
)
MAX_ENTRIES = 200_000  # a tree walk is bounded whatever the repository holds


@dataclass
class App:
    folder: Path  # absolute
    repo: Repository  # the checked root and the boundary: every file of the app is read through it
    display: str  # relative to the checked root; "." for the root itself
    runtime: runtime.Runtime
    locks: list[LockPair] = field(default_factory=list)
    plain: list[Lock] = field(default_factory=list)  # requirements files with no lock workflow
    files: set[str] = field(default_factory=set)  # dependency and deploy files present in the folder
    platform: str | None = None  # the deploy platform: set by the platform checks (issue #9)
    platform_evidence: str = ""  # the file (and why) the platform was inferred from
    nested: list[Path] = field(default_factory=list)  # other apps' folders inside this one: not this app's files
    other_locks: list[Lock] = field(default_factory=list)  # files of the other registered formats (locks.formats)
    installs: installs.Install | None = None  # the file the platform installs, and each dependency file's kind
    has_python: bool = False  # Python code (or a Procfile) in the app's folder

    @property
    def root(self) -> Path:
        """The checked folder."""
        return self.repo.root

    @property
    def platform_of(self) -> platforms.Platform | None:
        """The deploy platform's table, when one was given or inferred."""
        return platforms.get(self.platform) if self.platform else None

    def requirement_files(self) -> list[Lock]:
        """Every dependency file of the app that a registered format reads, as a Lock: requirements locks
        first, then plain requirements files, then the other formats' files (uv.lock, pylock.toml, ...)."""
        return [pair.lock for pair in self.locks] + self.plain + self.other_locks

    def installed_file(self) -> Path | None:
        """The dependency file the app's platform installs from, when it can be told; None otherwise (Docker,
        an unknown platform with several files, a refused combination, no file at all)."""
        chosen = self.installs.file if self.installs is not None and self.installs.certain else None
        return self.root / chosen if chosen else None

    def ignored(self) -> dict[str, str]:
        """Dependency files (as shown) that the platform reads but does not install, each with why."""
        if self.installs is None or self.installs.file is None:
            return {}
        plat = self.platform_of
        called = plat.called if plat else "the platform"
        return {
            f.display: f"{called} installs {self.installs.file}, not this file"
            for f in self.installs.files
            if f.ignored
        }

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"path": self.display, "runtime": self.runtime.to_json(), "platform": self.platform}
        if self.installs is not None:
            out["installs"] = self.installs.to_json()
        return out


@dataclass
class Project(Scanned):
    """The whole project: what the scan found, and the apps built once from it."""

    apps: list[App] = field(default_factory=list)


def app_folder(path: Path, repo: Repository) -> Path:
    folder = path.parent
    if folder.name in REQUIREMENT_FOLDERS and folder != repo.root and repo.root in folder.parents:
        return folder.parent
    return folder


def _dependency_folders(repo: Repository) -> dict[Path, set[str]]:
    """Folders with dependency files other than requirements*.txt (those the scan already found)."""
    found: dict[Path, set[str]] = {}
    for folder, files in repo.walk(repo.root, max_entries=MAX_ENTRIES):
        # A misspelled requirements file makes an app too, so that the checks can say why nothing is installed.
        names = {
            f
            for f in files
            if f in DEPENDENCY_FILES or f == "pyproject.toml" or filenames.misspelling_of(f) == "requirements.txt"
        }
        if "pyproject.toml" in names and not installs.has_dependencies(folder / "pyproject.toml", repo):
            names.discard("pyproject.toml")
        if names:
            found[folder] = names
    return found


def build(scanned: Scanned, settings: Settings) -> Project:
    """Group what the scan found into apps, then detect each app's platform and runtime once."""
    repo = scanned.repo
    found: dict[Path, tuple[list[LockPair], list[Lock], set[str]]] = {}

    def entry(folder: Path) -> tuple[list[LockPair], list[Lock], set[str]]:
        return found.setdefault(folder, ([], [], set()))

    for pair in scanned.locks:
        entry(app_folder(pair.path, repo))[0].append(pair)
    for req in scanned.plain:
        entry(app_folder(req.path, repo))[1].append(req)
    # Without --lockfile, folders whose only dependency files are Pipfile, uv.lock and the like are apps too.
    others = {app_folder(folder / "x", repo): names for folder, names in _dependency_folders(repo).items()}
    if not settings.lockfiles:
        for folder, names in others.items():
            entry(folder)[2].update(names)
    for name in settings.lockfiles:  # a --lockfile of another format (uv.lock): its folder is an app
        given = repo.root / name
        if formats.claiming(given.name) is not formats.REQUIREMENTS_TXT:
            entry(app_folder(given, repo))[2].add(given.name)
    if not found and installs.has_python(repo.root, repo):
        entry(repo.root)  # Python code and no dependency file: an app the checks say is not ready (DC311)
    apps = []
    for folder, (locks, plain, names) in found.items():
        lock = locks[0].lock if locks else (plain[0] if plain else None)
        rt = runtime.detect(
            folder,
            repo,
            explicit=settings.python_version,
            header_python=next((p.lock.python for p in locks if p.lock.python), None),
            platform=settings.platform,
            lock=lock,
        )
        files = names | {name for name in DEPENDENCY_FILES if (folder / name).is_file()}
        app = App(folder, repo, repo.display(folder), rt, locks, plain, files, rt.platform, rt.platform_reason)
        app.other_locks = _other_locks(folder, repo)
        app.has_python = installs.has_python(folder, repo)
        shown = tuple(f.display for f in app.requirement_files())
        alternatives = [platforms.get(p) for p in rt.platform_alternatives]  # a guess: only what all would do
        app.installs = installs.decide(folder, repo, app.platform_of or platforms.GENERIC, shown, alternatives)
        apps.append(app)
    aside: set[Path] = set()
    for app in apps:
        if _no_python_deploy(app, settings):
            aside.update(_set_aside(app))
    for app in apps:
        # Every folder with dependency files of its own is another app, checked or not (--lockfile).
        app.nested = sorted({f for f in [*others, *(a.folder for a in apps)] if app.folder in f.parents})
    built = sorted(apps, key=lambda a: (a.display != ".", a.display))
    kept = {f.name: getattr(scanned, f.name) for f in fields(scanned)}
    kept["locks"] = [p for p in scanned.locks if p.path not in aside]
    kept["plain"] = [f for f in scanned.plain if f.path not in aside]
    kept["foreign"] = [f for f in scanned.foreign if f.path not in aside]
    return Project(**kept, apps=built)


def _no_python_deploy(app: App, settings: Settings) -> bool:
    """The app's image installs no Python (a Dockerfile building a Go or Node image), and no --lockfile asks
    for its files anyway."""
    return bool(app.runtime.no_python) and not settings.lockfiles


def _set_aside(app: App) -> list[Path]:
    """An image that installs no Python never installs the app's Python dependency files (a helper script's
    requirements.txt beside a Go site, #17.7): their drift, pins and resolution are not the deploy's, so no
    check judges them (a resolve of a stray file could only block the merge or make the run "could not
    check"), and the report says so. Returns the files set aside."""
    files = [*(p.lock for p in app.locks), *app.plain, *app.other_locks]
    if not files:
        return []
    more = f" and {len(files) - 5} more" if len(files) > 5 else ""
    shown = ", ".join(f.display for f in files[:5]) + more
    one = len(files) == 1
    app.runtime.notes.append(
        f"{shown} {'is' if one else 'are'} not checked: the deploy never installs {'it' if one else 'them'} "
        f"({app.runtime.no_python})"
    )
    app.installs = installs.Install(
        None,
        f"{app.runtime.no_python}, so the deploy installs none of the app's Python dependency files",
        dockerfile=True,
        files=[installs.DepFile(f.display, installs.kind_of(f.path.name), ignored=True) for f in files],
    )
    paths = [p.path for p in app.locks] + [f.path for f in (*app.plain, *app.other_locks)]
    app.locks, app.plain, app.other_locks = [], [], []
    return paths


def _other_locks(folder: Path, repo: Repository) -> list[Lock]:
    """The app folder's files that a registered format other than requirements.txt claims, each read once
    into a Lock. A file that cannot be read safely (a link out, a FIFO, too large) becomes a Lock whose only
    content is that issue, so that it is reported, never silently skipped."""
    found = []
    for name, is_dir in sorted(repo.listing(folder).items()):
        fmt = formats.claiming(name)
        if is_dir or fmt is None or fmt is formats.REQUIREMENTS_TXT:
            continue
        path = folder / name
        try:
            raw = repo.read_bytes(path, cap=formats.MAX_LOCK_BYTES)
        except (OSError, safefs.UnsafePath) as exc:
            reason = exc.reason if isinstance(exc, safefs.UnsafePath) else (exc.strerror or str(exc))
            found.append(formats.unreadable(fmt, path, repo.display(path), reason))
            continue
        try:
            found.append(fmt.read(raw, path, repo.display(path)))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            # A reader meets a value of a type its format never writes there (a hand-edited or hostile file):
            # the file is reported as unreadable at its path, never a crash of the run.
            why = f"is not a valid {fmt.id} ({type(exc).__name__}: a value of a type the format never has)"
            fix = "regenerate it with the tool that writes it"
            found.append(formats.unreadable(fmt, path, repo.display(path), why, fix, kind="syntax"))
    return found


def app_of(apps: list[App], pair: LockPair) -> App:
    return next(app for app in apps if pair in app.locks)
