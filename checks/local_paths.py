"""DC355: a requirement installed from a path on the author's machine (`pkg @ file:///croot/...`).

`pip freeze` inside a conda environment writes `name @ file:///croot/<name>_<build>/work` for the packages
conda installed; an absolute path (`file:///home/...`, `/Users/...`, `C:\\...`) is the same trap. The deploy
machine has no such path, so pip stops with "No such file or directory". Every requirements file the app
deploys from and environment.yml's pip: section are read (their `Lock`s, as every check reads them), and the
plain requirements files the scan set aside for such a line (Project.foreign: never compiled, the path never
read).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from deploycheck.locks.model import Lock, Pin
from deploycheck.project.apps import Project
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

LOCAL_PATH = Rule("DC355", "error", "a requirement installed from a path on another machine")
RULES = (LOCAL_PATH,)
SCOPE = "project"

_ABSOLUTE = re.compile(r"^(?:file://(?:localhost)?/|/|[A-Za-z]:[\\/]|\\\\)")


def _local(pin: Pin) -> str | None:
    """The path part when the pin names an absolute local path; a relative one (`./pkg`) travels with the repo."""
    url = pin.url.split("#", 1)[0]
    if url.startswith("git+file:") or (not url.startswith("file:") and "://" in url):
        return None
    return url if _ABSOLUTE.match(url) else None


def check(project: Project, settings: Settings) -> list[Finding]:
    files: dict[str, Lock] = {}
    for file in [*(f for app in project.apps for f in app.requirement_files()), *project.foreign]:
        files.setdefault(file.display, file)
    findings = []
    for file in files.values():
        for pin in file.every_pin():
            path = _local(pin)
            if path is not None:
                findings.append(_finding(file, pin, path))
    return findings


def _finding(file: Lock, pin: Pin, path: str) -> Finding:
    conda = "/croot/" in path or "/conda-bld/" in path or "/feedstock_root/" in path
    origin = "`pip freeze` inside a conda environment writes" if conda else "the line names"
    version = f"=={pin.version}" if pin.version else ""
    return LOCAL_PATH.finding(
        file.display,
        pin.line,
        f"`{pin.name} @ {path}`: {origin} a path on the machine that made the file; the deploy machine "
        "has no such path, so the install fails with 'No such file or directory'",
        f"replace line {pin.line} of {PurePosixPath(file.display).name} with `{pin.name}{version}` "
        "(a version from the index; `pip list --format=freeze` writes versions, not paths)",
    )
