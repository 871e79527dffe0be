"""What an app imports, and which distribution provides each import (infrastructure for the DC5xx checks).

`collect` reads the app's .py files and notebooks with `ast` and classifies every import statement;
`resolve` judges the production ones against the deploy's stdlib, the repository's own modules and the
modules the pinned distributions install (from their RECORD or top_level.txt). Pure analysis: no network,
no findings. A pull request is hostile input: every file read is capped, symlinks that leave the repository
are not followed, and a file that does not parse is a problem of that file, not a crash.

Speed: ast.parse runs at about 7 MB/s here, too slow for 5,000 files in well under 2 s. So a file is cut
into its top-level statements (lines starting at column 0 outside triple-quoted strings) and only the
statements that contain the word `import` are parsed, each on its own; their ASTs, and so every import's
context (try, if TYPE_CHECKING, def), are the same as in the whole file. If any of those pieces fails to
parse, the whole file is parsed instead, so a cut in the wrong place costs time, never correctness.
"""

from __future__ import annotations

import ast
import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from tokenize import detect_encoding
from typing import Literal

from packaging.utils import canonicalize_name

from deploycheck.errors import CheckError
from deploycheck.imports import importlines
from deploycheck.repo import safefs
from deploycheck.repo.repository import SKIP_DIRS, Repository
from deploycheck.runtime import stdlib

Kind = Literal["production", "type-checking", "guarded", "conditional", "test", "tooling", "relative"]
Status = Literal["declared", "transitive", "missing", "removed"]

MAX_FILE_BYTES = 2_000_000  # a .py file larger than this is generated or data: skipped, said so
MAX_NOTEBOOK_BYTES = 20_000_000  # notebooks carry their outputs (images): a larger cap, still bounded
MAX_FILES = 20_000  # .py and .ipynb files read per app
MAX_DIRS = 50_000  # folders walked per app

TEST_DIRS = frozenset({"tests", "test"})
# Files that run on a developer's machine or in CI, never in the deployed app.
TOOLING_FILES = frozenset({"setup.py", "noxfile.py", "fabfile.py", "dodo.py"})
TOOLING_DIRS = frozenset({"docs", "doc"})

# Every deploy target deploycheck knows (Streamlit Community Cloud, Heroku, Render, Railway, App Engine,
# Fly, Docker images) runs Linux: `if sys.platform == "win32":` branches never run there.
TARGET_PLATFORM = {"sys.platform": "linux", "os.name": "posix", "platform.system()": "Linux"}

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

# Triple-quoted strings, so that column-0 lines inside one are not taken for statements. One match per
# triple-quoted string: what lies between (code, comments, one-line strings, stray quotes) is skipped by
# alternatives that start with different characters, so the scan is linear and never backtracks; a match
# always succeeds (at the latest at the end of the text).
_TRIPLE = re.compile(
    r"""(?:[^#'"\\]+|\\.|\\|\#[^\n]*|'(?!'')(?:[^'\\\n]|\\.)*'|"(?!"")(?:[^"\\\n]|\\.)*"|'(?!'')|"(?!""))*"""
    r"""(?:('''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z))|\Z)""",
    re.DOTALL,
)
_STATEMENT_START = re.compile(r"^[^\s#]", re.MULTILINE)
_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")
_MAGIC = re.compile(r"^(\s*)(?:[%!].*|.*\?\s*)$")  # IPython magics, shell escapes, `obj?` help
_MAGIC_ASSIGN = re.compile(r"^(\s*[\w.,\s]+=\s*)[%!].*$")  # files = !ls   t = %timeit -o f()


@dataclass(frozen=True)
class Import:
    file: str  # path from the repository root, with /
    line: int  # 1-based; in a notebook, the line within its cell
    module: str  # dotted, as written; relative imports keep their leading dots
    name: str | None  # for `from module import name`
    kind: Kind
    cell: int | None = None  # 1-based cell position in a notebook

    @property
    def dotted(self) -> str:
        """Most specific module the statement may load (`from google.cloud import storage`: google.cloud.storage)."""
        if not self.name or self.name == "*":
            return self.module
        return self.module + self.name if self.module.endswith(".") else f"{self.module}.{self.name}"

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]

    def where(self) -> str:
        return f"{self.file}:cell {self.cell}:{self.line}" if self.cell else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str


