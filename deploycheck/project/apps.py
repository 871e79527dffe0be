"""The app model: which folders of a repository are apps, and, for each, what the scan found once.

An app is a folder holding the dependency files a platform reads (requirements files, Pipfile, uv.lock,
poetry.lock, environment.yml, a pyproject.toml with dependencies). Requirements kept in a
`requirements/` subfolder belong to the folder above it. Checks read these records; none of them
detects a runtime or walks the tree again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.locks.model import Lock
from deploycheck.project import filenames
from deploycheck.project.scan import SKIP_DIRS, LockPair, Project, rel
from deploycheck.repo import folders, safefs
from deploycheck.runtime import detect as runtime
from deploycheck.runtime import platforms
from deploycheck.settings import Settings

# Folders that hold an app's requirement files without being the app.
REQUIREMENT_FOLDERS = {"requirements", "reqs", "requirements.d", "deps", "dependencies"}
DEPENDENCY_FILES = ("requirements.txt", "Pipfile", "Pipfile.lock", "uv.lock", "poetry.lock", "environment.yml")
MAX_FILES = 200_000  # a tree walk is bounded whatever the repository holds


@dataclass
class App:
    folder: Path  # absolute
    root: Path  # the checked root, absolute
    display: str  # relative to the checked root; "." for the root itself
    runtime: runtime.Runtime
    locks: list[LockPair] = field(default_factory=list)
    plain: list[Lock] = field(default_factory=list)  # requirements files with no lock workflow
    files: set[str] = field(default_factory=set)  # dependency and deploy files present in the folder
    platform: str | None = None  # the deploy platform: set by the platform checks (issue #9)
    platform_evidence: str = ""  # the file (and why) the platform was inferred from
    nested: list[Path] = field(default_factory=list)  # other apps' folders inside this one: not this app's files

    def requirement_files(self) -> list[Lock]:
        """Every requirements file of the app the deploy or its lock workflow reads, locks first."""
        return [pair.lock for pair in self.locks] + self.plain

    def installed_file(self) -> Path | None:
        """The dependency file the app's platform installs from, when the platform picks the first of its
        list by name and the app's folder has one; None when it cannot be told (Docker, an unknown platform)."""
        plat = platforms.get(self.platform) if self.platform else None
        if plat is None or not plat.first_file_wins:
            return None
        names = {name for name, is_dir in folders.listing(self.folder).items() if not is_dir}
        chosen = next((n for n in plat.dependency_files if n in names and n != "pyproject.toml"), None)
        return self.folder / chosen if chosen else None

    def to_json(self) -> dict[str, object]:
        return {"path": self.display, "runtime": self.runtime.to_json(), "platform": self.platform}


def app_folder(path: Path, root: Path) -> Path:
    folder = path.parent
    if folder.name in REQUIREMENT_FOLDERS and folder != root and root in folder.parents:
        return folder.parent
    return folder


def _has_dependencies(pyproject: Path, root: Path) -> bool:
    try:
        head = safefs.read_bytes(pyproject, root, cap=2 * 1024 * 1024)  # never a FIFO, never a link out
    except (OSError, safefs.UnsafePath):
        return False
    return b"dependencies" in head or b"[tool.poetry" in head


def _dependency_folders(root: Path) -> dict[Path, set[str]]:
    """Folders with dependency files other than requirements*.txt (those the scan already found)."""
    found: dict[Path, set[str]] = {}
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg"))]
        seen += len(files)
        if seen > MAX_FILES:
            break
        # A misspelled requirements file makes an app too, so that the checks can say why nothing is installed.
        names = {
            f
            for f in files
            if f in DEPENDENCY_FILES or f == "pyproject.toml" or filenames.misspelling_of(f) == "requirements.txt"
        }
        if "pyproject.toml" in names and not _has_dependencies(Path(folder, "pyproject.toml"), root):
            names.discard("pyproject.toml")
        if names:
            found[Path(folder)] = names
    return found


def build(project: Project, settings: Settings) -> list[App]:
    """Group what the scan found into apps, then detect each app's platform and runtime once."""
    root = project.root
    found: dict[Path, tuple[list[LockPair], list[Lock], set[str]]] = {}

    def entry(folder: Path) -> tuple[list[LockPair], list[Lock], set[str]]:
        return found.setdefault(folder, ([], [], set()))

    for pair in project.locks:
        entry(app_folder(pair.path, root))[0].append(pair)
    for req in project.plain:
        entry(app_folder(req.path, root))[1].append(req)
    # Without --lockfile, folders whose only dependency files are Pipfile, uv.lock and the like are apps too.
    others = {app_folder(folder / "x", root): names for folder, names in _dependency_folders(root).items()}
    if not settings.lockfiles:
        for folder, names in others.items():
            entry(folder)[2].update(names)
    apps = []
    for folder, (locks, plain, names) in found.items():
        lock = locks[0].lock if locks else (plain[0] if plain else None)
        rt = runtime.detect(
            folder,
            root,
            explicit=settings.python_version,
            header_python=next((p.lock.python for p in locks if p.lock.python), None),
            platform=settings.platform,
            lock=lock,
        )
        files = names | {name for name in DEPENDENCY_FILES if (folder / name).is_file()}
        app = App(folder, root, rel(folder, root), rt, locks, plain, files, rt.platform, rt.platform_reason)
        apps.append(app)
    for app in apps:
        # Every folder with dependency files of its own is another app, checked or not (--lockfile).
        app.nested = sorted({f for f in [*others, *(a.folder for a in apps)] if app.folder in f.parents})
    return sorted(apps, key=lambda a: (a.display != ".", a.display))


def app_of(apps: list[App], pair: LockPair) -> App:
    return next(app for app in apps if pair in app.locks)
