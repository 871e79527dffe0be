"""Running as a GitHub Action: inputs -> report (or a report file, in publish-only mode) -> runner files
-> comment and status -> exit code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploycheck import pipeline
from deploycheck.errors import CheckError
from deploycheck.github import credentials, runner_files
from deploycheck.github.credentials import redact
from deploycheck.repo import safefs
from deploycheck.report import render
from deploycheck.report.model import Report
from deploycheck.resolve import sandbox
from deploycheck.settings import OPTIONS, Settings, build


class InputError(Exception):
    pass


def _input(env: dict[str, str], name: str, default: str = "") -> str:
    # The runner keeps hyphens: `python-version` arrives as INPUT_PYTHON-VERSION.
    return env.get(f"INPUT_{name.upper().replace(' ', '_')}", default).strip() or default


def _choice(env: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = _input(env, name, default)
    if value not in allowed:
        raise InputError(f"input {name}: {value!r} is not one of {', '.join(allowed)}")
    return value


@dataclass
class Inputs:
    settings: Settings
    comment: str
    status_context: str
    comment_header: str
    report_file: str  # publish-only mode when set
    working_directory: str


def read_inputs(env: dict[str, str]) -> Inputs:
    """The action's inputs: every option of the command line (the same table, the same validation)."""
    workspace = Path(env.get("GITHUB_WORKSPACE", "."))
    working_directory = _input(env, "working-directory", ".")
    given = {option.name: env.get(f"INPUT_{option.name.upper()}", "").strip() for option in OPTIONS}
    if given["per-file-ignores"]:
        given["per-file-ignores"] = given["per-file-ignores"].splitlines()  # type: ignore[assignment]
    try:
        settings = build(given, root=workspace / working_directory, boundary=workspace.resolve(), front="input {}")
    except CheckError as exc:
        raise InputError(exc.where() + exc.message) from None
    return Inputs(
        settings=settings,
        comment=_choice(env, "comment", "always", ("always", "on-drift", "never")),
        status_context=_input(env, "status-context", "deploycheck")
        if "INPUT_STATUS-CONTEXT" not in env
        else env["INPUT_STATUS-CONTEXT"].strip(),
        comment_header=_input(env, "comment-header"),
        report_file=_input(env, "report"),
        working_directory=working_directory,
    )


@dataclass
class Event:
    name: str
    pr: int | None
    sha: str | None  # the commit a status belongs on: the PR's head, never the test merge commit


def read_event(env: dict[str, str]) -> Event:
    name = env.get("GITHUB_EVENT_NAME", "")
    data: dict[str, Any] = {}
    path = env.get("GITHUB_EVENT_PATH")
    if path and Path(path).is_file():
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    if "pull_request" in data and isinstance(data["pull_request"], dict):
        pr = data["pull_request"]
        return Event(name, pr.get("number"), pr.get("head", {}).get("sha"))
    if name == "workflow_run" and "workflow_run" in data:
        run = data["workflow_run"]
        prs = run.get("pull_requests") or []
        return Event(name, prs[0]["number"] if prs else None, run.get("head_sha"))
    sha = data.get("after") if name == "push" else None
    if sha and set(sha) == {"0"}:  # a deleted branch or tag: no commit to put a status on
        sha = None
    return Event(name, None, sha or env.get("GITHUB_SHA"))


def _trust_workspace(workspace: str) -> None:
    # The workspace is mounted from the host with another owner; git refuses it without this.
    if shutil.which("git"):
        subprocess.run(
            ["git", "config", "--global", "--add", "safe.directory", workspace], capture_output=True, check=False
        )


def marker(header: str) -> str:
    return f"<!-- deploycheck:comment:{header or 'default'} -->"


def comment_body(report: Report, header: str, previous: str | None, run_url: str | None) -> str:
    title = f" ({header})" if header else ""
    fixed = ""
    if report.outcome == "ready" and previous and "<!-- deploycheck:state:not-ready -->" in previous:
        fixed = "\n\n✅ **Fixed**: the drift reported earlier on this pull request is gone.\n"
    state = f"<!-- deploycheck:state:{report.outcome} -->"
    head = f"{marker(header)}\n{state}\n"
    link = f"\n\n[Full report in the job summary]({run_url})" if run_url else ""
    for body in (render.to_markdown(report), render.to_markdown(report, with_diff=False)):
        text = head + body.replace("deploycheck:", f"deploycheck{title}:", 1) + fixed + link
        if len(text) < 65536:
            return text
    short = (
        f"## deploycheck{title}: {render.VERDICT[report.outcome]}\n\nThe report is too long for a "
        f"comment: {len(report.lockfiles)} lockfiles, {len(report.findings)} findings.{fixed}{link}"
    )
    return head + short


def status_description(report: Report) -> str:
    if report.outcome == "ready":
        return f"ready to deploy ({len(report.lockfiles)} lockfile(s) in sync)"
    drifted = [lock for lock in report.lockfiles if lock.status == "drift"]
    if report.outcome == "not-ready" and drifted:
        names = ", ".join(f"{lock.path} ({len(lock.changes)} changes)" for lock in drifted)
        return f"lock drift: {names}"
    if report.outcome == "not-ready":
        return f"not ready: {len(report.failing())} failing finding(s)"
    first = next((p.message for p in report.problems), None) or next(
        (lock.error.message for lock in report.lockfiles if lock.error), "see the job summary"
    )
    return "could not check: " + first.splitlines()[0]