@dataclass
class ImportScan:
    imports: list[Import]
    local: frozenset[str]  # top-level names the repository itself provides
    problems: list[Problem] = field(default_factory=list)
    files: int = 0  # files read


@dataclass(frozen=True)
class Verdict:
    imp: Import
    status: Status
    dist: str | None  # who provides it (declared/transitive) or could (missing); None if nobody known
    candidates: tuple[str, ...] = ()  # every pinned distribution that provides the module
    removed: tuple[int, str] | None = None  # (3.x minor it was removed in, what to use instead)
    stdlib_from: int | None = None  # for a missing module that a newer Python has (tomllib on 3.10): 11


# ---------------------------------------------------------------------------------------------- walking


def _kind_of_file(rel_parts: Sequence[str]) -> Kind:
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


def _module_name(filename: str) -> str | None:
    """Importable name of a file in a folder on sys.path, or None."""
    if filename.endswith((".py", ".pyi", ".so", ".pyd")):
        stem = filename.split(".", 1)[0]
        return stem if stem.isidentifier() else None
    return None


def _names_in(folder: Path) -> set[str]:
    """Modules and packages directly in a folder (not walked below it)."""
    names: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return names
    for entry in entries[:MAX_DIRS]:
        if entry.is_dir(follow_symlinks=False) and entry.name.isidentifier() and entry.name not in SKIP_DIRS:
            names.add(entry.name)  # a package, or a namespace package: either is the repository's own
        elif entry.is_file(follow_symlinks=False):
            module = _module_name(entry.name)
            if module:
                names.add(module)
    return names


