"""DC302-DC303: the dependency file the platform actually installs from.

Platforms that pick one file take the first of their list (platforms.py `dependency_files`): a stray uv.lock
hides requirements.txt on Streamlit Community Cloud and Render, and requirements.txt hides uv.lock on Railway,
so edits to the hidden file never reach the deploy. Heroku refuses the build outright when files of several
package managers are present (since 2025-12), when uv.lock comes with runtime.txt or without .python-version;
App Engine fails with a Pipfile beside app.yaml. Only the app's own folder is compared: a root file may
belong to another app of a monorepo. pyproject.toml is never called shadowed: most repositories keep one for
their tools beside whatever the platform installs.
"""

from __future__ import annotations

from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule, sh
from deploycheck.runtime import platforms
from deploycheck.settings import Settings

SHADOWED = Rule("DC302", "warning", "a dependency file is hidden by one the platform reads first")
REFUSED = Rule("DC303", "error", "the platform refuses this combination of files")
RULES = (SHADOWED, REFUSED)
SCOPE = "app"

# Heroku's package managers, each with the files that select it (heroku-buildpack-python, checked 2026-11-21).
_HEROKU_MANAGERS = (
    ("pip", ("requirements.txt",)),
    ("Pipenv", ("Pipfile.lock", "Pipfile")),
    ("Poetry", ("poetry.lock",)),
    ("uv", ("uv.lock",)),
)


def _present(app: App) -> set[str]:
    return {name for name, is_dir in app.repo.listing(app.folder).items() if not is_dir}


def _where(app: App, name: str) -> str:
    return name if app.display == "." else f"{app.display}/{name}"


def _shadowed(app: App, names: set[str]) -> list[Finding]:
    assert app.platform is not None
    plat = platforms.get(app.platform)
    present = [n for n in plat.dependency_files if n in names and n != "pyproject.toml"]
    if len(present) < 2:
        return []
    chosen, rest = present[0], present[1:]
    return [
        SHADOWED.finding(
            _where(app, name),
            None,
            f"{plat.name} installs from {chosen}, which it looks for before {name} ({plat.dependency_where}): "
            f"{name} is ignored at deploy time, so packages added to it are never installed",
            f"keep one dependency file: delete {_where(app, chosen)} if {name} is the one you maintain, "
            f"otherwise delete {_where(app, name)} so that nobody edits it in vain",
        )
        for name in rest
    ]


def _heroku(app: App, names: set[str]) -> list[Finding]:
    findings = []
    managers = [(m, next(f for f in files if f in names)) for m, files in _HEROKU_MANAGERS if names & set(files)]
    if len(managers) > 1:
        listed = ", ".join(f"{f} ({m})" for m, f in managers)
        findings.append(
            REFUSED.finding(
                _where(app, managers[1][1]),
                None,
                f"Heroku fails the build when files of more than one package manager are present (since 2025-12): "
                f"found {listed}",
                "choose one package manager and delete the other files: "
                + " or ".join(f"`git rm {sh(_where(app, f))}`" for _, f in managers[1:])
                + f" if you keep {managers[0][1]}",
            )
        )
    if "uv.lock" in names and "runtime.txt" in names:
        findings.append(
            REFUSED.finding(
                _where(app, "runtime.txt"),
                None,
                "Heroku refuses runtime.txt in an app that uses uv (uv.lock): the build fails",
                f"delete runtime.txt and put its version in {_where(app, '.python-version')} (e.g. `3.12`)",
            )
        )
    elif "uv.lock" in names and ".python-version" not in names:
        findings.append(
            REFUSED.finding(
                _where(app, "uv.lock"),
                None,
                "Heroku needs .python-version in an app that uses uv (uv.lock): the build fails without it",
                f"`echo {app.runtime.minor} > {sh(_where(app, '.python-version'))}` (uv init writes it) and commit it",
            )
        )
    return findings


def _app_engine(app: App, names: set[str]) -> list[Finding]:
    pipfiles = [n for n in ("Pipfile", "Pipfile.lock") if n in names]
    if "app.yaml" not in names or not pipfiles:
        return []
    return [
        REFUSED.finding(
            _where(app, pipfiles[0]),
            None,
            f"App Engine's deploy fails with {' and '.join(pipfiles)} beside app.yaml: it installs requirements.txt "
            "only",
            "write the dependencies to requirements.txt (`pipenv requirements > requirements.txt`) and delete "
            + " and ".join(_where(app, n) for n in pipfiles),
        )
    ]


def check(app: App, settings: Settings) -> list[Finding]:
    names = _present(app)
    if app.platform and platforms.get(app.platform).first_file_wins:
        return _shadowed(app, names)
    if app.platform == "heroku":
        return _heroku(app, names)
    if app.platform == "app-engine":
        return _app_engine(app, names)
    return []
