"""CPython release facts: which minors exist, when each reaches end of life, the newest patch known.

Verified 2026-11-21 against the devguide's release-cycle.json (https://peps.python.org/api/release-cycle.json,
https://devguide.python.org/versions/) and PEP 790 (3.15 schedule). The search tool's copy of release-cycle.json
still lists 3.15 as "prerelease" with first_release 2026-10-01 (the scheduled date); rc1 was out by 2026-08
(discuss.python.org/t/108395). Latest patches are those this table was checked against; a newer patch released
after that date is accepted within a margin that grows with the table's age (see `is_cpython_release`).
To update: bump `VERIFIED`, the `latest` patches, and add the next minor.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

VERIFIED = datetime.date(2026, 11, 21)


@dataclass(frozen=True)
class Minor:
    version: str  # "3.12"
    released: datetime.date  # x.y.0
    end_of_life: datetime.date  # end of security support, upstream
    latest: int  # newest patch number known on VERIFIED


# end_of_life: the devguide gives a month for minors still supported; its last day is used.
MINORS: dict[str, Minor] = {
    m.version: m
    for m in (
        Minor("3.6", datetime.date(2016, 12, 23), datetime.date(2021, 12, 23), 15),
        Minor("3.7", datetime.date(2018, 6, 27), datetime.date(2023, 6, 27), 17),
        Minor("3.8", datetime.date(2019, 10, 14), datetime.date(2024, 10, 7), 20),
        Minor("3.9", datetime.date(2020, 10, 5), datetime.date(2025, 10, 31), 25),
        Minor("3.10", datetime.date(2021, 10, 4), datetime.date(2026, 10, 31), 20),
        Minor("3.11", datetime.date(2022, 10, 24), datetime.date(2027, 10, 31), 15),
        Minor("3.12", datetime.date(2023, 10, 2), datetime.date(2028, 10, 31), 13),
        Minor("3.13", datetime.date(2024, 10, 7), datetime.date(2029, 10, 31), 13),
        Minor("3.14", datetime.date(2025, 10, 7), datetime.date(2030, 10, 31), 4),
        Minor("3.15", datetime.date(2026, 10, 1), datetime.date(2031, 10, 31), 0),
    )
}
_VERSION = re.compile(r"3\.(\d{1,3})(?:\.(\d{1,4}))?")


def minor_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def released(minor: str, today: datetime.date | None = None) -> bool:
    info = MINORS.get(minor)
    return info is not None and info.released <= (today or datetime.date.today())


def why_not_a_release(version: str, today: datetime.date | None = None) -> str | None:
    """None when `version` ("3.12" or "3.12.4") names a CPython release; else why it does not.

    A patch above the newest known is accepted up to one per month since VERIFIED, plus one: CPython's
    bugfix releases come about every two months, so a table a year old still accepts real releases while
    3.13.99 is an error."""
    today = today or datetime.date.today()
    m = _VERSION.fullmatch(version)
    if not m:
        return f"{version!r} is not a CPython 3 version (3.N or 3.N.N)"
    minor = f"3.{int(m.group(1))}"
    info = MINORS.get(minor)
    oldest = min(MINORS, key=lambda v: int(v.split(".")[1]))
    if info is None and int(m.group(1)) < int(oldest.split(".")[1]):  # 3.0 to 3.5: released, long unsupported
        return f"CPython {minor} is past its end of life (deploycheck knows {oldest} and newer)"
    if info is None:
        newest = max(MINORS, key=lambda v: int(v.split(".")[1]))
        if int(m.group(1)) > int(newest.split(".")[1]) + 1 or today < VERIFIED + datetime.timedelta(days=365):
            return f"there is no CPython {minor} (the newest is {newest})"
        return None  # the minor after the newest, a year or more after this table was checked: trust it
    if info.released > today:
        return f"CPython {minor} is not released yet (due {info.released.isoformat()})"
    if m.group(2) is None:
        return None
    patch = int(m.group(2))
    months = max(0, (today.year - VERIFIED.year) * 12 + today.month - VERIFIED.month)
    if patch > info.latest + 1 + months:
        return f"CPython {version} has not been released (the newest {minor} release known is {minor}.{info.latest})"
    return None


def is_cpython_release(version: str, today: datetime.date | None = None) -> bool:
    return why_not_a_release(version, today) is None


def eol(minor: str, today: datetime.date | None = None) -> bool:
    """Past its upstream end of life: no more security fixes."""
    info = MINORS.get(minor_of(minor))
    return info is not None and info.end_of_life < (today or datetime.date.today())
