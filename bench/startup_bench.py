"""Start-up: what the command line costs before it does anything, at a git revision and in the work tree.

    python bench/startup_bench.py [--rev REV] [--reps 15]

For each tree (REV exported with `git archive` into a temporary folder, and this work tree), interleaved, median
and minimum of --reps: the cumulative import time of deploycheck.cli (`python -X importtime`, which is what
`deploycheck --help` or `--version` pays) and the wall time of `deploycheck --help`. The budget (#18): start-up
grows by at most 20 ms. On a loaded machine compare the minimums; medians move with other work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def import_ms(tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import deploycheck.cli"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    line = [x for x in out.splitlines() if x.rstrip().endswith("| deploycheck.cli")][-1]
    return int(line.split("|")[1]) / 1000


def help_ms(tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run([sys.executable, str(tree / "entrypoint.py"), "--help"], env=env, capture_output=True, check=True)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp)
        archive = subprocess.run(["git", "archive", args.rev], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(old)
        trees = {args.rev: old, "work tree": ROOT}
        for tree in trees.values():  # compile the bytecode once, outside the measurement
            import_ms(tree)
        times: dict[str, dict[str, list[float]]] = {k: {"import": [], "help": []} for k in trees}
        for _ in range(args.reps):
            for name, tree in trees.items():
                times[name]["import"].append(import_ms(tree))
                times[name]["help"].append(help_ms(tree))
        for name, kinds in times.items():
            shown = ", ".join(
                f"{kind} median {statistics.median(v):.1f} ms, min {min(v):.1f} ms" for kind, v in kinds.items()
            )
            print(f"{name}: {shown}")


if __name__ == "__main__":
    main()
