"""Comparing two locks as pins, not text.

A change is what alters what `pip install -r` puts on the deploy: a package added or removed, or a
different version, extras, marker, hashes, or an option line (index, find-links). Everything else
(header, `# via` annotations, order, whitespace, line endings) is cosmetic. The requirements.txt format's
comparison: it reads two parsed files, and loads no parser itself.
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deploycheck.locks.change import Change
from deploycheck.locks.indexes import INDEX_LIKE
from deploycheck.locks.model import Lock, Pin
from deploycheck.locks.tools import UNSAFE

if TYPE_CHECKING:  # the parser is not loaded by the report, which imports Change and unified from here
    from deploycheck.locks.requirements.reqfile import ReqFile

__all__ = ["Change", "Diff", "compare", "marker_key", "unified", "without_unsafe"]


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
    if marker_key(a) != marker_key(b):
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
    old_lines, new_lines = _lines(committed), _lines(proposed)
    for name in sorted(set(old_lines) | set(new_lines)):
        for old, new in _paired(old_lines.get(name, []), new_lines.get(name, []), ignore_markers):
            change = _change(name, old, new, ignore_markers)
            if change is not None:
                changes.append(change)
    old_opts = _options(committed, ignore_index_options)
    new_opts = _options(proposed, ignore_index_options)
    for opt in sorted(set(old_opts) ^ set(new_opts)):
        text = " ".join(part for part in opt if part)
        if opt in old_opts:
            changes.append(Change(text, "removed", text, None, old_opts[opt]))
        else:
            changes.append(Change(text, "added", None, text, None))
    return Diff(changes, _cosmetic(committed, proposed) if not changes else [])


def _lines(lock: ReqFile) -> dict[str, list[Pin]]:
    """Each name's requirement lines: one, or several under other markers (uv --universal writes those)."""
    found: dict[str, list[Pin]] = {}
    for pin in [*lock.pins.values(), *lock.alternates]:
        found.setdefault(pin.name, []).append(pin)
    return found


def _paired(olds: list[Pin], news: list[Pin], ignore_markers: bool) -> list[tuple[Pin | None, Pin | None]]:
    """A name's committed and proposed lines, paired: one each as they are; several by their markers, then
    what is left by version, then in order (a marker changed), the rest added or removed. Linear: a lock may
    hold any number of lines for one name."""
    if len(olds) <= 1 and len(news) <= 1:
        return [(olds[0] if olds else None, news[0] if news else None)]
    pairs: list[tuple[Pin | None, Pin | None]] = []
    left: dict[int, Pin] = dict(enumerate(news))  # in order; paired lines are taken out
    unmatched = list(olds)
    keys = [] if ignore_markers else [marker_key]
    for key in [*keys, lambda pin: pin.version]:
        waiting: dict[object, deque[int]] = {}
        for i, pin in left.items():
            waiting.setdefault(key(pin), deque()).append(i)
        still = []
        for old in unmatched:
            free = waiting.get(key(old))
            if free:
                pairs.append((old, left.pop(free.popleft())))
            else:
                still.append(old)
        unmatched = still
    rest = list(left.values())
    pairs += [(old, rest[i] if i < len(rest) else None) for i, old in enumerate(unmatched)]
    return pairs + [(None, new) for new in rest[len(unmatched) :]]


def marker_key(pin: Pin) -> str:
    """A line's marker as compared: uv writes single quotes where pip-compile copies the .in's double ones."""
    return pin.marker.replace('"', "'")


def _change(name: str, old: Pin | None, new: Pin | None, ignore_markers: bool) -> Change | None:
    if old and not new:
        return Change(
            name, "removed", old.describe(), None, old.line, via=old.via, before_version=old.version,
            before_marker=old.marker,
        )  # fmt: skip
    if new and not old:
        return Change(name, "added", None, new.describe(), None, via=new.via, after_version=new.version)
    assert old is not None and new is not None
    fields = _fields(old, new)
    if ignore_markers and "marker" in fields:
        fields.remove("marker")
    if not fields:
        return None
    return Change(
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
    lock.alternates = [p for p in lock.alternates if p.name not in UNSAFE]
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
    old = {pin.name: pin for pin in before.installed(env)}
    new = {pin.name: pin for pin in after.installed(env)}
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
