"""DC2xx: is the deploy's Python declared, once, without contradiction?"""

from __future__ import annotations

from deploycheck.apps import App
from deploycheck.report import Finding
from deploycheck.rules import Rule
from deploycheck.scan import rel
from deploycheck.settings import Settings

CONFLICT = Rule("DC201", "warning", "two files declare different Python versions for the deploy")
UNDECLARED = Rule("DC202", "warning", "no file declares the Python version the app deploys on")
INFERRED = Rule("DC203", "info", "the deploy's Python was inferred from a range")
RULES = (CONFLICT, UNDECLARED, INFERRED)
SCOPE = "app"


def check(app: App, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    rt = app.runtime
    if settings.python_version:
        return findings
    for other in rt.conflicts:
        findings.append(
            CONFLICT.finding(
                rel(other.path, app.root),
                other.line,
                f"declares Python {other.version} ({other.what!r}), but {rt.source}:{rt.source_line} declares "
                f"Python {rt.python}; deploycheck checks against {rt.python}, and a platform that reads "
                f"{other.path.name} deploys {other.version}",
                f"make {other.path.name} say {rt.python}, or delete it if no platform you deploy to reads it",
            )
        )
    if not rt.exact and rt.source in ("default", "the lock's header"):
        target = ".python-version" if app.display == "." else f"{app.display}/.python-version"
        findings.append(
            UNDECLARED.finding(
                app.display,
                None,
                f"no file declares the Python version this app deploys on; checked against Python {rt.python} "
                f"({rt.reason})",
                f"write the version your platform runs into {target} (e.g. `echo {rt.minor} > .python-version`)",
            )
        )
    elif not rt.exact:
        findings.append(
            INFERRED.finding(
                rt.source,
                rt.source_line,
                f"the deploy's Python was inferred: {rt.python}, {rt.reason}",
                f"declare it exactly, e.g. `echo {rt.minor} > .python-version`",
            )
        )
    return findings
