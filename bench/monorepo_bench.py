"""A monorepo of N apps (default 20), each with its own uv lock, on a local index: deploycheck against N raw
`uv pip compile` runs one after the other, in one run, medians.

    python bench/monorepo_bench.py [--apps 20] [--reps 3] [--jobs 1,2,4] [--real-index]

Each app's requirements.in names a few of a shared set of packages (with dependencies of their own) and a
package of its own; its requirements.txt is what raw uv compiles, so every lock is in sync. Raw uv runs warm
(its cache filled by the locking). deploycheck runs with --index-url the local index, every check and the
drift check alone (--select DC1), at each --jobs; its resolvers start with a cache of the run's own, as in
every run. Ratios are against the sum of the raw runs.

--real-index: the apps name real projects instead (a few each of REAL, as web apps do) and everything runs
against the index this machine's resolvers use (PyPI, or the mirror the proxy serves), as bench/bench.py
does: the network's latency, which a local index hides, is then part of every resolve, raw or not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pkgindex import Dist, IndexServer, build_index

from deploycheck.resolve import interpreters, resolver

PYTHON = "3.12"
SHARED = 30
# Pure-Python projects with wheels and dependencies of their own, as small web apps name them.
REAL = (
    "requests", "flask", "click", "jinja2", "httpx", "pydantic", "rich", "attrs", "python-dateutil", "pyyaml",
    "sqlalchemy", "fastapi", "gunicorn", "uvicorn", "markdown", "pytz", "tqdm", "itsdangerous", "werkzeug",
    "anyio", "tenacity", "structlog", "sentry-sdk", "python-dotenv", "beautifulsoup4", "typer",
)  # fmt: skip
IMPORT_NAME = {"python-dateutil": "dateutil", "pyyaml": "yaml", "beautifulsoup4": "bs4", "python-dotenv": "dotenv"}


def universe(apps: int) -> list[Dist]:
    dists = [Dist(f"base{i:02d}", v, requires_python=">=3.8") for i in range(10) for v in ("1.0", "1.1", "2.0")]
    for i in range(SHARED):
        deps = [f"base{i % 10:02d}>=1", f"base{(i * 3 + 1) % 10:02d}"]
        dists += [Dist(f"shared{i:02d}", v, deps, requires_python=">=3.8") for v in ("1.0", "1.5", "2.0")]
    for a in range(apps):
        dists.append(Dist(f"own{a:03d}", "1.0", [f"shared{(a + 7) % SHARED:02d}"], requires_python=">=3.8"))
    return dists


def requirements_of(a: int, real: bool) -> list[str]:
    if real:
        return sorted({REAL[(a * 5 + k * 7) % len(REAL)] for k in range(4)})
    picks = sorted({(a * 5 + k * 7) % SHARED for k in range(5)})
    return [f"shared{p:02d}" for p in picks] + [f"own{a:03d}"]


def make_repo(root: Path, apps: int, real: bool = False) -> list[Path]:
    folders = []
    for a in range(apps):
        folder = root / "apps" / f"app{a:03d}"
        folder.mkdir(parents=True)
        lines = requirements_of(a, real)
        (folder / "requirements.in").write_text("\n".join(lines) + "\n")
        (folder / ".python-version").write_text(PYTHON + "\n")
        (folder / "Procfile").write_text("web: gunicorn app:app\n")
        (folder / "app.py").write_text(
            "\n".join(f"import {IMPORT_NAME.get(n, n.replace('-', '_'))}" for n in lines) + "\n"
        )
        folders.append(folder)
    return folders


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--jobs", default="1,2,4", help="the --jobs values to time, comma-separated")
    parser.add_argument("--real-index", action="store_true", help="real projects, this machine's index")
    args = parser.parse_args()
    interp = interpreters.find(PYTHON)
    if interp is None:
        raise SystemExit(f"needs CPython {PYTHON}")
    with tempfile.TemporaryDirectory(prefix="dc-mono-bench-") as tmp:
        os.chmod(tmp, 0o755)  # as root, deploycheck's sandbox user reads the repository's copy only
        if args.real_index:
            rows = measure(Path(tmp), None, interp.path, args)
        else:
            build_index(universe(args.apps), Path(tmp, "index"))
            with IndexServer(Path(tmp, "index")) as server:
                rows = measure(Path(tmp), server.url + "/simple", interp.path, args)
    where = "this machine's index" if args.real_index else "local index"
    print(f"\n{args.apps} apps, each its own uv lock, Python {interp.version}, {where}; median of {args.reps}")
    print(f"{'measure':<58} {'time':>8} {'vs raw':>8}")
    raw_total = rows[0][1]
    for label, took in rows:
        print(f"{label:<58} {took:>7.2f}s {took / raw_total:>7.2f}x")


def measure(tmp: Path, index: str | None, python: str, args: argparse.Namespace) -> list[tuple[str, float]]:
    """The raw runs' total and deploycheck's rows. index None: the machine's own, given to no command."""
    folders = make_repo(tmp / "repo", args.apps, real=index is None)
    uv_env = resolver.clean_env({"UV_PYTHON": python})
    on_index = ["--index-url", index] if index else []
    raw = [resolver.uv_binary(), "pip", "compile", "-q", *on_index, "requirements.in", "-o", "requirements.txt"]
    for folder in folders:  # the locks, and uv's cache warmed
        timed(raw, folder, uv_env)
    raws = [sum(timed(raw, f, uv_env) for f in folders) for _ in range(args.reps)]
    # --no-cache: every run checks (the verdict cache would answer the repeats in 0.1 s)
    dc = [sys.executable, str(ROOT / "entrypoint.py"), str(tmp / "repo"), *on_index, "--no-cache"]
    rows = [(f"{args.apps} raw `uv pip compile`, one after the other", statistics.median(raws))]
    for jobs in args.jobs.split(","):
        for label, extra in (("every check", []), ("drift only", ["--select", "DC1"])):
            argv = [*dc, "--jobs", jobs, *extra]
            timed(argv, ROOT, ok=(0, 1))  # deploycheck's toolchains and interpreter memo made once
            took = statistics.median(timed(argv, ROOT, ok=(0, 1)) for _ in range(args.reps))
            rows.append((f"deploycheck --jobs {jobs}, {label}", took))
    return rows


if __name__ == "__main__":
    main()
