"""--fix-dir: the proposed locks, and one patch that `git apply` accepts from the repository's top.

Files are written only below the fix folder (paths normalised), never over a file the run read, and
never for a lock outside the repository.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from deploycheck.locks.diff import unified
from deploycheck.locks.requirements import reqtext
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository
from deploycheck.report.model import Report


def _target(fix_dir: Path, relative: str, read: set[Path]) -> Path | None:
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        return None
    target = fix_dir.joinpath(*parts)
    if not safefs.inside(target, fix_dir) or safefs.resolve(target) in read:
        return None
    return target


def write(report: Report, repo: Repository, fix_dir: Path, *, read: set[Path] | None = None) -> list[Path]:
    root = repo.root
    prefix = root.relative_to(repo.boundary).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    read = read or set()
    written: list[Path] = []
    patch: list[str] = []
    for lock in report.lockfiles:
        if lock.proposed is None or lock.status in ("in-sync", "error"):
            continue
        target = _target(fix_dir, lock.path, read)
        if target is None or not repo.inside(root / lock.path):
            continue
        try:
            committed = repo.read_bytes(root / lock.path).decode("utf-8-sig")
        except (safefs.UnsafePath, UnicodeDecodeError):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(lock.proposed.encode("utf-8"))
        written.append(target)
        patch.append(unified(committed, lock.proposed, prefix + lock.path))
        if lock.status == "unlocked":
            source = Path(lock.path).with_name("requirements.in").as_posix()
            source_target = _target(fix_dir, source, read)
            if source_target is not None and not (root / source).exists():
                source_target.write_bytes(committed.encode("utf-8"))
                written.append(source_target)
                patch.append(unified(None, committed, prefix + source))
    for finding in report.findings:
        # A requirements file pip reads but other tools do not (UTF-16 from PowerShell): a UTF-8 copy.
        if finding.code != "DC351" or not finding.path:
            continue
        target = _target(fix_dir, finding.path, read)
        if target is None or target in written or not repo.inside(root / finding.path):
            continue
        try:
            decoded = reqtext.decode(repo.read_bytes(root / finding.path))
        except safefs.UnsafePath:
            continue
        if decoded.bad_line is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(decoded.text.encode("utf-8"))
            written.append(target)
    if patch:
        fix_dir.mkdir(parents=True, exist_ok=True)
        (fix_dir / "deploycheck.patch").write_text("".join(patch), encoding="utf-8", newline="")
        written.append(fix_dir / "deploycheck.patch")
    return written
