"""Every ratio of issues #19 (goals 1 and 2) and #15 (the uv.lock row) in one run: medians of interleaved reps.

    python bench/speed_bench.py [--reps 7] [--index-root /opt/pypi] [--python 3.11] [--uvlock-packages 100]
    python bench/speed_bench.py --all --reps 5   (every ratio of #19: the rows below, then the two that follow)
    python bench/speed_bench.py --monorepo-apps 20   (then the monorepo rows: bench/monorepo_bench.py)
    python bench/speed_bench.py --real-index   (then bench/bench.py: the same app against the machine's index,
                                                and with --monorepo-apps the monorepo rows against it too)
    python bench/speed_bench.py --deploycheck 'python /old/checkout/entrypoint.py'   (an older deploycheck)

Hermetic: the package index is a folder served on 127.0.0.1 (tests/pkgindex.IndexServer: ETag, Last-Modified,
304). `--index-root` names one with simple/ and files/ (this machine's mirror, /opt/pypi, holds the example
Streamlit app's tree); without one, the Streamlit rows are skipped and only the uv.lock rows (a generated
index) run. deploycheck's caches (DEPLOYCHECK_CACHE_DIR and the verdict cache) are folders of this run's own.

Rows, each timed as a new process, as a user runs it:
- start-up: `python -S -c pass`, `python -c pass`, `deploycheck --version`, `import deploycheck.cli`;
- the example Streamlit app, its lock written by `uv pip compile`: raw `uv pip compile` with its warm cache
  (the user's), raw `uv pip compile` with an empty cache (what every deploycheck run gets: the sandbox gives
  each run caches of its own, so no run's package code sees another's), deploycheck's first run with every
  check and with the drift check alone (`--no-cache`), the repeat run answered by the verdict cache, and the
  repeat run whose entry is past the page freshness (one conditional GET per index page);
- a uv project of ~100 packages (bench/uvlock_bench.py's): raw `uv lock --locked`, deploycheck's first run
  (default checks) and its cached repeat.
Warm: every command runs once untimed first. The machine is shared: compare ratios, read min and max. An
older checkout (`git archive REV | tar -x -C DIR`, then `--deploycheck 'python DIR/entrypoint.py'` with
PYTHONPATH=DIR) needs `python -m compileall DIR` first when PYTHONDONTWRITEBYTECODE is set, or every row of it
pays for compiling deploycheck.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from pkgindex import IndexServer, build_index
from uvlock_bench import make_project, universe

from deploycheck.resolve import interpreters, resolver, uvproject

Command = tuple[list[str], Path | None, dict[str, str] | None]
EMPTY_CACHE: dict[str, str] = {}  # a marker: run with a uv cache emptied just before


def timed(command: Command) -> float:
    argv, cwd, env = command
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1) and argv[-1:] != ["--version"]:  # before 0.1.0's --version: exit 2, timed
        raise SystemExit(
            f"failed ({done.returncode}): {shlex.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return took


def age_verdicts(folder: Path) -> None:
    """Entries past the page freshness: the next run asks each page again (a conditional GET)."""
    for entry in folder.glob("*.json"):
        os.utime(entry, (time.time() - 3600, time.time() - 3600))


def streamlit_rows(dc: list[str], python: str, url: str, work: Path, cached: bool) -> dict[str, Command]:
    interp = interpreters.find(python)
    if interp is None:
        raise SystemExit(f"needs CPython {python}")
    app, raw = work / "app", work / "raw"
    app.mkdir()
    for name in ("app.py", "requirements.in"):
        shutil.copy(ROOT / "examples" / "streamlit-app" / name, app / name)
    (app / ".python-version").write_text(python + "\n")
    uv = resolver.uv_binary()
    compile_argv = [uv, "pip", "compile", "-q", "--index-url", url, "requirements.in", "-o", "requirements.txt"]
    subprocess.run(compile_argv, cwd=app, env=resolver.clean_env({"UV_PYTHON": interp.path}), check=True)
    shutil.copytree(app, raw)
    raw_argv = [*compile_argv[:4], "--python", interp.path, *compile_argv[4:]]
    no_cache = ["--no-cache"] if cached else []
    rows: dict[str, Command] = {
        "raw uv pip compile (warm cache)": (raw_argv, raw, resolver.clean_env()),
        "raw uv pip compile (empty cache)": (raw_argv, raw, EMPTY_CACHE),  # a new uv cache per call: measure()
        "deploycheck, every check, first run": ([*dc, str(app), "--index-url", url, *no_cache], None, None),
        "deploycheck, drift only (DC1)": (
            [*dc, str(app), "--index-url", url, "--select", "DC1", *no_cache],
            None,
            None,
        ),
    }
    if cached:
        rows["deploycheck, repeat run (cached)"] = ([*dc, str(app), "--index-url", url], None, None)
        rows["deploycheck, repeat run, revalidated"] = ([*dc, str(app), "--index-url", url], None, None)
    return rows


def uvlock_rows(
    dc: list[str], python: str, work: Path, packages: int, cached: bool
) -> tuple[dict[str, Command], IndexServer]:
    interp = interpreters.find(python)
    if interp is None:
        raise SystemExit(f"needs CPython {python}")
    build_index(universe(packages), work / "uvindex")
    server = IndexServer(work / "uvindex").__enter__()
    url = f"{server.url}/simple/"
    project = work / "uvproject"
    make_project(project, url, packages, interp.path)
    raw_env = uvproject.project_env(work / "ws")
    no_cache = ["--no-cache"] if cached else []
    rows: dict[str, Command] = {
        "raw uv lock --locked": ([resolver.uv_binary(), "lock", "--locked", "--python", interp.path], project, raw_env),
        "deploycheck uv.lock, first run": ([*dc, str(project), "--index-url", url, *no_cache], None, None),
    }
    if cached:
        rows["deploycheck uv.lock, repeat (cached)"] = ([*dc, str(project), "--index-url", url], None, None)
    return rows, server


def main() -> None:
    # Timed runs start from bytecode, as an installed deploycheck does (PYTHONDONTWRITEBYTECODE would make every
    # run compile deploycheck's modules again).
    for package in ("deploycheck", "checks"):  # deploycheck/checks is a link to checks/, which compileall skips
        compileall.compile_dir(str(ROOT / package), quiet=1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--python", default="3.11")
    default_root = Path("/opt/pypi") if Path("/opt/pypi/simple/streamlit").is_dir() else None
    parser.add_argument("--index-root", type=Path, default=default_root)
    parser.add_argument("--uvlock-packages", type=int, default=100)
    parser.add_argument("--only-uvlock", action="store_true", help="start-up and the uv.lock rows only")
    parser.add_argument("--deploycheck", default=str(Path(sys.executable).parent / "deploycheck"))
    parser.add_argument(
        "--real-index",
        action="store_true",
        help="then run bench/bench.py: the example app against the index this machine's resolvers use (the "
        "issue's own measure: raw uv revalidating its warm cache), first and repeat runs",
    )
    parser.add_argument(
        "--monorepo-apps",
        type=int,
        default=0,
        help="then run bench/monorepo_bench.py with this many apps (#19 goal 3): every ratio from one command",
    )
    parser.add_argument(
        "--all", action="store_true", help="every #19 ratio in one run: --real-index --monorepo-apps 20 as well"
    )
    args = parser.parse_args()
    if args.all:
        args.real_index, args.monorepo_apps = True, args.monorepo_apps or 20
    dc = shlex.split(args.deploycheck)
    cached = "--no-cache" in subprocess.run([*dc, "--help"], capture_output=True, text=True).stdout
    work = Path(tempfile.mkdtemp(prefix="dc-speed-"))
    os.environ["DEPLOYCHECK_CACHE_DIR"] = str(work / "cache")
    os.environ["DEPLOYCHECK_VERDICT_CACHE"] = str(work / "verdicts")
    os.environ.pop("DEPLOYCHECK_NO_CACHE", None)
    py = sys.executable
    rows: dict[str, Command] = {
        "python -S -c pass": ([py, "-S", "-c", "pass"], None, None),
        "python -c pass": ([py, "-c", "pass"], None, None),
        "deploycheck --version": ([*dc, "--version"], None, None),
        "python -c 'import deploycheck.cli'": ([py, "-c", "import deploycheck.cli"], None, None),
    }
    servers = []
    try:
        if args.index_root and not args.only_uvlock:
            server = IndexServer(args.index_root).__enter__()
            servers.append(server)
            rows.update(streamlit_rows(dc, args.python, f"{server.url}/simple/", work, cached))
        uv_rows, uv_server = uvlock_rows(dc, args.python, work, args.uvlock_packages, cached)
        servers.append(uv_server)
        rows.update(uv_rows)
        times = measure(rows, args.reps, work)
    finally:
        for server in servers:
            server.__exit__()
        shutil.rmtree(work, ignore_errors=True)
    report(times, args.reps, cached)
    if args.real_index:
        subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--reps", str(args.reps)], check=False)
    if args.monorepo_apps:
        monorepo = [sys.executable, str(ROOT / "bench" / "monorepo_bench.py"), "--apps", str(args.monorepo_apps)]
        subprocess.run([*monorepo, "--reps", str(max(1, args.reps // 2))], check=False)
        if args.real_index:
            subprocess.run([*monorepo, "--reps", str(max(1, args.reps // 2)), "--real-index"], check=False)


def measure(rows: dict[str, Command], reps: int, work: Path) -> dict[str, list[float]]:
    empty = work / "empty-uv-cache"

    def run(name: str, command: Command) -> float:
        argv, cwd, env = command
        if env is EMPTY_CACHE:
            shutil.rmtree(empty, ignore_errors=True)
            env = resolver.clean_env({"UV_CACHE_DIR": str(empty)})
        if name.endswith("revalidated"):
            age_verdicts(work / "verdicts")
        return timed((argv, cwd, env))

    for name, command in rows.items():
        run(name, command)  # warm: toolchains, the index cache, the verdict cache
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(reps):
        for name, command in rows.items():  # interleaved: a noisy moment hits every row alike
            times[name].append(run(name, command))
    return times


def report(times: dict[str, list[float]], reps: int, cached: bool) -> None:
    med = {name: statistics.median(values) for name, values in times.items()}
    bases = [b for b in ("raw uv pip compile (warm cache)", "raw uv pip compile (empty cache)") if b in med]
    print(f"median of {reps} interleaved reps, warm; {os.cpu_count()} cores (shared: read min and max)")
    print(
        f"  {'':44s} {'median':>8s} {'min':>7s} {'max':>7s}  "
        + "  ".join(f"{b.split('(')[1][:-1]:>11s}" for b in bases)
    )
    uvlock_base = med.get("raw uv lock --locked")
    for name, values in times.items():
        ratios = ""
        if name.startswith("raw uv lock") or name.startswith("deploycheck uv.lock"):
            ratios = f"  {med[name] / uvlock_base:8.2f}x uv lock --locked" if uvlock_base else ""
        elif bases:
            ratios = "  " + "  ".join(f"{med[name] / med[b]:10.2f}x" for b in bases)
        print(f"  {name:44s} {med[name]:7.3f}s {min(values):6.3f}s {max(values):6.3f}s{ratios}")
    if not cached:
        print("  (this deploycheck has no verdict cache: no cached rows)")


if __name__ == "__main__":
    main()
