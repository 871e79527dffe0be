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
from deploycheck.runtime import platforms, recommend, which_platform
from deploycheck.settings import Settings

SHADOWED = Rule("DC302", "warning", "a dependency file is hidden by one the platform reads first")
REFUSED = Rule("DC303", "error", "the platform refuses this combination of files")
RULES = (SHADOWED, REFUSED)
SCOPE = "app"
JUDGES_INSTALLED_FILE = True  # its findings are about which file is installed: never lowered for an ignored one


def _present(app: App) -> set[str]:
    return {name for name, is_dir in app.repo.listing(app.folder).items() if not is_dir}


def _where(app: App, name: str) -> str:
    return name if app.display == "." else f"{app.display}/{name}"


def _shadowed(app: App, plat: platforms.Platform, names: set[str]) -> list[Finding]:
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


def _several_managers(app: App, plat: platforms.Platform, names: set[str]) -> list[Finding]:
    found = [(m, next(f for f in files if f in names)) for m, files in plat.one_package_manager if names & set(files)]
    if len(found) < 2:
        return []
    listed = ", ".join(f"{f} ({m})" for m, f in found)
    return [
        REFUSED.finding(
            _where(app, found[1][1]),
            None,
            f"{plat.called} fails the build when files of more than one package manager are present (since "
            f"2025-12): found {listed}",
            "choose one package manager and delete the other files: "
            + " or ".join(f"`git rm {sh(_where(app, f))}`" for _, f in found[1:])
            + f" if you keep {found[0][1]}",
        )
    ]


def _uv(app: App, plat: platforms.Platform, names: set[str]) -> list[Finding]:
    if not plat.uv_needs_python_version or "uv.lock" not in names:
        return []
    if "runtime.txt" in names:
        return [
            REFUSED.finding(
                _where(app, "runtime.txt"),
                None,
                f"{plat.called} refuses runtime.txt in an app that uses uv (uv.lock): the build fails",
                f"`git rm {sh(_where(app, 'runtime.txt'))}` and {_declare(app, plat)}",
            )
        ]
    if ".python-version" not in names:
        return [
            REFUSED.finding(
                _where(app, "uv.lock"),
                None,
                f"{plat.called} needs .python-version in an app that uses uv (uv.lock): the build fails without it",
                f"{_declare(app, plat)} (uv init writes it) and commit it",
            )
        ]
    return []


def _declare(app: App, plat: platforms.Platform) -> str:
    """The app's recommended Python where the platform reads it (runtime/recommend.py), as every runtime fix."""
    rec = app.runtime.recommended or recommend.recommend(app.runtime, plat, app.folder, app.repo)
    return rec.action


def _refused_beside(app: App, plat: platforms.Platform, names: set[str]) -> list[Finding]:
    if plat.refused_beside is None:
        return []
    config, refused = plat.refused_beside
    present = [n for n in refused if n in names]
    if config not in names or not present:
        return []
    return [
        REFUSED.finding(
            _where(app, present[0]),
            None,
            f"{plat.called}'s deploy fails with {' and '.join(present)} beside {config}: it installs requirements.txt "
            "only",
            "write the dependencies to requirements.txt (`pipenv requirements > requirements.txt`) and delete "
            + " and ".join(_where(app, n) for n in present),
        )
    ]


def check(app: App, settings: Settings) -> list[Finding]:
    plat = app.platform_of
    if plat is None:
        return []
    names = _present(app)
    found = _under(app, plat, names)
    others = [_under(app, platforms.get(p), names) for p in app.runtime.platform_alternatives]
    return which_platform.settle(found, others, app.runtime.platform_doubt)


def _under(app: App, plat: platforms.Platform, names: set[str]) -> list[Finding]:
    if plat.first_file_wins:
        return _shadowed(app, plat, names)
    return _several_managers(app, plat, names) + _uv(app, plat, names) + _refused_beside(app, plat, names)
