"""Which Python the app deploys on, read from the files its platform reads.

Order, first that answers wins:
1. `--python-version`.
2. Exact declarations, in the app's folder first, then each parent up to the scanned root. Within a folder,
   the platform's own order (platforms.py: Heroku reads runtime.txt before .python-version, Render reads
   render.yaml's PYTHON_VERSION, App Engine app.yaml, Docker and Fly the Dockerfile). Without a platform,
   GENERIC_ORDER. Streamlit Community Cloud reads no file (the deploy dialog decides): its files are hints.
3. Weaker hints (inferred.py): a Dockerfile in a subfolder, a compose image, CI's setup-python, tox.
4. A requires-python range: within it, the lock header's Python, else the lock's own evidence, else the
   platform's default, else the newest release the range allows that deploycheck's image carries.
5. The lock header's Python (pip-compile writes it), then what the lock's pins say (lockpython.py).
6. The platform's default for new apps, then GENERIC_DEFAULT.
Declarations that exist but cannot be used (`pypy3.10`, `system`, `3.99`, invalid TOML...) are collected in
`Runtime.unusable` with the file, line, why and fix, whatever is chosen.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from deploycheck.locks.model import Lock
from deploycheck.repo.repository import Repository
from deploycheck.runtime import cpython, platforms, recommend, which_platform
from deploycheck.runtime.lockpython import LockPython, lock_python
from deploycheck.runtime.model import GENERIC_DEFAULT, GENERIC_ORDER, OLDER_THAN_PIP_TOOLS, SUPPORTED, Runtime
from deploycheck.runtime.precedence import choose, declarations_in
from deploycheck.runtime.versions import BadDeclaration, Declaration

__all__ = [
    "GENERIC_DEFAULT",
    "GENERIC_ORDER",
    "OLDER_THAN_PIP_TOOLS",
    "SUPPORTED",
    "BadDeclaration",
    "Declaration",
    "LockPython",
    "Runtime",
    "declarations_in",
    "detect",
    "eol",
    "lock_python",
    "no_longer_offered",
    "oldest_maintained",
]


def eol(minor: str, today: datetime.date | None = None) -> bool:
    return cpython.eol(minor, today)


def oldest_maintained(today: datetime.date | None = None) -> str:
    """The oldest CPython minor still getting security fixes."""
    live = [m for m in cpython.MINORS if cpython.released(m, today) and not cpython.eol(m, today)]
    return min(live, key=lambda m: int(m.split(".")[1]))


def no_longer_offered(minor: str) -> list[tuple[platforms.Platform, str | None]]:
    return platforms.no_longer_offered(cpython.minor_of(minor))


def _resolve_platform(
    platform: str | None, app_folder: Path, repo: Repository
) -> tuple[platforms.Platform | None, str, Path | None, tuple[str, ...]]:
    if platform is None:
        return None, "", None, ()
    if platform == "auto":
        pid, evidence, reason, others = which_platform.guess(app_folder, repo)
        return platforms.get(pid), f"inferred: {reason}", evidence, others
    return platforms.get(platform), "set by the platform setting", None, ()


def detect(
    app_folder: Path,
    repo: Repository,
    *,
    explicit: str | None,
    header_python: str | None,
    platform: str | None = None,
    lock: Lock | None = None,
) -> Runtime:
    """The deploy's Python for the app in `app_folder`. `platform`: a platforms id, "auto" to infer it, or
    None for the platform-agnostic order. `lock`: the app's lock, for what its pins say."""
    plat, plat_reason, plat_evidence, others = _resolve_platform(platform, app_folder, repo)
    pid = plat.id if plat else None
    rt = choose(app_folder, repo, explicit=explicit, header_python=header_python, plat=plat, lock=lock)
    rt.platform, rt.platform_reason, rt.platform_evidence = pid, plat_reason, plat_evidence
    rt.platform_alternatives = others
    if others and plat is not None:
        called = ", ".join(platforms.get(o).name for o in others)
        rt.notes.append(
            f"the platform is a guess: {plat_reason.removeprefix('inferred: ')}, which {called} also reads; "
            f"{plat.name}'s own rules are given as warnings, not errors, until `--platform` settles it "
            f"(`--platform {plat.id}` or " + " or ".join(f"`--platform {o}`" for o in others) + ")"
        )
    if lock is not None:
        rt.lock_python = lock_python(lock)
        _note_lock(rt, lock)
    if plat is not None and plat.builds_from_dockerfile and rt.declaration is None:
        rt.no_python = _builds_no_python(app_folder, repo)
    rt.recommended = recommend.recommend(rt, plat, app_folder, repo)
    if rt.recommended.version != rt.minor and rt.source != "--python-version" and not rt.no_python:
        # The one version every runtime fix names, said once where the report shows the runtime.
        rec = rt.recommended
        rt.notes.append(
            f"recommended: Python {rec.version} ({rec.why}); to declare it: {recommend.declare(rt, rec, repo, plat)}"
        )
    if rt.no_python:  # no recommendation either: there is no Python to declare
        rt.notes.append(f"{rt.no_python}: the deploy runs no Python, so its Python version is not judged")
    return rt


