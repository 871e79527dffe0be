"""The platform checks of issue #9 on a repository of 5,000 files: they must take well under a second.

    python bench/platform_bench.py [--files 5000] [--reps 7]

Builds a monorepo in a temporary folder: three apps (a Streamlit dashboard in a subfolder, a Heroku API, a
Railway worker) with the problems these checks look for, plus source files, data files and a deep tree
up to the file count. Times, in-process (median of --reps after one warm-up):
  - the whole run with only these checks selected (scan, apps and runtime detection included), and
  - the checks alone, on the apps that run already built.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploycheck import checks, pipeline
from deploycheck.project import (
    apps,
    scan,
)
from deploycheck.repo.repository import Repository
from deploycheck.settings import build

MODULES = ("runtime_platform", "dependency_files", "misplaced_files", "procfile", "committed_secrets", "apt_packages")
CODES = ["DC206", "DC207", "DC302", "DC303", "DC304", "DC305", "DC306", "DC307", "DC308", "DC309"]

APPS = {
    "dashboard/streamlit_app.py": "import streamlit as st\n",
    "dashboard/requirements.txt": "streamlit==1.40.0\nopencv-python==4.10.0.84\npandas==2.2.3\n",
    "dashboard/uv.lock": "version = 1\n",
    "dashboard/packages.txt": "ffmpeg\npandas\n",
    "dashboard/.streamlit/config.toml": "[theme]\n",
    "dashboard/.streamlit/secrets.toml": 'token = "fake-token-0123456789"\n',
    ".streamlit/config.toml": "[theme]\n",
    "packages.txt": "ffmpeg\npandas\nlibgl1-mesa-glx\n",
    "api/Procfile": "web: gunicorn api.main:app\nrelease: python manage.py migrate\n",
    "api/requirements.txt": "gunicorn==23.0.0\nflask==3.0.0\n",
    "api/poetry.lock": "",
    "api/runtime.txt": "python-3.9.19\n",
    "api/.env": "SECRET_KEY=fake-secret-0123456789\n",
    "worker/railway.json": "{}",
    "worker/requirement.txt": "celery==5.4.0\n",
    "worker/runtime.txt": "python-3.8\n",
}


def make_repo(folder: Path, count: int) -> int:
    for name, text in APPS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    made = len(APPS)
    i = 0
    while made < count:
        # 50 files a folder, four levels deep: the shape of a real project's src/, tests/ and data/.
        sub = folder / ("src", "tests", "data", "docs")[i % 4] / f"pkg{i // 200}" / f"mod{i // 50 % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        suffix = (".py", ".py", ".csv", ".md")[i % 4]
        (sub / f"file{i}{suffix}").write_text("x = 1\n")
        made += 1
        i += 1
    return made


def median(fn: Callable[[], object], reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        files = make_repo(repo, args.files)
        settings = build({"select": CODES}, root=repo)
        report = pipeline.run(settings)
        assert not report.problems, report.problems
        whole = median(lambda: pipeline.run(settings), args.reps)
        project = apps.build(scan.scan(Repository.at(repo)), settings)
        modules = [m for m in checks.CHECKS if m.__name__.rsplit(".", 1)[-1] in MODULES]

        def run_checks() -> None:
            for module in modules:
                for target in [project] if module.SCOPE == "project" else project.apps:
                    module.check(target, settings)

        alone = median(run_checks, args.reps)
    print(f"repository: {files} files, {len(project.apps)} apps; {len(report.findings)} findings")
    print(f"  codes: {', '.join(sorted({f.code for f in report.findings}))}")
    print(f"whole run, these checks selected: {whole * 1000:.1f} ms (median of {args.reps})")
    print(f"the checks alone:                 {alone * 1000:.1f} ms (median of {args.reps})")


if __name__ == "__main__":
    main()
