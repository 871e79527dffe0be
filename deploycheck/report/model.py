"""The report: one model that every renderer and publisher reads. Its JSON form is versioned."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from deploycheck.errors import CheckError
from deploycheck.locks.change import Change

SCHEMA_VERSION = 1
SEVERITIES = ("info", "warning", "error")


@dataclass
class Finding:
    code: str
    severity: str  # "error" | "warning" | "info"
    path: str | None
    line: int | None
    message: str
    fix: str = ""


@dataclass
class Problem:
    """Something that stopped a check (exit 2): never a finding, never drift."""

    message: str
    path: str | None = None
    line: int | None = None
    fix: str = ""


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

    def failing(self) -> list[Finding]:
        if self.fail_on == "never":
            return []
        floor = SEVERITIES.index(self.fail_on)
        return [f for f in self.findings if SEVERITIES.index(f.severity) >= floor]

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
        """The report a pull_request workflow uploaded, for a workflow_run workflow to publish."""
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(
                f"report schema_version {data.get('schema_version')!r}: this deploycheck reads "
                f"{SCHEMA_VERSION}; use the same deploycheck version in both workflows"
            )
        fields = {f for f in Change.__dataclass_fields__}
        locks = []
        for entry in data["lockfiles"]:
            entry = dict(entry)
            entry["changes"] = [Change(**{k: v for k, v in c.items() if k in fields}) for c in entry["changes"]]
            entry["error"] = Problem(**entry["error"]) if entry.get("error") else None
            locks.append(LockResult(**{k: v for k, v in entry.items() if k in LockResult.__dataclass_fields__}))
        return cls(
            root=data["root"],
            runtime=data["runtime"],
            lockfiles=locks,
            findings=[Finding(**f) for f in data["findings"]],
            problems=[Problem(**p) for p in data["problems"]],
            apps=data.get("apps", []),
            config=data.get("config", {}),
        )

    def to_json(self) -> dict[str, Any]:
        lockfiles = []
        for lock in self.lockfiles:
            entry = asdict(lock)
            entry.pop("proposed")
            entry["changes"] = [
                {k: v for k, v in asdict(c).items() if k not in ("before_version", "after_version")}
                for c in lock.changes
            ]
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
            "findings": [asdict(f) for f in self.findings],
            "problems": [asdict(p) for p in self.problems],
        }
