"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit framework on a temporary git
repository, as a user's `pre-commit run` does: pre-commit makes the hook's virtualenv (language: python) and
pip-installs deploycheck into it from a git repository holding this tree.

Hermetic: the hook's pip reads no index (PIP_NO_INDEX), only a wheelhouse made here from the wheels of what
this test's own environment has installed (deploycheck's runtime dependencies, repacked from their RECORDs,
and virtualenv's own setuptools wheel for the build); the app resolves against the local index."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, uv_compile, write


def runtime_dependencies() -> list[str]:
    """deploycheck's runtime dependencies here, as its installed metadata declares them (no extras), with theirs:
    what the hook's virtualenv installs from the wheelhouse."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: dict[str, str] = {}
    todo = ["deploycheck"]
    while todo:
        for line in importlib.metadata.requires(todo.pop()) or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(req.name) not in seen:
                seen[canonicalize_name(req.name)] = req.name
                todo.append(req.name)
    return sorted(seen.values())


TREE = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "deploycheck", "checks", "docs")


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def repack(name: str, into: Path) -> Path:
    """An installed distribution as the wheel it came from: its files, its dist-info, and the binaries it put
    in bin/ (uv's) as .data/scripts; scripts pip generated from entry points are made again on install."""
    dist = importlib.metadata.distribution(name)
    files = [str(f) for f in dist.files or []]
    info = next(f.split("/")[0] for f in files if f.split("/")[0].endswith(".dist-info"))
    stem = info[: -len(".dist-info")]  # as installed: PyYAML-6.0.3, pip_tools-7.6.2
    wheel_meta = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel_meta.splitlines() if line.startswith("Tag:")]
    parts = [sorted({t.split("-")[i] for t in tags}) for i in range(3)] if tags else [["py3"], ["none"], ["any"]]
    target = into / f"{stem}-{'-'.join('.'.join(p) for p in parts)}.whl"
    generated = {ep.name for ep in dist.entry_points if ep.group in ("console_scripts", "gui_scripts")}
    record = f"{info}/RECORD"
    skipped = {f"{info}/{name}" for name in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")}
    lines = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for file in dist.files or []:
            path = str(file)
            if path.startswith("../../../bin/"):
                script = path.rsplit("/", 1)[1]
                if script in generated:
                    continue
                arcname = f"{stem}.data/scripts/{script}"
            elif path.startswith("..") or "__pycache__" in path or path.endswith(".pyc") or path in skipped:
                continue
            else:
                arcname = path
            source = Path(file.locate())
            data = source.read_bytes()
            entry = zipfile.ZipInfo(arcname)
            entry.external_attr = (source.stat().st_mode & 0xFFFF) << 16  # uv's binary stays executable
            zf.writestr(entry, data)
            lines.append(f"{arcname},{_digest(data)},{len(data)}")
        zf.writestr(record, "\n".join([*lines, f"{record},,"]) + "\n")
    return target


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    for name in [*runtime_dependencies(), "uv"]:  # uv: the hooks' additional_dependencies
        repack(name, folder)
    import virtualenv

    embedded = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
    newest = max(embedded.glob("setuptools-*.whl"), key=lambda p: [int(x) for x in p.name.split("-")[1].split(".")])
    shutil.copy(newest, folder)  # the build backend (setuptools>=68) for `pip install .`
    return folder


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This tree as a git repository of its own (what `repo:` names), committed as it is now."""
    folder = tmp_path_factory.mktemp("hook-repo")
    for name in TREE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, folder / name)
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "deploycheck")
    return folder, git(folder, "rev-parse", "HEAD")


def pre_commit(app: Path, wheelhouse: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
        "VIRTUALENV_OVERRIDE_APP_DATA": str(home / "virtualenv"),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_manifest_is_valid() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert text.count("language: python") == 2  # what users run installs deploycheck in its own virtualenv


def test_fast_hook_passes_an_in_sync_lock_and_stops_a_drifted_one(
    tmp_path: Path, wheelhouse: Path, hook_repo: tuple[Path, str], index: str, request: pytest.FixtureRequest
) -> None:
    repo, rev = hook_repo
    app = write(
        tmp_path / "app",
        {
            "requirements.in": "webapp-core\n",
            ".python-version": "3.11\n",
            "app.py": "import webapp_core\n",
            "pyproject.toml": f'[tool.deploycheck]\nindex-url = "{index}"\nselect = ["DC1", "DC2"]\n',
            ".pre-commit-config.yaml": (
                f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: deploycheck\n"
                "      - id: deploycheck-full\n"
            ),
        },
    )
    uv_compile(app, "3.11", "requirements.in", "-o", "requirements.txt", index_url=index)
    git(app, "init", "-q")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "app")
    home = Path(tempfile.mkdtemp(prefix="dc-pre-commit-"))
    request.addfinalizer(lambda: shutil.rmtree(home, ignore_errors=True))
    done = pre_commit(app, wheelhouse, home, "install-hooks")
    assert done.returncode == 0, done.stdout + done.stderr
    if os.getuid() == 0:  # deploycheck runs uv as an unprivileged user then: pre-commit's folders are 0700
        for folder in [home, *(p for p in home.rglob("*") if p.is_dir())]:
            folder.chmod(folder.stat().st_mode | 0o011)
    done = pre_commit(app, wheelhouse, home, "run", "deploycheck", "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deploycheck (fast)" in done.stdout and "Passed" in done.stdout

    (app / "requirements.in").write_text("webapp-core\nfancy\n")
    git(app, "add", "-A")
    done = pre_commit(app, wheelhouse, home, "run", "deploycheck", "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout and "NOT ready to deploy" in done.stdout and "fancy" in done.stdout
    # The fast hook's resolver is uv, whatever the lock's own tool.
    assert re.search(r"^requirements\.txt +\[drift\] +\(uv", done.stdout, re.M), done.stdout

    # A commit that touches none of the app's files does not run the hook at all.
    (app / "notes.txt").write_text("x\n")
    git(app, "add", "notes.txt")
    done = pre_commit(app, wheelhouse, home, "run", "deploycheck", "--files", "notes.txt")
    assert done.returncode == 0 and "no files to check" in done.stdout.lower(), done.stdout


def test_the_hooks_carry_the_uv_deploycheck_pins() -> None:
    """Each hook installs the uv of resolve/uv-toolchain.txt beside deploycheck (its fast path): a hook whose uv
    drifted from the pin would install the pinned one into the cache on every new machine, or fail offline."""
    import yaml

    from deploycheck import pins

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["additional_dependencies"] for h in hooks] == [[f"uv=={pins.uv_version()}"]] * len(hooks)
