"""Which platform an app deploys on, from the evidence in its files: app.yaml, fly.toml, render.yaml, railway
files, a Procfile, a Dockerfile, .streamlit/, a streamlit requirement, a Hugging Face Space's README front
matter, vercel.json. What each platform does is deploycheck.runtime.platforms' table."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from deploycheck.repo.repository import Repository

# Names first: each is one directory lookup. Nearest folder wins, so each app of a monorepo has its own.
_MARKERS: tuple[tuple[str, str, str], ...] = (
    ("app.yaml", "app-engine", "App Engine's app.yaml"),
    ("fly.toml", "fly", "Fly.io's fly.toml"),
    ("render.yaml", "render", "a Render Blueprint"),
    ("railway.json", "railway", "Railway's config"),
    ("railway.toml", "railway", "Railway's config"),
    ("Procfile", "heroku", "a Procfile (Heroku)"),
    ("app.json", "heroku", "Heroku's app.json"),
    ("heroku.yml", "heroku", "Heroku's heroku.yml"),
    ("Dockerfile", "docker", "a Dockerfile"),
    ("Containerfile", "docker", "a Containerfile"),
    (".streamlit", "streamlit-cloud", "a .streamlit/ folder"),
    ("vercel.json", "vercel", "Vercel's vercel.json"),
    ("api/index.py", "vercel", "a Vercel function (api/index.py)"),
)
_REQUIREMENT_FILES = ("requirements.txt", "requirements.in")
# Evidence that other platforms of the table read too (issue #17.8), each with the files that single out the
# inferred platform among them. Railpack (Railway) takes its start command from a Procfile, as Heroku does;
# app.json and heroku.yml are Heroku's alone.
_SHARED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Procfile": (("railway",), ("app.json", "heroku.yml")),
}


def _requires_streamlit(folder: Path, repo: Repository) -> Path | None:
    # packages.txt too: a requirements.txt renamed to packages.txt (#17.9) still says the app is Streamlit's, and
    # only a platform that reads packages.txt tells that its pip pins went to apt-get (DC309).
    for name in (*_REQUIREMENT_FILES, "pyproject.toml", "packages.txt"):
        path = folder / name
        text = repo.text(path)
        if text is None:
            continue
        lines = text.splitlines()
        if name == "pyproject.toml":
            # The dependency array's strings, without parsing the whole TOML: names first, cheaply.
            lines = [part for line in lines for part in line.replace("'", '"').split('"')[1::2]]
        for line in lines:
            try:
                if canonicalize_name(Requirement(line.split("#", 1)[0].strip()).name) == "streamlit":
                    return path
            except InvalidRequirement:
                continue
    return None


def infer(app_folder: Path, repo: Repository, files: Iterable[Path] | None = None) -> tuple[str, Path | None, str]:
    """(platform id, the file that says so, why). `files` lists the repository's files (absolute or relative
    to the checked root) when the caller has already scanned them; without it, the disk is asked."""
    pid, evidence, reason, _ = guess(app_folder, repo, files)
    return pid, evidence, reason


def guess(
    app_folder: Path, repo: Repository, files: Iterable[Path] | None = None
) -> tuple[str, Path | None, str, tuple[str, ...]]:
    """infer's answer, and the other platforms the same evidence fits (empty: the evidence singles it out)."""
    pid, evidence, reason = _infer(app_folder, repo, files)
    if evidence is None or evidence.name not in _SHARED:
        return pid, evidence, reason, ()
    others, singling = _SHARED[evidence.name]
    if any((evidence.parent / name).exists() for name in singling):
        return pid, evidence, reason, ()
    return pid, evidence, reason, others


class _Judged(Protocol):
    code: str
    severity: str
    path: str | None
    message: str


F = TypeVar("F", bound=_Judged)


def settle(found: list[F], under_alternatives: Sequence[list[F]], note: str) -> list[F]:
    """Findings made by the inferred platform's rules, when other platforms fit the evidence too: an error stays
    an error only if every alternative gives it as well (same code and file); otherwise it is lowered to a
    warning whose message says why (`note`), so that one platform's rule never blocks a merge on a guess."""
    out = []
    for f in found:
        agreed = all(
            any(o.code == f.code and o.path == f.path and o.severity == "error" for o in other)
            for other in under_alternatives
        )
        if f.severity == "error" and not agreed:
            f = dataclasses.replace(f, severity="warning", message=f"{f.message} ({note})")  # type: ignore[type-var]
        out.append(f)
    return out


def _infer(app_folder: Path, repo: Repository, files: Iterable[Path] | None) -> tuple[str, Path | None, str]:
    known: set[Path] | None = None
    if files is not None:
        known = set()
        for f in files:
            full = f if f.is_absolute() else repo.root / f
            known.add(full)
            known.update(full.parents)  # folders such as .streamlit/ exist when a file in them does
    chain = repo.up(app_folder)
    for folder in chain:
        space = space_sdk(folder, repo) if known is None or folder / "README.md" in known else None
        if space is not None:
            sdk, readme = space
            platform_id = "docker" if sdk == "docker" else "hf-spaces"
            return platform_id, readme, f"{repo.display(readme)} front matter says `sdk: {sdk}` (a Hugging Face Space)"
        for name, platform_id, what in _MARKERS:
            path = folder / name
            present = path in known if known is not None else path.exists() or path.is_symlink()
            if not present:
                continue
            if name == "app.yaml" and not _looks_like_app_engine(path, repo):
                continue
            shown = repo.display(folder)
            where = "the app's folder" if folder == chain[0] else shown if shown != "." else "the repository root"
            return platform_id, path, f"{what} in {where}"
        found = _requires_streamlit(folder, repo)
        if found is not None:
            return "streamlit-cloud", found, f"{repo.display(found)} requires streamlit"
    return (
        "generic",
        None,
        "no platform file (app.yaml, Procfile, fly.toml, render.yaml, railway.*, Dockerfile, .streamlit/)",
    )


def front_matter(text: str) -> list[tuple[int, str]]:
    """The lines of a README's YAML front matter (between the first two `---` lines), numbered."""
    lines = text.splitlines()[:400]
    if not lines or lines[0].strip() != "---":
        return []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    return [(i + 1, lines[i]) for i in range(1, end)] if end else []


def front_matter_value(text: str, key: str) -> tuple[int, str] | None:
    """(line, value) of a top-level `key: value` of the front matter; flat keys only, as Spaces write them."""
    for number, line in front_matter(text):
        if line.startswith(f"{key}:"):
            return number, line.split(":", 1)[1].split(" #", 1)[0].strip().strip("\"'")
    return None


def space_sdk(folder: Path, repo: Repository) -> tuple[str, Path] | None:
    """(sdk, README.md) when the folder's README.md configures a Hugging Face Space."""
    readme = folder / "README.md"
    text = repo.text(readme)
    found = front_matter_value(text, "sdk") if text else None
    if found is None or found[1] not in ("gradio", "streamlit", "docker", "static"):
        return None
    return found[1], readme


def _looks_like_app_engine(path: Path, repo: Repository) -> bool:
    text = repo.text(path) or ""
    return any(line.startswith("runtime:") for line in text.splitlines())


# What the lead's settings accept (CLI --platform, the action's input, [tool.deploycheck]).
