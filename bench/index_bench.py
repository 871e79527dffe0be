"""The pin and hash checks' index work on a 120-pin lock, cold (empty cache) and warm.

    python bench/index_bench.py [--reps 5]            local index on 127.0.0.1 (built here, 120 projects)
    python bench/index_bench.py --online [--reps 3]   the real registry (https://pypi.org/simple/)

For every pin: its release's files, fit for CPython 3.12 on manylinux x86_64 (wheel, Requires-Python,
yank), the first version with a wheel when it has none, and the committed hashes against the published
ones. The goal: warm well under a second, cold within a few seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pkgindex import Dist, IndexServer, build_index

from deploycheck.index.client import Index
from deploycheck.index.targettags import Target, first_version_with_wheel, release_fit, unknown_hashes

# Real projects that a Streamlit/data app's lock holds (about 120 of them).
ONLINE = """streamlit altair attrs blinker cachetools certifi charset-normalizer click gitdb gitpython idna jinja2
jsonschema jsonschema-specifications markupsafe narwhals numpy packaging pandas pillow protobuf pyarrow pydeck
python-dateutil pytz referencing requests rpds-py six smmap tenacity toml tornado typing-extensions tzdata urllib3
watchdog flask werkzeug itsdangerous fastapi starlette pydantic pydantic-core anyio sniffio h11 uvicorn httpx
httpcore django asgiref sqlparse sqlalchemy greenlet psycopg2-binary matplotlib contourpy cycler fonttools
kiwisolver pyparsing scipy scikit-learn joblib threadpoolctl plotly seaborn openpyxl et-xmlfile xlrd pyyaml
beautifulsoup4 soupsieve lxml aiohttp aiosignal frozenlist multidict yarl async-timeout propcache aiohappyeyeballs
boto3 botocore s3transfer jmespath google-cloud-storage google-api-core google-auth google-cloud-core
google-crc32c google-resumable-media googleapis-common-protos proto-plus rsa pyasn1 pyasn1-modules grpcio openai
distro jiter tqdm regex tiktoken tokenizers huggingface-hub filelock fsspec networkx sympy mpmath colorama
python-dotenv gunicorn redis celery kombu vine billiard amqp wrapt deprecated cryptography cffi pycparser""".split()  # noqa: SIM905


def local_universe(projects: int = 120) -> list[Dist]:
    """Pages of realistic size: 15 releases of 6 wheels each per project, one pin without a wheel."""
    dists = []
    for p in range(projects):
        name = f"proj{p:03d}"
        for v in range(15):
            version = f"{v}.0"
            if p == 0 and v == 14:
                dists.append(Dist(name, version, setup_py="pass\n", requires_python=">=3.8"))
                continue
            for tag in (
                "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
                "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
                "cp312-cp312-musllinux_1_2_x86_64",
                "cp312-cp312-win_amd64",
                "cp312-cp312-macosx_11_0_arm64",
            ):
                dists.append(Dist(name, version, tag=tag, requires_python=">=3.8"))
            dists.append(Dist(name, version))
    return dists


def check(index: Index, pins: dict[str, str], target: Target) -> tuple[int, int]:
    """The pins and hashes checks' index work; returns (findings, pins checked)."""
    projects = index.projects(pins)
    findings = 0
    for name, version in pins.items():
        project = projects[name]
        files = project.release(version)
        fit = release_fit(files, target)
        if not fit.exists or fit.yanked or not fit.python_ok:
            findings += 1
        elif not fit.has_wheel:
            findings += 1
            first_version_with_wheel(project.releases(), target, since=files[0].version)
        committed = [f"sha256:{f.hashes['sha256']}" for f in files if "sha256" in f.hashes]
        findings += bool(unknown_hashes(committed, files))
    return findings, len(pins)


def measure(urls: list[str], pins: dict[str, str], reps: int) -> None:
    target = Target("3.12")
    colds, warms = [], []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as cache:
            start = time.perf_counter()
            with Index(urls, cache_dir=Path(cache)) as index:
                findings, count = check(index, pins, target)
                requests = index.requests
            colds.append(time.perf_counter() - start)
            start = time.perf_counter()
            with Index(urls, cache_dir=Path(cache)) as index:
                check(index, pins, target)
                assert index.requests == 0, "warm run made requests"
            warms.append(time.perf_counter() - start)
    print(f"{count} pins, {findings} findings, {requests} requests cold")
    print(f"cold: median {statistics.median(colds):.3f} s  (min {min(colds):.3f}, max {max(colds):.3f})")
    print(f"warm: median {statistics.median(warms):.3f} s  (min {min(warms):.3f}, max {max(warms):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--online", action="store_true", help="the real registry instead of a local index")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if args.online:
        urls = ["https://pypi.org/simple/"]
        with tempfile.TemporaryDirectory() as cache, Index(urls, cache_dir=Path(cache)) as index:
            # Pins: each project's newest release, chosen before timing (a lock knows its pins).
            newest = {name: p.versions()[-1:] for name, p in index.projects(ONLINE[:120]).items()}
        measure(urls, {name: str(v[0]) if v else "0" for name, v in newest.items()}, args.reps)
        return
    with tempfile.TemporaryDirectory() as root:
        build_index(local_universe(), Path(root))
        with IndexServer(Path(root)) as server:
            pins = {f"proj{p:03d}": "14.0" for p in range(120)}
            measure([f"{server.url}/simple/"], pins, args.reps)


if __name__ == "__main__":
    main()
