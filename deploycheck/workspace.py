"""The temporary copy of the project that resolvers work in, so the user's tree is never touched."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from deploycheck import sandbox
from deploycheck.scan import SKIP_DIRS, Project


class Workspace:
    def __init__(self, project: Project) -> None:
        paths = [project.root] + [p for lock in project.locks for p in (lock.cwd, *lock.sources)]
        self.source_root = Path(os.path.commonpath([str(p) for p in paths]))
        if self.source_root.is_file():
            self.source_root = self.source_root.parent
        self._tmp = tempfile.TemporaryDirectory(prefix="deploycheck-")
        self.root = Path(self._tmp.name) / "src"
        shutil.copytree(self.source_root, self.root, ignore=_ignore, symlinks=True)
        sandbox.hand_over(Path(self._tmp.name), sandbox.user())  # resolvers run as it when we are root

    def path(self, original: Path) -> Path:
        return self.root / original.resolve().relative_to(self.source_root)

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIP_DIRS or os.path.isfile(os.path.join(folder, n, "pyvenv.cfg"))}


def git_top(path: Path) -> Path | None:
    for folder in [path.resolve(), *path.resolve().parents]:
        if (folder / ".git").exists():
            return folder
    return None