def _report_path(env: dict[str, str]) -> tuple[Path, str]:
    """Where the JSON report goes, and that path as later steps on the runner see it."""
    home = Path(env.get("HOME") or Path.home())
    inside = home / "deploycheck-report.json"
    if str(home) == "/github/home" and env.get("RUNNER_TEMP"):  # a Docker action: /github/home is mounted
        return inside, f"{env['RUNNER_TEMP']}/_github_home/deploycheck-report.json"
    return inside, str(inside)


def run(env: dict[str, str] | None = None) -> int:
    """The action's run. Started by entrypoint.main, the credentials were already moved out of the
    environment (credentials.leave_environment); an env given here with credentials in it (in-process
    callers) gets the same treatment minus the re-exec."""
    env = dict(os.environ if env is None else env)
    credentials.hold({name: env[name] for name in credentials.CREDENTIALS if env.get(name)})
    for name in credentials.CREDENTIALS:
        os.environ.pop(name, None)
        env.pop(name, None)
    credentials.redact_streams()  # annotations and every message go through stdout/stderr
    token = credentials.get("INPUT_GITHUB-TOKEN") or credentials.get("GITHUB_TOKEN")
    try:
        import github  # noqa: F401  (the optional [github] extra: checked before any work is done)
    except ImportError:
        print("::error title=deploycheck::the action needs PyGithub: pip install 'deploycheck[github]'")
        return 2
    try:
        inputs = read_inputs(env)
    except InputError as exc:
        print(f"::error title=deploycheck input::{exc}")
        return 2
    event = read_event(env)
    workspace = env.get("GITHUB_WORKSPACE", ".")
    _trust_workspace(workspace)
    run_url = None
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        run_url = f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"

    if inputs.report_file:  # publish-only: never checks out or resolves anything
        try:
            # The report comes from the pull request's workflow: read it like any input, bounded and inside.
            raw = safefs.read_bytes(Path(workspace, inputs.report_file), Path(workspace), cap=32 * 1024 * 1024)
            report = Report.from_json(json.loads(raw.decode("utf-8")))
        except safefs.UnsafePath as exc:
            print(f"::error title=deploycheck::input report: cannot read {inputs.report_file}: it {exc.reason}")
            return 2
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            print(
                f"::error title=deploycheck::input report: cannot read {inputs.report_file} ({exc}); pass the "
                "JSON report that the checking workflow uploaded (its report-path output)"
            )
            return 2
        report.fail_on = inputs.settings.fail_on
    else:
        with sandbox.sealed(Path(workspace) / ".git"):  # package code runs now: no reading the checkout's token
            report = pipeline.run(inputs.settings)
    _write_runner_files(env, inputs, report, run_url)
    if token and env.get("GITHUB_REPOSITORY"):
        _publish(token, env, inputs, event, report, run_url)
    elif inputs.comment != "never" or inputs.status_context:
        print("::notice title=deploycheck::no github-token: the comment and the status are skipped")
    return report.exit_code


def _write_runner_files(env: dict[str, str], inputs: Inputs, report: Report, run_url: str | None) -> None:
    """The report file, the log, annotations, the job summary and the step's outputs."""
    inside, outside = _report_path(env)
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text(redact(render.to_json(report)), encoding="utf-8")
    sys.stdout.write(render.to_text(report))

    prefix = "" if inputs.working_directory in (".", "") else inputs.working_directory.strip("/") + "/"
    for line in runner_files.annotation_lines(report, prefix):
        print(line)
    if env.get("GITHUB_STEP_SUMMARY"):
        with Path(env["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as f:
            f.write(redact(runner_files.summary_markdown(report, run_url)) + "\n")
    if env.get("GITHUB_OUTPUT"):
        outputs = {"outcome": report.outcome, "drift": str(report.drift).lower(), "report-path": outside}
        runner_files.write_outputs(Path(env["GITHUB_OUTPUT"]), {k: redact(v) for k, v in outputs.items()})


def _publish(
    token: str, env: dict[str, str], inputs: Inputs, event: Event, report: Report, run_url: str | None
) -> None:
    from github import GithubException

    from deploycheck.github.api import GitHubPublisher, publish

    api = env.get("GITHUB_API_URL", "https://api.github.com")
    publisher = GitHubPublisher(
        token, api, env["GITHUB_REPOSITORY"], retry_wait=float(env.get("DEPLOYCHECK_RETRY_WAIT", "60"))
    )
    pr = event.pr
    if pr is None and event.name == "workflow_run" and event.sha:
        try:
            pr = publisher.find_pull_request(event.sha)
        except GithubException as exc:
            print(f"::warning title=deploycheck::could not find the pull request of {event.sha} ({exc.status})")
    state = {"ready": "success", "not-ready": "failure", "error": "error"}[report.outcome]
    result = publish(
        publisher,
        pr=pr,
        sha=event.sha,
        marker=marker(inputs.comment_header),
        body_for=lambda previous: redact(comment_body(report, inputs.comment_header, previous, run_url)),
        comment_mode=inputs.comment,
        drift_or_error=report.outcome != "ready",
        status_context=inputs.status_context,
        state=state,
        description=redact(status_description(report)),
        target_url=run_url,
    )
    for warning in result.warnings or []:
        print(f"::warning title=deploycheck::{warning}")
    if result.comment in ("created", "updated"):
        print(f"deploycheck: comment {result.comment}: {result.comment_url}")
