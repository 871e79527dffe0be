"""Which modules the pinned distributions install, read from the package index (the import check's DC501/DC502).

For each distribution the deploy installs, the release it installs (the pinned one, else the newest that
fits the deploy's Python), the best file of it for the target, and the modules that file installs (its
RECORD or top_level.txt, read through PEP 658 files or HTTP range requests, cached forever by file hash).
For a plain requirements file, which has no list of what its lines pull in, the dependencies of its lines
are read from the same metadata, down the tree, bounded. An index that does not answer is "could not
check", never a missing module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from deploycheck.errors import CheckError
from deploycheck.index.daemonpool import DaemonPool
from deploycheck.locks import markers
from deploycheck.locks.model import Pin

if TYPE_CHECKING:
    from deploycheck.index.client import ProjectPage
    from deploycheck.index.simpleapi import DistFile

MAX_PROJECTS = 400  # distributions looked up per app: a lock's pins, or a plain file's lines and what they pull in
MAX_VERSIONS = 60  # releases tried, newest first, for a requirement that names no exact version
MAX_NAME_LOOKUPS = 40  # index lookups that name the distribution in a DC501 fix
TIMEOUT = 15.0

# For the fix text only: the distribution to add for a well-known import name that differs from it. Whether
# an import is provided is decided from the pinned distributions' own metadata, never from this table.
FIX_NAMES = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python-headless",
    "PIL": "pillow",
    "yaml": "PyYAML",
    "bs4": "beautifulsoup4",
    "dotenv": "python-dotenv",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "jwt": "PyJWT",
    "dateutil": "python-dateutil",
    "docx": "python-docx",
    "fitz": "PyMuPDF",
    "magic": "python-magic",
    "telegram": "python-telegram-bot",
    "Crypto": "pycryptodome",
    "serial": "pyserial",
    "attr": "attrs",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "skimage": "scikit-image",
    "win32api": "pywin32",
}


@dataclass
class Provided:
    provided: dict[str, list[str]] = field(default_factory=dict)  # distribution -> dotted modules (metadata)
    pulled: dict[NormalizedName, list[str]] = field(default_factory=dict)  # found below a plain file's lines
    known: set[NormalizedName] = field(default_factory=set)  # projects the index lists


def _unavailable(name: str, project: ProjectPage, urls: Sequence[str]) -> CheckError:
    reason = str(project.unavailable[0]) if project.unavailable else "no answer"
    return CheckError(
        f"the package index did not answer for {name!r} ({reason}), so the imports cannot be matched to what the "
        "requirements install",
        fix=f"check that {', '.join(urls)} is reachable (proxy, certificates), or --ignore DC501,DC502 to skip",
    )


def _pick(project: ProjectPage, pin: Pin | None, spec: str, minor: str) -> list[DistFile]:
    """The files of the release the deploy installs: the pinned one, else the newest that fits."""
    from deploycheck.index import targettags

    target = targettags.Target(minor)
    if pin is not None and pin.version:
        # As pip compares versions: `==3.3` installs 3.3.0, `==1.0` may install 1.0+cpu.
        try:
            chosen, _ = targettags.choose(project, SpecifierSet(pin.specifier or f"=={pin.version}"), target)
        except InvalidSpecifier:
            chosen = None
        return project.release(chosen) if chosen is not None else []
    try:
        wanted = SpecifierSet(spec)
    except InvalidSpecifier:
        wanted = SpecifierSet()
    versions = project.versions()
    tried = 0
    for version in reversed(versions):
        if not wanted.contains(version, prereleases=bool(spec) and version.is_prerelease):
            continue
        tried += 1
        if tried > MAX_VERSIONS:
            break
        files = [f for f in project.release(version) if not f.yanked]
        if targettags.installable(files, target):
            return files
    return []


def _best(files: list[DistFile], minor: str) -> DistFile | None:
    from deploycheck.index import targettags

    target = targettags.Target(minor)
    wheels = [f for f in files if f.kind == "wheel"]
    fitting = [f for f in wheels if targettags.wheel_fits(f, target)]
    best = fitting or wheels or files
    return best[0] if best else None


def _requires(text: str, extras: Iterable[str], minor: str) -> list[Requirement]:
    """Requires-Dist lines of a METADATA text that apply on the deploy for these extras."""
    out = []
    envs = [markers.environment(minor, extra=e) for e in ("", *extras)]
    for line in text.splitlines()[:5000]:
        if not line.startswith("Requires-Dist:"):
            if not line.strip():
                break  # the headers end at the first blank line; the description follows
            continue
        try:
            req = Requirement(line.split(":", 1)[1].strip())
        except InvalidRequirement:
            continue
        if req.marker is None or any(markers.holds(req.marker, env) for env in envs):
            out.append(req)
    return out


def look_up(
    pins: Mapping[NormalizedName, Pin], locked: bool, urls: Sequence[str], trusted: Sequence[str], minor: str
) -> Provided:
    from deploycheck import cache
    from deploycheck.index.client import Index

    looked = Provided()
    wanted: dict[NormalizedName, tuple[Pin | None, str, tuple[str, ...]]] = {
        name: (pin, pin.specifier, pin.extras) for name, pin in pins.items() if not pin.url and not pin.editable
    }
    seen = set(wanted)
    with Index(urls, cache_dir=cache.folder() / "index", timeout=TIMEOUT, trusted_hosts=trusted) as index:
        level = wanted
        while level:
            projects = index.projects(level)
            chosen: dict[NormalizedName, DistFile] = {}
            for name, project in projects.items():
                if not project.found_on:
                    if not project.complete:
                        raise _unavailable(name, project, urls)
                    continue  # on no index: its modules are guessed from its name (imports._same_name)
                looked.known.add(name)
                pin, spec, _extras = level[name]
                best = _best(_pick(project, pin, spec, minor), minor)
                if best is not None:
                    chosen[name] = best
            names = index.import_names_many(chosen.values())
            for name, file in chosen.items():
                found = names[file.filename]
                if found.source != "name":
                    looked.provided[name] = list(found.names)
            if locked:
                break
            # A plain file: what its lines pull in is installed too. Read down the tree, bounded.
            with DaemonPool(8, thread_name_prefix="metadata") as pool:
                metadata = dict(zip(chosen, pool.map(index.metadata, chosen.values())))
            following: dict[NormalizedName, tuple[Pin | None, str, tuple[str, ...]]] = {}
            for parent, text in metadata.items():
                for req in _requires(text or "", level[parent][2], minor):
                    child = canonicalize_name(req.name)
                    looked.pulled.setdefault(child, []).append(parent)
                    if child not in seen and len(seen) < MAX_PROJECTS:
                        seen.add(child)
                        following[child] = (None, str(req.specifier), tuple(sorted(req.extras)))
            level = following
        return looked


def fix_names(modules: Iterable[str], urls: Sequence[str], trusted: Sequence[str]) -> dict[str, str]:
    """For missing imports, the distribution that provides them: a well-known name, else a project of the
    import's own name (google.cloud.storage -> google-cloud-storage) when the index has one."""
    from deploycheck import cache
    from deploycheck.index.client import Index, IndexUnavailable

    out: dict[str, str] = {}
    guesses: dict[str, str] = {}
    for module in modules:
        parts = module.split(".")
        known = next(
            (FIX_NAMES[".".join(parts[:d])] for d in range(len(parts), 0, -1) if ".".join(parts[:d]) in FIX_NAMES), None
        )
        if known:
            out[module] = known
        elif len(guesses) < MAX_NAME_LOOKUPS:
            guesses[module] = "-".join(parts[:3]) if parts[0] in ("google", "azure") else parts[0]
    if guesses:
        try:
            with Index(urls, cache_dir=cache.folder() / "index", timeout=TIMEOUT, trusted_hosts=trusted) as index:
                projects = index.projects(guesses.values())
        except IndexUnavailable:
            return out
        for module, guess in guesses.items():
            project = projects.get(canonicalize_name(guess))
            if project is not None and project.found_on:
                out[module] = guess
    return out
