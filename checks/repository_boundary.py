"""DC106: a file the lock needs lies outside the repository.

The scan refuses to read, copy or quote anything outside the repository (the git work tree, or
GITHUB_WORKSPACE in the action): a header source, a `-r`/`-c` include, a local path requirement, a header
option's path or a symlink that resolves outside it. The deploy would not have that file either, so the
lock that needs it is not recompiled and this check reports where the reference is.
"""

from __future__ import annotations

from deploycheck.project.apps import Project
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

OUTSIDE = Rule("DC106", "error", "a file the lock or requirements need lies outside the repository")
RULES = (OUTSIDE,)
SCOPE = "project"


def check(project: Project, settings: Settings) -> list[Finding]:
    return [OUTSIDE.finding(v.path, v.line, v.message, v.fix) for v in project.violations]
