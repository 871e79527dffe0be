"""What an app imports (infrastructure for the DC5xx checks; deploycheck.imports.providers says who provides it).

`collect` reads the app's .py files and notebooks (deploycheck.imports.parse) and classifies every import
statement (deploycheck.imports.classify). Pure analysis: no network, no findings. A pull request is hostile
input: every file read is capped, symlinks that leave the repository are not followed, and a file that does
not parse is a problem of that file, not a crash.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.errors import CheckError
from deploycheck.imports.classify import Collector, Import, ImportTarget, Kind, target_minor
from deploycheck.imports.parse import decode_source, notebook_cells, parse_source
from deploycheck.repo import safefs
from deploycheck.repo.repository import SKIP_DIRS, Repository

MAX_FILE_BYTES = 2_000_000  # a .py file larger than this is generated or data: skipped, said so
MAX_NOTEBOOK_BYTES = 20_000_000  # notebooks carry their outputs (images): a larger cap, still bounded
MAX_FILES = 20_000  # .py and .ipynb files read per app
MAX_DIRS = 50_000  # folders walked per app

TEST_DIRS = frozenset({"tests", "test"})
# Files that run on a developer's machine or in CI, never in the deployed app.
TOOLING_FILES = frozenset({"setup.py", "noxfile.py", "fabfile.py", "dodo.py"})
TOOLING_DIRS = frozenset({"docs", "doc"})


@dataclass(frozen=True)
class ImportProblem:
    file: str
    line: int | None
    message: str


@dataclass
class ImportScan:
    imports: list[Import]
    local: frozenset[str]  # top-level names the repository itself provides
    problems: list[ImportProblem] = field(default_factory=list)
    files: int = 0  # files read
    paths: frozenset[str] = frozenset()  # every .py file of the app, as shown (for deploycheck.imports.reach)


def kind_of_file(rel_parts: Sequence[str]) -> Kind:
    name = rel_parts[-1]
    folders = rel_parts[:-1]
    stem = name.rsplit(".", 1)[0]
    if (
        any(part in TEST_DIRS for part in folders)
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem in ("conftest", "tests")
    ):
        return "test"
    if name in TOOLING_FILES or any(part in TOOLING_DIRS for part in folders):
        return "tooling"
    return "production"


def module_name(filename: str) -> str | None:
    """Importable name of a file in a folder on sys.path, or None."""
    if filename.endswith((".py", ".pyi", ".so", ".pyd")):
        stem = filename.split(".", 1)[0]
        return stem if stem.isidentifier() else None
    return None


def names_in(folder: Path, repo: Repository) -> set[str]:
    """Modules and packages directly in a folder (not walked below it); nothing for a folder that leads out of
    the repository (a src/ that is a link elsewhere), whose names are not listed."""
    names: set[str] = set()
    if not repo.inside(folder):
        return names
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return names
    for entry in entries[:MAX_DIRS]:
        if entry.is_dir(follow_symlinks=False) and entry.name.isidentifier() and entry.name not in SKIP_DIRS:
            names.add(entry.name)  # a package, or a namespace package: either is the repository's own
        elif entry.is_file(follow_symlinks=False):
            module = module_name(entry.name)
            if module:
                names.add(module)
    return names


def _walk(
    app: Path, problems: list[ImportProblem], repo: Repository, exclude: frozenset[Path] = frozenset()
) -> Iterator[tuple[Path, list[str]]]:
    """(file, its folders and name relative to the checked root) for each .py/.ipynb of the app.
    `exclude`: folders of other apps inside this one (a monorepo's root app does not own examples/x/)."""
    walk = repo.walk(app, exclude=exclude, max_folders=MAX_DIRS)
    for here, files in walk:
        parts = here.relative_to(repo.root).parts
        for name in files:
            if name.endswith((".py", ".ipynb")):
                yield here / name, [*parts, name]
    if walk.stopped is not None:
        problems.append(ImportProblem(repo.display(walk.stopped), None, f"stopped after {MAX_DIRS} folders"))


def python_files(app_folder: Path, repo: Repository, exclude: Iterable[Path] = ()) -> Iterator[tuple[Path, str]]:
    """(path, as shown) of each .py file of the app, as collect walks them (bounded the same way)."""
    skip = frozenset(safefs.resolve(p) for p in exclude)
    for count, (path, parts) in enumerate(_walk(safefs.resolve(app_folder), [], repo, skip)):
        if count >= MAX_FILES:
            return
        if parts[-1].endswith(".py") and not (path.is_symlink() and not repo.inside(path)):
            yield path, "/".join(parts)


def _syntax_problem(file: str, error: BaseException, cell: int | None = None) -> ImportProblem:
    where = f"cell {cell}: " if cell else ""
    if isinstance(error, SyntaxError):
        line = error.lineno
        return ImportProblem(
            file,
            line,
            f"{where}cannot parse ({error.msg}); its imports are not checked. Python 2 code, or syntax newer "
            "than the checking Python? Fix the file or exclude it.",
        )
    if isinstance(error, UnicodeDecodeError):
        return ImportProblem(
            file, None, f"not UTF-8 and no coding declaration ({error.reason}); its imports are not checked"
        )
    return ImportProblem(file, None, f"{where}cannot parse ({type(error).__name__}); its imports are not checked")


def _read(path: Path, limit: int, repo: Repository) -> bytes | None:
    """The file, or None when it is over the limit. Inside the repository and a regular file only: a FIFO
    named app.py must not block the run, a link out must not be read."""
    try:
        return repo.read_bytes(path, cap=limit)
    except safefs.TooLarge:
        return None
    except safefs.UnsafePath as exc:
        raise OSError(0, f"not read: it {exc.reason}") from None


def collect(
    app_folder: Path, repo: Repository, *, python: str, whole: bool = False, exclude: Iterable[Path] = ()
) -> ImportScan:
    """Every import of the app's .py files and notebooks, classified, plus the repository's own module names.

    `whole=True` parses each file entire (the reference the fast path is tested against).
    """
    root = repo.root
    app = safefs.resolve(app_folder)
    if not (app == root or root in app.parents):
        raise CheckError("the app folder is outside the repository", path=str(app_folder))
    target = ImportTarget(target_minor(python))
    problems: list[ImportProblem] = []
    imports: list[Import] = []
    local: set[str] = {"__future__"}
    for folder in {root, root / "src", app, app / "src"}:
        local |= names_in(folder, repo)
    files = 0
    paths: set[str] = set()
    for path, parts in _walk(app, problems, repo, frozenset(safefs.resolve(p) for p in exclude)):
        display = "/".join(parts)
        # The folder of every script is on sys.path when it runs, and a package dir is importable from its
        # parent: every module or package name of the app counts as its own, never as a missing dependency.
        module = module_name(parts[-1])
        if module:
            local.add(module)
        if display.endswith(".py"):
            paths.add(display)
        local.update(p for p in parts[:-1] if p.isidentifier())
        if path.is_symlink() and not repo.inside(path):
            problems.append(ImportProblem(display, None, "a symlink to outside the repository: not read"))
            continue
        if files >= MAX_FILES:
            problems.append(ImportProblem(display, None, f"stopped after {MAX_FILES} files: the rest is not checked"))
            break
        files += 1
        notebook = path.suffix == ".ipynb"
        limit = MAX_NOTEBOOK_BYTES if notebook else MAX_FILE_BYTES
        try:
            data = _read(path, limit, repo)
        except OSError as error:
            problems.append(ImportProblem(display, None, f"cannot read: {error.strerror}"))
            continue
        if data is None:
            problems.append(ImportProblem(display, None, f"larger than {limit // 1_000_000} MB: skipped"))
            continue
        kind = kind_of_file(parts)
        if notebook:
            imports += _notebook_imports(data, display, kind, target, problems)
            continue
        collector = Collector(target, display, kind, None, 0)
        try:
            with warnings.catch_warnings():  # SyntaxWarnings (invalid escapes) of user code are not ours to print
                warnings.simplefilter("ignore")
                parse_source(decode_source(data), collector, whole=whole)
        except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError) as error:
            if kind == "production":  # a test or docs file the deploy never imports is not worth a warning
                problems.append(_syntax_problem(display, error))
            continue
        imports += collector.found
    return ImportScan(imports, frozenset(local), problems, files, frozenset(paths))


def _notebook_imports(
    data: bytes, display: str, kind: Kind, target: ImportTarget, problems: list[ImportProblem]
) -> list[Import]:
    try:
        cells = notebook_cells(data)
    except (ValueError, RecursionError) as error:  # json.JSONDecodeError and bad UTF-8 are ValueErrors
        problems.append(
            ImportProblem(display, None, f"not a notebook (invalid JSON: {error}): its imports are not checked")
        )
        return []
    found: list[Import] = []
    for position, source in cells:
        collector = Collector(target, display, kind, position, 0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parse_source(source, collector, whole=True, notebook=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            problems.append(_syntax_problem(display, error, position))
            continue
        found += collector.found
    return found
