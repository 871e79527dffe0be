"""deploycheck.imports.collect and deploycheck.runtime.stdlib: reading an app's imports and judging them against the
deploy's stdlib, the repository's own modules and the pinned distributions' metadata."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from deploycheck.errors import CheckError
from deploycheck.imports import classify, parse, providers
from deploycheck.imports import collect as imports
from deploycheck.imports.classify import Import
from deploycheck.imports.collect import ImportScan, collect
from deploycheck.imports.providers import resolve
from deploycheck.repo.repository import Repository
from deploycheck.runtime import stdlib

DATA = Path(__file__).parents[1] / "data"
CORPUS = DATA / "import-corpus"
LAYOUTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def metadata() -> dict[str, list[str]]:
    """dist -> dotted modules, from the RECORD / top_level.txt data of the corpus's distributions."""
    raw = json.loads((DATA / "import-metadata.json").read_text())
    out = {}
    for dist, entry in raw.items():
        if dist.startswith("_"):
            continue
        if "record" in entry:
            out[dist] = providers.modules_from_record("\n".join(entry["record"]))
        else:
            out[dist] = providers.modules_from_top_level(entry["top_level"])
    return out


PROVIDED = metadata()


def declared_in(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            with contextlib.suppress(InvalidRequirement):
                names.add(Requirement(line).name)
    return names


def verdicts_for(
    scan: ImportScan, python: str, declared: set[str], transitive: set[str] = frozenset()
) -> list[providers.ImportVerdict]:
    pinned = {d.lower().replace("_", "-").replace(".", "-") for d in declared | transitive}
    provided: Mapping[str, list[str]] = {d: m for d, m in PROVIDED.items() if d in pinned}
    return resolve(scan, python=python, provided=provided, declared=declared, transitive=transitive)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return root


def kinds(scan: ImportScan) -> dict[str, str]:
    return {i.dotted: i.kind for i in scan.imports}


# ------------------------------------------------------------------------------------------------ corpus


def test_corpus_has_the_layouts_the_issue_asks_for() -> None:
    assert len(LAYOUTS) >= 20
    for must in ("single-file-streamlit", "src-layout", "streamlit-multipage", "notebook-analysis"):
        assert must in LAYOUTS


@pytest.mark.parametrize("layout", LAYOUTS)
def test_corpus_layout(layout: str) -> None:
    folder = CORPUS / layout
    expected = json.loads((folder / "expected.json").read_text())
    app = folder / expected["app"]
    scan = collect(app, Repository.at(folder), python=expected["python"])
    assert scan.files > 0
    reqs = app / "requirements.txt" if (app / "requirements.txt").exists() else folder / "requirements.txt"
    verdicts = verdicts_for(scan, expected["python"], declared_in(reqs), set(expected["transitive"]))
    findings = [
        {"file": v.imp.file, "line": v.imp.line, "module": v.imp.module, "status": v.status, "dist": v.dist}
        for v in verdicts
        if v.status != "declared"
    ]
    want = [{**f, "file": Path(expected["app"], f["file"]).as_posix()} for f in expected["findings"]]
    assert findings == want
    assert len(scan.problems) == expected["problems"], scan.problems
    # The fast path finds exactly what parsing every file whole finds.
    whole = collect(app, Repository.at(folder), python=expected["python"], whole=True)
    assert sorted(scan.imports, key=repr) == sorted(whole.imports, key=repr)


def test_corpus_display_paths_are_from_the_repository_root() -> None:
    folder = CORPUS / "monorepo-subfolder"
    scan = collect(folder / "apps/dashboard", Repository.at(folder), python="3.12")
    assert {i.file for i in scan.imports} == {"apps/dashboard/app.py", "apps/dashboard/components.py"}
    assert {"shared", "components"} <= scan.local


def test_notebook_cells_skip_magics_and_shell_lines() -> None:
    folder = CORPUS / "notebook-analysis"
    scan = collect(folder, Repository.at(folder), python="3.12")
    found = [(i.module, i.cell, i.line) for i in scan.imports]
    assert found == [("pandas", 2, 4), ("matplotlib.pyplot", 2, 5), ("helpers", 4, 4)]
    assert scan.imports[0].where() == "analysis.ipynb:cell 2:4"
    # The checkpoint copy is skipped (it would be a problem: it is not JSON).
    assert scan.problems == []


# ------------------------------------------------------------------------------------------ classification


def test_classifications(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": """
import sys
import typing
from typing import TYPE_CHECKING
from contextlib import suppress
import prod_a
if TYPE_CHECKING:
    import tc_a
else:
    import prod_b
if typing.TYPE_CHECKING:
    import tc_b
try:
    import guard_a
except ImportError:
    import guard_b
try:
    import guard_c
except (ValueError, ModuleNotFoundError):
    pass
try:
    import guard_d
except Exception:
    pass
try:
    import guard_e
except:
    pass
try:
    import prod_c
except ValueError:
    import prod_d
with suppress(ImportError):
    import guard_f
if sys.version_info < (3, 11):
    import cond_a
elif sys.platform == "win32":
    import cond_b
else:
    import prod_e
if sys.version_info >= (3, 12, 1):
    import prod_f
def f():
    import prod_g
    class C:
        from prod_h import x
from . import rel_a
from .pkg import rel_b
""",
            "tests/test_x.py": "import test_a\n",
            "test_y.py": "import test_b\n",
            "y_test.py": "import test_c\n",
            "conftest.py": "import test_d\n",
            "setup.py": "import tool_a\n",
            "docs/conf.py": "import tool_b\n",
        },
    )
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.12")
    got = kinds(scan)
    for dotted, kind in got.items():
        prefix = dotted.lstrip(".").split("_")[0]
        want = {
            "prod": "production",
            "tc": "type-checking",
            "guard": "guarded",
            "cond": "conditional",
            "test": "test",
            "tool": "tooling",
            "rel": "relative",
        }.get(prefix)
        if want:
            assert kind == want, dotted
    assert got["prod_h.x"] == "production"
    assert len([d for d in got if d.split("_")[0].lstrip(".") in ("prod", "tc", "guard", "cond", "test", "tool")]) == 24
    assert got[".rel_a"] == "relative" and got[".pkg.rel_b"] == "relative"


@pytest.mark.parametrize(
    ("python", "tomli", "tomllib"), [("3.10", "production", "conditional"), ("3.12", "conditional", "production")]
)
def test_version_conditions_are_judged_for_the_deploy_python(
    tmp_path: Path, python: str, tomli: str, tomllib: str
) -> None:
    write(
        tmp_path,
        {"app.py": "import sys\nif sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli\n"},
    )
    got = kinds(collect(tmp_path, Repository.at(tmp_path), python=python))
    assert got == {"sys": "production", "tomllib": tomllib, "tomli": tomli}


def test_a_micro_version_condition_is_undecided_so_both_branches_count(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import sys\nif sys.version_info >= (3, 12, 4):\n    import a\nelse:\n    import b\n"})
    got = kinds(collect(tmp_path, Repository.at(tmp_path), python="3.12"))
    assert got["a"] == got["b"] == "production"


def test_local_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/core/__init__.py": "",
            "app/main.py": "import helpers\nimport core\nimport rootmod\n",
            "app/helpers.py": "",
            "app/nspkg/mod.py": "",
            "rootmod.py": "",
            "app/ext.cpython-312-x86_64-linux-gnu.so": "",
            "venv/lib/python3.12/site-packages/requests/__init__.py": "",
        },
    )
    (tmp_path / "venv/pyvenv.cfg").write_text("home = /usr\n")
    scan = collect(tmp_path / "app", Repository.at(tmp_path), python="3.12")
    assert {"helpers", "core", "rootmod", "nspkg", "ext", "main", "__future__"} <= scan.local
    assert "requests" not in scan.local
    assert verdicts_for(scan, "3.12", set()) == []


# ------------------------------------------------------------------------------------------------ mappings


@pytest.mark.parametrize(
    ("source", "dist"),
    [
        ("import sklearn", "scikit-learn"),
        ("import cv2", "opencv-python-headless"),
        ("from PIL import Image", "pillow"),
        ("import yaml", "pyyaml"),
        ("from bs4 import BeautifulSoup", "beautifulsoup4"),
        ("from dotenv import load_dotenv", "python-dotenv"),
        ("from google.cloud import storage", "google-cloud-storage"),
        ("import google.cloud.storage", "google-cloud-storage"),
        ("from discord.ext import commands", "discord-py"),
    ],
)
def test_import_names_map_to_distributions_from_metadata(tmp_path: Path, source: str, dist: str) -> None:
    write(tmp_path, {"app.py": source + "\n"})
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.12")
    everything = {"google-cloud-core", "google-api-core", "protobuf", "googleapis-common-protos", "types-pyyaml"}
    (verdict,) = verdicts_for(scan, "3.12", {dist}, everything)
    assert (verdict.status, verdict.dist) == ("declared", dist)


def test_cv2_is_provided_by_either_opencv(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import cv2\n"})
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.12")
    (verdict,) = verdicts_for(scan, "3.12", {"opencv-python"})
    assert (verdict.status, verdict.dist) == ("declared", "opencv-python")


def test_a_shared_namespace_folder_does_not_provide_its_other_packages(tmp_path: Path) -> None:
    # google/cloud is a folder many distributions install into: having storage and core is not having bigquery.
    write(tmp_path, {"app.py": "from google.cloud import bigquery\n"})
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.12")
    (verdict,) = verdicts_for(scan, "3.12", {"google-cloud-storage"}, {"google-cloud-core"})
    assert (verdict.status, verdict.dist) == ("missing", None)


def test_modules_from_record() -> None:
    record = "\n".join(
        [
            "yaml-stubs/__init__.pyi,sha256=x,1",  # types-PyYAML: a stub-only package is not importable
            "pkg-1.0.data/purelib/purepkg/mod.py,,",
            "../../bin/tool,,",
            "pkg-1.0.dist-info/METADATA,,",
            "ns/sub/leaf.py,,",
            "ns/sub/__pycache__/leaf.cpython-312.pyc,,",
            '"odd,name.py",,',
            "_ext.cpython-312-x86_64-linux-gnu.so,,",
        ]
    )
    assert providers.modules_from_record(record) == ["_ext", "ns.sub.leaf", "purepkg.mod"]
    assert providers.modules_from_top_level("bs4\n\ngoogle/cloud\nnot-a-name\n") == ["bs4", "google.cloud"]


def test_missing_and_transitive_and_fallbacks(tmp_path: Path) -> None:
    write(
        tmp_path, {"app.py": "import pandas\nimport psycopg2\nimport tomllib\nimport MySQLdb\nimport nothing_at_all\n"}
    )
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.10")
    got = {v.imp.module: v for v in verdicts_for(scan, "3.10", {"streamlit", "psycopg2"}, {"pandas"})}
    assert (got["pandas"].status, got["pandas"].dist) == ("transitive", "pandas")
    # psycopg2 has no metadata here (sdist only): a pinned distribution of the same name provides it.
    assert (got["psycopg2"].status, got["psycopg2"].dist) == ("declared", "psycopg2")
    assert (got["tomllib"].status, got["tomllib"].stdlib_from) == ("missing", 11)
    assert (got["MySQLdb"].status, got["MySQLdb"].dist) == ("missing", "mysqlclient")
    assert (got["nothing_at_all"].status, got["nothing_at_all"].dist) == ("missing", None)


def test_removed_modules_per_target(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import imp\nimport imghdr\nimport sre_parse\n"})
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.11")
    assert verdicts_for(scan, "3.11", set()) == []
    on_312 = {v.imp.module: v.removed for v in verdicts_for(scan, "3.12", set())}
    assert on_312 == {"imp": (12, "importlib")}
    on_313 = {v.imp.module for v in verdicts_for(scan, "3.13", set()) if v.status == "removed"}
    assert on_313 == {"imp", "imghdr"}
    on_315 = {v.imp.module for v in verdicts_for(scan, "3.15", set()) if v.status == "removed"}
    assert on_315 == {"imp", "imghdr", "sre_parse"}


# -------------------------------------------------------------------------------------------------- stdlib


@pytest.mark.parametrize(
    ("module", "first"),
    [("tomllib", "3.11"), ("zoneinfo", "3.9"), ("graphlib", "3.9"), ("dataclasses", "3.7"), ("annotationlib", "3.14")],
)
def test_stdlib_additions(module: str, first: str) -> None:
    minor = int(first.split(".")[1])
    assert module in stdlib.stdlib_modules(first)
    assert module not in stdlib.stdlib_modules(f"3.{minor - 1}")
    assert stdlib.added_in(module) == minor


def test_stdlib_per_version() -> None:
    assert "distutils" in stdlib.stdlib_modules("3.11") and "distutils" not in stdlib.stdlib_modules("3.12")
    assert "imghdr" in stdlib.stdlib_modules("3.12.7") and "imghdr" not in stdlib.stdlib_modules("3.13")
    assert "sre_parse" in stdlib.stdlib_modules("3.14") and "sre_parse" not in stdlib.stdlib_modules("3.15")
    assert "profiling" in stdlib.stdlib_modules("3.15") and "profiling" not in stdlib.stdlib_modules("3.14")
    assert "__future__" in stdlib.stdlib_modules("3.6") and "os" in stdlib.stdlib_modules("3.15")
    for minor in range(6, 16):
        assert "lib" not in stdlib.stdlib_modules(f"3.{minor}")  # stdlib-list's 3.9 slip


@pytest.mark.parametrize("bad", ["2.7", "3.5", "3.16", "three", "3"])
def test_stdlib_refuses_unknown_versions(bad: str) -> None:
    with pytest.raises(ValueError):
        stdlib.stdlib_modules(bad)
    with pytest.raises(CheckError):
        collect(Path(__file__).parent, Repository.at(Path(__file__).parent), python=bad)


def test_removed_table_agrees_with_stdlib_list() -> None:
    for module, (minor, instead) in stdlib.REMOVED.items():
        assert instead
        assert module in stdlib.stdlib_modules(f"3.{minor - 1}"), module
        assert module not in stdlib.stdlib_modules(f"3.{minor}"), module
        assert stdlib.removed_in(module, f"3.{minor}") == (minor, instead)
        assert stdlib.removed_in(module, f"3.{minor - 1}") is None


def test_running_python_matches_its_table() -> None:
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    public = {m for m in sys.stdlib_module_names if not m.startswith("_")} - {"test", "idlelib", "this", "antigravity"}
    missing = public - stdlib.stdlib_modules(minor)
    assert not missing


def test_backports() -> None:
    for name in ("dataclasses", "importlib_metadata", "Typing-Extensions", "backports.zoneinfo", "tomli"):
        assert stdlib.is_backport_name(name), name
    for name in ("typing", "asyncio", "pathlib", "argparse", "enum34"):
        assert not stdlib.is_backport_name(name), name


# ----------------------------------------------------------------------------------------- hostile inputs


def test_bad_files_are_problems_not_crashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1000)
    write(
        tmp_path,
        {
            "py2.py": "import urllib2\nprint 'x'\n",
            "big.py": "import huge\n" + "x = 1\n" * 500,
            "latin.py": "# -*- coding: latin-1 -*-\nimport caf\xe9\n".encode("latin-1"),
            "garbage.py": b"import a\n\xff\xfe\x00bad = '\xff'\n",
            "nul.py": b"import a\x00\n",
            # The nesting sits in a statement that is parsed (a try): one-line imports are read without ast.
            "deep.py": "try:\n    import deep\nexcept ImportError:\n    x = " + "(" * 300 + ")" * 300 + "\n",
            "nb.ipynb": "{not json",
            "nb2.ipynb": json.dumps({"cells": [{"cell_type": "code", "source": "import ok\ndef (:\n"}]}),
            "fine.py": "import fine\n",
        },
    )
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.12")
    problems = {p.file: p for p in scan.problems}
    assert set(problems) == {"py2.py", "big.py", "garbage.py", "nul.py", "deep.py", "nb.ipynb", "nb2.ipynb"}
    assert problems["py2.py"].line == 2 and "cannot parse" in problems["py2.py"].message
    assert "larger than" in problems["big.py"].message
    assert {i.module for i in scan.imports} == {"café", "fine"}


def test_symlinks_out_of_the_repository_are_not_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"secret.py": "import secret_dependency\n", "pkg/mod.py": "import other\n"})
    repo = write(tmp_path / "repo", {"app.py": "import flask\n"})
    os.symlink(outside / "secret.py", repo / "link.py")
    os.symlink(outside / "pkg", repo / "linkdir")
    scan = collect(repo, Repository.at(repo), python="3.12")
    assert {i.module for i in scan.imports} == {"flask"}
    assert [p.file for p in scan.problems] == ["link.py"]
    with pytest.raises(CheckError):
        collect(repo / "linkdir", Repository.at(repo), python="3.12")


def test_file_count_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_FILES", 3)
    write(tmp_path, {f"m{n}.py": f"import dep{n}\n" for n in range(6)})
    scan = collect(tmp_path, Repository.at(tmp_path), python="3.12")
    assert scan.files == 3 and len(scan.imports) == 3
    assert "stopped after 3 files" in scan.problems[0].message


def test_string_scanner_is_linear_on_quote_soup() -> None:
    # Adversarial text for the triple-quote scanner: it must finish (no catastrophic backtracking).
    soup = ("'\"\\#\n" * 50_000) + "import x\n"
    pieces = parse.statement_pieces(soup)
    assert pieces is not None


def test_fast_path_equals_whole_parse_on_real_code() -> None:
    """The per-statement fast path against whole-file ast.parse, on the running Python's own library."""
    lib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p for pkg in ("asyncio", "email", "importlib", "json", "logging", "unittest") for p in (lib / pkg).rglob("*.py")
    )
    files += sorted(lib.glob("*.py"))
    assert len(files) > 250
    differ = []
    for path in files:
        source = parse.decode_source(path.read_bytes())
        fast = classify.Collector(classify.ImportTarget(12), path.name, "production", None, 0)
        whole = classify.Collector(classify.ImportTarget(12), path.name, "production", None, 0)
        parse.parse_source(source, whole, whole=True)
        parse.parse_source(source, fast, whole=False)
        if sorted(fast.found, key=repr) != sorted(whole.found, key=repr):
            differ.append(path.name)
    assert differ == []


def test_imports_in_strings_and_docstrings_are_not_imports(tmp_path: Path) -> None:
    folder = CORPUS / "docstrings-and-strings"
    scan = collect(folder, Repository.at(folder), python="3.12")
    assert [(i.module, i.line) for i in scan.imports] == [("flask", 6), ("json", 18)]


def test_import_record_api() -> None:
    imp = Import("a.py", 3, "google.cloud", "storage", "production")
    assert imp.dotted == "google.cloud.storage" and imp.top == "google" and imp.where() == "a.py:3"
    assert Import("a.py", 1, "x", "*", "production").dotted == "x"


def test_dynamic_imports_with_a_literal_are_imports(tmp_path: Path) -> None:
    """#17: importlib.import_module("x") and __import__("x") with a literal count, in their context (a function
    body is production, a try/except ImportError guarded); a name built at run time is not guessed."""
    write(
        tmp_path,
        {
            "app.py": "import importlib\n\n\ndef load():\n    return importlib.import_module('yaml')\n\n\n"
            "try:\n    fast = __import__('orjson')\nexcept ImportError:\n    fast = None\n"
            "plugin = importlib.import_module(f'plugins.{name}')\nrel = importlib.import_module('.sub', __package__)\n",
        },
    )
    for whole in (False, True):
        got = kinds(collect(tmp_path, Repository.at(tmp_path), python="3.12", whole=whole))
        assert got == {"importlib": "production", "yaml": "production", "orjson": "guarded", ".sub": "relative"}
