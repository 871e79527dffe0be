"""The pins and hashes checks (DC4xx) on a 120-pin `--generate-hashes` lock, end to end, cold and warm.

    python bench/pins_bench.py [--reps 5]             local index on 127.0.0.1 (120 projects, built here)
    python bench/pins_bench.py --online [--reps 3]    the real registry (https://pypi.org/simple/)

Each run is a whole `deploycheck --select DC4` (scan, apps, both checks, report) on an app whose lock
pins 120 projects with every file's hash, as pip-compile writes it. Cold: an empty cache folder each
time; warm: the cache a first run filled. The goal: warm well under a second, cold within a few seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from index_bench import ONLINE, local_universe
from pkgindex import IndexServer, build_index

from deploycheck import pipeline
from deploycheck.index.client import Index
from deploycheck.settings import build

PYTHON = "3.12"


def lock_text(index_url: str, pins: dict[str, str]) -> str:
    """A pip-compile style lock: each pin with the hashes of every file of its release."""
    with Index([index_url], cache_dir=None, timeout=30) as index:
        projects = index.projects(pins)
    lines = ["# pins_bench: 120 pins with hashes, as `pip-compile --generate-hashes` writes them"]
    for name, version in pins.items():
        files = projects[name].release(version)
        hashes = sorted({f"sha256:{f.hashes['sha256']}" for f in files if "sha256" in f.hashes})
        lines.append(f"{name}=={version}" + "".join(f" \\\n    --hash={h}" for h in hashes))
    return "\n".join(lines) + "\n"


def newest(index_url: str, names: list[str]) -> dict[str, str]:
    with Index([index_url], cache_dir=None, timeout=30) as index:
        projects = index.projects(names)
    return {n: str(max(v for v in projects[n].versions() if not v.is_prerelease)) for n in names if projects[n].pages}


def one_run(app: Path, index_url: str, cache: Path) -> tuple[float, int, int]:
    os.environ["DEPLOYCHECK_CACHE_DIR"] = str(cache)
    settings = build({"select": ["DC4"], "index-url": index_url}, root=app)
    start = time.perf_counter()
    report = pipeline.run(settings)
    elapsed = time.perf_counter() - start
    if report.problems:
        raise SystemExit(f"could not check: {report.problems[0].message}")
    return elapsed, len(report.findings), report.exit_code


def bench(index_url: str, pins: dict[str, str], reps: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp, "app")
        app.mkdir()
        (app / "requirements.txt").write_text(lock_text(index_url, pins))
        (app / ".python-version").write_text(PYTHON + "\n")
        cold, warm = [], []
        for rep in range(reps):
            cache = Path(tmp, f"cache{rep}")
            seconds, findings, code = one_run(app, index_url, cache)
            cold.append(seconds)
            warm += [one_run(app, index_url, cache)[0] for _ in range(3)]
        print(f"{len(pins)} pins, Python {PYTHON}, {findings} findings, exit {code}")
        for label, times in (("cold", cold), ("warm", warm)):
            spread = f"min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs"
            print(f"{label}: median {statistics.median(times):.3f} s  ({spread})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--online", action="store_true")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if args.online:
        url = "https://pypi.org/simple/"
        bench(url, newest(url, ONLINE), args.reps)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build_index(local_universe(), Path(tmp))
        with IndexServer(Path(tmp)) as server:
            url = f"{server.url}/simple/"
            bench(url, {f"proj{p:03d}": "14.0" if p == 0 else "7.0" for p in range(120)}, args.reps)


if __name__ == "__main__":
    main()
