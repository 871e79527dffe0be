"""DC410-DC412: the hashes of a `--generate-hashes` lock, against the hashes the index publishes.

pip installs a file only if one of its line's hashes matches it, and once one line has a hash every line
needs one. pip-compile (it reuses existing hashes by default) and uv both keep an edited hash of an
unchanged pin when they recompile, so the drift check cannot see an edit: the index can.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from deploycheck.index import pinned
from deploycheck.index.pinned import PinnedRelease
from deploycheck.index.targettags import installable, target_covered, unknown_hashes
from deploycheck.locks.model import Lock
from deploycheck.locks.tools import UV
from deploycheck.project.apps import Project
from deploycheck.report.model import Finding
from deploycheck.report.rules import Outcome, Rule
from deploycheck.settings import Settings

UNKNOWN_HASH = Rule("DC410", "error", "a committed hash is not one the index publishes for the release")
NO_TARGET_HASH = Rule("DC411", "error", "no committed hash is for a file the deploy's target installs")
MISSING_HASH = Rule("DC412", "error", "a requirement without a hash in a file that uses hashes")
RULES = (UNKNOWN_HASH, NO_TARGET_HASH, MISSING_HASH)
SCOPE = "project"
BACKGROUND = True  # reads the package index only, starts no subprocess: runs beside the resolvers
MAX_CONTINUATION = 10_000  # physical lines one requirement may span (a release with thousands of wheels)


def check(project: Project, settings: Settings) -> Outcome:
    findings = []
    for app in project.apps:
        deploy = pinned.deploy_of(app)
        if deploy is not None:
            env = pinned.marker_environment(deploy.target)
            for lock in app.requirement_files():
                findings += _missing(lock, env)
    if not any(p.hashes for app in project.apps for f in app.requirement_files() for p in f.pins.values()):
        return Outcome(findings)  # no hashes anywhere: nothing to look up for them
    found = pinned.lookup(project, settings)
    lines: dict[str, list[str]] = {}  # each file split once, however many of its pins are reported
    for release in found.pins:
        if release.pin.hashes and not release.ranged:
            findings += judge(release, lines)
    # The index problems are the pins check's too: the pipeline reports each once.
    return Outcome(findings, problems=found.problems)


def regenerate(release: PinnedRelease) -> str:
    """The command that rewrites one pin's hashes from the index (both tools keep existing ones)."""
    spec = f"{release.pin.name}=={release.version}"
    if not release.lock.locked:
        return (
            f"replace the hashes of line {release.pin.line} with the index's: `pip download --no-deps '{spec}'` "
            "then `pip hash` on each file, or move the file to a lock workflow (`pip-compile --generate-hashes`)"
        )
    if release.lock.tool == UV:
        return f"recompile the lock with `--upgrade-package '{spec}'` added to its uv command (uv keeps a pin's hashes)"
    return (
        "recompile the lock with `--no-reuse-hashes` added to its pip-compile command: by default pip-compile "
        "keeps a pin's existing hashes, edited ones included (never add --reuse-hashes here)"
    )


def judge(release: PinnedRelease, lines: dict[str, list[str]]) -> list[Finding]:
    files = release.admitted_files  # `==1.0` admits 1.0 and 1.0+cpu: pip keeps the ones a hash matches
    if not files:
        return []  # not on the index: the pins check reports it (DC404)
    committed = release.pin.hashes
    wrong = unknown_hashes(committed, files)
    if wrong:
        published = len({h for f in files for h in f.hashes.items()})
        return [
            UNKNOWN_HASH.finding(
                release.lock.display,
                _line_of(release.lock, lines, release.pin.line, wrong[0]),
                f"{release.spec} (line {release.pin.line}): --hash={_short(wrong[0])}"
                + (f" and {len(wrong) - 1} more" if len(wrong) > 1 else "")
                + f" is not among the {published} hashes the index publishes for this release: if pip picks "
                "that file, the deploy fails with 'THESE PACKAGES DO NOT MATCH THE HASHES'. An edited or "
                "mistyped hash, or a file the index has replaced: find out which before regenerating",
                regenerate(release),
            )
        ]
    target = release.deploy.target
    if target_covered(committed, files, target) is False:
        names = sorted(pinned.shown_text(f.filename) for f in installable(files, target))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return [
            NO_TARGET_HASH.finding(
                release.lock.display,
                release.pin.line,
                f"none of the {len(committed)} committed hashes of {release.spec} is for a file pip would "
                f"install on {release.deploy.describe()} ({shown}): the deploy fails with 'THESE PACKAGES DO "
                "NOT MATCH THE HASHES'",
                regenerate(release),
            )
        ]
    return []


def _missing(file: Lock, env: dict[str, str]) -> list[Finding]:
    """pip's hash-checking mode starts with the first hash and then wants one on every requirement."""
    pins = file.installed(env)
    hashed = [p for p in pins if p.hashes]
    if not hashed:
        return []
    fix = (
        "recompile the lock with --generate-hashes (its command already has it when the header says so)"
        if file.locked
        else "add each requirement's hashes (`pip hash`), or remove every hash from the file"
    )
    return [
        MISSING_HASH.finding(
            file.display,
            pin.line,
            f"{canonicalize_name(pin.name)} has no --hash while {len(hashed)} other line(s) of {file.display} have "
            "them: pip then requires a hash on every requirement, and the deploy fails with 'Hashes are "
            "required in --require-hashes mode, but they are missing from these requirements'",
            fix,
        )
        for pin in pins
        if not pin.hashes and not pin.editable
    ]


def _short(value: str) -> str:
    alg, _, digest = value.partition(":")
    return pinned.shown_text(f"{alg}:{digest[:16]}…" if len(digest) > 16 else value)


def _line_of(file: Lock, split: dict[str, list[str]], first: int, value: str) -> int:
    """The physical line that holds `value` within the requirement starting at `first` (a hash sits on a
    continuation line), else `first`."""
    if file.display not in split:
        split[file.display] = file.text.splitlines()
    lines = split[file.display]
    wanted = value.split(":", 1)[-1].lower()
    for number in range(first, min(len(lines), first + MAX_CONTINUATION) + 1):
        line = lines[number - 1]
        if wanted in line.lower():
            return number
        if not line.rstrip().endswith("\\"):
            break
    return first
