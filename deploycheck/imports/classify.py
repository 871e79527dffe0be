"""What an import statement means on the deploy target: its kind (production, guarded, type-checking...),
judged from the blocks around it and from conditions the target decides (`if sys.version_info >= (3, 11):`,
`if sys.platform == "win32":`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from deploycheck.errors import CheckError
from deploycheck.runtime import stdlib

Kind = Literal["production", "type-checking", "guarded", "conditional", "test", "tooling", "relative"]

# Every deploy target deploycheck knows (Streamlit Community Cloud, Heroku, Render, Railway, App Engine,
# Fly, Docker images) runs Linux: `if sys.platform == "win32":` branches never run there.
TARGET_PLATFORM = {"sys.platform": "linux", "os.name": "posix", "platform.system()": "Linux"}


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


class ImportTarget:
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


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


_MODULE = re.compile(r"^\.*[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$|^\.+$")
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def catches_import_error(handler: ast.ExceptHandler) -> bool:
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


class Collector:
    def __init__(self, target: ImportTarget, file: str, file_kind: Kind, cell: int | None, line_offset: int) -> None:
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

    def dynamic(self, node: ast.stmt, kind: Kind) -> None:
        """`importlib.import_module("x")` and `__import__("x")` with a literal name: imports too (not statements
        nested in this one, which walk reaches on its own)."""
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.expr):
                continue
            for call in ast.walk(child):
                if not isinstance(call, ast.Call) or not call.args:
                    continue
                name = _dotted(call.func)
                first = call.args[0]
                if (name == "__import__" or name.endswith("import_module")) and (
                    isinstance(first, ast.Constant) and isinstance(first.value, str) and _MODULE.match(first.value)
                ):
                    self.add_line(first.value, None, call.lineno, kind)

    def walk(self, body: Iterable[ast.stmt], kind: Kind) -> None:
        for node in body:
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                self.dynamic(node, kind)
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
        if is_type_checking(node.test):
            self.walk(node.body, _narrow(kind, "type-checking"))
            self.walk(node.orelse, kind)
            return
        holds = self.target.truth(node.test)
        self.walk(node.body, _narrow(kind, "conditional") if holds is False else kind)
        self.walk(node.orelse, _narrow(kind, "conditional") if holds is True else kind)

    def _try(self, node: ast.Try, kind: Kind) -> None:
        handles = [h for h in node.handlers if catches_import_error(h)]
        self.walk(node.body, _narrow(kind, "guarded") if handles else kind)
        for handler in node.handlers:
            # An import in the handler is the fallback of one that may fail: guarded as well.
            self.walk(handler.body, _narrow(kind, "guarded") if handler in handles else kind)
        self.walk(node.orelse, kind)
        self.walk(node.finalbody, kind)


def _narrow(kind: Kind, inner: Kind) -> Kind:
    """The first reason an import is not production wins."""
    return inner if kind == "production" else kind


def target_minor(python: str) -> int:
    try:
        return stdlib.minor_of(python)
    except ValueError as error:
        raise CheckError(str(error), fix="give the deploy's Python as 3.X (3.6 to 3.15)") from None