def _walk(
    app: Path, problems: list[Problem], repo: Repository, exclude: frozenset[Path] = frozenset()
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
        problems.append(Problem(repo.display(walk.stopped), None, f"stopped after {MAX_DIRS} folders"))


# --------------------------------------------------------------------------------------------- parsing


class _Target:
    """The deploy target, for conditions such as `if sys.version_info >= (3, 11):`."""

    def __init__(self, minor: int) -> None:
        self.version = (3, minor)

    def value(self, node: ast.expr) -> object:
        """A known value of an expression on the target, or _UNKNOWN."""
        text = _dotted(node)
        if text in TARGET_PLATFORM:
            return TARGET_PLATFORM[text]
        if isinstance(node, ast.Call) and not node.args and _dotted(node.func) == "platform.system":
            return TARGET_PLATFORM["platform.system()"]
        if text == "sys.version_info":
            return _VERSION
        if text in ("sys.version_info.major", "six.PY3"):
            return 3 if text.endswith("major") else True
        if text == "sys.version_info.minor":
            return self.version[1]
        if text == "six.PY2":
            return False
        if isinstance(node, ast.Subscript) and _dotted(node.value) == "sys.version_info":
            index = node.slice
            if isinstance(index, ast.Slice) and index.lower is None and index.step is None:
                return _VERSION
            if isinstance(index, ast.Constant) and isinstance(index.value, int) and index.value in (0, 1):
                return self.version[index.value]
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)):
            return node.value
        if isinstance(node, ast.Tuple):
            items = [self.value(item) for item in node.elts]
            if all(isinstance(item, (int, str)) for item in items):
                return tuple(items)
        return _UNKNOWN

    def truth(self, test: ast.expr) -> bool | None:
        """Whether a condition holds on the target; None when it cannot be told."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.truth(test.operand)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            values = [self.truth(v) for v in test.values]
            if isinstance(test.op, ast.And):
                return False if False in values else (True if all(v is True for v in values) else None)
            return True if True in values else (False if all(v is False for v in values) else None)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            return self._compare(self.value(test.left), test.ops[0], self.value(test.comparators[0]))
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith":
            subject = self.value(test.func.value)
            prefix = self.value(test.args[0]) if len(test.args) == 1 else _UNKNOWN
            if isinstance(subject, str) and isinstance(prefix, (str, tuple)):
                return subject.startswith(prefix)
            return None
        value = self.value(test)
        return value if isinstance(value, bool) else None

    def _compare(self, left: object, op: ast.cmpop, right: object) -> bool | None:
        if left is _UNKNOWN or right is _UNKNOWN:
            return None
        if left is _VERSION or right is _VERSION:
            if left is _VERSION and right is _VERSION:
                return None
            other = right if left is _VERSION else left
            if not isinstance(other, tuple) or not other or not all(isinstance(x, int) for x in other):
                return None
            # Only major and minor of the target are known: a comparison that hinges on the micro is unknown.
            if len(other) > 2 and other[:2] == self.version:
                return None
            mine, theirs = self.version, other[:2]
            if left is not _VERSION:
                mine, theirs = theirs, mine
            left, right = mine, theirs
        try:
            if isinstance(op, ast.Eq):
                return left == right
            if isinstance(op, ast.NotEq):
                return left != right
            if isinstance(op, ast.Lt):
                return left < right  # type: ignore[operator]
            if isinstance(op, ast.LtE):
                return left <= right  # type: ignore[operator]
            if isinstance(op, ast.Gt):
                return left > right  # type: ignore[operator]
            if isinstance(op, ast.GtE):
                return left >= right  # type: ignore[operator]
            if isinstance(op, ast.In):
                return left in right  # type: ignore[operator]
            if isinstance(op, ast.NotIn):
                return left not in right  # type: ignore[operator]
        except TypeError:
            return None
        return None


_UNKNOWN = object()
_VERSION = object()


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    if isinstance(node, ast.Call) and not node.args:
        base = _dotted(node.func)
        return f"{base}()" if base else ""
    return ""


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    # `except Exception` and a bare `except:` count: the author expected the import may fail and the app
    # runs on without it.
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(_dotted(t).rsplit(".", 1)[-1] in _IMPORT_ERRORS for t in types)


def _suppresses_import_error(item: ast.withitem) -> bool:
    call = item.context_expr
    return (
        isinstance(call, ast.Call)
        and _dotted(call.func).rsplit(".", 1)[-1] == "suppress"
        and any(_dotted(arg).rsplit(".", 1)[-1] in _IMPORT_ERRORS for arg in call.args)
    )


class _Collector:
    def __init__(self, target: _Target, file: str, file_kind: Kind, cell: int | None, line_offset: int) -> None:
        self.target = target
        self.file = file
        self.file_kind = file_kind
        self.cell = cell
        self.offset = line_offset
        self.found: list[Import] = []

    def add(self, node: ast.Import | ast.ImportFrom, kind: Kind) -> None:
        if self.file_kind != "production":
            kind = self.file_kind
        line = node.lineno + self.offset
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.found.append(Import(self.file, line, alias.name, None, kind, self.cell))
            return
        module = "." * node.level + (node.module or "")
        if node.level:
            kind = "relative"
        for alias in node.names:
            self.found.append(Import(self.file, line, module, alias.name, kind, self.cell))

    def add_line(self, module: str, name: str | None, line: int, kind: Kind) -> None:
        """A one-line import read by importlines, with the kind its enclosing blocks give it."""
        if self.file_kind != "production":
            kind = self.file_kind
        if module.startswith("."):
            kind = "relative"
        self.found.append(Import(self.file, line + self.offset, module, name, kind, self.cell))

    def add_simple(self, module: str, name: str | None, line: int) -> None:
        """An import found without ast: a top-level statement, so production unless the file is not."""
        kind: Kind = "relative" if module.startswith(".") else self.file_kind
        self.found.append(Import(self.file, line + self.offset, module, name, kind, self.cell))

    def walk(self, body: Iterable[ast.stmt], kind: Kind) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.add(node, kind)
            elif isinstance(node, ast.If):
                self._if(node, kind)
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                self._try(node, kind)  # type: ignore[arg-type]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                guarded = any(_suppresses_import_error(item) for item in node.items)
                self.walk(node.body, _narrow(kind, "guarded") if guarded else kind)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    self.walk(case.body, kind)
            else:
                # def, class, for, while: their bodies run when called or looped; still production.
                for name in ("body", "orelse", "finalbody"):
                    block = getattr(node, name, None)
                    if isinstance(block, list):
                        self.walk(block, kind)

    def _if(self, node: ast.If, kind: Kind) -> None:
        if _is_type_checking(node.test):
            self.walk(node.body, _narrow(kind, "type-checking"))
            self.walk(node.orelse, kind)
            return
        holds = self.target.truth(node.test)
        self.walk(node.body, _narrow(kind, "conditional") if holds is False else kind)
        self.walk(node.orelse, _narrow(kind, "conditional") if holds is True else kind)

    def _try(self, node: ast.Try, kind: Kind) -> None:
        handles = [h for h in node.handlers if _catches_import_error(h)]
        self.walk(node.body, _narrow(kind, "guarded") if handles else kind)
        for handler in node.handlers:
            # An import in the handler is the fallback of one that may fail: guarded as well.
            self.walk(handler.body, _narrow(kind, "guarded") if handler in handles else kind)
        self.walk(node.orelse, kind)
        self.walk(node.finalbody, kind)


def _narrow(kind: Kind, inner: Kind) -> Kind:
    """The first reason an import is not production wins."""
    return inner if kind == "production" else kind


def _decode(data: bytes) -> str:
    """Source text by PEP 263 (coding cookie, BOM, else UTF-8); UnicodeDecodeError/SyntaxError if it is not."""
    encoding, _ = detect_encoding(BytesIO(data).readline)
    return data.decode(encoding)


_NAME = r"[^\W\d]\w*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
_ALIASED = rf"{{0}}(?:[ \t]+as[ \t]+{_NAME})?"
_TAIL = r"[ \t]*(?:#[^\n]*)?(?:\r?\n[ \t]*(?:#[^\n]*)?)*\r?\n?"
# A one-line import at column 0 followed only by blank or comment lines: taken without ast (most imports
# are these, at the top of a file). Anything else (parentheses, backslashes, `;`) goes to ast.
_SIMPLE_IMPORT = re.compile(
    rf"import[ \t]+(?P<modules>{_ALIASED.format(_DOTTED)}(?:[ \t]*,[ \t]*{_ALIASED.format(_DOTTED)})*){_TAIL}"
)
_SIMPLE_FROM = re.compile(
    rf"from[ \t]+(?P<module>\.+(?:{_DOTTED})?|{_DOTTED})[ \t]+import[ \t]+"
    rf"(?P<names>\*|{_ALIASED.format(_NAME)}(?:[ \t]*,[ \t]*{_ALIASED.format(_NAME)})*){_TAIL}"
)
# Statements only Python 2 has (print and exec statements, `except E, e:`), to parse such a file whole. Each
# pattern starts with a literal, which the regex engine finds as fast as str.find; the match must then open
# its line (a `^[ \t]*` pattern would be tried at every character instead).
_PY2 = (
    re.compile(r"print(?:[ \t]+[^\s(=.,;)\]}]|[ \t]*>>)"),
    re.compile(r"""exec[ \t]+["']"""),
    re.compile(r"except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:"),
)


