"""The real Dockerfile, built FROM a base made here (the public image registry is not reachable), run
the way the runner runs a Docker action: workspace, home, event and file-command mounts, INPUT_* with
hyphens, against the fake GitHub on 127.0.0.1 (the container shares the host's network)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from conftest import ROOT
from fakegithub import FakeGitHub
from test_action import EVENTS, HEAD_SHA, TOKEN, parse_outputs
from test_isolation import OTHER_SECRET, _workspace, hostile_fixture  # noqa: F401  (the fixture `hostile`)

from deploycheck import pins

pytestmark = pytest.mark.container
BASE = "deploycheck-test-base:local"
IMAGE = "deploycheck:test"
PYTHONS = "3.9 3.11"


def _engine() -> bool:
    return bool(shutil.which("docker")) and subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def image() -> str:
    if not _engine():
        if os.environ.get("CI"):
            pytest.fail("CI must run the container test, but no Docker engine answers (see .ci/run)")
        pytest.skip("no Docker engine here")
    if subprocess.run(["docker", "image", "inspect", BASE], capture_output=True).returncode != 0:
        subprocess.run(["bash", str(ROOT / "tests/container/make_base.sh"), BASE, *PYTHONS.split()], check=True)
    subprocess.run(
        [
            "docker",
            "build",
            "-q",
            "--network",
            "host",
            "--build-arg",
            f"BASE_IMAGE={BASE}",
            "--build-arg",
            f"PYTHONS={PYTHONS}",
            "-t",
            IMAGE,
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return IMAGE


def _run_action(
    image: str, workspace, tmp_path, github: FakeGitHub, extra_env: dict[str, str] | None = None, mounts=()
) -> tuple[subprocess.CompletedProcess[str], object, object]:
    """docker run as the runner does it; returns the run, the home folder and the file-commands folder."""
    home, workflow, commands = tmp_path / "home", tmp_path / "workflow", tmp_path / "file_commands"
    for folder in (home, workflow, commands):
        folder.mkdir()
    shutil.copy(EVENTS / "pull_request.opened.json", workflow / "event.json")
    (commands / "set_output").touch()
    (commands / "step_summary").touch()
    env = {
        "HOME": "/github/home",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_OUTPUT": "/github/file_commands/set_output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
        "GITHUB_REPOSITORY": github.repository,
        "GITHUB_SHA": "f" * 40,
        "GITHUB_API_URL": github.url,
        "GITHUB_RUN_ID": "7",
        "RUNNER_TEMP": "/home/runner/work/_temp",
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_PYTHON-VERSION": "",
        "INPUT_COMMENT": "always",
        "INPUT_STATUS-CONTEXT": "deploycheck",
        "INPUT_FAIL-ON": "drift",
        **(extra_env or {}),
    }
    argv = [
        "docker",
        "run",
        "--rm",
        "--network",
        "host",
        "--workdir",
        "/github/workspace",
        "-v",
        f"{workspace}:/github/workspace",
        "-v",
        f"{home}:/github/home",
        "-v",
        f"{workflow}:/github/workflow",
        "-v",
        f"{commands}:/github/file_commands",
    ]
    for mount in mounts:
        argv += ["-v", f"{mount}:{mount}"]
    for name, value in env.items():
        argv += ["-e", f"{name}={value}"]
    done = subprocess.run([*argv, image], capture_output=True, text=True, timeout=900)
    return done, home, commands


def test_image_runs_as_a_docker_action(image, app, tmp_path):
    workspace = app("3.11")
    (workspace / "requirements.in").write_text("webapp-core\nfancy\n")
    with FakeGitHub() as github:
        github.add_user(TOKEN, "github-actions[bot]")
        github.add_pull(2, HEAD_SHA)
        done, home, commands = _run_action(image, workspace, tmp_path, github)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Python 3.11" in done.stdout and "/root/.pyenv/versions/3.11" in done.stdout
        (comment,) = github.comments_on(2)
        assert "| `fancy` | added |" in comment["body"]
        assert [(s["_sha"], s["state"]) for s in github.state.statuses] == [(HEAD_SHA, "failure")]
    outputs = parse_outputs(commands / "set_output")
    assert outputs["outcome"] == "not-ready" and outputs["drift"] == "true"
    assert outputs["report-path"] == "/home/runner/work/_temp/_github_home/deploycheck-report.json"
    assert (home / "deploycheck-report.json").exists()
    assert "NOT ready to deploy" in (commands / "step_summary").read_text()
    assert re.search(r"^::error file=requirements\.txt", done.stdout, re.M)
    for text in (
        done.stdout,
        done.stderr,
        (commands / "set_output").read_text(),
        (commands / "step_summary").read_text(),
        (home / "deploycheck-report.json").read_text(),
    ):
        assert TOKEN not in text


def test_token_unreachable_from_package_code_in_the_image(image, hostile, tmp_path):
    """deploycheck is PID 1 here: the spy's setup.py walks up to it and finds no token anywhere."""
    index, drop = hostile
    dump = drop / "dump.txt"
    dump.unlink(missing_ok=True)
    workspace = _workspace(tmp_path / "ws", index, "procspy")
    with FakeGitHub() as github:
        github.add_user(TOKEN, "github-actions[bot]")
        github.add_pull(2, HEAD_SHA)
        extra = {"INPUT_RESOLVER": "pip-tools", "GITHUB_TOKEN": TOKEN, "ACTIONS_RUNTIME_TOKEN": OTHER_SECRET}
        done, home, commands = _run_action(image, workspace, tmp_path, github, extra, mounts=[drop])
        seen = dump.read_text(encoding="utf-8") if dump.exists() else ""
        assert "setup.py as uid" in seen and "setup.py as uid 0 " not in seen, done.stdout + done.stderr
        assert "== /proc/1/environ: PermissionError" in seen and "== /proc/1/mem: PermissionError" in seen
        texts = [
            seen,
            done.stdout,
            done.stderr,
            (commands / "set_output").read_text(),
            (commands / "step_summary").read_text(),
            (home / "deploycheck-report.json").read_text(),
            *github.state.bodies,
        ]
        for text in texts:
            assert TOKEN not in text and OTHER_SECRET not in text
        assert len(github.comments_on(2)) == 1 and len(github.state.statuses) == 1  # the publisher had it


def test_image_carries_the_pythons_and_toolchains(image):
    done = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--entrypoint",
            "/opt/deploycheck/venv/bin/python",
            image,
            "-m",
            "deploycheck.resolve.warm",
            *PYTHONS.split(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for version in PYTHONS.split():
        assert f"Python {version}." in done.stdout
    assert "pip-tools" not in done.stderr
    # The pinned uv is the one installed beside deploycheck (by hash, from uv-toolchain.txt): none in the cache.
    assert f"uv {pins.uv_version()}: /opt/deploycheck/venv/bin/uv\n" in done.stdout, done.stdout
