"""The check contract's vocabulary: a rule is a stable code with a default severity and a title.

Every check module declares its rules; a finding is made from a rule, so a code cannot be typed twice
in two spellings, and the registry can tell which check owns which code.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from deploycheck.report.model import SEVERITIES, Finding, LockResult, Problem

CODE = re.compile(r"^DC[1-9]\d\d$")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # the default: "error" (breaks the deploy), "warning" or "info"
    title: str

    def __post_init__(self) -> None:
        if not CODE.match(self.code) or self.severity not in SEVERITIES:
            raise ValueError(
                f"rule {self.code!r}: a code is DC followed by three digits, a severity one of {SEVERITIES}"
            )

    def finding(
        self,
        path: str | None,
        line: int | None,
        message: str,
        fix: str = "",
        *,
        severity: str | None = None,
        cell: int | None = None,
    ) -> Finding:
        return Finding(self.code, severity or self.severity, path, line, message, fix, cell)


@dataclass
class Outcome:
    """What a check returns when findings alone do not say it all: one result per lockfile (checks that
    compile locks), and "could not check" problems that leave the check's other findings standing (an
    index that did not answer stops the pins it serves, not the whole check)."""

    findings: list[Finding] = field(default_factory=list)
    lockfiles: list[LockResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def sh(path: str) -> str:
    """A repository path inside a fix's shell command: quoted, since folder names come from the pull request
    (`svc$(touch x)/requirement.txt` must print as a path, never as a command)."""
    return shlex.quote(path)