def _python2(source: str) -> bool:
    for pattern in _PY2:
        for m in pattern.finditer(source):
            if not source[source.rfind("\n", 0, m.start()) + 1 : m.start()].strip(" \t"):
                return True
    return False


_BLANK = re.compile(r"(?:\s|#[^\n]*)*")
_AS = re.compile(r"[ \t]+as[ \t]+")


def _simple(statement: str) -> list[tuple[str, str | None]] | None:
    """(module, name) pairs of a simple one-line import statement, or None if it is not one."""
    found = _SIMPLE_IMPORT.fullmatch(statement)
    if found:
        return [(_AS.split(part.strip())[0], None) for part in found["modules"].split(",")]
    found = _SIMPLE_FROM.fullmatch(statement)
    if found:
        return [(found["module"], _AS.split(part.strip())[0]) for part in found["names"].split(",")]
    return None


def _import_words(source: str) -> list[int]:
    """Positions of the word `import` (str.find runs far faster than a \\b regex over the whole text)."""
    found = []
    pos = source.find("import")
    while pos >= 0:
        before = source[pos - 1] if pos else " "
        after = source[pos + 6 : pos + 7] or " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            found.append(pos)
        pos = source.find("import", pos + 6)
    return found


# A piece: (line offset, text, the imports of a simple statement or None to parse the text with ast).
Piece = tuple[int, str, "list[tuple[str, str | None]] | None"]


