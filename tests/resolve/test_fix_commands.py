"""Fix commands people can run (#18 item 10): the drift fix runs anywhere uv is installed (`uvx --from
pip-tools==X pip-compile` for pip-tools locks, `uv pip compile` for uv's), Docker is the alternative (as the
user, not root), and a subfolder app's commands say where to run them. The printed command is run here, as a
user would run it, and must write the lock deploycheck proposed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import interp, run_check, uv_compile, write

from deploycheck.resolve import resolver, toolchain


def _user_env(python: str) -> dict[str, str]:
    """A clean shell of a user who has uv and that Python on PATH: no uv or pip configuration of this machine."""
    bins = [os.path.dirname(resolver.uv_binary()), os.path.dirname(interp(python).path), "/usr/bin", "/bin"]
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TMPDIR", "SSL_CERT_FILE")}
    return env | {
        "PATH": os.pathsep.join(bins),
        "UV_NO_CONFIG": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "PIP_CONFIG_FILE": os.devnull,
    }


def _run_fix(command: str, cwd: Path, python: str, **env: str) -> None:
    done = subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=_user_env(python) | env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (command, done.stderr[-2000:])


def _pins(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if line and not line.startswith((" ", "#")))


def test_the_printed_uvx_command_writes_the_proposed_lock(app, index, tmp_path):
    repo = tmp_path / "repo"
    shutil.move(app(), repo / "web")
    (repo / "web" / "requirements.in").write_text("webapp-core\nfancy\n")
    fixes = tmp_path / "fixes"
    code, report = run_check(repo, "--index-url", index, "--fix-dir", str(fixes))
    (lock,) = report["lockfiles"]
    assert code == 1 and lock["status"] == "drift"
    pin = toolchain.pip_tools_version().replace("pip-tools ", "pip-tools==")
    command = lock["fix_command"]
    assert command.startswith(f"cd web && uvx --python 3.11 --from {pin} pip-compile "), command
    (drift,) = [f for f in report["findings"] if f["code"] == "DC101"]
    assert drift["fix"] == command
    docker = next(note for note in lock["notes"] if "docker run" in note)
    assert "cd web && docker run" in docker and '--user "$(id -u):$(id -g)"' in docker
    _run_fix(command, repo, "3.11")
    written = (repo / "web" / "requirements.txt").read_text()
    proposed = (fixes / "web" / "requirements.txt").read_text()
    assert "fancy==1.0" in written and _pins(written) == _pins(proposed)


def test_a_universal_uv_lock_fix_keeps_its_floor_and_runs(tmp_path, index):
    folder = write(tmp_path / "app", {"requirements.in": "webapp-core\n", ".python-version": "3.11\n"})
    args = ("--universal", "--python-version", "3.9", "requirements.in", "-o", "requirements.txt")
    uv_compile(folder, "3.11", *args, index_url=index)
    (folder / "requirements.in").write_text("webapp-core\nfancy\n")
    fixes = tmp_path / "fixes"
    code, report = run_check(folder, "--index-url", index, "--fix-dir", str(fixes))
    (lock,) = report["lockfiles"]
    assert code == 1 and lock["status"] == "drift"
    command = lock["fix_command"]
    # uv refuses --python-platform beside --universal; the floor is the lock's own (3.9), not the deploy's.
    assert command.startswith("uv pip compile --python-version 3.9 ") and "--python-platform" not in command
    _run_fix(command, folder, "3.11", UV_INDEX_URL=index)  # uv's header records no index: the user's uv has one
    assert _pins((folder / "requirements.txt").read_text()) == _pins((fixes / "requirements.txt").read_text())
