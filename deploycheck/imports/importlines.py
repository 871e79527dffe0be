"""The imports of a source file read line by line, without ast, where the indentation tells their context.

Most imports are one-line statements (`import x`, `from x import y`), at the top of a file or at the top of a
function body (lazy imports). An indented one's context (inside `def`, `if TYPE_CHECKING:`, a branch the
deploy's Python or Linux never takes) is the chain of block headers above it: for each line, the nearest
line above with a smaller indentation. Headers whose meaning one line tells (def, class, for, while, with,
if) are judged here; a chain through try/except/else/elif/match, and every line this reading cannot be sure
of, hands the whole top-level statement to ast, and anything stranger (tabs, backslash continuations, a
header line that does not end with `:`) hands the whole file back to the caller. So a misreading costs
time, never a different answer: the tests compare every result with a whole-file ast parse.

Work is bounded: each upward or forward scan is charged to a budget of twice the file's lines; past it the
file goes back to the caller.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable
from typing import Literal, Optional

Narrowing = Literal["production", "type-checking", "conditional", "guarded"]
# (position of the line, module, name) of a simple import, or (start, end) of a top-level statement for ast.
Simple = tuple[int, str, Optional[str]]

_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)
_HEADER_END = re.compile(r":[ \t]*(?:#.*)?$")
_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")
_BLOCK = re.compile(r"(?:def|class|for|while|with|if|async)\b")


class GiveUp(Exception):
    """The file is not one this reading is sure of: parse it the other way."""


class Lines:
    def __init__(
        self,
        source: str,
        spans: list[tuple[int, int]],
        condition: Callable[[ast.expr], bool | None],
        is_type_checking: Callable[[ast.expr], bool],
    ) -> None:
        self.source = source
        self.spans = spans
        self.starts = [s for s, _ in spans]
        self.condition = condition
        self.is_type_checking = is_type_checking
        self.budget = 2 * source.count("\n") + 1000
        self.parent: dict[int, int] = {}  # line start -> start of its block header
        self.indent: dict[int, int] = {}
        self.block: dict[int, Narrowing | None] = {}  # header start -> kind inside its block (None: ast)

    # ------------------------------------------------------------------------------------------ lines

    def in_string(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and self.spans[i][0] < pos < self.spans[i][1]

    def text(self, start: int) -> str:
        end = self.source.find("\n", start)
        return self.source[start : end if end >= 0 else len(self.source)].rstrip("\r")

    def previous(self, start: int) -> int | None:
        return None if start == 0 else self.source.rfind("\n", 0, start - 1) + 1

    def following(self, start: int) -> int | None:
        end = self.source.find("\n", start)
        return None if end < 0 or end + 1 >= len(self.source) else end + 1

    def continued(self, start: int) -> bool:
        """The line before ends with a backslash: this one continues it."""
        return self.source[max(0, start - 3) : start].rstrip("\r\n").endswith("\\")

    def code(self, start: int) -> tuple[str, int] | None:
        """(stripped text, indentation) of a line of code; None for blank, comment and string lines."""
        self.budget -= 1
        if self.budget < 0:
            raise GiveUp
        text = self.text(start)
        stripped = text.lstrip(" ")
        if not stripped or stripped[0] == "#" or self.in_string(start):
            return None
        return stripped, len(text) - len(stripped)

    # ------------------------------------------------------------------------------------------ blocks

    def header(self, start: int, indent: int) -> int:
        """Start of the nearest line above with less indentation (the block header)."""
        found = self.parent.get(start)
        if found is not None:
            return found
        candidate = self.previous(start)
        while candidate is not None:
            if candidate in self.parent and self.indent[candidate] >= indent:
                candidate = self.parent[candidate]  # every line between it and its header is deeper still
                continue
            line = self.code(candidate)
            if line is not None and line[1] < indent:
                self.parent[start], self.indent[start] = candidate, indent
                self.indent.setdefault(candidate, line[1])
                return candidate
            candidate = self.previous(candidate)
        raise GiveUp  # indented code with nothing above it

    def kind_at(self, start: int, indent: int) -> tuple[Narrowing | None, int]:
        """The kind of a statement at this line (None: only ast can tell), and its top-level statement's start."""
        chain = []
        while indent > 0:
            start = self.header(start, indent)
            indent = self.indent[start]
            chain.append(start)
        top = start
        kind: Narrowing | None = "production"
        for header in reversed(chain):  # outermost first: the first reason an import is not production wins
            if header in self.block:
                inner = self.block[header]
            else:
                line = self.code(header)
                inner = self.block[header] = self.narrowing(line[0]) if line is not None else None
            if inner is None:
                return None, self.statement_start(top)
            if kind == "production":
                kind = inner
        return kind, top

    def narrowing(self, header: str) -> Narrowing | None:
        """What a block header does to the imports in its body, when its one line tells; None otherwise."""
        if not _HEADER_END.search(header) or _CLAUSE.match(header) or not _BLOCK.match(header):
            return None  # clauses, try, match: ast knows which handler or branch
        if header.startswith(("def ", "class ", "async def ")):
            return "production"
        if header.startswith("with "):
            return None if "suppress" in header else "production"
        if not header.startswith(("if ", "for ", "while ")):
            return None
        try:
            node = ast.parse(header + "\n pass").body[0]
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None  # not a header after all (a comprehension's continuation line, say)
        if not isinstance(node, ast.If):
            return "production"
        if self.is_type_checking(node.test):
            return "type-checking"
        return "conditional" if self.condition(node.test) is False else "production"

    def statement_start(self, top: int) -> int:
        """Where the top-level statement holding this column-0 line begins (its `try:` for an `except:`)."""
        start: int | None = top
        while start is not None:
            line = self.code(start)
            if line is not None and line[1] == 0 and not _CLAUSE.match(line[0]) and not self.continued(start):
                return start
            start = self.previous(start)
        raise GiveUp

    def statement_end(self, start: int) -> int:
        """Where the next top-level statement begins (or the end of the text)."""
        following = self.following(start)
        while following is not None:
            line = self.code(following)
            if line is not None and line[1] == 0 and not _CLAUSE.match(line[0]) and not self.continued(following):
                return following
            following = self.following(following)
        return len(self.source)


