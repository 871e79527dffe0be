"""The readiness checks, in the order they run. Each takes the scanned project and the settings and
returns its findings and, for checks that compile locks, one result per lockfile."""

from __future__ import annotations

from typing import Callable

from checks import lock_drift, runtime_agreement, unpinned_requirements
from deploycheck.report import Finding, LockResult
from deploycheck.scan import Project
from deploycheck.settings import Settings

Check = Callable[[Project, Settings], "tuple[list[Finding], list[LockResult]]"]

REGISTRY: dict[str, Check] = {
    "runtime-agreement": runtime_agreement.run,
    "lock-drift": lock_drift.run,
    "unpinned-requirements": unpinned_requirements.run,
}
