"""DC2xx: is the deploy's Python declared, once, without contradiction?"""

from __future__ import annotations

from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.runtime import detect as runtime
from deploycheck.settings import Settings

CONFLICT = Rule("DC201", "warning", "two files declare different Python versions for the deploy")
UNDECLARED = Rule("DC202", "warning", "no file declares the Python version the app deploys on")
INFERRED = Rule("DC203", "info", "the deploy's Python was inferred from a range")
UNUSABLE = Rule("DC204", "error", "a runtime declaration names no CPython release the deploy can use")
END_OF_LIFE = Rule("DC205", "warning", "the deploy's Python is past its end of life")
RULES = (CONFLICT, UNDECLARED, INFERRED, UNUSABLE, END_OF_LIFE)
SCOPE = "app"


def check(app: App, settings: Settings) -> list[Finding]:
    if settings.python_version:
        return []
    return _unusable(app) + _end_of_life(app) + _conflicts(app) + _undeclared(app)


def _unusable(app: App) -> list[Finding]:
    return [
        UNUSABLE.finding(
            app.repo.display(bad.path),
            bad.line,
            f"declares a Python version that cannot be used ({bad.text!r}): {bad.why}" if bad.text else bad.why,
            bad.fix,
        )
        for bad in app.runtime.unusable
    ]


def _end_of_life(app: App) -> list[Finding]:
    rt = app.runtime
    if not runtime.eol(rt.minor):
        return []
    gone = ", ".join(
        p.name + (f" (since {since})" if since else "") for p, since in runtime.no_longer_offered(rt.minor)
    )
    return [
        END_OF_LIFE.finding(
            rt.source if rt.source_line else app.display,
            rt.source_line,
            f"Python {rt.python} is past its end of life (no more security fixes)"
            + (f"; not offered for new deploys by {gone}" if gone else ""),
            f"move the app to a maintained Python ({runtime.oldest_maintained()} or newer) and recompile its lock",
        )
    ]


def _conflicts(app: App) -> list[Finding]:
    rt = app.runtime
    return [
        CONFLICT.finding(
            app.repo.display(other.path),
            other.line,
            f"declares Python {other.version} ({other.what!r}), but {rt.source}:{rt.source_line} declares "
            f"Python {rt.python}; deploycheck checks against {rt.python}, and a platform that reads "
            f"{other.path.name} deploys {other.version}",
            f"make {other.path.name} say {rt.python}, or delete it if no platform you deploy to reads it",
        )
        for other in rt.conflicts
    ]


def _undeclared(app: App) -> list[Finding]:
    """Nothing declares the deploy's Python (DC202), or it was inferred from a range or a hint (DC203)."""
    rt = app.runtime
    if rt.exact:
        return []
    if rt.source in ("default", "the lock's header") and not rt.unusable:
        target = ".python-version" if app.display == "." else f"{app.display}/.python-version"
        return [
            UNDECLARED.finding(
                app.display,
                None,
                f"no file declares the Python version this app deploys on; checked against Python {rt.python} "
                f"({rt.reason})",
                f"write the version your platform runs into {target} (e.g. `echo {rt.minor} > .python-version`)",
            )
        ]
    fix = f"declare it exactly, e.g. `echo {rt.minor} > .python-version`"
    plat = app.platform_of
    if plat and plat.python_from_dialog:  # it reads no file: the dialog is the declaration
        fix = (
            f"make sure the app's Python in the deploy dialog (Advanced settings) is {rt.minor}: {plat.name} "
            "reads it from nowhere else"
        )
    return [
        INFERRED.finding(rt.source, rt.source_line, f"the deploy's Python was inferred: {rt.python}, {rt.reason}", fix)
    ]
