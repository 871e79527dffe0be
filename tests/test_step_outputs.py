"""The action's step outputs (#18 item 13): `findings`, a count per severity a workflow reads with fromJSON,
and `not-checked`, the dependency files the platform installs that nothing checked, beside outcome, drift and
report-path; and the commit status description within GitHub's 140 characters, whatever the inputs."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import write
from test_action import Runner

from deploycheck.github.action import STATUS_LIMIT, status_description
from deploycheck.report.model import Finding, LockResult, Problem, Report


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    workspace = write(
        tmp_path / "workspace",
        {
            "app.yaml": "runtime: python38\n",
            "requirements.txt": "",
            "main.py": "",
            "Pipfile": '[packages]\nflask = "*"\n',
        },
    )
    nowhere = SimpleNamespace(repository="octo/app", url="http://127.0.0.1:9")  # no token: nothing is published
    return Runner(tmp_path, nowhere, workspace)  # type: ignore[arg-type]


def test_findings_and_not_checked_outputs(runner: Runner) -> None:
    done = runner(token="", select="DC2")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(Path(runner.outputs["report-path"]).read_text())
    counts = json.loads(runner.outputs["findings"])  # what `fromJSON(steps.x.outputs.findings)` reads
    severities = [f["severity"] for f in report["findings"]]
    assert counts == {severity: severities.count(severity) for severity in ("error", "warning", "info")}
    assert counts["error"] >= 1 and counts["warning"] >= 1  # DC206 and DC205 on app.yaml
    assert json.loads(runner.outputs["not-checked"]) == report["not_checked"]


def test_no_findings_is_zero_counts_and_an_empty_list(runner: Runner) -> None:
    (runner.workspace / "app.yaml").write_text("runtime: python312\n")
    (runner.workspace / "Pipfile").unlink()
    done = runner(token="", select="DC205,DC206")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(runner.outputs["findings"]) == {"error": 0, "warning": 0, "info": 0}
    assert json.loads(runner.outputs["not-checked"]) == []


def _lock(path: str, status: str = "drift", changes: int = 1) -> LockResult:
    from deploycheck.locks.change import Change

    return LockResult(
        path=path,
        sources=[],
        resolver="uv",
        status=status,
        runtime={},
        changes=[Change(f"pkg{i}", "added", None, "1.0", i + 1) for i in range(changes)],
    )


@pytest.mark.parametrize(
    "report",
    [
        Report(root=".", runtime={}, lockfiles=[_lock(f"services/{'x' * 60}{n}/requirements.txt") for n in range(9)]),
        Report(root=".", runtime={}, lockfiles=[_lock("x" * 500 + "/requirements.txt", changes=3)]),
        Report(root=".", runtime={}, problems=[Problem("the index said: " + "no " * 300, "requirements.txt")]),
        Report(root=".", runtime={}, lockfiles=[_lock("a.txt", "error")]),
        Report(
            root=".",
            runtime={},
            findings=[Finding("DC205", "error", "x", 1, "m")] * 3,
            not_checked=[f"{'deep/' * 30}uv.lock"] * 4,
        ),
        Report(root=".", runtime={}, not_checked=[f"{'deep/' * 40}poetry.lock"]),
    ],
    ids=["many-drifted", "long-lock-path", "long-problem", "lock-error", "not-ready-long", "ready-long"],
)
def test_status_description_within_the_limit(report: Report) -> None:
    if report.lockfiles and report.lockfiles[0].status == "error":
        report.lockfiles[0].error = Problem("uv said " + "ERR " * 100, "a.txt")
    if report.lockfiles and report.lockfiles[0].status == "drift":
        report.findings.append(Finding("DC101", "error", report.lockfiles[0].path, None, "drift"))
    text = status_description(report)
    assert 0 < len(text) <= STATUS_LIMIT, text
    assert "\n" not in text


def test_status_description_names_what_fits() -> None:
    report = Report(root=".", runtime={}, lockfiles=[_lock("requirements.txt"), _lock("dev.txt", changes=2)])
    report.findings.append(Finding("DC101", "error", "requirements.txt", None, "drift"))
    assert status_description(report) == "lock drift: requirements.txt (1 change), dev.txt (2 changes)"
    many = Report(root=".", runtime={}, lockfiles=[_lock(f"svc{n:02}/{'r' * 20}.txt") for n in range(12)])
    many.findings.append(Finding("DC101", "error", "x", None, "drift"))
    text = status_description(many)
    assert text.startswith("lock drift: svc00/") and text.endswith(" more") and len(text) <= STATUS_LIMIT
