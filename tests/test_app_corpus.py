"""The app corpus (#17): small repositories shaped like real apps, each with the verdict and findings a person
judged right for it. Every case is a folder under tests/data/app-corpus/<case>/ holding the app's files and
`expected.toml`:

    description = "what the real app looked like, and why this is the right verdict"
    args = ["--platform", "heroku"]      # extra CLI arguments (optional)
    exit = 1                             # the exit code the app must get
    errors = ["DC501"]                   # exactly the codes found at error severity (sorted set)
    present = ["DC309"]                  # codes that must appear, at any severity (optional)
    absent = ["DC202"]                   # codes that must not appear (optional)
    lock = "pip-compile"                 # compile requirements.in into requirements.txt first (optional;
                                         # "pip-compile" or "uv"; "uv-pylock" writes pylock.toml), with
                                         # the app's .python-version
    lock_dir = "web"                     # where that requirements.in is (optional; default the case's top)
    lock_args = ["setup.py"]             # what to compile instead of requirements.in (optional)
    git_tag = "v1.4.0"                   # commit and tag the case first, and after the compile keep only what
                                         # a fresh clone holds (git clean -X): versions from git tags (optional)
    fix_contains = ["cd web && "]        # strings that some finding's fix must contain (optional)
    wheels = ["setuptools_scm-10.3.4-py3-none-any.whl"]  # real wheels from tests/data/wheels on the case's
                                         # own index (optional; they replace distributions of those names)
    [after_lock]                         # files written after the compile: a lock gone stale (optional)
    "web/requirements.in" = "flask\npython-dotenv\n"
    [[dist]]                             # distributions the case needs on the index, besides the shared
    name = "ultralytics"                 # import corpus's (tests/data/import-metadata.json)
    version = "8.0"
    requires = ["opencv-python"]
    modules = ["ultralytics/__init__.py"]   # optional; the wheel's files
    requires_python = ">=3.8"            # optional
    tag = "cp39-cp39-manylinux2014_x86_64"  # optional; the whole wheel tag
    sdist_only = true                    # optional: publish only an sdist
    sdist_files = ["src/fast.c"]         # optional: extra (empty) files inside that sdist, or a table
                                         # {"pyproject.toml" = "..."} of path -> text

All distributions of all cases share one index (first declaration of a name and version wins).
`python tests/test_app_corpus.py` is not a thing: run `pytest tests/test_app_corpus.py -q`; the summary
line printed at the end gives how many error findings were right and how many exit codes.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tomllib
from conftest import pip_compile, run_check, uv_compile
from packaging.utils import canonicalize_name
from pkgindex import Dist, IndexServer, build_index, publish_wheel

CORPUS = Path(__file__).parent / "data" / "app-corpus"


def _import_corpus_dists() -> list[Dist]:
    """The import corpus's distributions (tests/checks/test_imports_declared.py); loaded by path, since
    `checks` names the product's checks package here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "import_corpus", Path(__file__).parent / "checks" / "test_imports_declared.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.corpus_dists()


CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.toml").is_file())
SCORE = {"errors_right": 0, "errors_all": 0, "exit_right": 0, "apps": 0}


def _expected(case: str) -> dict:
    return tomllib.loads((CORPUS / case / "expected.toml").read_text())


def _dist(entry: dict) -> Dist:
    modules = {path: "" for path in entry.get("modules", [])} or None
    setup_py = None
    if entry.get("sdist_only"):
        setup_py = f"from setuptools import setup\nsetup(name={entry['name']!r}, version={entry['version']!r})\n"
    return Dist(
        entry["name"],
        entry["version"],
        list(entry.get("requires", [])),
        requires_python=entry.get("requires_python"),
        tag=entry.get("tag"),
        modules=modules,
        setup_py=setup_py,
        with_sdist=bool(entry.get("with_sdist")),
        yanked=entry.get("yanked"),
        sdist_files=_sdist_files(entry.get("sdist_files")),
    )


