"""DC208: the project's requires-python excludes the Python the app deploys on.

uv refuses to sync a project whose requires-python does not admit the interpreter (`uv sync --locked` on
Heroku fails with "The Python request ... is incompatible with the project's Python requirement"), and pip
refuses to install the project itself. Checked for apps that uv installs (a uv.lock in the folder). The
comparison is the platform's: a declared X.Y is the newest X.Y.Z the platform installs, so `>=3.11.5` admits
"3.11", and `<3.11.3` does not.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from deploycheck.locks import uvsettings
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule, sh
from deploycheck.runtime import recommend
from deploycheck.settings import Settings

EXCLUDED = Rule("DC208", "error", "the project's requires-python excludes the deploy's Python")
RULES = (EXCLUDED,)
SCOPE = "app"
LATEST_PATCH = "99"  # the platform installs the newest patch of a declared X.Y


def check(app: App, settings: Settings) -> list[Finding]:
    if "uv.lock" not in app.files:
        return []
    declared = uvsettings.requires_python(app.repo, app.folder)
    if declared is None:
        return []
    text, line, display = declared
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        return []  # uv reports an unreadable requires-python itself, and uv.lock's check shows it
    python = app.runtime.python
    version = python if python.count(".") == 2 else f"{python}.{LATEST_PATCH}"
    if spec.contains(version, prereleases=True):
        return []
    rec = recommend.of(app.runtime, app.platform_of, app.folder, app.repo)
    folder = str(PurePosixPath(display).parent)
    cd = "" if folder == "." else f"cd {sh(folder)} && "
    widen = f"widen requires-python in {display} to admit {rec.version} and run `{cd}uv lock`"
    admitted = spec.contains(f"{rec.version}.{LATEST_PATCH}", prereleases=True)
    return [
        EXCLUDED.finding(
            display,
            line,
            f"requires-python = {text!r} does not admit Python {python} ({app.runtime.source}), which the app deploys "
            f"on: uv refuses to install the project, and the deploy fails{recommend.said(rec)}",
            recommend.range_fix(app.runtime, rec, app.repo, app.platform_of, admitted, widen),
        )
    ]
