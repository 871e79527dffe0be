"""DC310-DC311: the dependency file the platform installs is one deploycheck checks, and there is one.

A green check that looked at nothing is the worst answer a required check can give: when the file the
platform installs (project/installs.py, from the platform table) is one no registered format reads, the
run says so (DC310, a warning, so that it reaches the comment and the status); when the app has Python
code and no dependency file its platform reads, the deploy installs none of its packages (DC311).
"""

from __future__ import annotations

from deploycheck.project import installs
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule, sh
from deploycheck.runtime import platforms, versions, which_platform
from deploycheck.settings import Settings

NOT_CHECKED = Rule("DC310", "warning", "the dependency file the platform installs is not checked")
NO_FILE = Rule("DC311", "error", "no dependency file the platform reads")
RULES = (NOT_CHECKED, NO_FILE)
SCOPE = "app"
JUDGES_INSTALLED_FILE = True  # its findings are about which file is installed: never lowered for an ignored one

# How to check a file by hand until deploycheck reads it.
_BY_HAND = {
    "uv.lock": "uv lock --check",
    "poetry.lock": "poetry check --lock",
    "Pipfile.lock": "pipenv verify",
    "pdm.lock": "pdm lock --check",
}


def _name(display: str) -> str:
    return display.rsplit("/", 1)[-1]


def _not_checked(app: App, install: installs.Install, plat: platforms.Platform) -> list[Finding]:
    out = []
    for f in install.files:
        if f.kind != installs.NOT_CHECKED or not (f.installed or not install.certain):
            continue
        name = _name(f.display)
        said = (
            f"{plat.called} installs {f.display} ({install.why})"
            if f.installed and install.certain
            else f"the deploy may install {f.display} ({install.why})"
        )
        command = _BY_HAND.get(name)
        where = app.display
        by_hand = f"`{'cd ' + sh(where) + ' && ' if where != '.' else ''}{command}`" if command else "its own tool"
        out.append(
            NOT_CHECKED.finding(
                f.display,
                None,
                f"{said}; {installs.not_checked_why(name)}: the run's other checks say nothing about it",
                f"until deploycheck reads {name}, check it with {by_hand} before deploying, or ignore DC310 for it",
            )
        )
    return out


def _no_file(app: App, install: installs.Install, plat: platforms.Platform) -> list[Finding]:
    if install.file is not None or install.refused or install.dockerfile or not app.has_python:
        return []
    if not install.certain and install.files:  # no platform known, several files: which one is unknown, not none
        return []
    script = installs.build_script(app.folder, app.repo)
    if not install.certain and script:
        # No platform known, and setup.py/setup.cfg declares what `pip install .` installs: not "no dependency
        # file", but nothing deploycheck checks either, which the report says rather than a silent pass.
        shown = script if app.display == "." else f"{app.display}/{script}"
        return [
            NOT_CHECKED.finding(
                shown,
                None,
                f"the app's dependencies are declared in {shown}, which deploycheck does not read: its imports and "
                "pins were not checked against them",
                f"compile a lock from it (`pip-compile {script} -o requirements.txt` or `uv pip compile {script} -o "
                "requirements.txt`) and commit it, so that what the deploy installs is checked",
            )
        ]
    others = [f.display for f in install.files]
    found = f"; it does not read {', '.join(others)}" if others else ""
    reads = ", ".join(n for n in plat.dependency_files)
    where = app.display if app.display != "." else "the repository root"
    # requirements.txt wherever the platform reads it: the simplest file to write (uv.lock comes from a tool).
    first = (
        "requirements.txt"
        if "requirements.txt" in plat.dependency_files
        else next((n for n in plat.dependency_files if n != "pyproject.toml"), "requirements.txt")
    )
    target = first if app.display == "." else f"{app.display}/{first}"
    return [
        NO_FILE.finding(
            app.display,
            None,
            f"the app in {where} has Python code but no dependency file {plat.called} reads ({reads}){found}: "
            f"{install.why}",
            _moved(app, target)
            or f"add {target} with the distributions the app imports (DC501 names the ones missing)",
        )
    ]


def _moved(app: App, target: str) -> str:
    """The fix when the requirements went to the wrong file (#17.9): packages.txt (apt) or runtime.txt."""
    for name in ("packages.txt", "runtime.txt"):
        path = app.folder / name
        lines = versions.requirement_lines(app.repo.text(path) or "")
        if not lines:
            continue
        shown = app.repo.display(path)
        if name == "packages.txt" and len(lines) == len(
            [x for x in (app.repo.text(path) or "").splitlines() if x.strip()]
        ):
            return f"`git mv {sh(shown)} {sh(target)}`: its lines are pip requirements, which apt-get cannot install"
        return (
            f"move the requirement lines of {shown} ({len(lines)}) to {target}: no platform installs them from {name}"
        )
    return ""


def check(app: App, settings: Settings) -> list[Finding]:
    install = app.installs
    if install is None or app.runtime.no_python:  # the image installs no Python: no Python dependency file
        return []
    plat = app.platform_of or platforms.GENERIC
    shown = tuple(f.display for f in app.requirement_files())
    others = []
    for pid in app.runtime.platform_alternatives:  # the platform is a guess: what each other one would do
        other = platforms.get(pid)
        others.append(_no_file(app, installs.decide(app.folder, app.repo, other, shown), other))
    # On a guess app.installs holds only what every candidate would do: the guessed platform's own verdict is
    # asked again, and settled like any finding.
    own = installs.decide(app.folder, app.repo, plat, shown) if others else install
    found = which_platform.settle(_no_file(app, own, plat), others, app.runtime.platform_doubt)
    return _not_checked(app, install, plat) + found