def _sdist_files(value: object) -> dict[str, str] | None:
    """`sdist_files`: a list of paths (empty files), or a table of path -> text (a pyproject.toml, a setup.py)."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()} or None
    return {str(path): "" for path in value or []} or None  # type: ignore[attr-defined]


def app_corpus_dists() -> list[Dist]:
    seen: set[tuple[str, str, str | None]] = set()
    dists = []
    for case in CASES:
        for entry in _expected(case).get("dist", []):
            dist = _dist(entry)
            key = (dist.name.lower(), dist.version, dist.tag)
            if key not in seen:
                seen.add(key)
                dists.append(dist)
    names = {(d.name.lower(), d.version) for d in dists}
    return dists + [d for d in _import_corpus_dists() if (d.name.lower(), d.version) not in names]


@pytest.fixture(scope="module")
def app_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("app-corpus-index")
    build_index(app_corpus_dists(), root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


def _prepare(case: str, expected: dict, tmp_path: Path, index_url: str) -> Path:
    folder = shutil.copytree(CORPUS / case, tmp_path / case, ignore=shutil.ignore_patterns("expected.toml"))
    tool = expected.get("lock")
    if tool:
        where = folder / expected.get("lock_dir", ".")
        version_file = where / ".python-version"
        python = version_file.read_text().strip() if version_file.is_file() else "3.11"
        output = "pylock.toml" if tool == "uv-pylock" else "requirements.txt"
        sources = tuple(expected.get("lock_args", ["requirements.in"]))
        args = sources if tool == "pip-compile" else (*sources, "-o", output)
        if expected.get("git_tag"):
            _git(folder, ["init", "-q"], ["add", "-A"], ["commit", "-qm", "app"], ["tag", expected["git_tag"]])
        (pip_compile if tool == "pip-compile" else uv_compile)(where, python, *args, index_url=index_url)
        if expected.get("git_tag"):
            _git(folder, ["clean", "-fdXq"])  # build leftovers (.egg-info) a clone does not have
    for name, text in expected.get("after_lock", {}).items():
        (folder / name).write_text(text)
    return folder


WHEELS = Path(__file__).parent / "data" / "wheels"


def _git(folder: Path, *commands: list[str]) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    for args in commands:
        subprocess.run([*git, *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture
def own_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[list[str]], str]]:
    """An index for a case that needs real wheels (a real build backend): the corpus's distributions, with
    those names served from the real wheels instead."""
    servers: list[IndexServer] = []

    def make(wheels: list[str]) -> str:
        root = tmp_path_factory.mktemp("app-corpus-own-index")
        real = [WHEELS / name for name in wheels]
        names = {canonicalize_name(w.name.split("-")[0]) for w in real}
        build_index([d for d in app_corpus_dists() if canonicalize_name(d.name) not in names], root)
        for wheel in real:
            publish_wheel(wheel, root)
        servers.append(IndexServer(root).__enter__())
        return f"{servers[-1].url}/simple/"

    yield make
    for server in servers:
        server.__exit__()


@pytest.mark.parametrize("case", CASES)
def test_app(case: str, app_index: str, own_index: Callable[[list[str]], str], tmp_path: Path) -> None:
    expected = _expected(case)
    index = own_index(expected["wheels"]) if expected.get("wheels") else app_index
    folder = _prepare(case, expected, tmp_path, index)
    code, report = run_check(folder, "--index-url", index, *expected.get("args", []))
    findings = report["findings"]
    errors = sorted({f["code"] for f in findings if f["severity"] == "error"})
    codes = {f["code"] for f in findings}
    want = sorted(set(expected.get("errors", [])))
    SCORE["apps"] += 1
    SCORE["exit_right"] += code == expected["exit"]
    SCORE["errors_all"] += sum(f["severity"] == "error" for f in findings)
    SCORE["errors_right"] += sum(f["severity"] == "error" and f["code"] in want for f in findings)
    summary = [(f["code"], f["severity"], f.get("path"), f.get("line"), f["message"][:160]) for f in findings]
    assert errors == want, summary
    assert code == expected["exit"], (summary, report.get("problems"))
    assert not set(expected.get("present", [])) - codes, summary
    assert not set(expected.get("absent", [])) & codes, summary
    fixes = [f.get("fix") or "" for f in findings]
    assert all(any(want in fix for fix in fixes) for want in expected.get("fix_contains", [])), fixes


@pytest.fixture(scope="module", autouse=True)
def score_line(request: pytest.FixtureRequest) -> Iterator[None]:
    """The corpus score for the closing note, written once the module's cases have run (not a test: a test that
    only prints would pass whatever the corpus says)."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None and SCORE["apps"]:
        with capture.global_and_fixture_disabled():  # what capsys.disabled() does, for a module's teardown
            print(
                f"\napp corpus: {SCORE['apps']} apps, exit code right for {SCORE['exit_right']}; "
                f"{SCORE['errors_right']} of {SCORE['errors_all']} error-severity findings as judged right"
            )