# Any of these words in a Dockerfile means Python may be installed or run: then the image is judged as Python's.
_PYTHON_WORDS = re.compile(
    r"python|pip|conda|mamba|micromamba|\buv\b|poetry|pipenv|pdm|gunicorn|uvicorn|django|flask|requirements"
)
_OFFICIAL = ("docker.io/library/", "library/")  # Docker Hub's official images, whose names say what they hold


def _froms(text: str) -> tuple[list[str], set[str]]:
    """The images of a Dockerfile's FROM lines and the stage names they give (`FROM golang AS build`), split
    per line: a pattern over the whole text (`^\\s*FROM` with MULTILINE) backtracks quadratically over a file of
    blank lines."""
    images: list[str] = []
    stages: set[str] = set()
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].lower() != "from":
            continue
        rest = words[1:]
        while rest and rest[0].startswith("--"):  # --platform=...
            rest = rest[1:]
        if rest:
            images.append(rest[0])
            if len(rest) >= 3 and rest[1].lower() == "as":
                stages.add(rest[2].lower())
    return images, stages


def _known_image(image: str, stages: set[str]) -> bool:
    """An image whose name says what it holds: an earlier stage, or an official image (`golang`, `nginx`,
    `node`). An organisation's image (`myorg/base`) or one chosen by a build argument may be a Python image."""
    name = image.lower()
    for prefix in _OFFICIAL:
        name = name.removeprefix(prefix)
    return name in stages or name == "scratch" or ("/" not in name and "$" not in name)


def _builds_no_python(app_folder: Path, repo: Repository) -> str:
    """Why the image the Dockerfile builds has no Python (issue #17.7: `FROM golang` building a static site
    beside a stray requirements.txt), or "" when it may have one. Only a Dockerfile that never names Python, a
    Python tool or a Python server counts: anything else is judged as a Python deploy."""
    for folder in repo.up(app_folder):
        for name in ("Dockerfile", "Containerfile"):
            text = repo.text(folder / name)
            if text is None:
                continue
            images, stages = _froms(text)
            if not images or _PYTHON_WORDS.search(text.lower()) or not all(_known_image(i, stages) for i in images):
                return ""
            shown = repo.display(folder / name)
            named = [image[:60] for image in dict.fromkeys(images)][:3]
            return f"{shown} builds from {', '.join(named)} and installs no Python"
    return ""


def _note_lock(rt: Runtime, lock: Lock) -> None:
    """A lock made for another Python than the one assumed: say so, rather than let its pins look wrong."""
    lp = rt.lock_python
    if lp is None or lp.allows(rt.minor) or lock.python:
        return  # a header's Python is compared with the deploy's by the drift check (DC103)
    if rt.exact:
        rt.notes.append(
            f"{lock.display} looks made for Python {lp.describe()} ({lp.because()}), but the app declares "
            f"Python {rt.python} ({rt.source}); recompile it with Python {rt.python}"
        )
    else:
        rt.notes.append(
            f"{lock.display} looks made for Python {lp.describe()} ({lp.because()}); Python {rt.python} is only "
            f"assumed ({rt.reason}), so differences may come from the assumption, not the lock: declare the "
            "deploy's Python in .python-version"
        )
