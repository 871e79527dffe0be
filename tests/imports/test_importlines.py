"""deploycheck.imports.importlines: imports read by indentation find exactly what a whole-file ast parse finds, with
the same kind and line, on the shapes that could fool a line reader."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from deploycheck.imports import classify, importlines, parse
from deploycheck.imports import collect as imports
from deploycheck.imports.classify import Import
from deploycheck.repo.repository import Repository

SNIPPETS = {
    "lazy": "def f():\n    import lazy_a\n    from lazy_b import x\n    return x\n",
    "nested-def-class": "class A:\n    import in_class\n    def m(self):\n        import in_method\n",
    "type-checking-in-def": "def f():\n    if TYPE_CHECKING:\n        import tc\n    import prod\n",
    "typing-attr": "import typing\nif typing.TYPE_CHECKING:\n    import tc\n",
    "platform": "def f():\n    if sys.platform == 'win32':\n        import winreg_like\n"
    "    if sys.version_info >= (3, 11):\n        import tomllib\n    else:\n        import tomli\n",
    "try-in-def": "def f():\n    try:\n        import ujson\n    except ImportError:\n        import json as ujson\n"
    "    import after\n",
    "try-value-error": "try:\n    import maybe\nexcept ValueError:\n    import fallback\nelse:\n    import orelse\n"
    "finally:\n    import fin\n",
    "handler-only": "try:\n    x = 1\nexcept ImportError:\n    import only_in_handler\n",
    "suppress": "from contextlib import suppress\nwith suppress(ImportError):\n    import optional\n"
    "with open('f') as fh:\n    import inside_with\n",
    "match": "match x:\n    case 1:\n        import in_case\n",
    "docstring-lines": 'def f():\n    """Example:\n\nimport not_code\n  try:\n    """\n    import real\n',
    "docstring-lower-header": 'try:\n    s = """\ndef g():\n"""\n    import guarded\nexcept ImportError:\n    pass\n',
    "comprehension-for": "try:\n    y = [a\nfor a in b]\n    import guarded2\nexcept ImportError:\n    pass\n",
    "conditional-expr": "try:\n    y = (a\nif c else d)\n    import guarded3\nexcept ImportError:\n    pass\n",
    "continuation-paren": "def f():\n    x = foo(\n1)\n    import after_paren\n",
    "backslash": "def f():\n    x = 1 + \\\n        2\n    import after_backslash\n",
    "string-backslash": "s = 'a\\\nimport not_an_import'\nimport real2\n",
    "multiline-def": "def f(\n    a,\n):\n    import in_multiline_def\n",
    "decorated": "@decorator\ndef f():\n    import decorated_lazy\n",
    "one-liner": "if x: import one_liner\ndef g(): import one_liner_def\n",
    "semicolon": "def f():\n    x = 1; import semi\n",
    "comment-import": "def f():\n    # import not_this\n    x = 1  # import nor_this\n    import this_one\n",
    "relative": "def f():\n    from . import sibling\n    from ..pkg import thing\n",
    "tabs": "def f():\n\tif TYPE_CHECKING:\n\t\timport tabbed_tc\n\timport tabbed\n",
    "elif": "if sys.platform == 'darwin':\n    import mac\nelif sys.platform == 'linux':\n    import lin\n",
    "async": "async def f():\n    import in_async\n    async with x:\n        import in_async_with\n",
    "while-for": "for i in x:\n    import in_for\nwhile y:\n    import in_while\nelse:\n    import in_else\n",
    "crlf": "def f():\r\n    import crlf_lazy\r\nif TYPE_CHECKING:\r\n    import crlf_tc\r\n",
    "deep-if-try": "def f():\n    if True:\n        try:\n            import deep_guarded\n        except Exception:\n"
    "            pass\n        import deep_prod\n",
    "parenthesised-from": "def f():\n    from pkg import (\n        a,\n        b,\n    )\n",
    "header-comment": "def f():  # a: comment\n    if TYPE_CHECKING:  # why: types\n        import tc_commented\n",
}


def both(tmp_path: Path, source: str, python: str = "3.12") -> tuple[list[Import], list[Import]]:
    (tmp_path / "app.py").write_text(source, newline="")
    fast = imports.collect(tmp_path, Repository.at(tmp_path), python=python)
    whole = imports.collect(tmp_path, Repository.at(tmp_path), python=python, whole=True)
    assert fast.problems == whole.problems
    return fast.imports, whole.imports


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_as_whole_parse(name: str, tmp_path: Path) -> None:
    fast, whole = both(tmp_path, SNIPPETS[name])
    assert sorted(fast, key=repr) == sorted(whole, key=repr)


def test_kinds_read_from_indentation(tmp_path: Path) -> None:
    fast, _ = both(tmp_path, SNIPPETS["type-checking-in-def"] + SNIPPETS["platform"] + SNIPPETS["try-in-def"])
    kinds = {i.module: i.kind for i in fast}
    assert kinds == {
        "tc": "type-checking",
        "prod": "production",
        "winreg_like": "conditional",
        "tomllib": "production",
        "tomli": "conditional",
        "ujson": "guarded",
        "json": "guarded",
        "after": "production",
    }


def test_lines_read_without_ast() -> None:
    """The line reader itself judges def, if TYPE_CHECKING and platform branches, and hands try to ast."""
    source = SNIPPETS["lazy"] + SNIPPETS["type-checking-in-def"] + SNIPPETS["try-in-def"]
    words = parse.import_words(source)
    found, statements = importlines.read(
        source, words, [], parse.simple_import, classify.ImportTarget(12).truth, classify.is_type_checking
    )
    assert [(m, k) for _, m, _, k in found] == [
        ("lazy_a", "production"),
        ("lazy_b", "production"),
        ("tc", "type-checking"),
        ("prod", "production"),
    ]
    assert len(statements) == 1 and source[statements[0][0] :].startswith("def f():\n    try:")


def test_tabs_and_strange_lines_give_up() -> None:
    for name in ("tabs", "semicolon", "string-backslash"):
        source = SNIPPETS[name]
        with pytest.raises(importlines.GiveUp):
            importlines.read(
                source,
                parse.import_words(source),
                [],
                parse.simple_import,
                classify.ImportTarget(12).truth,
                classify.is_type_checking,
            )


def test_work_is_bounded() -> None:
    """A deep import under thousands of lines at one indentation: the upward scans jump over what they saw."""
    body = "".join(f"    x{n} = {n}\n    import m{n}\n" for n in range(5000))
    source = "def f():\n" + body
    lines = importlines.Lines(source, [], lambda e: None, classify.is_type_checking)
    for pos in parse.import_words(source):
        start = source.rfind("\n", 0, pos) + 1
        assert lines.kind_at(start, 4)[0] == "production"
    assert lines.budget > 1000  # far fewer line visits than lines x imports


BLOCKS = [
    ("def f{n}():", 4),
    ("class C{n}:", 4),
    ("if TYPE_CHECKING:", 4),
    ("if sys.platform == 'win32':", 4),
    ("if sys.version_info < (3, 8):", 4),
    ("for i{n} in range(3):", 4),
    ("while x{n}:", 4),
    ("with open('f') as fh{n}:", 4),
    ("try:", 4),
]
STATEMENTS = [
    "import mod{n}",
    "from pkg{n} import name{n}",
    "from . import rel{n}",
    "x{n} = [a for a in b]",
    '"""doc\nimport in_doc{n}\n"""',
    "# import commented{n}",
    "y{n} = (1,\n2)",
]


def _random_source(rng: random.Random) -> str:
    lines: list[str] = []
    counter = iter(range(10_000))

    def block(depth: int, indent: str) -> None:
        for _ in range(rng.randint(1, 4)):
            n = next(counter)
            if depth < 4 and rng.random() < 0.4:
                header, _ = rng.choice(BLOCKS)
                lines.append(indent + header.format(n=n))
                block(depth + 1, indent + "    ")
                if header == "try:":
                    lines.append(indent + rng.choice(["except ImportError:", "except ValueError:", "finally:"]))
                    block(depth + 1, indent + "    ")
            else:
                statement = rng.choice(STATEMENTS).format(n=n)
                if statement.startswith("#"):
                    statement += "\npass"  # a block of only a comment is no block
                first, *rest = statement.split("\n")
                lines.append(indent + first)
                # Continuation lines of strings and brackets at column 0; a `pass` after a comment indented.
                lines.extend(indent + part if part == "pass" else part for part in rest)

    block(0, "")
    return "\n".join(lines) + "\n"


def test_random_nestings_match_whole_parse(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    for _ in range(300):
        source = _random_source(rng)
        compile(source, "generated", "exec")  # the generator writes valid Python
        fast, whole = both(tmp_path, source)
        assert sorted(fast, key=repr) == sorted(whole, key=repr), source
