"""DC306: a Procfile command that names a file or module the repository does not have.

`web: streamlit run app.py` after app.py became main.py, or `web: gunicorn app:app` with no app.py: the build
succeeds and the dyno crashes at start. Only what can be told from the repository is judged: `.py`/`.sh`
arguments, and `module:attribute` app references of gunicorn, uvicorn and the like, relative to the folder
the command runs in (`cd`, `--chdir`, `--app-dir` are followed; anything with a `$VARIABLE` is skipped). A
module that the app's requirements install (`gunicorn mypkg.wsgi:app` with mypkg a requirement) is not a file.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from packaging.utils import canonicalize_name

from deploycheck.project.apps import App
from deploycheck.repo.repository import Repository
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

MISSING_TARGET = Rule("DC306", "error", "a Procfile command names a file that does not exist")
RULES = (MISSING_TARGET,)
SCOPE = "app"

# Heroku's own limit on a Procfile is far below this; the cap bounds the parse whatever is committed.
_CAP = 64 * 1024
_MAX_REPORTED = 20
_PROCESS = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")
_APP_REF = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):[A-Za-z_][\w.]*(?:\(.*\))?$")
_SERVERS = {"gunicorn", "uvicorn", "hypercorn", "daphne", "waitress-serve", "granian"}
_SEPARATORS = {"&&", "||", ";", "|", "&"}


def _targets(command: str, base: Path) -> list[tuple[str, Path, str]]:
    """(as written, where it should be, "file" or "module") for each reference the command makes."""
    try:
        tokens = shlex.split(command, comments=False)
    except ValueError:
        return []  # unbalanced quotes: the shell would fail too, but that is not this finding's question
    found: list[tuple[str, Path, str]] = []
    cwd: Path | None = base
    program = ""
    i = 0
    while i < len(tokens) and cwd is not None:
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _SEPARATORS:
            program = ""
        elif not program and token == "cd":
            cwd = None if "$" in nxt or nxt.startswith(("/", "~")) else cwd / nxt
            i += 1
        elif not program:
            program = Path(token).name
        elif token in ("--chdir", "--app-dir") or token.startswith(("--chdir=", "--app-dir=")):
            value = token.split("=", 1)[1] if "=" in token else nxt
            cwd = None if "$" in value or value.startswith(("/", "~")) else cwd / value
            i += 0 if "=" in token else 1
        elif "$" in token or token.startswith("-") or any(c.isspace() for c in token):
            pass
        elif token.endswith((".py", ".sh")) and not token.startswith(("/", "~")):
            found.append((token, cwd / token, "file"))
        elif program in _SERVERS and _APP_REF.match(token):
            module = _APP_REF.match(token)
            assert module is not None
            found.append((token, cwd / Path(*module.group(1).split(".")), "module"))
        i += 1
    return found


def _exists(path: Path, kind: str, repo: Repository) -> bool:
    candidates = [path] if kind == "file" else [path.parent / (path.name + ".py"), path]  # a module or a package
    return any(repo.inside(candidate) and candidate.exists() for candidate in candidates)


def _installed(app: App) -> set[str]:
    return {str(name).replace("-", "_") for f in app.requirement_files() for name in f.pins}


def check(app: App, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    repo = app.repo
    for folder in repo.up(app.folder):
        path = folder / "Procfile"
        if "Procfile" not in repo.listing(folder):
            continue
        shown = repo.display(path)
        text, why = repo.read_text(path, cap=_CAP)
        if text is None:
            findings.append(
                MISSING_TARGET.finding(
                    shown,
                    None,
                    f"the Procfile {why}, so the platform cannot read the commands that start the app",
                    "write the Procfile as a small text file of `process: command` lines, e.g. `web: gunicorn app:app`",
                )
            )
            break
        installed = _installed(app)
        for number, line in enumerate(text.splitlines(), 1):
            m = _PROCESS.match(line.strip())
            if not m:
                continue
            for written, target, kind in _targets(m.group(2), folder):
                top = written.split(":")[0].split(".")[0]
                if kind == "module" and canonicalize_name(top).replace("-", "_") in installed:
                    continue
                if _exists(target, kind, repo):
                    continue
                where = repo.display(target)
                findings.append(
                    MISSING_TARGET.finding(
                        shown,
                        number,
                        f"the {m.group(1)} process runs {written!r}, but "
                        + (f"{where} does not exist" if kind == "file" else f"there is no module {where}.py")
                        + ": the build succeeds and the process crashes when it starts",
                        f"point line {number} of the Procfile at the file that starts the app, or restore "
                        + (where if kind == "file" else f"{where}.py"),
                    )
                )
        break  # the nearest Procfile is the one the platform reads
    return findings[:_MAX_REPORTED]
