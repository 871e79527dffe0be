"""DC356-DC358: what a conda environment.yml asks for that the deploy cannot give.

The `pip:` section is a requirements list that every plain requirements check reads (deploycheck.locks.conda).
Here: conda package names written in pip's section (pip installs a squatter or nothing), a `prefix:` with
the author's local path, and the conda packages themselves, which are not resolved: a conda solve needs
the conda channels, which deploycheck's machines cannot reach. That is said, never silently skipped.
"""

from __future__ import annotations

from deploycheck.locks import conda_names
from deploycheck.locks.conda import CondaLock
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

CONDA_IN_PIP = Rule("DC356", "error", "a conda package in the pip section of environment.yml")
PREFIX = Rule("DC357", "warning", "environment.yml has a prefix: with a local path")
NOT_RESOLVED = Rule("DC358", "info", "conda packages not resolved")
RULES = (CONDA_IN_PIP, PREFIX, NOT_RESOLVED)
SCOPE = "app"


def check(app: App, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for env in (f for f in app.other_locks if isinstance(f, CondaLock)):
        for pin in env.every_pin():
            findings += _conda_in_pip(env, pin.name, pin.line)
        if env.prefix is not None:
            line, value = env.prefix
            findings.append(
                PREFIX.finding(
                    env.display,
                    line,
                    f"`prefix: {value}` is the folder of the environment on the machine that exported it; the deploy "
                    "machine has no such folder, and conda creates the environment there when the file is used as is",
                    f"delete the prefix: line from {env.display} (`conda env export` writes it)",
                )
            )
        packages = [p for p in env.conda if p.name not in ("python", "pip")]
        if packages:
            shown = ", ".join(p.raw for p in packages[:8]) + (
                f" and {len(packages) - 8} more" if len(packages) > 8 else ""
            )
            findings.append(
                NOT_RESOLVED.finding(
                    env.display,
                    packages[0].line,
                    f"conda packages not resolved: {shown}. A conda solve needs the conda channels, which "
                    "deploycheck cannot reach, so whether these install together on the deploy's Python is not "
                    "checked (their imports are matched through their PyPI names)",
                    f"run `conda env create -f {env.display} --dry-run` on Linux to check the solve",
                )
            )
    return findings


def _conda_in_pip(env: CondaLock, name: str, line: int) -> list[Finding]:
    if name in conda_names.CONDA_ONLY:
        why, fix = f"{name} is a conda package with no PyPI distribution", "move it above the pip: section"
    elif name in conda_names.CONDA_TO_PYPI and name not in conda_names.pypi_names(name):
        pypi = " or ".join(conda_names.pypi_names(name))
        why = f"{name} is conda-forge's name; on PyPI the distribution is {pypi}"
        fix = f"write `{conda_names.pypi_names(name)[0]}` in the pip: section, or move `{name}` above it"
    else:
        return []
    return [
        CONDA_IN_PIP.finding(
            env.display,
            line,
            f"`{name}` is in the pip: section, which pip installs from PyPI: {why}, so the install fails or brings "
            "in an unrelated package",
            fix,
        )
    ]
