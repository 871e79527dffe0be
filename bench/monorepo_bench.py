"""A monorepo of N apps (default 20), each with its own uv lock, on a local index: deploycheck against N raw
`uv pip compile` runs one after the other, in one run, medians.

    python bench/monorepo_bench.py [--apps 20] [--reps 3] [--jobs 1,2,4]

Each app's requirements.in names a few of a shared set of packages (with dependencies of their own) and a
package of its own; its requirements.txt is what raw uv compiles, so every lock is in sync. Raw uv runs warm
(its cache filled by the locking). deploycheck runs with --index-url the local index, every check and the
drift check alone (--select DC1), at each --jobs; its resolvers start with a cache of the run's own, as in
every run. Ratios are against the sum of the raw runs.
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


def universe(apps: int) -> list[Dist]:
    dists = [Dist(f"base{i:02d}", v, requires_python=">=3.8") for i in range(10) for v in ("1.0", "1.1", "2.0")]
    for i in range(SHARED):
        deps = [f"base{i % 10:02d}>=1", f"base{(i * 3 + 1) % 10:02d}"]
        dists += [Dist(f"shared{i:02d}", v, deps, requires_python=">=3.8") for v in ("1.0", "1.5", "2.0")]
    for a in range(apps):
        dists.append(Dist(f"own{a:03d}", "1.0", [f"shared{(a + 7) % SHARED:02d}"], requires_python=">=3.8"))
    return dists


def make_repo(root: Path, apps: int) -> list[Path]:
    folders = []
    for a in range(apps):
        folder = root / "apps" / f"app{a:03d}"
        folder.mkdir(parents=True)
        picks = sorted({(a * 5 + k * 7) % SHARED for k in range(5)})
        lines = [f"shared{p:02d}" for p in picks] + [f"own{a:03d}"]
        (folder / "requirements.in").write_text("\n".join(lines) + "\n")
        (folder / ".python-version").write_text(PYTHON + "\n")
        (folder / "Procfile").write_text("web: gunicorn app:app\n")
        (folder / "app.py").write_text("\n".join(f"import {n}" for n in lines) + "\n")
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
    args = parser.parse_args()
    interp = interpreters.find(PYTHON)
    if interp is None:
        raise SystemExit(f"needs CPython {PYTHON}")
    uv = resolver.uv_binary()
    with tempfile.TemporaryDirectory(prefix="dc-mono-bench-") as tmp:
        os.chmod(tmp, 0o755)  # as root, deploycheck's sandbox user reads the repository's copy only
        build_index(universe(args.apps), Path(tmp, "index"))
        with IndexServer(Path(tmp, "index")) as server:
            index = server.url + "/simple"
            folders = make_repo(Path(tmp, "repo"), args.apps)
            uv_env = resolver.clean_env({"UV_PYTHON": interp.path})
            raw = [uv, "pip", "compile", "-q", "--index-url", index, "requirements.in", "-o", "requirements.txt"]
            for folder in folders:  # the locks, and uv's cache warmed
                timed(raw, folder, uv_env)
            raws = [sum(timed(raw, f, uv_env) for f in folders) for _ in range(args.reps)]
            raw_total = statistics.median(raws)
            # --no-cache: every run checks (the verdict cache would answer the repeats in 0.1 s)
            dc = [sys.executable, str(ROOT / "entrypoint.py"), str(Path(tmp, "repo")), "--index-url", index]
            dc.append("--no-cache")
            rows = [(f"{args.apps} raw `uv pip compile`, one after the other", raw_total)]
            for jobs in args.jobs.split(","):
                for label, extra in (("every check", []), ("drift only", ["--select", "DC1"])):
                    argv = [*dc, "--jobs", jobs, *extra]
                    timed(argv, ROOT)  # deploycheck's toolchains and interpreter memo made once
                    took = statistics.median(timed(argv, ROOT) for _ in range(args.reps))
                    rows.append((f"deploycheck --jobs {jobs}, {label}", took))
    print(f"\n{args.apps} apps, each its own uv lock, Python {interp.version}, local index; median of {args.reps}")
    print(f"{'measure':<58} {'time':>8} {'vs raw':>8}")
    for label, took in rows:
        print(f"{label:<58} {took:>7.2f}s {took / raw_total:>7.2f}x")


if __name__ == "__main__":
    main()
