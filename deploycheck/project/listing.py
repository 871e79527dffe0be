"""`deploycheck apps`: the apps of a repository as a list a GitHub Actions matrix can fan out over.

Nothing is resolved or fetched: the listing is the scan and the app model (deploycheck.project.apps), which
read files only. Each entry carries what one matrix job passes to the action: the folder (working-directory),
the app's own dependency files when other apps sit inside its folder (so that its job does not check theirs
again), and a job name, status context and comment header of its own. Every one of those is derived from a
folder name of the pull request, so it is reduced to a safe alphabet and bounded: it names a job, a status and
a comment marker, and must never become markup or a workflow command there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deploycheck.errors import CheckError
from deploycheck.project.apps import App, Project

SCHEMA_VERSION = 1
# GitHub's documented limits (docs.github.com, "Workflow syntax", jobs.<job_id>.strategy.matrix and
# jobs.<job_id>.outputs; checked 2026-12): a matrix generates at most 256 jobs per workflow run, and a job's
# outputs are at most 1 MB, "approximated based on UTF-16 encoding".
MATRIX_JOBS = 256
OUTPUT_BYTES = 1_000_000
NAME_CHARS = 80  # a job name / context / header derived from a folder: long enough to tell apps apart
_UNSAFE = re.compile(r"[^A-Za-z0-9._/-]+")
_SPLITS = re.compile(r"[\s,]")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"([0-9]{1,4})/([0-9]{1,4})", text.strip())
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise CheckError(f"--shard {text!r} is not I/N with 1 <= I <= N (e.g. 1/2)", fix="e.g. --shard 1/2")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def safe_name(folder: str) -> str:
    """A folder as a job name, status context part and comment header: letters, digits and . _ / - only,
    no leading or trailing separator, at most NAME_CHARS characters; "root" for the checked folder itself."""
    if folder == ".":
        return "root"
    name = _UNSAFE.sub("-", folder).strip("-./_")
    name = re.sub(r"/{2,}", "/", name)
    return name[:NAME_CHARS].rstrip("-./_") or "app"


def _unique(names: list[str]) -> list[str]:
    """Two folders reduced to one safe name ("a b" and "a-b") get -2, -3...: each app keeps its own status
    and comment."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            suffix = f"-{n}"
            candidate = name[: NAME_CHARS - len(suffix)] + suffix
        seen.add(candidate)
        out.append(candidate)
    return out


def _files(app: App) -> list[str]:
    """The app's dependency files as the report shows them (relative to the checked folder)."""
    shown = {f.display for f in app.requirement_files()}
    if app.installs is not None:
        shown |= {f.display for f in app.installs.files}
    return sorted(shown)


def _relative(app: App, shown: str) -> str:
    prefix = "" if app.display == "." else app.display + "/"
    return shown[len(prefix) :] if prefix and shown.startswith(prefix) else shown


def _lockfiles_input(app: App, files: list[str], nested: list[str]) -> str:
    """The action's `lockfiles` input: empty (everything in the folder, as a plain run) unless other apps sit
    inside this folder; then only this app's own files, so that its job does not check theirs again. The input
    splits on spaces and commas: a name holding one cannot be passed, and the job checks the whole folder
    (more than its own files, never fewer)."""
    own = [_relative(app, f) for f in files]
    if not nested or not own or any(_SPLITS.search(name) for name in own):
        return ""
    return " ".join(own)


def entries(project: Project, context: str = "deploycheck") -> list[dict[str, object]]:
    """One matrix entry per app, in the folders' order (deterministic whatever the file system's order)."""
    apps = sorted(project.apps, key=lambda a: (a.display != ".", a.display))
    names = _unique([safe_name(a.display) for a in apps])
    out: list[dict[str, object]] = []
    for app, name in zip(apps, names):
        files = _files(app)
        nested = [app.repo.display(f) for f in app.nested]
        installs = app.installs
        out.append(
            {
                "folder": app.display,
                "name": name,
                "status_context": f"{context}/{name}" if context else "",
                "comment_header": name,
                "lockfiles": _lockfiles_input(app, files, nested),
                "files": files,
                "nested": nested,
                "python": app.runtime.python,
                "python_source": app.runtime.source,
                "platform": app.platform,
                "installs": installs.file if installs is not None else None,
                "installs_certain": installs.certain if installs is not None else False,
            }
        )
    return out


def shard(items: list[dict[str, object]], part: Shard | None) -> list[dict[str, object]]:
    """Part I of N: contiguous slices of the sorted list, sizes differing by at most one, so that adding an
    app moves few others between shards."""
    if part is None:
        return items
    size, extra = divmod(len(items), part.count)
    start = (part.index - 1) * size + min(part.index - 1, extra)
    return items[start : start + size + (1 if part.index <= extra else 0)]


def document(project: Project, part: Shard | None = None, context: str = "deploycheck") -> dict[str, object]:
    """The JSON listing. `matrix` is what `strategy.matrix: ${{ fromJSON(...).matrix }}` takes. Raises
    CheckError (exit 2) when it would make an invalid matrix: more jobs than GitHub allows, or more output
    than a job may hand on."""
    every = entries(project, context)
    chosen = shard(every, part)
    doc: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "apps_total": len(every),
        "shard": str(part) if part else "1/1",
        "count": len(chosen),
        "matrix": {"include": chosen},
    }
    if len(chosen) > MATRIX_JOBS:
        need = -(-len(every) // MATRIX_JOBS)
        raise CheckError(
            f"{len(chosen)} apps are more than the {MATRIX_JOBS} jobs a GitHub Actions matrix may generate",
            path=str(project.repo.display(project.repo.root)),
            fix=f"list them in {need} shards, one listing job and one matrix job per shard: "
            + ", ".join(f"deploycheck apps --shard {i}/{need}" for i in range(1, min(need, 3) + 1))
            + (" ..." if need > 3 else ""),
        )
    size = len(to_json(doc).encode("utf-16-le"))
    if size > OUTPUT_BYTES:
        raise CheckError(
            f"the listing is {size:,} bytes as GitHub counts outputs (UTF-16), more than the {OUTPUT_BYTES:,} a "
            "job's outputs may hold",
            fix="split it with --shard I/N, one listing job per shard",
        )
    return doc


def to_json(doc: dict[str, object]) -> str:
    """One line (a $GITHUB_OUTPUT value), ASCII only (every control character and non-ASCII letter escaped)."""
    return json.dumps(doc, ensure_ascii=True, sort_keys=False, separators=(",", ":"))


def to_text(doc: dict[str, object], shown: Callable[[str], str]) -> str:
    """A table for people. `shown` makes repository text inert in a terminal or a log (report.inert.visible,
    which this layer cannot import)."""
    rows: list[dict[str, Any]] = doc["matrix"]["include"]  # type: ignore[index]
    lines = [f"{doc['count']} of {doc['apps_total']} app(s), shard {doc['shard']}:"]
    for row in rows:
        python = row["python"] or "not declared"
        files = ", ".join(row["files"]) or "no dependency file"
        installs = row["installs"] or "none decided"
        lines.append(
            f"  {row['folder']}: Python {python}, platform {row['platform'] or 'unknown'}, "
            f"installs {installs}; files: {files}"
        )
    return "\n".join(shown(line) for line in lines) + "\n"
