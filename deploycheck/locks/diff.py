"""Comparing two locks as pins, not text.

A change is what alters what `pip install -r` puts on the deploy: a package added or removed, or a
different version, extras, marker, hashes, or an option line (index, find-links). Everything else
(header, `# via` annotations, order, whitespace, line endings) is cosmetic. The requirements.txt format's
comparison: it reads two parsed files, and loads no parser itself.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deploycheck.locks.change import Change
from deploycheck.locks.indexes import INDEX_LIKE
from deploycheck.locks.model import Lock, Pin
from deploycheck.locks.tools import UNSAFE

if TYPE_CHECKING:  # the parser is not loaded by the report, which imports Change and unified from here
    from deploycheck.locks.requirements.reqfile import ReqFile

__all__ = ["Change", "Diff", "compare", "unified", "without_unsafe"]


@dataclass
class Diff:
    changes: list[Change]
    cosmetic: list[str]

    @property
    def drift(self) -> bool:
        return bool(self.changes)


def _fields(a: Pin, b: Pin) -> list[str]:
    found = []
    if (a.version, a.specifier) != (b.version, b.specifier):
        found.append("version")
    if a.extras != b.extras:
        found.append("extras")
    if a.marker.replace('"', "'") != b.marker.replace('"', "'"):
        found.append("marker")
    if a.hashes != b.hashes:
        found.append("hashes")
    if a.url != b.url or a.editable != b.editable:
        found.append("url")
    return found


def _options(lock: ReqFile, skip_index: bool) -> dict[tuple[str, str], int]:
    return {
        (opt, value): line
        for opt, value, line in lock.options
        if opt not in ("-r", "-c") and not (skip_index and opt in INDEX_LIKE)
    }


def compare(
    committed: ReqFile, proposed: ReqFile, *, ignore_markers: bool = False, ignore_index_options: bool = False
) -> Diff:
    changes: list[Change] = []
    for name in sorted(set(committed.pins) | set(proposed.pins)):
        old, new = committed.pins.get(name), proposed.pins.get(name)
        if old and not new:
            changes.append(
                Change(name, "removed", old.describe(), None, old.line, via=old.via, before_version=old.version)
            )
        elif new and not old:
            changes.append(Change(name, "added", None, new.describe(), None, via=new.via, after_version=new.version))
        elif old and new:
            fields = _fields(old, new)
            if ignore_markers and "marker" in fields:
                fields.remove("marker")
            if fields:
                changes.append(
                    Change(
                        name,
                        "changed",
                        old.describe(),
                        new.describe(),
                        old.line,
                        fields,
                        via=new.via or old.via,
                        before_version=old.version,
                        after_version=new.version,
                    )
                )
    old_opts = _options(committed, ignore_index_options)
    new_opts = _options(proposed, ignore_index_options)
    for opt in sorted(set(old_opts) ^ set(new_opts)):
        text = " ".join(part for part in opt if part)
        if opt in old_opts:
            changes.append(Change(text, "removed", text, None, old_opts[opt]))
        else:
            changes.append(Change(text, "added", None, text, None))
    return Diff(changes, _cosmetic(committed, proposed) if not changes else [])


def _cosmetic(committed: ReqFile, proposed: ReqFile) -> list[str]:
    if committed.text == proposed.text:
        return []
    found = []
    if committed.crlf != proposed.crlf:
        found.append("line endings")
    a_lines = committed.text.replace("\r\n", "\n").splitlines()
    b_lines = proposed.text.replace("\r\n", "\n").splitlines()
    if a_lines[: committed.header.lines] != b_lines[: proposed.header.lines]:
        found.append("header")
    if {n: p.via for n, p in committed.pins.items()} != {n: p.via for n, p in proposed.pins.items()}:
        found.append("annotations")
    if list(committed.pins) != list(proposed.pins):
        found.append("order")
    if sorted(committed.unsafe_comments) != sorted(proposed.unsafe_comments):
        found.append("unsafe-package comments")
    if not found:
        found.append("whitespace or layout")
    return found


def without_unsafe(lock: ReqFile) -> ReqFile:
    """uv pins pip and setuptools where pip-compile, without --allow-unsafe, leaves them as comments."""
    lock.pins = {n: p for n, p in lock.pins.items() if n not in UNSAFE}
    return lock


def unified(before: str | None, after: str, path: str) -> str:
    """A patch `git apply` accepts: a/ b/ prefixes, /dev/null for a new file, the no-newline marker."""
    a = before.splitlines(keepends=True) if before is not None else []
    b = after.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(a, b, f"a/{path}" if before is not None else "/dev/null", f"b/{path}"):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def installed_changes(before: Lock, after: Lock, env: dict[str, str]) -> list[Change]:
    """What the deploy would install differently from two locks of any format: their installed sets in that
    marker environment (deploycheck.locks.markers.environment), pin by pin."""
    old = {pin.name: pin for pin in before.installed(env, every_line=True)}
    new = {pin.name: pin for pin in after.installed(env, every_line=True)}
    changes = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a is not None and b is None:
            changes.append(Change(name, "removed", a.describe(), None, a.line, via=a.via, before_version=a.version))
        elif b is not None and a is None:
            changes.append(Change(name, "added", None, b.describe(), None, via=b.via, after_version=b.version))
        elif a is not None and b is not None and (a.version, a.url) != (b.version, b.url):
            changes.append(
                Change(name, "changed", a.describe(), b.describe(), a.line, ["version"], via=b.via,
                       before_version=a.version, after_version=b.version)
            )  # fmt: skip
    return changes
