"""The action's outputs as the runner and GitHub take them, with hostile repositories: the log (workflow
commands), publishing when GitHub does not answer, and publish-only mode's report from the pull request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import runnerlog
from conftest import ROOT, write
from fakegithub import FakeGitHub
from test_action import HEAD_SHA, READ_ONLY, TOKEN, Runner

HOSTILE_FOLDER = "app\n::warning title=X::pwn\n::add-mask::deploycheck\n::stop-commands::pwned\n::error::pwn"
RUN_ID = 289782451  # workflow_run.id in the webhook payloads
RUN_SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"


@pytest.fixture
def github():
    with FakeGitHub() as fake:
        fake.add_user(TOKEN, "github-actions[bot]")
        fake.add_user(READ_ONLY, "github-actions[bot]", read_only=True)
        fake.add_pull(2, HEAD_SHA)
        yield fake


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once it is closed


def hostile_workspace(folder: Path) -> Path:
    """A folder whose name holds lines of workflow commands, and lock lines with `##[` and `::` in them."""
    return write(
        folder,
        {
            ".python-version": "3.11\n",
            "requirements.txt": "six==1.16.0##[warning]pwn\n::add-mask::six\nsix==1.16.0 ; ##[error]pwn2\n",
            f"{HOSTILE_FOLDER}/requirements.txt": "six==1.16.0##[add-mask]pwn\n",
        },
    )


def test_repository_text_never_becomes_a_workflow_command(tmp_path, github):
    """The runner acts on deploycheck's own annotations only."""
    workspace = hostile_workspace(tmp_path / "ws")
    (tmp_path / "r").mkdir()
    runner = Runner(tmp_path / "r", github, workspace)
    done = runner(select="DC2,DC3")
    assert done.returncode == 1, done.stdout
    acted = runnerlog.commands(done.stdout + "\n" + done.stderr)  # the runner reads both
    assert acted, done.stdout
    for command in acted:
        assert command.name in ("error", "warning", "notice"), command.line
        assert command.properties.get("title", "").startswith("deploycheck"), command.line
    # The annotations still work: each names its file and line, and quotes the repository's text as data.
    quoted = {(c.properties.get("file"), c.properties.get("line")): c.data.replace("\u2060", "") for c in acted}
    assert "##[warning]pwn" in quoted[("requirements.txt", "1")]
    assert "::add-mask::six" in quoted[("requirements.txt", "2")]
    assert "##[add-mask]pwn" in quoted[(f"{HOSTILE_FOLDER}/requirements.txt".replace("\n", "␊"), "1")]
    # The text report is in the log, whole.
    assert "app␊::warning title=X::pwn" in done.stdout and "DC350" in done.stdout
    assert done.stderr == ""  # one stream, so that one stopped region covers everything (workflowlog)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_the_command_line_in_a_workflow_step_prints_no_workflow_command(tmp_path, fmt):
    folder = hostile_workspace(tmp_path / "ws")
    env = {"PATH": os.environ["PATH"], "GITHUB_ACTIONS": "true", "DEPLOYCHECK_CACHE_DIR": str(tmp_path / "c")}
    argv = [sys.executable, str(ROOT / "entrypoint.py"), str(folder), "--select", "DC2,DC3", "--format", fmt]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "DC350" in done.stdout, done.stdout + done.stderr
    assert runnerlog.commands(done.stdout) == [] and runnerlog.commands(done.stderr) == []
    if fmt == "json":  # the same report, whatever was escaped
        messages = [f["message"] for f in json.loads(done.stdout)["findings"]]
        assert any("six==1.16.0##[warning]pwn" in m for m in messages)


def test_a_marker_in_repository_text_is_not_our_comments_marker(tmp_path, github, app):
    """Our comment quotes a folder named like another comment's marker: that comment is not ours to edit."""
    workspace = app("3.11", files={"<!-- deploycheck:comment:frontend -->/requirements.txt": "six==1.16.0\n"})
    (tmp_path / "r").mkdir()
    runner = Runner(tmp_path / "r", github, workspace)
    runner(comment_header="backend", status_context="", select="DC2,DC3")
    assert "deploycheck:comment:frontend" in github.comments_on(2)[0]["body"]
    runner(comment_header="frontend", status_context="", select="DC2,DC3")
    assert len(github.comments_on(2)) == 2