def read(
    source: str,
    words: list[int],
    spans: list[tuple[int, int]],
    simple: Callable[[str], list[tuple[str, str | None]] | None],
    condition: Callable[[ast.expr], bool | None],
    is_type_checking: Callable[[ast.expr], bool],
) -> tuple[list[tuple[int, str, str | None, Narrowing]], list[tuple[int, int]]]:
    """(line start, module, name, kind) of the one-line imports, and (start, end) of the top-level statements
    to parse with ast. Raises GiveUp when the file must be read another way."""
    if "\t" in source and _TAB_INDENT.search(source):
        raise GiveUp  # tabs and spaces: which is deeper is not a matter of counting
    lines = Lines(source, spans, condition, is_type_checking)
    found: list[tuple[int, str, str | None, Narrowing]] = []
    statements: list[tuple[int, int]] = []
    done = -1  # imports before this position are covered by a statement parsed with ast
    for pos in words:
        if pos < done or lines.in_string(pos):
            continue
        start = source.rfind("\n", 0, pos) + 1
        if found and found[-1][0] == start:
            continue  # a second `import` word on a line already read (in its comment)
        end = source.find("\n", pos)
        text = source[start : end if end >= 0 else len(source)]
        stripped = text.lstrip(" ")
        if stripped[0] == "#":
            continue  # the word is in a comment
        imports = simple(stripped)
        if imports is None or (start and lines.continued(start)):
            raise GiveUp  # `x = 1; import y`, `from a import (`, an `import` inside a string...
        indent = len(text) - len(stripped)
        if not indent:
            found += [(start, module, name, "production") for module, name in imports]
            continue
        kind, top = lines.kind_at(start, indent)
        if kind is None:
            end = lines.statement_end(top)
            statements.append((top, end))
            found = [f for f in found if f[0] < top]
            done = end
            continue
        found += [(start, module, name, kind) for module, name in imports]
    return found, statements
