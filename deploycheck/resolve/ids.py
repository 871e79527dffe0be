"""Choosing a user and group id for one run's package code that nothing on this machine has."""

from __future__ import annotations

import contextlib
import grp
import pwd
import secrets
from pathlib import Path

from deploycheck.resolve import reaper

# Far above every distribution's account ranges, systemd's dynamic users (61184-65519) and the usual
# /etc/subuid blocks (100000 + 65536 n); below 2^31 for tools that read ids as signed. Two concurrent
# runs draw the same id once in about 147 million.
FRESH_IDS = (2_000_000_000, 2_147_000_000)


def _mapped(path: str, lo: int, hi: int) -> bool:
    """Whether this user namespace maps every id in [lo, hi) (a container with userns-remap may not)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return False
    for line in lines:
        with contextlib.suppress(ValueError):
            inside, _, count = (int(x) for x in line.split())
            if inside <= lo and inside + count >= hi:
                return True
    return False


def _subordinate() -> list[tuple[int, int]]:
    """Id ranges handed to rootless containers: their processes run as these ids on the host."""
    ranges = []
    for path in ("/etc/subuid", "/etc/subgid"):
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                with contextlib.suppress(ValueError):
                    _, start, count = line.strip().split(":")
                    ranges.append((int(start), int(start) + int(count)))
    return ranges


def _known(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        pass
    try:
        grp.getgrgid(uid)
        return True
    except KeyError:
        return False


def fresh(exclude: set[int] | frozenset[int] = frozenset()) -> int | None:
    """An id for both user and group that no account, subordinate range or process has, nor `exclude` (ids
    this process drew and has not run anything as yet); None when this user namespace maps none of FRESH_IDS."""
    lo, hi = FRESH_IDS
    if not (_mapped("/proc/self/uid_map", lo, hi) and _mapped("/proc/self/gid_map", lo, hi)):
        return None
    taken, in_use = _subordinate(), reaper.ids_in_use()
    for _ in range(100):
        candidate = lo + secrets.randbelow(hi - lo)
        if (
            candidate in in_use
            or candidate in exclude
            or any(a <= candidate < b for a, b in taken)
            or _known(candidate)
        ):
            continue
        return candidate
    return None
