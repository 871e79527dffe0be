"""DC206-DC207: the runtime declaration against the app's platform.

What is already reported elsewhere is not repeated: declarations that disagree are DC201 (a Dockerfile's
`FROM python:X.Y` included), forms a platform rejects DC204, end of life DC205. This check adds what the
platform tables know: a version the platform does not install at all (3.9 on Heroku since 2026-01, or 3.15
anywhere but a Docker image), and runtime.txt where the platform ignores it (Streamlit Community Cloud, Render,
App Engine, Docker) or has deprecated it (Heroku).
"""

from __future__ import annotations

import dataclasses

from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule, sh
from deploycheck.runtime import declarations, detect, platforms, recommend, which_platform
from deploycheck.runtime.declarations import Declaration
from deploycheck.settings import Settings

NOT_OFFERED = Rule("DC206", "error", "the app's platform does not install the declared Python")
RUNTIME_TXT = Rule("DC207", "warning", "runtime.txt is ignored or deprecated on the app's platform")
RULES = (NOT_OFFERED, RUNTIME_TXT)
SCOPE = "app"

# Set outside the repository: a finding would only restate the table.
_NO_DECLARATION = ("default", "the lock's header", "--python-version")


def _not_offered(app: App, plat: platforms.Platform) -> list[Finding]:
    rt = app.runtime
    if rt.declaration is None or rt.source in _NO_DECLARATION or plat.offers(rt.minor) or plat.offered is None:
        return []
    since = dict(plat.removed).get(rt.minor)
    offered = f"{plat.offered[0]} to {plat.offered[-1]}"
    where = "its deploy dialog offers" if plat.python_from_dialog else "it installs"
    return [
        NOT_OFFERED.finding(
            rt.source,
            rt.source_line,
            f"{plat.name} does not install Python {rt.minor}"
            + (f" (removed {since})" if since else "")
            + f": {where} {offered} (table checked {plat.verified.isoformat()}), so the deploy fails or runs "
            f"another Python than the one this app was tested on; recommended: Python {_rec(app).version} "
            f"({_rec(app).why})",
            f"declare Python {_rec(app).version}: {_fix(app)}; test the app on it and recompile the lock",
        )
    ]


def _runtime_txt(app: App, plat: platforms.Platform) -> list[Finding]:
    path = app.folder / "runtime.txt"
    found = declarations.read(path, app.repo, declarations.runtime_txt)
    if not isinstance(found, Declaration):
        return []  # missing, or unusable: DC204's
    shown = "runtime.txt" if app.display == "." else f"{app.display}/runtime.txt"
    rt = app.runtime
    rec = _rec(app)
    if plat.runtime_txt_deprecated:
        if plat.uv_needs_python_version and (app.folder / "uv.lock").is_file():
            return []  # with uv, runtime.txt fails the build: DC303 says so
        return [
            RUNTIME_TXT.finding(
                shown,
                found.line,
                plat.runtime_txt_deprecated + (f" ({rt.platform_guess})" if rt.platform_guess else ""),
                _and_remove(_fix(app), shown),
            )
        ]
    if "runtime.txt" in plat.runtime_files:
        return []
    if found.minor == rt.minor and not plat.python_from_dialog:
        return []  # ignored but harmless: it says what the deploy runs anyway
    if plat.python_from_dialog:
        why = (
            f"{plat.name} ignores runtime.txt: the Python comes from the deploy dialog (Advanced settings), "
            f"whose default is {plat.default_python}; runtime.txt's {found.version} is not what the app gets"
        )
        fix = _and_remove(_fix(app), shown) + " (so that nobody trusts it)"
    else:
        why = (
            f"{plat.name} does not read runtime.txt: the deploy runs Python {rt.python} ({rt.source}), not "
            f"runtime.txt's {found.version}"
        )
        fix = f"`git rm {sh(shown)}`; to deploy on Python {rec.version}: {_fix(app)}"
    return [RUNTIME_TXT.finding(shown, found.line, why, fix)]


def _and_remove(fix: str, shown: str) -> str:
    removal = f"`git rm {sh(shown)}`"
    return fix if removal in fix else f"{fix}, {removal}"


def _rec(app: App) -> recommend.Recommendation:
    rec = app.runtime.recommended
    return rec if rec is not None else recommend.recommend(app.runtime, app.platform_of, app.folder, app.repo)


def _fix(app: App) -> str:
    """The app's one runtime fix (runtime/recommend.py): the same version and place in every finding."""
    return recommend.declare(app.runtime, _rec(app), app.repo, app.platform_of)


def check(app: App, settings: Settings) -> list[Finding]:
    plat = app.platform_of
    if settings.python_version or plat is None or not plat.known or app.runtime.no_python:
        return []
    others = [_not_offered(_as_if(app, p), platforms.get(p)) for p in app.runtime.platform_alternatives]
    return which_platform.settle(_not_offered(app, plat), others, app.runtime.platform_doubt) + _runtime_txt(app, plat)


def _as_if(app: App, platform_id: str) -> App:
    """The app as another platform would see it: each reads its own files in its own order (Railway reads
    .python-version before runtime.txt, Heroku the other way round), so the Python is detected again."""
    lock = app.locks[0].lock if app.locks else (app.plain[0] if app.plain else None)
    rt = detect.detect(
        app.folder,
        app.repo,
        explicit=None,
        header_python=next((pair.lock.python for pair in app.locks if pair.lock.python), None),
        platform=platform_id,
        lock=lock,
    )
    return dataclasses.replace(app, runtime=rt, platform=platform_id)
