"""Which of an app's files the deploy runs (issue #17, class 1): the entry files its platform files start
(deploycheck.project.entrypoints), then the local modules they import, transitively.

An import is followed when it names a module of the repository: absolute (from the folders the command runs in,
the app, src/, the repository root, and the importing file's own folder), relative, through each package's
__init__.py, and dynamic (`importlib.import_module("x")`, read by deploycheck.imports.classify). Strings that name
a module or a .py file of the app count too, since frameworks import by name: Django's DJANGO_SETTINGS_MODULE,
ROOT_URLCONF and INSTALLED_APPS (an installed app's whole package: Django imports its models, admin, migrations
and management commands itself), Streamlit's st.Page("x.py"), Celery's include=[...]. A settings/ package is
reached whole (the environment picks one of its modules). Following too much only keeps a finding at error;
following too little would hide one, so every doubt follows.

With no known entrypoint, every production file is an entry except notebooks and files under scripts/,
notebooks/, examples/ and the like, which run on a developer's machine; what those entries import is reached.
Work is bounded by the app's file count: each file is read at most once more, capped.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from deploycheck.imports.collect import MAX_FILE_BYTES, ImportScan, kind_of_file
from deploycheck.imports.parse import decode_source
from deploycheck.project.entrypoints import Entrypoints
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository

# Folders whose files run on a developer's machine, in CI or in a notebook server, not in the deployed app.
ASIDE_DIRS = frozenset(
    {"scripts", "script", "notebooks", "notebook", "nbs", "examples", "example", "tools", "benchmarks", "bench"}
    | {"experiments", "sandbox", "playground", "research", "colab", "dev", "utilities"}
)
MAX_STRINGS = 200_000  # quoted names looked at per app
MAX_ROOTS = 64
# The main file names Streamlit Community Cloud's deploy dialog suggests or that apps use most: a main file
# that reaches streamlit only through a module of its own is still a main file.
STREAMLIT_MAINS = ("streamlit_app.py", "app.py", "main.py", "Home.py")  # folders imports are resolved from
_QUOTED = re.compile(r"""["']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|[\w./-]{1,200}\.py)["']""")


# Programs that import the file they are given (a server's app module, celery -A, FLASK_APP): it never runs as
# __main__. `python x.py`, `python -m x`, `streamlit run x.py` and anything unknown may run it as __main__.
IMPORTED_BY = ("gunicorn", "uvicorn", "hypercorn", "daphne", "waitress-serve", "granian", "uwsgi", "celery", "flask")


@dataclass
class Reach:
    known: bool  # the entrypoint is known: files it does not reach do not run at deploy
    reached: dict[str, str] = field(default_factory=dict)  # file as shown -> the entry it is reached from
    entries: str = ""  # what the deploy runs, for messages
    scripts: set[str] = field(default_factory=set)  # files the deploy may run as __main__

    def judged(self, file: str) -> bool:
        """Whether an unprovided import in this file fails the deploy."""
        return file in self.reached

    def why_not(self, file: str) -> str:
        """Why an import of a file not judged does not fail the deploy, for a finding's message."""
        if self.known:
            return f"{file} is not reached from what the deploy runs ({self.entries}), so it does not fail the deploy"
        what = "a notebook" if file.endswith(".ipynb") else f"under {_aside(file)}/"
        return (
            f"{file} is {what}, which no production file imports, and no entrypoint is known (no Procfile, "
            "Dockerfile CMD or start command): such files run on a developer's machine, not at deploy"
        )


def _aside(file: str) -> str | None:
    return next((p for p in PurePosixPath(file).parts[:-1] if p.lower() in ASIDE_DIRS), None)


def reach(scan: ImportScan, found: Entrypoints, repo: Repository, app_folder: Path) -> Reach:
    graph = _Graph(scan, repo, app_folder, [repo.display(r) for r in found.roots])
    starts: dict[str, str] = {}
    if found.known:
        starts = {repo.display(e.path): f"{repo.display(e.path)} ({e.source})" for e in found.entries}
        result = Reach(True, entries=found.describe(repo))
        result.scripts = {repo.display(e.path) for e in found.entries if not e.command.startswith(IMPORTED_BY)}
    elif found.streamlit_main and not found.unknown:
        # Streamlit Community Cloud's main file is set in the deploy dialog: any file that imports streamlit
        # may be it, and Streamlit runs the pages/ beside it.
        app = _norm(repo.display(app_folder))
        usual = [_join(app, n) for n in STREAMLIT_MAINS if _join(app, n) in scan.paths]
        starts = {f: f"{f} (a Streamlit main file)" for f in [*usual, *_streamlit_mains(scan)]}
        by_folder: dict[PurePosixPath, list[str]] = {}  # indexed once: every file may be a main (quadratic else)
        for path in scan.paths:
            by_folder.setdefault(PurePosixPath(path).parent, []).append(path)
        starts.update({p: why for f, why in list(starts.items()) for p in _pages(f, by_folder)})
        shown = ", ".join(sorted(starts)[:3]) + (" and more" if len(starts) > 3 else "")
        result = Reach(True, entries=f"{shown}: the files that import streamlit and their pages")
        result.scripts = set(starts)  # Streamlit runs its main file and pages as __main__
    if not starts:
        starts = {f: f for f in scan.paths if kind_of_file(f.split("/")) == "production" and _aside(f) is None}
        result = Reach(False, scripts=set(starts))  # nothing says how a file runs: any may run as __main__
    result.reached = graph.walk(starts)
    return result


def main_guards(source: str) -> list[tuple[int, int]]:
    """The lines of each module-level `if __name__ == "__main__":` body: code that runs only when the file is run
    as a script, never when it is imported."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    spans = []
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_test(node.test) and node.body:
            spans.append((node.body[0].lineno, getattr(node.body[-1], "end_lineno", None) or node.body[-1].lineno))
    return spans


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    named = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return named and main


def _streamlit_mains(scan: ImportScan) -> list[str]:
    return sorted(
        {
            i.file
            for i in scan.imports
            if i.top == "streamlit" and i.kind == "production" and not i.file.endswith(".ipynb") and not _aside(i.file)
        }
    )


def _pages(main: str, by_folder: dict[PurePosixPath, list[str]]) -> list[str]:
    return by_folder.get(PurePosixPath(main).parent / "pages", [])


class _Graph:
    def __init__(self, scan: ImportScan, repo: Repository, app_folder: Path, roots: list[str]) -> None:
        self.scan = scan
        self.repo = repo
        self.paths = scan.paths
        self.dirs = {str(parent) for p in self.paths for parent in PurePosixPath(p).parents}
        app = repo.display(app_folder)
        self.roots = list(dict.fromkeys(_norm(r) for r in [*roots, app, f"{app}/src", ".", "src"]))
        self.imports: dict[str, list[tuple[str, bool]]] = {}  # file -> (dotted, relative)
        for imp in scan.imports:
            self.imports.setdefault(imp.file, []).append((imp.dotted, imp.module.startswith(".")))
        self.strings_left = MAX_STRINGS
        self.left: set[str] = set()  # files not reached yet

    def walk(self, starts: dict[str, str]) -> dict[str, str]:
        reached = dict(starts)
        self.left = set(self.paths) - set(starts)
        queue = deque(starts)
        while queue and self.left:  # every file reached: nothing more to find
            file = queue.popleft()
            for found in self._follows(file):
                if found not in reached:
                    reached[found] = reached[file]
                    self.left.discard(found)
                    queue.append(found)
        return reached

    def _follows(self, file: str) -> set[str]:
        here = _norm(str(PurePosixPath(file).parent))
        out: set[str] = set()
        if file in self.paths and self.left:  # first: a folder it puts on sys.path is where its imports resolve
            out.update(self._named(file, here))
        for dotted, relative in self.imports.get(file, []):
            out.update(self._relative(dotted, here) if relative else self._absolute(dotted, here))
        parent = PurePosixPath(file).parent
        if parent.name == "settings" and _join(str(parent), "__init__.py") in self.paths:
            out.update(p for p in self.paths if PurePosixPath(p).parent == parent)
        return out

    def _absolute(self, dotted: str, here: str) -> list[str]:
        for root in (here, *self.roots):
            found = self._resolve(root, dotted.split("."))
            if found:
                return found
        return []

    def _relative(self, dotted: str, here: str) -> list[str]:
        level = len(dotted) - len(dotted.lstrip("."))
        base = PurePosixPath(here if here else ".")
        for _ in range(level - 1):
            base = base.parent
        root = _norm(str(base))
        rest = dotted[level:]
        found = [_join(root, "__init__.py")] if _join(root, "__init__.py") in self.paths else []
        return found + (self._resolve(root, rest.split(".")) if rest else [])

    def _resolve(self, root: str, parts: list[str]) -> list[str]:
        """The files importing `parts` from `root` runs: each package's __init__.py, then the module."""
        found: list[str] = []
        prefix = root
        for part in parts:
            base = _join(prefix, part)
            if _join(base, "__init__.py") in self.paths:
                found.append(_join(base, "__init__.py"))
            elif base + ".py" in self.paths:
                found.append(base + ".py")
                break
            elif base not in self.dirs:
                break
            prefix = base
        return found

    def _wanted(self) -> list[str] | None:
        """The names a string must contain to reach a file not reached yet (None: too many to test one by one)."""
        if len(self.left) > 64:
            return None
        return sorted({part.removesuffix(".py") for f in self.left for part in PurePosixPath(f).parts} - {"__init__"})

    def _named(self, file: str, here: str) -> set[str]:
        """Modules and .py files the file names in strings (frameworks import by name)."""
        try:
            text = decode_source(self.repo.read_bytes(self.repo.root / file, cap=MAX_FILE_BYTES))
        except (OSError, safefs.UnsafePath, safefs.TooLarge, ValueError, SyntaxError):
            return set()
        out: set[str] = set()
        django = "INSTALLED_APPS" in text
        wanted = self._wanted()
        if not django and wanted is not None and not any(name in text for name in wanted):
            return out  # names none of the files not reached yet
        for m in _QUOTED.finditer(text):
            self.strings_left -= 1
            if self.strings_left < 0:
                break
            name = m.group(1)
            if name.endswith(".py"):
                for root in (here, *self.roots):
                    candidate = _norm(str(PurePosixPath(root) / name))
                    if candidate in self.paths:
                        out.add(candidate)
                        break
                continue
            if "." not in name:  # sys.path.append("lib"), os.path.join(HERE, "lib"): a folder of modules
                for base in (here, *self.roots[:8]):
                    folder = _join(base, name)
                    if folder in self.roots or len(self.roots) >= MAX_ROOTS:
                        break
                    if folder in self.dirs and _join(folder, "__init__.py") not in self.paths:
                        self.roots.append(folder)
                        break
            found = self._absolute(name, here)
            out.update(found)
            packages = [f for f in found if f.endswith("__init__.py")]
            if django and packages:  # "polls" or "polls.apps.PollsConfig": Django imports the app's package whole
                package = str(PurePosixPath(packages[-1]).parent)
                out.update(p for p in self.paths if p.startswith(package + "/"))
        return out


def _norm(path: str) -> str:
    return "" if path in (".", "") else path.strip("/")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name
