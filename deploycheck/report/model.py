"""The report: one model that every renderer and publisher reads. Its JSON form is versioned."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from deploycheck.errors import CheckError
from deploycheck.locks.change import Change
from deploycheck.report import ruledocs

SCHEMA_VERSION = 1
SEVERITIES = ("info", "warning", "error")
LOCK_STATUSES = ("in-sync", "drift", "error", "unlocked")
CHANGE_KINDS = ("added", "removed", "changed")


def _items(value: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"report: {what} is not a list of objects")
    return value


@dataclass
class Finding:
    code: str
    severity: str  # "error" | "warning" | "info"
    path: str | None
    line: int | None
    message: str
    fix: str = ""
    cell: int | None = None  # in a notebook, the code cell (1-based, among all cells); `line` counts within it

    def place(self) -> str:
        """How the finding's place is shown: `app.py:3`, or the file alone (a notebook's message names the cell)."""
        return f"{self.path}:{self.line}" if self.line and not self.cell else (self.path or "")


@dataclass
class Problem:
    """Something that stopped a check (exit 2): never a finding, never drift."""

    message: str
    path: str | None = None
    line: int | None = None
    fix: str = ""


_CHANGE_INTERNAL = ("before_version", "after_version", "before_marker", "elsewhere")  # not in the JSON report


@dataclass
class LockResult:
    path: str
    sources: list[str]
    resolver: str  # what produced the verdict, e.g. "pip-tools 7.6.2" or "uv 0.13.9 (fast pass)"
    status: str  # "in-sync" | "drift" | "error"
    runtime: dict[str, Any]
    tool: str = ""  # the tool that writes this lock: "pip-compile" or "uv"
    interpreter: str | None = None
    header_python: str | None = None
    changes: list[Change] = field(default_factory=list)
    cosmetic: list[str] = field(default_factory=list)
    fix_command: str = ""
    notes: list[str] = field(default_factory=list)
    fresh: bool = False  # the proposal is a fresh compile, not one with the committed pins as preferences
    error: Problem | None = None
    diff: str = ""
    proposed: str | None = None  # the lock text the report proposes (not in JSON: it is in the diff)

    def error_from(self, exc: Exception) -> None:
        if isinstance(exc, CheckError):
            self.error = Problem(exc.message, exc.path or self.path, exc.line, exc.fix)
        else:
            self.error = Problem(str(exc), self.path)


def failing(findings: list[Finding], fail_on: str) -> list[Finding]:
    """The findings at or above the failure level."""
    if fail_on == "never":
        return []
    floor = SEVERITIES.index(fail_on)
    return [f for f in findings if SEVERITIES.index(f.severity) >= floor]


@dataclass
class Report:
    root: str
    runtime: dict[str, Any]
    lockfiles: list[LockResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fail_on: str = "error"  # the lowest severity that makes the outcome not-ready; "never" for none
    apps: list[dict[str, Any]] = field(default_factory=list)  # each app's folder, runtime and platform
    config: dict[str, Any] = field(default_factory=dict)  # what [tool.deploycheck] set, and where
    inputs: set[Any] = field(default_factory=set)  # every file the scan read: --fix-dir never overwrites one
    passed: list[str] = field(default_factory=list)  # the checks that ran and found nothing at the failure level
    not_checked: list[str] = field(default_factory=list)  # dependency files the platform installs, not checked

    def failing(self) -> list[Finding]:
        return failing(self.findings, self.fail_on)

    @property
    def outcome(self) -> str:
        # A certain "not ready" stands even when another lock could not be checked. Drift fails through
        # its DC101 finding, so `--ignore DC101` (or fail-on never) is honoured like any other code.
        if self.failing():
            return "not-ready"
        if self.problems or any(lock.status == "error" for lock in self.lockfiles):
            return "error"
        return "ready"

    @property
    def exit_code(self) -> int:
        return {"ready": 0, "not-ready": 1, "error": 2}[self.outcome]

    @property
    def drift(self) -> bool:
        return any(lock.status == "drift" for lock in self.lockfiles)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The report a pull_request workflow uploaded, for a workflow_run workflow to publish. The pull
        request may have written it: anything but the shape this version writes is a ValueError."""
        if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
            version = data.get("schema_version") if isinstance(data, dict) else None
            raise ValueError(
                f"report schema_version {version!r}: this deploycheck reads "
                f"{SCHEMA_VERSION}; use the same deploycheck version in both workflows"
            )
        fields = {f for f in Change.__dataclass_fields__}
        locks = []
        for entry in _items(data["lockfiles"], "lockfiles"):
            entry = dict(entry)
            changes = [
                Change(**{k: v for k, v in c.items() if k in fields}) for c in _items(entry["changes"], "changes")
            ]
            entry["changes"] = changes
            entry["error"] = Problem(**entry["error"]) if entry.get("error") else None
            locks.append(LockResult(**{k: v for k, v in entry.items() if k in LockResult.__dataclass_fields__}))
        report = cls(
            root=data["root"],
            runtime=data["runtime"],
            lockfiles=locks,
            # "url" (the code's documentation) is written for readers, and derived from the code: not read back.
            findings=[
                Finding(**{k: v for k, v in f.items() if k != "url"}) for f in _items(data["findings"], "findings")
            ],
            problems=[Problem(**p) for p in _items(data["problems"], "problems")],
            apps=data.get("apps", []),
            config=data.get("config", {}),
            passed=data.get("checks_passed", []),
            not_checked=data.get("not_checked", []),
        )
        report._validate()
        return report

    def _validate(self) -> None:
        """Every field that the renderers and publishers read holds what this version writes."""
        text, maybe_text, maybe_line = (str,), (str, type(None)), (int, type(None))
        typed: list[tuple[object, tuple[type, ...]]] = [
            (self.root, text),
            (self.runtime, (dict,)),
            (self.config, (dict,)),
            (self.passed, (list,)),
            (self.not_checked, (list,)),
        ]
        typed += [(value, text) for value in (*self.passed, *self.not_checked)]
        chosen: list[tuple[object, tuple[str, ...]]] = [(f.severity, SEVERITIES) for f in self.findings]
        _items(self.apps, "apps")
        for f in self.findings:
            typed += [(f.code, text), (f.path, maybe_text), (f.line, maybe_line), (f.message, text), (f.fix, text)]
            typed += [(f.cell, maybe_line)]
        for p in self.problems + [lock.error for lock in self.lockfiles if lock.error]:
            typed += [(p.message, text), (p.path, maybe_text), (p.line, maybe_line), (p.fix, text)]
        for lock in self.lockfiles:
            chosen += [(lock.status, LOCK_STATUSES)]
            typed += [(lock.path, text), (lock.resolver, text), (lock.runtime, (dict,)), (lock.fix_command, text)]
            typed += [(lock.diff, text), (lock.interpreter, maybe_text)]
            typed += [(values, (list,)) for values in (lock.sources, lock.notes, lock.cosmetic, lock.changes)]
            typed += [(value, text) for value in (*lock.sources, *lock.notes, *lock.cosmetic)]
            for c in lock.changes:
                chosen += [(c.kind, CHANGE_KINDS), (c.severity, SEVERITIES)]
                typed += [(c.name, text), (c.before, maybe_text), (c.after, maybe_text), (c.line, maybe_line)]
                typed += [(c.reason, text)]
        for value, types in typed:
            if not isinstance(value, types):
                raise ValueError(f"report: {str(value)[:80]!r} is not a {' or '.join(t.__name__ for t in types)}")
        for value, choices in chosen:
            if value not in choices:
                raise ValueError(f"report: {str(value)[:80]!r} is not one of {', '.join(choices)}")

    def to_json(self) -> dict[str, Any]:
        lockfiles = []
        for lock in self.lockfiles:
            entry = asdict(lock)
            entry.pop("proposed")
            entry["changes"] = [{k: v for k, v in asdict(c).items() if k not in _CHANGE_INTERNAL} for c in lock.changes]
            lockfiles.append(entry)
        return {
            "schema_version": SCHEMA_VERSION,
            "outcome": self.outcome,
            "drift": self.drift,
            "root": self.root,
            "runtime": self.runtime,
            "apps": self.apps,
            "config": self.config,
            "lockfiles": lockfiles,
            "findings": [{**asdict(f), "url": ruledocs.url(f.code)} for f in self.findings],
            "problems": [asdict(p) for p in self.problems],
            "checks_passed": self.passed,
            "not_checked": self.not_checked,
        }