def test_an_unreachable_github_api_is_a_warning_and_the_verdict_stands(runner):
    done = runner(env={"GITHUB_API_URL": f"http://127.0.0.1:{closed_port()}"})
    assert done.returncode == 0, done.stdout  # in sync: the verdict's code, whatever publishing did
    assert "Traceback" not in done.stdout + done.stderr
    warnings = [c for c in runnerlog.commands(done.stdout) if c.name == "warning"]
    assert [w.data.split(":")[0] for w in warnings] == [
        "could not comment on the pull request",
        "could not set the 'deploycheck' status",
    ]
    assert all("ConnectionError" in w.data and "\n" not in w.data for w in warnings)
    assert runner.outputs["outcome"] == "ready"


def test_an_api_answer_that_is_not_json_is_a_warning(runner, github):
    github.fail("GET", r"/issues/2/comments$", 200, times=10, raw=b"<html>proxy login</html>")
    done = runner()
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr
    (warning,) = [c for c in runnerlog.commands(done.stdout) if c.name == "warning"]
    assert warning.data.startswith("could not comment on the pull request:")
    assert github.state.statuses  # the status still went out


@pytest.fixture
def runner(tmp_path, github, app):
    return Runner(tmp_path, github, app("3.11"))


def _uploaded(tmp_path: Path, report: dict) -> Path:
    empty = tmp_path / "publish-workspace"
    empty.mkdir()
    (empty / "report.json").write_text(json.dumps(report))
    (tmp_path / "wr").mkdir()
    return empty


def test_publish_only_says_whose_report_it_is_and_keeps_a_status_of_its_own(tmp_path, app):
    """A pull request can change its own workflow and upload a report that says "ready": the comment says
    whose word it is, and its status is `deploycheck/publish`, never the checking job's `deploycheck`."""
    checked = app("3.11")
    with FakeGitHub("octo-org/octo-repo") as github:
        github.add_user(TOKEN, "github-actions[bot]")
        github.add_pull(2, RUN_SHA)
        (tmp_path / "pr").mkdir()
        computing = Runner(tmp_path / "pr", github, checked)
        assert computing(token=READ_ONLY).returncode == 0
        report = json.loads(Path(computing.outputs["report-path"]).read_text())
        publisher = Runner(tmp_path / "wr", github, _uploaded(tmp_path, report))
        done = publisher(event="workflow_run.completed.json", event_name="workflow_run", report="report.json")
        assert done.returncode == 0, done.stdout
        (comment,) = github.comments_on(2)
        url = f"https://github.com/octo-org/octo-repo/actions/runs/{RUN_ID}"
        assert f"Reported by the pull request's workflow run [{RUN_ID}]({url})" in comment["body"]
        assert f"Reported by the pull request's workflow run [{RUN_ID}]({url})" in publisher.summary.read_text()
        ((context, description),) = [(s["context"], s["description"]) for s in github.state.statuses]
        assert context == "deploycheck/publish" and description.startswith("as the PR's run reported: ready")
        publisher(
            event="workflow_run.completed.json",
            event_name="workflow_run",
            report="report.json",
            status_context="deploycheck/backend",
        )
        assert github.state.statuses[-1]["context"] == "deploycheck/backend/publish"


@pytest.mark.parametrize(
    "forged",
    [
        {"findings": [{"code": "X", "severity": "fatal", "path": None, "line": None, "message": "m"}]},
        {"lockfiles": [{"path": "r.txt", "sources": [], "resolver": "x", "status": "green", "runtime": {}}]},
        {"findings": "all good"},
        {"findings": [{"code": "X", "severity": "error", "path": 7, "line": None, "message": "m"}]},
        {"runtime": ["3.12"]},
    ],
)
def test_publish_only_refuses_a_report_deploycheck_never_writes(tmp_path, github, forged):
    report = {"schema_version": 1, "root": ".", "runtime": {}, "lockfiles": [], "findings": [], "problems": []}
    publisher = Runner(tmp_path / "wr", github, _uploaded(tmp_path, {**report, **forged}))
    done = publisher(report="report.json")
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    (error,) = runnerlog.commands(done.stdout)
    assert error.name == "error" and "cannot read report.json" in error.data
    assert github.comments_on(2) == [] and github.state.statuses == []
