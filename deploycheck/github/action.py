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

from deploycheck import credentials, verdicts
from deploycheck.credentials import redact
from deploycheck.errors import CheckError
from deploycheck.github import runner_files, workflowlog
from deploycheck.github.workflowlog import CommandLog
from deploycheck.repo import safefs
from deploycheck.report import render
from deploycheck.report.inert import md_code, md_text, visible
from deploycheck.report.model import Report
from deploycheck.resolve import sandbox
from deploycheck.settings import OPTIONS, Settings, build

COMMENT_LIMIT = 65536  # characters GitHub accepts in a comment
NOT_READY_STATE = "<!-- deploycheck:state:not-ready -->"


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
    run_id: int | None = None  # workflow_run: the run of the pull request's workflow that made the report


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
        run_id = run.get("id") if isinstance(run.get("id"), int) else None
        return Event(name, prs[0]["number"] if prs else None, run.get("head_sha"), run_id)
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
    # `-->` in a header would end the HTML comment early; ordinary headers keep their marker as it was.
    safe = (header or "default").replace("--", "-&#45;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<!-- deploycheck:comment:{safe} -->"


def publish_context(context: str) -> str:
    """Publish-only mode's status context: its own (`deploycheck/publish`), so that branch protection can
    require the checking status, which a report from the pull request cannot set."""
    return context if not context or context.endswith("/publish") else context + "/publish"


def provenance(event: Event, env: dict[str, str], report_file: str) -> str:
    """Publish-only mode: whose word the comment repeats. The report was made by the pull request's own
    workflow run, which the pull request can change, so the comment says so."""
    caveat = "deploycheck did not check this code itself, and a pull request can change what its run reports"
    if event.run_id is not None and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        url = f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{event.run_id}"
        return f"Reported by the pull request's workflow run [{event.run_id}]({url}); {caveat}."
    return f"Reported by {md_code(report_file)}, a report this job did not make; {caveat}."


def comment_body(report: Report, header: str, previous: str | None, run_url: str | None, relayed: str = "") -> str:
    """relayed: in publish-only mode, whose report this is (provenance())."""
    title = f" ({md_text(header)})" if header else ""
    fixed = ""
    # The state is the body's second line: further down, quoted repository text could hold one.
    if report.outcome == "ready" and previous and previous.split("\n", 2)[1:2] == [NOT_READY_STATE]:
        fixed = "\n\n✅ **Fixed**: the drift reported earlier on this pull request is gone.\n"
    heading = f"## {render.VERDICT_ICON[report.outcome]} deploycheck{title}: {render.VERDICT[report.outcome]}"
    head = f"{marker(header)}\n<!-- deploycheck:state:{report.outcome} -->\n{heading}\n\n"
    head += f"{relayed}\n\n" if relayed else ""
    link = f"\n\n[Full report in the job summary]({run_url})" if run_url else ""
    room = COMMENT_LIMIT - 512 - len(head) - len(fixed) - len(link)
    body = render.fit_markdown(report, lambda md: len(md) < room, "see the job summary")
    if body is None:
        body = (
            f"The report is too long for a comment: {len(report.lockfiles)} lockfiles, {len(report.findings)} findings."
        )
    return head + body.split("\n", 2)[-1] + fixed + link  # its own heading is the one above


STATUS_LIMIT = 140  # GitHub's limit on a commit status description


def _listed(names: list[str], room: int, empty: str) -> str:
    """As many of `names` as fit in `room` characters, then how many more; `empty` when not even one fits."""
    for shown in range(len(names), 0, -1):
        more = f" and {len(names) - shown} more" if shown < len(names) else ""
        text = ", ".join(names[:shown]) + more
        if len(text) <= room:
            return text
    return empty


def _not_checked(report: Report, room: int) -> str:
    """ ", uv.lock not checked" (as many names as fit in `room`, then how many more)."""
    names = [visible(name) for name in report.not_checked]
    if not names:
        return ""
    listed = _listed(names, room - len(", ") - len(" not checked"), "")
    return f", {listed} not checked" if listed else f", {len(names)} file(s) not checked"[:room]


def _fit(text: str) -> str:
    return text if len(text) <= STATUS_LIMIT else text[: STATUS_LIMIT - 1] + "…"


def status_description(report: Report) -> str:
    """The commit status's one line, within GitHub's 140 characters whatever the paths and messages hold."""
    if report.outcome == "ready":
        head = f"ready: {len(report.passed)} checks passed"
        return _fit(head + _not_checked(report, STATUS_LIMIT - len(head)))
    drifted = [lock for lock in report.lockfiles if lock.status == "drift"]
    if report.outcome == "not-ready" and drifted:
        head = "lock drift: "
        names = [
            visible(f"{lock.path} ({len(lock.changes)} change{'' if len(lock.changes) == 1 else 's'})")
            for lock in drifted
        ]
        return _fit(head + _listed(names, STATUS_LIMIT - len(head), f"{len(drifted)} lockfile(s)"))
    if report.outcome == "not-ready":
        head = f"not ready: {len(report.failing())} failing finding(s)"
        return _fit(head + _not_checked(report, STATUS_LIMIT - len(head)))
    first = next((p.message for p in report.problems), None) or next(
        (lock.error.message for lock in report.lockfiles if lock.error), "see the job summary"
    )
    return _fit(visible("could not check: " + (first.splitlines() or [""])[0]))


def _report_path(env: dict[str, str]) -> tuple[Path, str]:
    """Where the JSON report goes, and that path as later steps on the runner see it."""
    home = Path(env.get("HOME") or Path.home())
    inside = home / "deploycheck-report.json"
    if str(home) == "/github/home" and env.get("RUNNER_TEMP"):  # a Docker action: /github/home is mounted
        return inside, f"{env['RUNNER_TEMP']}/_github_home/deploycheck-report.json"
    return inside, str(inside)


def _say(log: CommandLog, level: str, message: str, title: str = "deploycheck") -> None:
    log.command(runner_files.command(level, message, title=title))


def run(env: dict[str, str] | None = None) -> int:
    """The action's run. Started by entrypoint.main, the credentials were already moved out of the
    environment (credentials.leave_environment); an env given here with credentials in it (in-process
    callers) gets the same treatment minus the re-exec."""
    env = dict(os.environ if env is None else env)
    credentials.hold({name: env[name] for name in credentials.CREDENTIALS if env.get(name)})
    for name in credentials.CREDENTIALS:
        os.environ.pop(name, None)
        env.pop(name, None)
    log = workflowlog.install()  # from here on, nothing printed becomes a workflow command but ours
    try:
        return _run(env, log)
    finally:
        log.close()


def _run(env: dict[str, str], log: CommandLog) -> int:
    token = credentials.get("INPUT_GITHUB-TOKEN") or credentials.get("GITHUB_TOKEN")
    try:
        import github  # noqa: F401  (the optional [github] extra: checked before any work is done)
    except ImportError:
        _say(log, "error", "the action needs PyGithub: pip install 'deploycheck[github]'")
        return 2
    try:
        inputs = read_inputs(env)
    except InputError as exc:
        _say(log, "error", str(exc), title="deploycheck input")
        return 2
    event = read_event(env)
    workspace = env.get("GITHUB_WORKSPACE", ".")
    _trust_workspace(workspace)
    run_url = None
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        run_url = f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"

    if inputs.report_file:  # publish-only: never checks out or resolves anything
        report = _uploaded_report(inputs, workspace, log)
        if report is None:
            return 2
    else:
        # A sandbox user of this run's own (the notice for a normal user is the CLI's). .git is closed to it
        # while package code runs, and reopened only once no process of it is left.
        with sandbox.scope(notice=False), sandbox.sealed(Path(workspace) / ".git"):
            report = verdicts.run(inputs.settings)
    relayed = provenance(event, env, inputs.report_file) if inputs.report_file else ""
    _write_runner_files(env, inputs, report, run_url, relayed, log)
    if token and env.get("GITHUB_REPOSITORY"):
        _publish(token, env, inputs, event, report, run_url, relayed, log)
    elif inputs.comment != "never" or inputs.status_context:
        _say(log, "notice", "no github-token: the comment and the status are skipped")
    return report.exit_code


def _uploaded_report(inputs: Inputs, workspace: str, log: CommandLog) -> Report | None:
    try:
        # The report comes from the pull request's workflow: read it like any input, bounded and inside.
        raw = safefs.read_bytes(Path(workspace, inputs.report_file), Path(workspace), cap=32 * 1024 * 1024)
        report = Report.from_json(json.loads(raw.decode("utf-8")))
    except safefs.UnsafePath as exc:
        _say(log, "error", f"input report: cannot read {inputs.report_file}: it {exc.reason}")
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        _say(
            log,
            "error",
            f"input report: cannot read {inputs.report_file} ({visible(str(exc)[:300])}); pass the JSON report "
            "that the checking workflow uploaded (its report-path output)",
        )
        return None
    report.fail_on = inputs.settings.fail_on
    return report


def _write_runner_files(
    env: dict[str, str], inputs: Inputs, report: Report, run_url: str | None, relayed: str, log: CommandLog
) -> None:
    inside, outside = _report_path(env)
    inside.parent.mkdir(parents=True, exist_ok=True)
    inside.write_text(redact(render.to_json(report)), encoding="utf-8")
    sys.stdout.write(render.to_text(report))  # the log: inside a stopped region (workflowlog)
    prefix = "" if inputs.working_directory in (".", "") else inputs.working_directory.strip("/") + "/"
    for line in runner_files.annotation_lines(report, prefix):
        log.command(line)
    if env.get("GITHUB_STEP_SUMMARY"):
        with Path(env["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as f:
            f.write(redact(runner_files.summary_markdown(report, run_url, relayed)) + "\n")
    if env.get("GITHUB_OUTPUT"):
        outputs = runner_files.step_outputs(report, outside)
        runner_files.write_outputs(Path(env["GITHUB_OUTPUT"]), {k: redact(v) for k, v in outputs.items()})


def _publish(
    token: str,
    env: dict[str, str],
    inputs: Inputs,
    event: Event,
    report: Report,
    run_url: str | None,
    relayed: str,
    log: CommandLog,
) -> None:
    """The comment and the status. Whatever goes wrong here (GitHub's answers, an API that does not answer,
    a bug) is a warning: the exit code stays the verdict's."""
    from deploycheck.github.api import describe

    try:
        warnings = _publish_to(token, env, inputs, event, report, run_url, relayed)
    except Exception as exc:
        warnings = [f"could not publish to GitHub: {describe(exc)}"]
    for warning in warnings:
        _say(log, "warning", warning)


def _publish_to(
    token: str, env: dict[str, str], inputs: Inputs, event: Event, report: Report, run_url: str | None, relayed: str
) -> list[str]:
    from deploycheck.github.api import GitHubPublisher, describe, publish

    api = env.get("GITHUB_API_URL", "https://api.github.com")
    publisher = GitHubPublisher(
        token, api, env["GITHUB_REPOSITORY"], retry_wait=float(env.get("DEPLOYCHECK_RETRY_WAIT", "60"))
    )
    warnings: list[str] = []
    pr = event.pr
    if pr is None and event.name == "workflow_run" and event.sha:
        try:
            pr = publisher.find_pull_request(event.sha)
        except Exception as exc:
            warnings.append(f"could not find the pull request of {event.sha}: {describe(exc)}")
    context = publish_context(inputs.status_context) if inputs.report_file else inputs.status_context
    description = status_description(report)
    if inputs.report_file:
        description = "as the PR's run reported: " + description
    result = publish(
        publisher,
        pr=pr,
        sha=event.sha,
        marker=marker(inputs.comment_header),
        body_for=lambda previous: redact(comment_body(report, inputs.comment_header, previous, run_url, relayed)),
        comment_mode=inputs.comment,
        drift_or_error=report.outcome != "ready",
        status_context=context,
        state={"ready": "success", "not-ready": "failure", "error": "error"}[report.outcome],
        description=redact(description),
        target_url=run_url,
    )
    if result.comment in ("created", "updated"):
        print(f"deploycheck: comment {result.comment}: {result.comment_url}")
    return warnings + (result.warnings or [])
