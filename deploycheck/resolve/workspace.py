"""The temporary copy of the project that resolvers work in, so the user's tree is never touched.

What is copied: the smallest folder that holds everything a recompile reads (the scan's `needed`: the
checked folder, each lock, its sources, -r/-c includes and local path requirements), all inside the
repository boundary. Within it only regular files are copied; .git, virtual environments, node_modules
and caches are skipped, symlinks are followed only to regular files inside the boundary (a symlinked
folder is skipped: it could loop), and FIFOs, sockets and devices are never opened. The copy is capped
in files, bytes and time.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from pathlib import Path

from deploycheck.errors import CheckError
from deploycheck.project.records import Scanned
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository, skipped
from deploycheck.repo.safefs import git_top
from deploycheck.resolve import sandbox

__all__ = ["MAX_BYTES", "MAX_FILES", "Workspace", "git_top"]

MAX_FILES = 20_000
MAX_BYTES = 200 * 1024 * 1024
DEFAULT_TIMEOUT = 180.0


class Workspace:
    def __init__(
        self,
        project: Scanned,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_files: int = MAX_FILES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.boundary = project.repo.boundary
        needed = project.needed or {project.root, *(p for lock in project.locks for p in (lock.cwd, *lock.sources))}
        paths = [safefs.resolve(p) for p in needed if safefs.inside(p, self.boundary)] or [self.boundary]
        source_root = Path(os.path.commonpath([str(p) for p in paths]))
        self.source_root = source_root.parent if source_root.is_file() else source_root
        # 0700 and, as root, the run's own sandbox user's: no other user and no other run can look inside.
        self._tmp = tempfile.TemporaryDirectory(prefix="deploycheck-", dir=sandbox.scratch_parent(sandbox.user()))
        self.root = Path(self._tmp.name) / "src"
        # pip checks editable VCS requirements out here (pip's --src), never in a shared venv's src/.
        self.src_dir = Path(self._tmp.name) / "vcs-src"
        self.src_dir.mkdir()
        try:
            _Copier(project.repo, time.monotonic() + timeout, max_files, max_bytes).copy(self.source_root, self.root)
            sandbox.hand_over(Path(self._tmp.name), sandbox.user())  # resolvers run as it when we are root
        except BaseException:
            self._tmp.cleanup()
            raise

    def path(self, original: Path) -> Path:
        return self.root / safefs.resolve(original).relative_to(self.source_root)

    def into_copy(self, words: list[str], mapped: dict[str, str]) -> list[str]:
        """A command's words with each absolute path or file: URL into the copied folder (a lock compiled on this
        machine names them so) led into the copy instead: a resolver reads and builds nothing of the repository
        itself. `mapped` collects copy -> as written, so its output can name them as the user's machine does."""
        out = []
        for word in words:
            option, equals, value = word.partition("=") if word.startswith("-") and "=" in word else ("", "", word)
            scheme = "file://" if value.startswith("file://") else ""
            path = value[len(scheme) :]
            if path.startswith("/") and safefs.inside(Path(path), self.source_root):
                copy = str(self.path(Path(path)))
                mapped[copy] = path
                value = scheme + copy
            out.append(option + equals + value)
        return out

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Copier:
    def __init__(self, repo: Repository, deadline: float, max_files: int, max_bytes: int) -> None:
        self.repo = repo
        self.deadline = deadline
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.files = 0
        self.bytes = 0

    def copy(self, source: Path, target: Path) -> None:
        target.mkdir(parents=True)
        stack = [(source, target)]
        while stack:
            folder, dest = stack.pop()
            if time.monotonic() > self.deadline:
                raise CheckError(
                    f"copying {self.repo.display(folder)} for the recompile took longer than the time allowed",
                    fix="pass a larger --timeout, or check a smaller folder (PATH, or the action's working-directory)",
                )
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                self._entry(entry, dest, stack)

    def _entry(self, entry: os.DirEntry[str], dest: Path, stack: list[tuple[Path, Path]]) -> None:
        path = Path(entry.path)
        if entry.is_symlink():
            # Only files the link leads to inside the repository, copied as files: a link kept as a link
            # could lead the resolver out of the copy.
            if self.repo.is_file(path):
                self._file(safefs.resolve(path), dest / entry.name)
            return
        if entry.is_dir(follow_symlinks=False):
            if skipped(path):
                return
            (dest / entry.name).mkdir()
            stack.append((path, dest / entry.name))
        elif entry.is_file(follow_symlinks=False):
            self._file(path, dest / entry.name)
        # FIFOs, sockets and devices: never opened.

    def _file(self, path: Path, dest: Path) -> None:
        self.files += 1
        if self.files > self.max_files:
            self._too_big(f"more than {self.max_files} files")
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EACCES, errno.ENOENT, errno.ENXIO):
                return
            raise
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return
            self.bytes += info.st_size
            if self.bytes > self.max_bytes:
                self._too_big(f"more than {self.max_bytes // (1024 * 1024)} MB")
            with open(dest, "wb") as out:
                while chunk := os.read(fd, 1 << 20):
                    out.write(chunk)
            os.chmod(dest, stat.S_IMODE(info.st_mode) | stat.S_IWUSR)
        finally:
            os.close(fd)

    def _too_big(self, what: str) -> None:
        raise CheckError(
            f"the folder to copy for the recompile holds {what} (virtual environments, .git and node_modules "
            "already left out)",
            fix="check the app's own folder (PATH, or the action's working-directory), or name the lock with "
            "--lockfile; keep data and build output out of the app's folder",
        )
