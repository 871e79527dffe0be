"""Time of the import scan (deploycheck.imports.collect.collect) on a generated 5,000-file app.

    python bench/imports_bench.py [--files 5000] [--reps 5] [--real DIR]

The default tree is app-shaped: 250 packages of 20 modules, each module 60 to 400 lines (median about 5 KB,
the size of a real Flask/Streamlit module): a docstring, an import block, a guarded import, a TYPE_CHECKING
block, functions with lazy imports, classes, and SQL/prompt text in triple-quoted strings.
--real DIR instead fills the tree with copies of the .py files found under DIR (for instance a
site-packages: library code, larger and with more imports inside functions).
Prints the median of --reps runs of the fast path and of whole-file parsing, and checks both find the same.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploycheck.imports import collect as imports
from deploycheck.imports import providers
from deploycheck.imports.classify import Import
from deploycheck.repo.repository import Repository

HEAD = '''"""{name}: part of the generated benchmark app.

Usage example (not code):

import this_is_inside_a_docstring
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import requests
import streamlit as st
from sqlalchemy import create_engine, text

from pkg{peer}.mod{peer_mod} import helper
from .sibling import thing

try:
    import ujson
except ImportError:
    ujson = None

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger(__name__)
QUERY = """
select id, name
from users
where created > :since
"""
'''

FUNC = '''

def step_{i}(frame: pd.DataFrame, limit: int = {i}) -> dict[str, object]:
    """Does step {i}: filters, groups and summarises."""
    rows = frame[frame["value"] > limit]
    totals = rows.groupby("key")["value"].sum().to_dict()
    payload = {{"step": {i}, "totals": totals, "n": len(rows)}}
    if len(rows) > 1000:
        log.info("large step %s: %s rows", {i}, len(rows))
    return payload
'''

LAZY = """

def export_{i}(data: dict[str, object], path: Path) -> None:
    import openpyxl  # only the export needs it

    book = openpyxl.Workbook()
    sheet = book.active
    for row, (key, value) in enumerate(data.items(), 1):
        sheet.cell(row=row, column=1, value=key)
        sheet.cell(row=row, column=2, value=str(value))
    book.save(path)
"""

CLASS = '''

@dataclass
class Model{i}:
    name: str
    size: int = {i}

    def describe(self) -> str:
        prompt = f"""Describe {{self.name}} of size {{self.size}}.
Answer in one line."""
        return prompt.strip()

    def fetch(self, url: str) -> dict[str, object]:
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        return json.loads(response.text)
'''


def app_tree(folder: Path, count: int) -> None:
    rng = random.Random(7)
    for n in range(count):
        package, module = divmod(n, 20)
        target = folder / f"pkg{package}" / f"mod{module}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / "__init__.py").touch()
        parts = [HEAD.format(name=target.name, peer=rng.randrange(250), peer_mod=rng.randrange(20))]
        for i in range(rng.randint(2, 14)):
            parts.append(rng.choice((FUNC, FUNC, LAZY, CLASS)).format(i=i))
        target.write_text("".join(parts))


def real_tree(folder: Path, count: int, source: Path) -> None:
    files = sorted(p for p in source.rglob("*.py") if p.is_file() and p.stat().st_size < imports.MAX_FILE_BYTES)
    if not files:
        raise SystemExit(f"no .py files under {source}")
    for n in range(count):
        target = folder / f"pkg{n // 20}" / f"mod{n % 20}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[n % len(files)].read_bytes())


def timed(folder: Path, whole: bool) -> tuple[float, float, imports.ImportScan]:
    """Wall and CPU seconds: on a shared machine the CPU time is the figure that says what the code costs."""
    start, cpu = time.perf_counter(), time.process_time()
    scan = imports.collect(folder, Repository.at(folder), python="3.12", whole=whole)
    return time.perf_counter() - start, time.process_time() - cpu, scan


def resolved(folder: Path) -> tuple[float, int]:
    """CPU seconds of the whole offline part of the DC5xx check: collect, then resolve against pinned metadata."""
    provided = {
        "numpy": ["numpy"],
        "pandas": ["pandas"],
        "requests": ["requests"],
        "streamlit": ["streamlit"],
        "sqlalchemy": ["sqlalchemy"],
        "openpyxl": ["openpyxl"],
    }
    cpu = time.process_time()
    scan = imports.collect(folder, Repository.at(folder), python="3.12")
    verdicts = providers.resolve(
        scan, python="3.12", provided=provided, declared=["streamlit", "sqlalchemy", "requests"], transitive=["numpy"]
    )
    return time.process_time() - cpu, len(verdicts)


def reached(folder: Path) -> tuple[float, float, float, int]:
    """CPU seconds of the reachability walk from a Procfile entry (#17) and of DC510's text pass over every file."""
    from deploycheck.imports import named, reach
    from deploycheck.project import entrypoints

    repo = Repository.at(folder)
    scan = imports.collect(folder, repo, python="3.12")
    cpu = time.process_time()
    found = entrypoints.find(folder, repo, "heroku")
    walked = reach.reach(scan, found, repo, folder)
    walk = time.process_time() - cpu
    cpu = time.process_time()
    (folder / "scripts").mkdir(exist_ok=True)
    (folder / "scripts" / "seed.py").write_text("import faker\n")
    unknown = reach.reach(scan, entrypoints.Entrypoints(), repo, folder)  # no entrypoint: every file a start
    assert len(unknown.reached) >= len(scan.paths) - 1
    walk_all = time.process_time() - cpu
    cpu = time.process_time()
    for path, _shown in imports.python_files(folder, repo):
        named.needs(path.read_text())
    return walk, walk_all, time.process_time() - cpu, len(walked.reached)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--real", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.real:
            real_tree(folder, args.files, args.real)
        else:
            app_tree(folder, args.files)
        size = sum(p.stat().st_size for p in folder.rglob("*.py"))
        load = os.getloadavg()[0]
        print(f"{args.files} files, {size / 1e6:.1f} MB, load average {load:.1f} on {os.cpu_count()} CPUs")
        found: dict[bool, list[Import]] = {}
        for whole in (False, True):
            times, cpus = [], []
            for _ in range(args.reps):
                took, cpu, scan = timed(folder, whole)
                times.append(took)
                cpus.append(cpu)
            label = "whole-file parse" if whole else "fast path"
            print(
                f"{label:17} wall median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})"
                f"  cpu median {statistics.median(cpus):.2f} s  ({len(scan.imports)} imports,"
                f" {len(scan.problems)} problems)"
            )
            found[whole] = sorted(scan.imports, key=repr)
        checks = [resolved(folder) for _ in range(args.reps)]
        print(
            f"collect + resolve cpu median {statistics.median(c for c, _ in checks):.2f} s"
            f" (min {min(c for c, _ in checks):.2f}; {checks[0][1]} verdicts)"
        )
        (folder / "Procfile").write_text("web: gunicorn pkg0.mod0:app\n")
        walks = [reached(folder) for _ in range(args.reps)]
        print(
            f"reach cpu median {statistics.median(w[0] for w in walks):.2f} s ({walks[0][3]} files reached from a"
            f" Procfile), {statistics.median(w[1] for w in walks):.2f} s with no entrypoint;"
            f" DC510 text pass cpu median {statistics.median(w[2] for w in walks):.2f} s"
        )
        if found[True] != found[False]:
            raise SystemExit("the fast path and whole-file parsing found different imports")
        print("fast path and whole-file parse found the same imports")


if __name__ == "__main__":
    main()
