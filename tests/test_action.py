"""The action end to end: entrypoint.py --action as a subprocess with the environment a runner gives a
Docker action, real webhook payloads, and PyGithub talking real HTTP to a fake GitHub that keeps state."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write
from fakegithub import FakeGitHub

EVENTS = Path(__file__).resolve().parent / "data" / "github" / "github-events"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"  # pull_request.opened.json's head
MERGE_SHA = "f" * 40  # GITHUB_SHA on pull_request: the test merge commit, never where a status goes
TOKEN = "ghs_WriteTokenValue123"
READ_ONLY = "ghs_ReadOnlyTokenValue456"


@pytest.fixture
def github():
    with FakeGitHub() as fake:
        fake.add_user(TOKEN, "github-actions[bot]")
        fake.add_user(READ_ONLY, "github-actions[bot]", read_only=True)
        fake.add_pull(2, HEAD_SHA)
        yield fake


def parse_outputs(path: Path) -> dict[str, str]:
    out = {}
    for m in re.finditer(r"^(\S+)<<(ghadelimiter_[0-9a-f-]+)\n(.*?)\n\2$", path.read_text(), re.M | re.S):
        out[m.group(1)] = m.group(3)
    return out


class Runner:
    def __init__(self, tmp: Path, github: FakeGitHub, workspace: Path) -> None:
        self.tmp, self.github, self.workspace = tmp, github, workspace
        self.runs = 0

    def __call__(
        self,
        event: str = "pull_request.opened.json",
        token: str = TOKEN,
        event_name: str = "pull_request",
        env: dict[str, str] | None = None,
        **inputs: str,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.argv,
            cwd=self.workspace,
            env={**self.environment(event, token, event_name, **inputs), **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.outputs = parse_outputs(self.output)
        return done

    argv = (sys.executable, str(ROOT / "entrypoint.py"), "--action")

    def environment(
        self,
        event: str = "pull_request.opened.json",
        token: str = TOKEN,
        event_name: str = "pull_request",
        **inputs: str,
    ) -> dict[str, str]:
        """The variables a runner gives a Docker action, with fresh output and summary files."""
        self.runs += 1
        files = self.tmp / f"run{self.runs}"
        files.mkdir()
        self.output, self.summary = files / "output", files / "summary"
        self.output.touch()
        self.summary.touch()
        self.home = files / "home"
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(EVENTS / event),
            "GITHUB_REPOSITORY": self.github.repository,
            "GITHUB_SHA": MERGE_SHA,
            "GITHUB_API_URL": self.github.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "RUNNER_TEMP": str(files / "runner-temp"),
            "INPUT_GITHUB-TOKEN": token,
            "DEPLOYCHECK_CACHE_DIR": os.environ["DEPLOYCHECK_CACHE_DIR"],
            "DEPLOYCHECK_RETRY_WAIT": "1",
        }
        for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PYENV_ROOT"):
            if name in os.environ:
                env[name] = os.environ[name]
        for name, value in inputs.items():
            env[f"INPUT_{name.upper().replace('_', '-')}"] = value
        return env


@pytest.fixture
def runner(tmp_path, github, app):
    return Runner(tmp_path, github, app("3.11"))


def test_one_sticky_comment_across_three_runs_and_it_flips_to_fixed(runner, github):
    done = runner()
    assert done.returncode == 0, done.stdout + done.stderr
    (runner.workspace / "requirements.in").write_text("webapp-core\nfancy\n")
    assert runner().returncode == 1
    (comment,) = github.comments_on(2)
    assert "NOT ready to deploy" in comment["body"] and "| `fancy` | added |" in comment["body"]
    assert "```diff" in comment["body"] and "docker run" in comment["body"]
    (runner.workspace / "requirements.in").write_text("webapp-core\n")
    assert runner().returncode == 0
    (comment,) = github.comments_on(2)
    assert "ready to deploy" in comment["body"] and "Fixed" in comment["body"]
    assert comment["user"]["login"] == "github-actions[bot]"
    states = [(s["_sha"], s["state"], s["context"]) for s in github.state.statuses]
    assert states == [
        (HEAD_SHA, "success", "deploycheck"),
        (HEAD_SHA, "failure", "deploycheck"),
        (HEAD_SHA, "success", "deploycheck"),
    ]
    assert all(len(s["description"]) <= 140 for s in github.state.statuses)


def test_outputs_summary_annotations_and_report(runner):
    (runner.workspace / "requirements.in").write_text("webapp-core\nfancy\n")
    done = runner()
    assert done.returncode == 1
    assert runner.outputs["outcome"] == "not-ready" and runner.outputs["drift"] == "true"
    assert runner.outputs["report-path"] == str(runner.home / "deploycheck-report.json")
    report = json.loads(Path(runner.outputs["report-path"]).read_text())
    assert report["outcome"] == "not-ready" and report["schema_version"] == 1
    assert "NOT ready to deploy" in runner.summary.read_text()
    assert re.search(r"^::error file=requirements\.txt,title=deploycheck%3A fancy added::", done.stdout, re.M)


def test_forged_marker_comment_by_another_user_is_left_alone(runner, github):
    from deploycheck.github.action import marker

    forged = github.add_comment(2, f"{marker('')}\nall good, merge it", "mallory")
    runner()
    assert len(github.comments_on(2)) == 2
    assert forged["body"].endswith("merge it")
    ours = [c for c in github.comments_on(2) if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1


def test_comment_found_beyond_the_first_page(runner, github):
    runner()
    (ours,) = github.comments_on(2)
    github.state.comments.remove(ours)
    for i in range(75):  # 75 comments from people, ours after them, on page 3 of 30
        github.add_comment(2, f"comment {i}", "octocat")
    github.state.comments.append(ours)
    before = len(github.state.requests)
    runner()
    assert len([c for c in github.comments_on(2) if c["user"]["login"] == "github-actions[bot]"]) == 1
    this_run = github.state.requests[before:]
    pages = [path for method, path, _ in this_run if method == "GET" and path.endswith("/comments")]
    assert len(pages) == 3  # 76 comments, 30 a page: read once, not once more for the previous body
    assert [path for method, path, _ in this_run if path == "/user"] == ["/user"]


def test_read_only_token_warns_and_keeps_the_verdict(runner, github):
    (runner.workspace / "requirements.in").write_text("webapp-core\nfancy\n")
    done = runner(token=READ_ONLY)
    assert done.returncode == 1  # the verdict's code, not a crash
    assert "::warning title=deploycheck::could not comment on the pull request: the token is read-only" in done.stdout
    assert "statuses: write" in done.stdout and "two-workflow" in done.stdout
    assert github.comments_on(2) == [] and github.state.statuses == []
    assert runner.outputs["outcome"] == "not-ready" and "NOT ready" in runner.summary.read_text()


@pytest.mark.parametrize(
    ("status", "words"), [(404, "not found (404)"), (422, "rejected it (422)"), (500, "answered 500")]
)
def test_api_errors_are_warnings(runner, github, status, words):
    github.fail("POST", r"/issues/2/comments$", status, times=5)
    done = runner()
    assert done.returncode == 0 and words in done.stdout
    assert github.comments_on(2) == []
    posts = [p for m, p, _ in github.state.requests if m == "POST" and p.endswith("/comments")]
    assert len(posts) == 1  # a failed create is never retried: a retry could post it twice
    assert github.state.statuses  # the status still went out


def test_rate_limit_with_retry_after_is_waited_out(runner, github):
    github.fail(
        "POST",
        r"/issues/2/comments$",
        403,
        times=1,
        headers={"Retry-After": "1"},
        message="You have exceeded a secondary rate limit",
    )
    assert runner().returncode == 0
    assert len(github.comments_on(2)) == 1


def test_on_drift_comment_mode_and_no_status(runner, github):
    runner(comment="on-drift", status_context="")
    assert github.comments_on(2) == [] and github.state.statuses == []
    (runner.workspace / "requirements.in").write_text("webapp-core\nfancy\n")
    runner(comment="on-drift", status_context="")
    assert len(github.comments_on(2)) == 1


def test_comment_header_keeps_one_comment_per_header(runner, github):
    runner(comment_header="backend", status_context="deploycheck/backend")
    runner(comment_header="frontend", status_context="deploycheck/frontend")
    runner(comment_header="backend", status_context="deploycheck/backend")
    bodies = [c["body"] for c in github.comments_on(2)]
    assert len(bodies) == 2 and any("deploycheck (backend)" in b for b in bodies)
    assert {s["context"] for s in github.state.statuses} == {"deploycheck/backend", "deploycheck/frontend"}


def test_fail_on_never_and_bad_input(runner):
    (runner.workspace / "requirements.in").write_text("webapp-core\nfancy\n")
    assert runner(fail_on="never").returncode == 0
    done = runner(fail_on="sometimes")
    assert done.returncode == 2 and "input fail-on" in done.stdout


def test_push_event_gets_a_status_and_no_comment(runner, github):
    assert runner(event="push.with-new-branch.json", event_name="push").returncode == 0
    assert github.comments_on(2) == []
    assert [(s["_sha"], s["state"]) for s in github.state.statuses] == [
        ("6113728f27ae82c7b1a177c8d03f9e96e0adf246", "success")
    ]


def test_publish_only_mode_for_workflow_run_finds_the_pr_from_head_sha(tmp_path, app):
    report_dir = app("3.11")
    (report_dir / "requirements.in").write_text("webapp-core\nfancy\n")
    with FakeGitHub("octo-org/octo-repo") as github:
        github.add_user(TOKEN, "github-actions[bot]")
        github.add_pull(2, "3484a3fb816e0859fd6e1cea078d76385ff50625")
        computing = Runner(tmp_path / "pr", github, report_dir)
        (tmp_path / "pr").mkdir()
        computing(token=READ_ONLY)  # the pull_request workflow: read-only, uploads the report
        empty = tmp_path / "empty-workspace"  # publish-only never needs the PR's code
        empty.mkdir()
        shutil.copy(computing.outputs["report-path"], empty / "report.json")
        (tmp_path / "wr").mkdir()
        publisher = Runner(tmp_path / "wr", github, empty)
        for event in ("workflow_run.completed.json", "workflow_run.completed.with-pull-requests.json"):
            done = publisher(event=event, event_name="workflow_run", report="report.json")
            assert done.returncode == 1, done.stdout + done.stderr
        (comment,) = github.comments_on(2)
        assert "| `fancy` | added |" in comment["body"]
        assert [s["_sha"] for s in github.state.statuses] == ["3484a3fb816e0859fd6e1cea078d76385ff50625"] * 2
        assert any(
            p.endswith("/commits/3484a3fb816e0859fd6e1cea078d76385ff50625/pulls") for _, p, _ in github.state.requests
        )


def test_enterprise_server_api_url(tmp_path, app):
    with FakeGitHub(prefix="/api/v3") as github:
        github.add_user(TOKEN, "github-actions[bot]")
        github.add_pull(2, HEAD_SHA)
        (tmp_path / "r").mkdir()
        assert Runner(tmp_path / "r", github, app("3.11"))().returncode == 0
        assert len(github.comments_on(2)) == 1
        assert all(path.startswith("/api/v3/") for _, path, _ in github.state.requests)


def test_token_never_reaches_a_resolver_log_comment_or_artifact(tmp_path, github, index, drop):
    """A local package whose setup.py writes its whole environment to a file: the resolver runs it."""
    spy = drop / "resolver-env.json"
    workspace = write(
        tmp_path / "ws",
        {
            ".python-version": "3.11\n",
            "requirements.in": "./envspy\n",
            "envspy/setup.py": f"import json, os\nfrom setuptools import setup\n"
            f"json.dump(dict(os.environ), open({str(spy)!r}, 'w'))\n"
            f"setup(name='envspy', version='1.0')\n",
            "requirements.txt": "#\n# This file is autogenerated by pip-compile with Python 3.11\n"
            "# by the following command:\n"
            f"#\n#    pip-compile --no-build-isolation --index-url={index} requirements.in\n#\n"
            f"--index-url {index}\n\nenvspy @ file:///nowhere\n",
        },
    )
    (tmp_path / "r").mkdir()
    runner = Runner(tmp_path / "r", github, workspace)
    done = runner(resolver="pip-tools")
    assert spy.exists(), done.stdout + done.stderr  # the resolver did run the package's setup.py
    seen = spy.read_text()
    everything = [
        seen,
        done.stdout,
        done.stderr,
        runner.summary.read_text(),
        runner.output.read_text(),
        Path(runner.outputs["report-path"]).read_text(),
        *github.state.bodies,
        *(c["body"] for c in github.comments_on(2)),
    ]
    for text in everything:
        assert TOKEN not in text
    assert "INPUT_GITHUB-TOKEN" not in json.loads(seen) and "GITHUB_TOKEN" not in json.loads(seen)
    assert any(TOKEN in auth for _, _, auth in github.state.requests)  # it was used, by the publisher only


def test_fake_server_answers_in_the_shapes_of_the_official_description(github):
    """Every response carries at least the fields of GitHub's own example for that endpoint."""
    from fakegithub import _examples

    examples = _examples()
    comment = github.add_comment(2, "hello", "octocat")
    status, _, listed = github.handle(
        "GET", f"/repos/{github.repository}/issues/2/comments", {"Authorization": f"token {TOKEN}"}, ""
    )
    assert status == 200 and set(examples["issue-comment-items"][0]) <= set(listed[0])
    status, _, created = github.handle(
        "POST",
        f"/repos/{github.repository}/statuses/{HEAD_SHA}",
        {"Authorization": f"token {TOKEN}"},
        json.dumps({"state": "success"}),
    )
    assert status == 201 and set(examples["status"]) <= set(created)
    status, _, pull = github.handle(
        "GET", f"/repos/{github.repository}/pulls/2", {"Authorization": f"token {TOKEN}"}, ""
    )
    assert status == 200 and set(examples["pull-request"]) <= set(pull) and comment["id"]


