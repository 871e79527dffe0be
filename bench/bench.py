"""deploycheck against the raw tools on the same lock, in one run: warm caches, interleaved reps, medians, ratios.

    python bench/bench.py [--reps 7] [APP ...]   (default: examples/streamlit-app)

The index is the one this machine's resolvers use (PyPI, or the mirror the proxy serves), as a user's run
would see it. For each app it times, on copies of the app (the lock in place as the output file, as
deploycheck does): raw `pip-compile`, raw `uv pip compile` with its warm cache (the user's), and deploycheck
on the pip-compile lock and on the same requirements locked by uv: the first run (`--no-cache`: no verdict
is reused, every check runs, the resolver included), the repeat run answered by the verdict cache, and the
drift check alone. Goals (#19): a first run within 1.2x of raw uv, a repeat run faster than raw uv.
Every command runs once untimed first (toolchains, uv's cache and deploycheck's index cache warm); then each
rep runs every row once, so a noisy moment hits all rows alike. Read min and max: the machine is shared.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploycheck.repo.repository import Repository
from deploycheck.resolve import interpreters, resolver, toolchain
from deploycheck.runtime import detect as runtime


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
    return took


Row = tuple[list[str], Path, "dict[str, str] | None"]


def rows_for(app: Path, work: Path) -> tuple[dict[str, Row], str]:
    rt = runtime.detect(app, Repository.at(app), explicit=None, header_python=None)
    interp = interpreters.find(rt.python)
    if interp is None:
        raise SystemExit(f"needs CPython {rt.python}")
    env = resolver.clean_env()
    pip_app, uv_app = work / "pip-compile", work / "uv"
    shutil.copytree(app, pip_app)
    shutil.copytree(app, uv_app)
    uv = resolver.uv_binary()
    uv_env = resolver.clean_env({"UV_PYTHON": interp.path})
    subprocess.run(
        [uv, "pip", "compile", "-q", "requirements.in", "-o", "requirements.txt"], cwd=uv_app, env=uv_env, check=True
    )
    piptools = toolchain.toolchain(interp)
    dc = [sys.executable, str(ROOT / "entrypoint.py")]
    raw_uv = [uv, "pip", "compile", "-q", "--python", interp.path, "requirements.in", "-o", "requirements.txt"]
    raw_pip = [str(piptools), "-m", "piptools", "compile", "-q", "--strip-extras", "requirements.in"]
    rows: dict[str, Row] = {
        "raw pip-compile": (raw_pip, pip_app, env),
        "raw uv pip compile (warm cache)": (raw_uv, uv_app, env),
        "deploycheck first run, pip-compile lock": ([*dc, str(app), "--no-cache"], ROOT, None),
        "deploycheck first run, uv lock": ([*dc, str(uv_app), "--no-cache"], ROOT, None),
        "  drift only (--select DC1), pip-compile": ([*dc, str(app), "--no-cache", "--select", "DC1"], ROOT, None),
        "  drift only (--select DC1), uv": ([*dc, str(uv_app), "--no-cache", "--select", "DC1"], ROOT, None),
        "deploycheck repeat run (verdict cache), pip": ([*dc, str(app)], ROOT, None),
        "deploycheck repeat run (verdict cache), uv": ([*dc, str(uv_app)], ROOT, None),
    }
    return rows, interp.version


def bench(app: Path, reps: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="dc-bench-"))
    try:
        rows, version = rows_for(app, work)
        for argv, cwd, env in rows.values():
            timed(argv, cwd, env)  # warm
        times: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(reps):
            for name, (argv, cwd, env) in rows.items():
                if name == "raw pip-compile":
                    shutil.copy(app / "requirements.txt", cwd / "requirements.txt")
                times[name].append(timed(argv, cwd, env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    shown = app.relative_to(ROOT) if app.is_relative_to(ROOT) else app
    print(f"\n{shown}  (Python {version}, median of {reps} interleaved reps, warm caches, {os.cpu_count()} cores)")
    med = {name: statistics.median(values) for name, values in times.items()}
    uv, pip = med["raw uv pip compile (warm cache)"], med["raw pip-compile"]
    print(f"  {'':44s} {'median':>8s} {'min':>7s} {'max':>7s}  {'vs raw uv':>9s}  {'vs pip-compile':>14s}")
    for name, values in times.items():
        print(
            f"  {name:44s} {med[name]:7.3f}s {min(values):6.3f}s {max(values):6.3f}s  "
            f"{med[name] / uv:8.2f}x  {med[name] / pip:13.2f}x"
        )


def main() -> None:
    # Timed runs start from bytecode, as an installed deploycheck does (PYTHONDONTWRITEBYTECODE would make every
    # run compile deploycheck's modules again).
    for package in ("deploycheck", "checks"):  # deploycheck/checks is a link to checks/, which compileall skips
        compileall.compile_dir(str(ROOT / package), quiet=1)
    p = argparse.ArgumentParser()
    p.add_argument("apps", nargs="*", type=Path, default=[ROOT / "examples" / "streamlit-app"])
    p.add_argument("--reps", type=int, default=7)
    a = p.parse_args()
    for app in a.apps:
        bench(app.resolve(), a.reps)


if __name__ == "__main__":
    main()
