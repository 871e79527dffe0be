"""The package as a user installs it (#18 item 1): the sdist and the wheel built from this tree, the wheel
built from the sdist, their metadata checked by twine, the wheel installed into a fresh venv, and the CLI
run from there.

Hermetic: the build uses the dev lock's setuptools (no isolated build environment to download), and the
fresh venv gets deploycheck's dependencies from the dev venv's site-packages through a .pth line (that
folder's own .pth files, among them the editable install's, are not run), so nothing is fetched."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

import deploycheck
from deploycheck.resolve import resolver


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it, of the tree as git sees it (tracked and new files)."""
    tree = tmp_path_factory.mktemp("tree")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in (n.decode() for n in listed if n and not n.startswith(b"tests/")):
        source, target = ROOT / name, tree / name
        if not os.path.lexists(source):
            continue  # deleted in the work tree, not yet in git's index
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    out = tree / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(tree)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("deploycheck-*.whl")
    return wheel


def test_twine_accepts_both(dist):
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_version_and_only_what_the_cli_imports_or_runs(dist):
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(wheel.read(name))
    assert metadata["Version"] == deploycheck.__version__
    requires = [r.split(";")[0].strip() for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    names = {r.split(">")[0].split("<")[0].split("=")[0].strip().lower() for r in requires}
    # Not uv: deploycheck runs the uv pinned in resolve/uv-toolchain.txt, installed into its own cache when the
    # uv beside it is another version, so a user's newer uv never clashes with a pin of deploycheck's.
    assert names == {"packaging", "pyyaml", "tomli", "stdlib-list"}


def test_the_wheel_holds_every_file_the_package_reads(dist):
    """Every file beside deploycheck's modules in this tree (toolchain pins, rule docs) is in the wheel, and
    checks/ is installed as deploycheck.checks; the sdist holds the same files."""
    package = ROOT / "deploycheck"
    wanted = set()
    for path in package.rglob("*"):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        wanted.add("deploycheck/" + path.relative_to(package).as_posix())
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        held = {n for n in wheel.namelist() if n.startswith("deploycheck/")}
    assert wanted <= held, sorted(wanted - held)
    assert "deploycheck/report/codes.md" in held and "deploycheck/resolve/toolchain.txt" in held
    assert "deploycheck/resolve/uv-toolchain.txt" in held
    (sdist,) = dist.glob("deploycheck-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    assert members["deploycheck/report/codes.md"].isfile()  # the file, not a link to a docs/ the sdist lacks


def test_the_wheel_installs_and_runs_in_a_fresh_venv(dist, tmp_path, app):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python, wheel = venv / "bin" / "python", _wheel(dist)
    subprocess.run(
        [resolver.uv_binary(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python), str(wheel)],
        check=True,
        env={**os.environ, "UV_NO_CONFIG": "1"},
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies, from the dev venv: appended after the venv's own site-packages, so its deploycheck wins.
    (Path(site) / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    exe = venv / "bin" / "deploycheck"
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: deploycheck"), done.stderr
    where = subprocess.run(
        [str(python), "-c", "import deploycheck, deploycheck.checks; print(deploycheck.__file__)"],
        cwd=tmp_path,  # not the repository, whose deploycheck/ `python -c` would find first
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where
    folder = app("3.11")
    done = subprocess.run([str(exe), str(folder)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "ready to deploy" in done.stdout, done.stdout + done.stderr
