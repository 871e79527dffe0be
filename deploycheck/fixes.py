"""--fix-dir: the proposed locks, and one patch that `git apply` accepts from the repository's top."""

from __future__ import annotations

from pathlib import Path

from deploycheck.lockdiff import unified
from deploycheck.report import Report
from deploycheck.workspace import git_top


def write(report: Report, root: Path, fix_dir: Path) -> list[Path]:
    top = git_top(root) or root.resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    written: list[Path] = []
    patch: list[str] = []
    for lock in report.lockfiles:
        if lock.proposed is None or lock.status in ("in-sync", "error"):
            continue
        target = fix_dir / lock.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(lock.proposed.encode("utf-8"))
        written.append(target)
        committed = (root / lock.path).read_bytes().decode("utf-8-sig")
        patch.append(unified(committed, lock.proposed, prefix + lock.path))
        if lock.status == "unlocked":
            source = Path(lock.path).with_name("requirements.in").as_posix()
            if not (root / source).exists():
                (fix_dir / source).write_bytes(committed.encode("utf-8"))
                written.append(fix_dir / source)
                patch.append(unified(None, committed, prefix + source))
    if patch:
        fix_dir.mkdir(parents=True, exist_ok=True)
        (fix_dir / "deploycheck.patch").write_text("".join(patch), encoding="utf-8", newline="")
        written.append(fix_dir / "deploycheck.patch")
    return written