def _pieces(source: str) -> list[Piece]:
    """The top-level statements that mention `import`: simple ones decoded, runs of the others as text."""
    words = _import_words(source)
    if not words:
        return []
    spans: Iterator[tuple[int, int]] = iter(())
    if '"""' in source or "'''" in source:
        # Consumed lazily: the scan stops at the statement after the last `import`.
        spans = (m.span(1) for m in _TRIPLE.finditer(source) if m.group(1) is not None)
    current = next(spans, None)
    starts: list[int] = [0]
    docstrings: dict[int, int] = {}
    if current is not None and current[0] <= 2 and source[current[0]] in "\"'":
        docstrings[0] = current[1]
    after_decorator = False
    for m in _STATEMENT_START.finditer(source):
        pos = m.start()
        while current is not None and current[1] <= pos:
            current = next(spans, None)
        if current is not None and current[0] < pos:
            continue  # inside a multi-line string
        decorated, after_decorator = after_decorator, source[pos] == "@"
        if decorated or _CLAUSE.match(source, pos):
            continue  # a decorator goes with its def; else/elif/except/finally with the statement above
        if source[max(0, pos - 3) : pos].rstrip("\r\n").endswith("\\"):
            continue  # continuation of a backslash-ended line
        if pos > starts[-1]:
            starts.append(pos)
            if current is not None and current[0] - pos <= 2 and source[current[0]] in "\"'":
                docstrings[pos] = current[1]  # the statement opens with a triple-quoted string
        if pos > words[-1]:
            break
    else:
        starts.append(len(source))
    pieces: list[Piece] = []
    run_start = None
    word = 0
    for begin, end in zip(starts, starts[1:]):
        while word < len(words) and words[word] < begin:
            word += 1
        wanted = word < len(words) and words[word] < end
        if wanted and begin in docstrings and _BLANK.fullmatch(source, docstrings[begin], end):
            wanted = False  # a statement that is only a string (a docstring that mentions `import`)
        simple = _simple(source[begin:end]) if wanted and source.startswith(("import", "from"), begin) else None
        if run_start is not None and (simple is not None or not wanted):
            pieces.append((source.count("\n", 0, run_start), source[run_start:begin], None))
            run_start = None
        if simple is not None:
            pieces.append((source.count("\n", 0, begin), "", simple))
        elif wanted and run_start is None:
            run_start = begin
    if run_start is not None:
        pieces.append((source.count("\n", 0, run_start), source[run_start : starts[-1]], None))
    return pieces


