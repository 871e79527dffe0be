"""deploycheck against the raw tools on the same lock, in one run: warm caches, medians, ratios.

    python bench/bench.py [--reps 7] [APP ...]   (default: examples/streamlit-app)

For each app it times, on copies of the app (the lock in place as the output file, as deploycheck does):
raw `pip-compile`, raw `uv pip compile`, and `deploycheck` on the pip-compile lock and on the same
requirements locked by uv (every check, and the drift check alone). The goal: an in-sync verdict within 1.5x
of raw uv, whichever tool wrote the lock.
"""

from __future__ import annotations

import argparse
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


def median(argv: list[str], cwd: Path, reps: int, env: dict[str, str] | None = None) -> float:
    timed(argv, cwd, env)  # warm the caches
    return statistics.median(timed(argv, cwd, env) for _ in range(reps))


def bench(app: Path, reps: int) -> None:
    rt = runtime.detect(app, Repository.at(app), explicit=None, header_python=None)
    interp = interpreters.find(rt.python)
    if interp is None:
        raise SystemExit(f"needs CPython {rt.python}")
    env = resolver.clean_env()
    work = Path(tempfile.mkdtemp(prefix="dc-bench-"))
    pip_app, uv_app = work / "pip-compile", work / "uv"
    shutil.copytree(app, pip_app)
    shutil.copytree(app, uv_app)
    uv = resolver.uv_binary()
    uv_env = resolver.clean_env({"UV_PYTHON": interp.path})
    subprocess.run(
        [uv, "pip", "compile", "-q", "requirements.in", "-o", "requirements.txt"], cwd=uv_app, env=uv_env, check=True
    )
    piptools = toolchain.toolchain(interp)
    raw_pip = median(
        [str(piptools), "-m", "piptools", "compile", "-q", "--strip-extras", "requirements.in"], pip_app, reps, env
    )
    shutil.copy(app / "requirements.txt", pip_app / "requirements.txt")
    raw_uv = median(
        [uv, "pip", "compile", "-q", "--python", interp.path, "requirements.in", "-o", "requirements.txt"],
        uv_app,
        reps,
        env,
    )
    deploycheck = [sys.executable, str(ROOT / "entrypoint.py")]
    dc_pip = median([*deploycheck, str(app)], ROOT, reps)
    dc_uv = median([*deploycheck, str(uv_app)], ROOT, reps)
    # The drift check alone, as before the readiness checks existed: the in-sync verdict's own cost.
    drift_pip = median([*deploycheck, str(app), "--select", "DC1"], ROOT, reps)
    drift_uv = median([*deploycheck, str(uv_app), "--select", "DC1"], ROOT, reps)
    print(
        f"\n{app.relative_to(ROOT) if app.is_relative_to(ROOT) else app}  (Python {interp.version}, "
        f"median of {reps}, warm caches)"
    )
    rows = [
        ("raw pip-compile", raw_pip),
        ("raw uv pip compile", raw_uv),
        ("deploycheck, pip-compile lock", dc_pip),
        ("deploycheck, uv lock", dc_uv),
        ("  drift only (--select DC1), pip", drift_pip),
        ("  drift only (--select DC1), uv", drift_uv),
    ]
    for name, seconds in rows:
        print(f"  {name:32s} {seconds:7.3f}s   {seconds / raw_uv:5.2f}x uv   {seconds / raw_pip:5.2f}x pip-compile")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("apps", nargs="*", type=Path, default=[ROOT / "examples" / "streamlit-app"])
    p.add_argument("--reps", type=int, default=7)
    a = p.parse_args()
    for app in a.apps:
        bench(app.resolve(), a.reps)


if __name__ == "__main__":
    main()
