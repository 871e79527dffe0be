"""The repository under check, as one object: where it is, where it ends, and every way deploycheck looks at it.

`root` is the checked folder. `boundary` is the repository, the one line nothing is read, copied or quoted
across: the git work tree holding the root (found from the path as given, so a committed symlink cannot move
it), GITHUB_WORKSPACE in the action, or the root itself outside any repository. Every reader here checks a
path against the boundary before opening it (deploycheck.repo.safefs's rules), every walk and listing is
bounded, and a path is shown to the user one way only (`display`).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deploycheck.errors import CheckError
from deploycheck.repo import gitindex, safefs

# Declaration files are a few lines; 256 KiB is far above any real one and bounds every parse that follows.
SMALL_FILE = 256 * 1024
# A deploy's folder holds tens of entries; a listing stops here so a folder of a million files costs nothing.
MAX_LISTING = 10_000
# Folders that hold no file of the app itself but can be huge (virtualenvs are also found by their pyvenv.cfg).
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        "__pypackages__",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".direnv",
        "site-packages",
        "dist-packages",
        ".eggs",
        "build",
        "dist",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",  # Jupyter's autosaved copies of the notebooks and files beside them
    }
)


def is_venv(folder: Path) -> bool:
    """A virtual environment, whatever it is called: venv and virtualenv both write pyvenv.cfg at its top."""
    return os.path.lexists(folder / "pyvenv.cfg")


def skipped(folder: Path) -> bool:
    """Whether a walk or a copy leaves this folder out."""
    return folder.name in SKIP_DIRS or is_venv(folder)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or UTF-16 as PowerShell writes it; undecodable bytes become U+FFFD."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def relative(path: Path, *bases: Path) -> str | None:
    """`path` from the first of `bases` that holds it, as the repository writes it: its folder resolved, its
    name kept (a symlink shows as itself); None when none holds it. "." for a base itself."""
    shown = safefs.resolve(path) if path.name in ("", ".", "..") else safefs.resolve(path.parent) / path.name
    for base in bases:
        try:
            return shown.relative_to(safefs.resolve(base)).as_posix()
        except ValueError:
            continue
    return None


# Phrases for a finding about a file that was not read ("packages.txt is a symlink to outside the repository").
_REFUSED = {
    safefs.OutsideBoundary: "is a symlink to outside the repository",
    safefs.NotRegular: "is not a regular file",
}


class Walk:
    """The folders below `top`, each with its file names, sorted: never into a symlinked folder, a skipped one
    (SKIP_DIRS, a virtualenv) or one of `exclude`. Bounded by `max_folders` and `max_entries` (directory
    entries listed); `stopped` is the folder where a bound ended it early."""

    def __init__(
        self,
        top: Path,
        *,
        exclude: frozenset[Path] = frozenset(),
        max_depth: int | None = None,
        max_folders: int | None = None,
        max_entries: int | None = None,
        breadth_first: bool = False,
    ) -> None:
        self.top = top
        self.exclude = exclude
        self.max_depth = max_depth
        self.max_folders = max_folders
        self.max_entries = max_entries
        self.breadth_first = breadth_first
        self.folders = 0
        self.entries = 0
        self.stopped: Path | None = None

    def __iter__(self) -> Iterator[tuple[Path, list[str]]]:
        # Depth first in the order os.walk gives (a folder, then each subfolder's whole tree, by name), or level
        # by level (shallowest first) for searches that want the nearest match within a budget. Paths are
        # strings inside: a Path per entry costs more than the listing itself.
        exclude = {os.fspath(p) for p in self.exclude}
        pending: deque[tuple[str, int]] = deque([(os.fspath(self.top), 0)])
        while pending:
            folder, depth = pending.popleft() if self.breadth_first else pending.pop()
            self.folders += 1
            if self.max_folders is not None and self.folders > self.max_folders:
                self.stopped = Path(folder)
                return
            subfolders, files = self._list(folder, exclude)
            if self.stopped is not None:
                return
            yield Path(folder), files
            if self.max_depth is not None and depth >= self.max_depth:
                continue
            below = [(os.path.join(folder, name), depth + 1) for name in subfolders]
            pending.extend(below if self.breadth_first else reversed(below))

    def _list(self, folder: str, exclude: set[str]) -> tuple[list[str], list[str]]:
        subfolders: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    self.entries += 1
                    if self.max_entries is not None and self.entries > self.max_entries:
                        self.stopped = Path(folder)
                        break
                    try:
                        is_dir = entry.is_dir()  # as os.walk: a symlink to a folder is a folder, never entered
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        files.append(entry.name)
                    elif (
                        not entry.is_symlink()
                        and entry.name not in SKIP_DIRS
                        and not os.path.lexists(os.path.join(entry.path, "pyvenv.cfg"))  # is_venv, on a string
                        and entry.path not in exclude
                    ):
                        subfolders.append(entry.name)
        except OSError:
            pass
        return sorted(subfolders), sorted(files)


@dataclass(frozen=True)
class Repository:
    root: Path  # the checked folder, resolved
    boundary: Path  # the repository's top, resolved: nothing outside it is read, copied, written or quoted

    @classmethod
    def at(cls, root: Path, boundary: Path | None = None) -> Repository:
        """The repository holding `root`. `boundary`: GITHUB_WORKSPACE in the action; by default the git work
        tree holding root, found from the path as given (not resolved), else root itself."""
        if root.is_file():  # `deploycheck requirements.txt`, as one runs pip-compile
            raise CheckError(
                "is a file, not a folder",
                path=str(root),
                fix="pass the app's folder; `--lockfile NAME` then checks only that dependency file",
            )
        if not root.is_dir():
            raise CheckError("no such folder", path=str(root), fix="pass the folder of the app to check")
        top = safefs.resolve(boundary) if boundary else (safefs.git_top(root) or safefs.resolve(root))
        real = safefs.resolve(root)
        if not safefs.inside(real, top):
            raise CheckError(
                "the checked folder is outside the repository", path=str(real), fix="check a folder of the repository"
            )
        return cls(real, top)

    # ------------------------------------------------------------------------------------------ the boundary

    def inside(self, path: Path) -> bool:
        """Whether path resolves inside the repository (and not into .git)."""
        return safefs.inside(path, self.boundary)

    def is_file(self, path: Path) -> bool:
        """A regular file inside the repository (a symlink counts when it leads to one)."""
        return safefs.is_regular_inside(path, self.boundary)

    # ------------------------------------------------------------------------------------------------ reads

    def read_bytes(self, path: Path, *, cap: int = safefs.DEFAULT_CAP) -> bytes:
        """A regular file inside the repository, at most `cap` bytes; safefs.UnsafePath otherwise."""
        return safefs.read_bytes(path, self.boundary, cap=cap)

    def read(self, path: Path, *, cap: int = SMALL_FILE) -> bytes:
        """A small file's bytes. FileNotFoundError when it is missing; safefs.UnsafePath, whose `reason` is
        phrased for a finding ("is a symlink to outside the repository"), when it must not be read."""
        if not os.path.lexists(path):
            raise FileNotFoundError(str(path))
        try:
            return safefs.read_bytes(path, self.boundary, cap=cap)
        except safefs.TooLarge:
            raise safefs.TooLarge(path, f"is over the {cap:,}-byte limit for this kind of file") from None
        except safefs.Unreadable:
            if not os.path.lexists(path):
                raise FileNotFoundError(str(path)) from None
            raise
        except safefs.UnsafePath as exc:
            phrase = next((text for kind, text in _REFUSED.items() if isinstance(exc, kind)), exc.reason)
            raise type(exc)(path, phrase) from None

    def text(self, path: Path, *, cap: int = SMALL_FILE) -> str | None:
        """Decoded text, or None when the file is missing or must not be read (for callers that only peek)."""
        try:
            return decode(self.read(path, cap=cap))
        except (OSError, safefs.UnsafePath):
            return None

    def read_text(self, path: Path, *, cap: int = SMALL_FILE) -> tuple[str | None, str]:
        """(text, "") or (None, why it was not read), for a finding that names the file: a symlink out of the
        repository, a FIFO, binary junk and an oversized file each get a reason, never a traceback."""
        try:
            data = self.read(path, cap=cap)
        except safefs.UnsafePath as exc:
            return None, exc.reason
        except FileNotFoundError:
            return None, "is missing"
        except OSError as exc:
            return None, f"cannot be read ({exc.strerror or type(exc).__name__})"
        if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None, "is binary, not text"
        return decode(data), ""

    # --------------------------------------------------------------------------------- folders and walks

    def listing(self, folder: Path) -> dict[str, bool]:
        """Entry name -> whether it is a folder (a symlink is never a folder here), at most MAX_LISTING."""
        out: dict[str, bool] = {}
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if len(out) >= MAX_LISTING:
                        break
                    try:
                        out[entry.name] = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        continue
        except OSError:
            return {}
        return out

    def walk(
        self,
        top: Path,
        *,
        exclude: frozenset[Path] = frozenset(),
        max_depth: int | None = None,
        max_folders: int | None = None,
        max_entries: int | None = None,
        breadth_first: bool = False,
    ) -> Walk:
        """The folders at and below `top` with their file names (see Walk)."""
        return Walk(
            top,
            exclude=exclude,
            max_depth=max_depth,
            max_folders=max_folders,
            max_entries=max_entries,
            breadth_first=breadth_first,
        )

    def up(self, folder: Path, *, to: Path | None = None) -> list[Path]:
        """`folder`, then each parent up to and including the root (or `to`, e.g. the boundary): nearest first,
        as the platforms look. A folder outside that top is alone."""
        top = safefs.resolve(to) if to else self.root
        out = [safefs.resolve(folder)]
        while out[-1] != top and top in out[-1].parents:
            out.append(out[-1].parent)
        return out

    # ---------------------------------------------------------------------------------------------- display

    def display(self, path: Path) -> str:
        """How a path is shown in every output: from the checked folder; a file of the repository outside it
        from the repository's top; anything else by its name only, never a path outside the repository."""
        return relative(path, self.root, self.boundary) or path.name

    # -------------------------------------------------------------------------------------------------- git

    def tracked(self) -> set[str] | None:
        """The paths git tracks, relative to the root, when the root is a work tree's top (read from its index
        without running git); None when that cannot be told (no .git at the root, an unreadable index)."""
        return gitindex.tracked(self.root)