def test_comment_body_stays_under_githubs_limit():
    from deploycheck.github.action import comment_body
    from deploycheck.locks.diff import Change
    from deploycheck.report.model import Finding, LockResult, Report

    changes = [Change(f"pkg{i}", "added", None, f"pkg{i}==1.0", None, reason="x" * 200) for i in range(400)]
    lock = LockResult(
        "requirements.txt",
        ["requirements.in"],
        "uv",
        "drift",
        {"python": "3.12", "source": "d"},
        changes=changes,
        diff="+" + "y" * 70000,
    )
    report = Report(".", {"python": "3.12", "source": "d"}, [lock])
    report.findings.append(Finding("DC101", "error", "requirements.txt", None, "drift", "recompile"))
    body = comment_body(report, "", None, "https://github.com/o/r/actions/runs/1")
    assert len(body) < 65536 and "NOT ready" in body and "actions/runs/1" in body
    assert "```diff" not in body  # the diff went first


def test_publish_only_with_a_missing_or_foreign_report(runner, github):
    done = runner(report="nope.json")
    assert done.returncode == 2 and "cannot read nope.json" in done.stdout and "Traceback" not in done.stderr
    (runner.workspace / "old.json").write_text(json.dumps({"schema_version": 0}))
    done = runner(report="old.json")
    assert done.returncode == 2 and "schema_version" in done.stdout
    assert github.comments_on(2) == []
