"""Weaker hints at the deploy's Python, used only when no file the platform reads declares it (issue #8.10).

A Dockerfile in a subfolder (`docker/requirements/Dockerfile`), a docker-compose image, the Python that CI
sets up (actions/setup-python in .github/workflows), tox's envlist. Each is labelled with its file and line.
Where a file lists several versions (a CI matrix, an envlist), the newest is taken: it is the one most
likely to match a deploy made today, and the reason says it was a choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from deploycheck.repo.repository import Repository
from deploycheck.runtime import cpython
from deploycheck.runtime.declarations import _yaml, dockerfile
from deploycheck.runtime.versions import BadDeclaration, Declaration, image_version

_MAX_DEPTH = 3  # subfolders this deep below the app's folder are searched
_MAX_ENTRIES = 5000  # directory entries looked at while searching subfolders; bounds a huge monorepo
_COMPOSE = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def _is_dockerfile(name: str) -> bool:
    return name in ("Dockerfile", "Containerfile") or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")


def _subfolder_dockerfiles(app_folder: Path, repo: Repository) -> Iterator[Path]:
    """Dockerfiles below the app folder (not in it: those are exact declarations), shallowest first."""
    walk = repo.walk(app_folder, max_depth=_MAX_DEPTH, max_entries=_MAX_ENTRIES, breadth_first=True)
    for folder, files in walk:
        if folder == app_folder:
            continue
        for name in files:
            path = folder / name
            if _is_dockerfile(name) and path.is_file() and not path.is_symlink():
                yield path


def _newest(versions: list[str]) -> str | None:
    valid = [v for v in versions if _is_version(v)]
    return max(valid, key=lambda v: tuple(int(x) for x in v.split("."))) if valid else None


def _is_version(value: str) -> bool:
    return bool(re.fullmatch(r"3\.\d+(\.\d+)?", value)) and cpython.is_cpython_release(value)


def _compose(path: Path, text: str) -> Declaration | BadDeclaration | None:
    data, bad = _yaml(path, text)
    if bad:
        return bad
    services = data.get("services") if isinstance(data, dict) else None
    for service in services.values() if isinstance(services, dict) else []:
        image = service.get("image") if isinstance(service, dict) else None
        if not isinstance(image, str):
            continue
        m = re.fullmatch(r"(?:(?:docker\.io/)?library/)?python(?::(\S+))?", image.strip(), re.IGNORECASE)
        if m:
            number = next((n for n, t in enumerate(text.splitlines(), 1) if image in t), 1)
            return image_version(m.group(1), path, number, f"image: {image}")
    return None


def _setup_python(path: Path, text: str) -> Declaration | None:
    """`actions/setup-python` with `python-version`, resolving `${{ matrix.<key> }}` from the job's matrix."""
    data, bad = _yaml(path, text)
    jobs = data.get("jobs") if isinstance(data, dict) and not bad else None
    for job in jobs.values() if isinstance(jobs, dict) else []:
        if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
            continue
        for step in job["steps"]:
            if not isinstance(step, dict) or not str(step.get("uses", "")).startswith("actions/setup-python"):
                continue
            with_ = step.get("with")
            value = with_.get("python-version") if isinstance(with_, dict) else None
            if not isinstance(value, str):
                continue
            candidates = [v.strip() for v in value.splitlines() if v.strip()]
            m = re.fullmatch(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", value.strip())
            if m:
                strategy = job.get("strategy")
                matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
                listed = matrix.get(m.group(1)) if isinstance(matrix, dict) else None
                candidates = [v for v in listed if isinstance(v, str)] if isinstance(listed, list) else []
            newest = _newest(candidates)
            if newest:
                number = next(
                    (
                        n
                        for n, t in enumerate(text.splitlines(), 1)
                        if re.search(rf"['\"\s\[,]{re.escape(newest)}\b", t)
                    ),
                    1,
                )
                what = "actions/setup-python " + (
                    f"(newest of {', '.join(candidates)})" if len(candidates) > 1 else newest
                )
                return Declaration(newest, path, number, what)
    return None


def _tox(path: Path, text: str) -> Declaration | None:
    """envlist in [tox] (tox.ini) or [tox:tox] (setup.cfg): py310, py3{10,11}, py{39,310}-django."""
    section = ""
    collecting = False
    value: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            section, collecting = stripped, False
            continue
        if section not in ("[tox]", "[tox:tox]"):
            continue
        m = re.match(r"env_?list\s*=\s*(.*)", stripped)
        if m:
            collecting = True
            value.append((number, m.group(1)))
        elif collecting and line[:1].isspace() and stripped:
            value.append((number, stripped))
        else:
            collecting = False
    found: list[tuple[str, int]] = []
    for number, part in value:
        # One level of braces is what real envlists use: py3{10,11,12} -> py310 py311 py312.
        expanded = re.sub(r"\{([^{}]*)\}", lambda b: "|" + "|".join(b.group(1).split(",")) + "|", part)
        prefixes = re.findall(r"py(\d)(\d{1,2})\b", part)
        for match in re.finditer(r"py(3)?\|([\d|]+)\|", expanded):
            for digits in match.group(2).split("|"):
                full = (match.group(1) or "") + digits.strip()
                if len(full) >= 2:
                    found.append((f"{full[0]}.{full[1:]}", number))
        found += [(f"{a}.{b}", number) for a, b in prefixes]
    newest = _newest([v for v, _ in found])
    if not newest:
        return None
    number = next(n for v, n in found if v == newest)
    return Declaration(newest, path, number, f"tox envlist (newest of {', '.join(dict.fromkeys(v for v, _ in found))})")


def find(app_folder: Path, folders: list[Path], repo: Repository) -> tuple[list[Declaration], list[BadDeclaration]]:
    """Every weak hint, strongest first: subfolder Dockerfiles, compose images, CI's setup-python, tox."""
    hints: list[Declaration] = []
    bad: list[BadDeclaration] = []

    def take(result: Declaration | BadDeclaration | None) -> None:
        if isinstance(result, Declaration):
            hints.append(result)
        elif isinstance(result, BadDeclaration):
            bad.append(result)

    for path in _subfolder_dockerfiles(app_folder, repo):
        text = repo.text(path)
        if text is not None:
            take(dockerfile(path, text))
    for folder in folders:
        for name in _COMPOSE:
            text = repo.text(folder / name)
            if text is not None:
                take(_compose(folder / name, text))
    workflows = repo.root / ".github" / "workflows"
    names = sorted(name for name in repo.listing(workflows) if name.endswith((".yml", ".yaml")))[:50]
    for name in names:
        text = repo.text(workflows / name)
        if text is not None:
            take(_setup_python(workflows / name, text))
    for folder in folders:
        for name in ("tox.ini", "setup.cfg"):
            text = repo.text(folder / name)
            if text is not None:
                take(_tox(folder / name, text))
    return hints, bad
