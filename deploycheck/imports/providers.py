"""Which distribution provides each import: the production imports of an app judged against the deploy's
stdlib, the repository's own modules and the modules the pinned distributions install (from their RECORD or
top_level.txt)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Literal

from packaging.utils import canonicalize_name

from deploycheck.imports import names
from deploycheck.imports.classify import Import, target_minor
from deploycheck.imports.collect import ImportScan, module_name
from deploycheck.runtime import stdlib

Status = Literal["declared", "transitive", "missing", "removed"]

# Module -> (distributions, why metadata cannot tell). Used only when no pinned distribution's RECORD or
# top_level.txt lists the module.
OVERRIDES: dict[str, tuple[tuple[str, ...], str]] = {
    "distutils": (
        ("setuptools",),
        "setuptools installs `distutils` through an import hook (distutils-precedence.pth), not as files",
    ),
    "MySQLdb": (("mysqlclient",), "mysqlclient has no Linux wheel: only its sdist exists, and it has no RECORD"),
    "cairo": (("pycairo",), "pycairo has no Linux wheel: only its sdist exists"),
    "gi": (("PyGObject",), "PyGObject has no wheel: only its sdist exists"),
    "ldap": (("python-ldap",), "python-ldap has no Linux wheel: only its sdist exists"),
}


@dataclass(frozen=True)
class ImportVerdict:
    imp: Import
    status: Status
    dist: str | None  # who provides it (declared/transitive) or could (missing); None if nobody known
    candidates: tuple[str, ...] = ()  # every pinned distribution that provides the module
    removed: tuple[int, str] | None = None  # (3.x minor it was removed in, what to use instead)
    stdlib_from: int | None = None  # for a missing module that a newer Python has (tomllib on 3.10): 11


def modules_from_record(record: str) -> list[str]:
    """Dotted module and package names a wheel's RECORD installs (namespace folders left out)."""
    names: set[str] = set()
    for line in record.splitlines()[:200_000]:
        path = line.split(",", 1)[0].strip().strip('"')
        parts = path.split("/")
        if len(parts) > 2 and parts[0].endswith(".data") and parts[1] in ("purelib", "platlib"):
            parts = parts[2:]
        if not parts or parts[0].endswith((".dist-info", ".data")) or parts[0] in ("..", ""):
            continue
        module = module_name(parts[-1])
        if module is None or "__pycache__" in parts:
            continue
        dotted = [*parts[:-1], module] if module != "__init__" else parts[:-1]
        if dotted and all(p.isidentifier() for p in dotted):
            # Parent folders are not added: a folder without __init__ is a namespace portion that other
            # distributions share (google/cloud), and providing it says nothing of google.cloud.bigquery.
            names.add(".".join(dotted))
    return sorted(names)


def modules_from_top_level(text: str) -> list[str]:
    """Names in a top_level.txt (one a line; setuptools writes nested packages with /)."""
    names = {line.strip().replace("/", ".") for line in text.splitlines()[:10_000]}
    return sorted(n for n in names if n and all(p.isidentifier() for p in n.split(".")))


# ------------------------------------------------------------------------------------------- resolving


def _index(provided: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    by_module: dict[str, set[str]] = {}
    for dist, modules in provided.items():
        name = canonicalize_name(dist)
        for module in modules:
            by_module.setdefault(module, set()).add(name)
    for module, (dists, _why) in OVERRIDES.items():
        if module not in by_module:
            by_module[module] = {canonicalize_name(d) for d in dists}
    return by_module


def _providers(dotted: str, by_module: Mapping[str, set[str]]) -> set[str]:
    """Distributions providing the longest dotted prefix of a module (google.cloud.storage before google)."""
    parts = dotted.split(".")
    for depth in range(len(parts), 0, -1):
        found = by_module.get(".".join(parts[:depth]))
        if found:
            return found
    return set()


def resolve(
    scan: ImportScan,
    *,
    python: str,
    provided: Mapping[str, Sequence[str]],
    declared: Iterable[str],
    transitive: Iterable[str],
) -> list[ImportVerdict]:
    """A verdict for each production import that is neither stdlib on that Python nor the repository's own.

    provided: distribution -> dotted modules it installs (modules_from_record / modules_from_top_level of
    each pinned distribution). declared: distributions the requirements name; transitive: the others pinned.
    """
    minor = target_minor(python)
    names = stdlib.stdlib_modules(python)
    by_module = _index(provided)
    known = {canonicalize_name(d) for d in provided}
    direct = {canonicalize_name(d) for d in declared}
    pulled = {canonicalize_name(d) for d in transitive} - direct
    unprovided = (direct | pulled) - known
    judged: dict[str, tuple[Status, str | None, tuple[str, ...], tuple[int, str] | None, int | None]] = {}
    verdicts = []
    for imp in scan.imports:
        if imp.kind != "production" or imp.top in scan.local or imp.top in names:
            continue
        found = judged.get(imp.dotted)  # the same module imported in many files is judged once
        if found is None:
            found = judged[imp.dotted] = _judge(imp, by_module, unprovided, direct, pulled, minor)
        status, dist, candidates, gone, since = found
        verdicts.append(ImportVerdict(imp, status, dist, candidates, gone, since))
    return verdicts


def _judge(
    imp: Import, by_module: Mapping[str, set[str]], unprovided: Set[str], direct: Set[str], pulled: Set[str], minor: int
) -> tuple[Status, str | None, tuple[str, ...], tuple[int, str] | None, int | None]:
    dists = _providers(imp.dotted, by_module) or _same_name(imp.dotted, unprovided)
    candidates = tuple(sorted(dists))
    if dists & direct:
        return "declared", min(dists & direct), candidates, None, None
    if dists & pulled:
        return "transitive", min(dists & pulled), candidates, None, None
    gone = stdlib.REMOVED.get(imp.top)
    if gone and minor >= gone[0]:
        return "removed", None, candidates, gone, None
    newer = stdlib.added_in(imp.top)
    return (
        "missing",
        min(dists) if dists else None,
        candidates,
        None,
        newer if newer is not None and newer > minor else None,
    )


def _same_name(dotted: str, without_metadata: Set[str]) -> set[str]:
    # A pinned distribution whose RECORD could not be read (sdist only, a pin not on the index) is taken to
    # provide the module of its own name (psycopg2, google.cloud.storage -> google-cloud-storage) and the
    # well-known names (cv2 -> opencv-python-headless), so that missing metadata never turns into a false
    # "nothing provides it".
    known = names.distributions(dotted) & without_metadata
    if known:
        return set(known)
    parts = dotted.split(".")
    for depth in range(len(parts), 0, -1):
        name = canonicalize_name(".".join(parts[:depth]))
        if name in without_metadata:
            return {name}
    return set()