def _parse_source(source: str, collector: _Collector, *, whole: bool, notebook: bool = False) -> None:
    """Adds the imports of a module's source; SyntaxError/ValueError/RecursionError/MemoryError propagate."""
    if "import" not in source:
        return
    if notebook:  # IPython runs cells with top-level await
        flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        collector.walk(compile(source, collector.file, "exec", flags, dont_inherit=True).body, "production")
        return
    if whole:
        collector.walk(ast.parse(source).body, "production")
        return
    if _python2(source):  # Python 2 code: the whole parse reports it, where the pieces might not reach
        collector.walk(ast.parse(source).body, "production")
        return
    try:
        _read_lines(source, collector)
        return
    except (importlines.GiveUp, SyntaxError, ValueError, RecursionError, MemoryError):
        pass  # not a file the line reading is sure of, or a statement cut in the wrong place: the pieces
    pieces = _pieces(source)
    trees = []
    try:
        for offset, text, simple in pieces:
            trees.append((offset, simple if simple is not None else ast.parse(text)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        collector.walk(ast.parse(source).body, "production")  # a cut in the wrong place: parse it all
        return
    base = collector.offset
    for offset, tree in trees:
        collector.offset = base + offset
        if isinstance(tree, list):
            for module, name in tree:
                collector.add_simple(module, name, 1)
        else:
            collector.walk(tree.body, "production")
    collector.offset = base


def _spans(source: str, last: int) -> list[tuple[int, int]]:
    """Triple-quoted strings up to the first one that starts after `last`."""
    spans: list[tuple[int, int]] = []
    if '"""' in source or "'''" in source:
        for m in _TRIPLE.finditer(source):
            if m.group(1) is None:
                break
            spans.append(m.span(1))
            if spans[-1][0] > last:
                break
    return spans


def _read_lines(source: str, collector: _Collector) -> None:
    """Imports by importlines (one-line imports judged by their indentation; the rest parsed per top-level
    statement). Nothing is added unless every statement parses; raises GiveUp/SyntaxError otherwise."""
    words = _import_words(source)
    if not words:
        return
    found, statements = importlines.read(
        source, words, _spans(source, words[-1]), _simple, collector.target.truth, _is_type_checking
    )
    trees = [(start, ast.parse(source[start:end])) for start, end in statements]
    # In the order of the text: a statement's line is counted from the one before.
    order = sorted(
        [(start, i, False) for i, (start, *_) in enumerate(found)]
        + [(start, i, True) for i, (start, _) in enumerate(trees)]
    )
    base, line, counted = collector.offset, 1, 0
    for start, i, parsed in order:
        line += source.count("\n", counted, start)
        counted = start
        if parsed:
            collector.offset = base + line - 1
            collector.walk(trees[i][1].body, "production")
            collector.offset = base
        else:
            _, module, name, kind = found[i]
            collector.add_line(module, name, line, kind)


def _syntax_problem(file: str, error: BaseException, cell: int | None = None) -> Problem:
    where = f"cell {cell}: " if cell else ""
    if isinstance(error, SyntaxError):
        line = error.lineno
        return Problem(
            file,
            line,
            f"{where}cannot parse ({error.msg}); its imports are not checked. Python 2 code, or syntax newer "
            "than the checking Python? Fix the file or exclude it.",
        )
    if isinstance(error, UnicodeDecodeError):
        return Problem(file, None, f"not UTF-8 and no coding declaration ({error.reason}); its imports are not checked")
    return Problem(file, None, f"{where}cannot parse ({type(error).__name__}); its imports are not checked")


def _notebook_cells(data: bytes) -> list[tuple[int, str]]:
    """(1-based cell position, Python source) of each code cell, with IPython-only lines blanked."""
    doc = json.loads(data)
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if cells is None and isinstance(doc, dict):  # nbformat 3 kept cells in worksheets
        cells = [c for w in doc.get("worksheets") or [] if isinstance(w, dict) for c in w.get("cells") or []]
    out = []
    for position, cell in enumerate(cells or [], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        raw = cell.get("source", cell.get("input", ""))
        text = "".join(raw) if isinstance(raw, list) else raw
        if not isinstance(text, str) or text.lstrip().startswith("%%"):
            continue  # a cell magic (%%bash, %%writefile) makes the whole cell another language
        lines = []
        for line in text.splitlines():
            magic = _MAGIC.match(line)
            if magic:
                lines.append(magic.group(1) + "pass" if magic.group(1) else "")
                continue
            assign = _MAGIC_ASSIGN.match(line)
            lines.append(assign.group(1) + "None" if assign else line)
        out.append((position, "\n".join(lines)))
    return out


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
    target = _Target(_minor(python))
    problems: list[Problem] = []
    imports: list[Import] = []
    local: set[str] = {"__future__"}
    for folder in {root, root / "src", app, app / "src"}:
        local |= _names_in(folder)
    files = 0
    for path, parts in _walk(app, problems, repo, frozenset(safefs.resolve(p) for p in exclude)):
        display = "/".join(parts)
        # The folder of every script is on sys.path when it runs, and a package dir is importable from its
        # parent: every module or package name of the app counts as its own, never as a missing dependency.
        module = _module_name(parts[-1])
        if module:
            local.add(module)
        local.update(p for p in parts[:-1] if p.isidentifier())
        if path.is_symlink() and not repo.inside(path):
            problems.append(Problem(display, None, "a symlink to outside the repository: not read"))
            continue
        if files >= MAX_FILES:
            problems.append(Problem(display, None, f"stopped after {MAX_FILES} files: the rest is not checked"))
            break
        files += 1
        notebook = path.suffix == ".ipynb"
        limit = MAX_NOTEBOOK_BYTES if notebook else MAX_FILE_BYTES
        try:
            data = _read(path, limit, repo)
        except OSError as error:
            problems.append(Problem(display, None, f"cannot read: {error.strerror}"))
            continue
        if data is None:
            problems.append(Problem(display, None, f"larger than {limit // 1_000_000} MB: skipped"))
            continue
        kind = _kind_of_file(parts)
        if notebook:
            imports += _notebook_imports(data, display, kind, target, problems)
            continue
        collector = _Collector(target, display, kind, None, 0)
        try:
            with warnings.catch_warnings():  # SyntaxWarnings (invalid escapes) of user code are not ours to print
                warnings.simplefilter("ignore")
                _parse_source(_decode(data), collector, whole=whole)
        except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError) as error:
            if kind == "production":  # a test or docs file the deploy never imports is not worth a warning
                problems.append(_syntax_problem(display, error))
            continue
        imports += collector.found
    return ImportScan(imports, frozenset(local), problems, files)


def _notebook_imports(data: bytes, display: str, kind: Kind, target: _Target, problems: list[Problem]) -> list[Import]:
    try:
        cells = _notebook_cells(data)
    except (ValueError, RecursionError) as error:  # json.JSONDecodeError and bad UTF-8 are ValueErrors
        problems.append(Problem(display, None, f"not a notebook (invalid JSON: {error}): its imports are not checked"))
        return []
    found: list[Import] = []
    for position, source in cells:
        collector = _Collector(target, display, kind, position, 0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _parse_source(source, collector, whole=True, notebook=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            problems.append(_syntax_problem(display, error, position))
            continue
        found += collector.found
    return found


# --------------------------------------------------------------------------------------------- metadata


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
        module = _module_name(parts[-1])
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
) -> list[Verdict]:
    """A verdict for each production import that is neither stdlib on that Python nor the repository's own.

    provided: distribution -> dotted modules it installs (modules_from_record / modules_from_top_level of
    each pinned distribution). declared: distributions the requirements name; transitive: the others pinned.
    """
    minor = _minor(python)
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
        verdicts.append(Verdict(imp, status, dist, candidates, gone, since))
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
    # A pinned distribution whose RECORD could not be read (sdist only, index error) is taken to provide the
    # module of its own name (psycopg2, google.cloud.storage -> google-cloud-storage), so that missing
    # metadata never turns into a false "nothing provides it".
    parts = dotted.split(".")
    for depth in range(len(parts), 0, -1):
        name = canonicalize_name(".".join(parts[:depth]))
        if name in without_metadata:
            return {name}
    return set()


def _minor(python: str) -> int:
    try:
        return stdlib.minor_of(python)
    except ValueError as error:
        raise CheckError(str(error), fix="give the deploy's Python as 3.X (3.6 to 3.15)") from None
