"""The readiness checks, in the order they run.

A check is one module that declares `RULES` (its codes, default severities and titles), `SCOPE` ("app":
called once per app, or "project": once for the whole repository) and one function,
`check(target, settings)`, returning its findings (or, for checks that compile locks, an Outcome with
the lockfile results too). A check that only reads the package index and starts no subprocess may set
`BACKGROUND = True` to run beside the resolvers. Adding a check touches its module, its test file and
docs/codes.md, and adds its name below.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from deploycheck.checks import (
    apt_packages,
    committed_secrets,
    conda_env,
    dependency_files,
    hash_locks,
    hashes_against_index,
    imports_declared,
    installed_file,
    local_paths,
    lock_drift,
    misplaced_files,
    named_libraries,
    pins_against_target,
    pipfile_lock,
    procfile,
    repository_boundary,
    requirements_syntax,
    requires_python,
    runtime_agreement,
    runtime_platform,
    spaces_config,
    stdlib_requirements,
    unpinned_requirements,
    uv_lock,
)
from deploycheck.report.rules import Rule

CHECKS: tuple[ModuleType, ...] = (
    repository_boundary,
    requirements_syntax,
    runtime_agreement,
    runtime_platform,
    requires_python,
    dependency_files,
    misplaced_files,
    installed_file,
    procfile,
    spaces_config,
    committed_secrets,
    apt_packages,
    local_paths,
    conda_env,
    stdlib_requirements,
    imports_declared,
    named_libraries,
    lock_drift,
    pipfile_lock,
    uv_lock,
    hash_locks,
    unpinned_requirements,
    pins_against_target,
    hashes_against_index,
)


def name_of(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1].replace("_", "-")


def rules(modules: Iterable[ModuleType] = CHECKS) -> dict[str, tuple[str, Rule]]:
    """Every code, with the check that owns it. A code declared twice is a bug the registry test catches."""
    found: dict[str, tuple[str, Rule]] = {}
    for module in modules:
        for rule in module.RULES:
            if rule.code in found:
                raise ValueError(f"{rule.code} is declared by both {found[rule.code][0]} and {name_of(module)}")
            found[rule.code] = (name_of(module), rule)
    return found


def all_codes() -> list[str]:
    return sorted(rules())
