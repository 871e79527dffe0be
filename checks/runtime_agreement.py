"""DC2xx: is the deploy's Python declared, once, without contradiction?

Every fix names the app's one recommended version (runtime/recommend.py) and the file or setting its platform
reads, so that the findings of one app never ask for two different versions."""

from __future__ import annotations

import re

from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.runtime import detect as runtime
from deploycheck.runtime import recommend, versions
from deploycheck.runtime.versions import BadDeclaration
from deploycheck.settings import Settings

CONFLICT = Rule("DC201", "warning", "two files declare different Python versions for the deploy")
UNDECLARED = Rule("DC202", "warning", "no file declares the Python version the app deploys on")
INFERRED = Rule("DC203", "info", "the deploy's Python was inferred from a range")
UNUSABLE = Rule("DC204", "error", "a runtime declaration names no CPython release the deploy can use")
END_OF_LIFE = Rule("DC205", "warning", "the deploy's Python is past its end of life")
RULES = (CONFLICT, UNDECLARED, INFERRED, UNUSABLE, END_OF_LIFE)
SCOPE = "app"


def check(app: App, settings: Settings) -> list[Finding]:
    if settings.python_version or app.runtime.no_python:  # no Python deployed: no version to declare
        return []
    return _unusable(app) + _requirements_in_runtime_txt(app) + _end_of_life(app) + _conflicts(app) + _undeclared(app)


# Files that only declare a version: a platform that does not read them is not affected by what they say.
_VERSION_FILES = (".python-version", "runtime.txt", ".tool-versions", "mise.toml")
_VERSION = re.compile(r"(?<![\d.])3\.\d+(?:\.\d+)?(?![\d.])")


def _recommended(app: App) -> recommend.Recommendation:
    rec = app.runtime.recommended
    if rec is None:  # a Runtime built without detect(): recommend now, from the same facts
        rec = recommend.recommend(app.runtime, app.platform_of, app.folder, app.repo)
    return rec


def _because(app: App) -> str:
    """Why the fix names its version; in the message, so that a fix names no version but the recommended one."""
    rec = _recommended(app)
    return f"; recommended: Python {rec.version} ({rec.why})"


def _fix(app: App) -> str:
    return recommend.declare(app.runtime, _recommended(app), app.repo, app.platform_of)


def _unusable_fix(app: App, fix: str) -> str:
    """The reader's fix, its example version made the app's recommended one so that no two fixes disagree; on
    a platform that reads no file for it (Streamlit's deploy dialog), the setting comes first."""
    rec = _recommended(app)
    fix = _VERSION.sub(rec.version, fix)
    return fix if rec.in_file else f"{_fix(app)}; in the file, {fix} (or delete it)"


def _unread(app: App, bad: BadDeclaration) -> str:
    """Why a bad version file does not break this deploy: its known platform reads no such file (Streamlit's
    deploy dialog, a Dockerfile's FROM). Requirement lines are another matter: nothing installs them anywhere."""
    plat = app.platform_of
    name = bad.path.name
    if plat is None or not plat.known or name not in _VERSION_FILES or name in plat.runtime_files:
        return ""
    if "requirement line" in bad.why:
        return ""
    return f"{plat.called} does not read {name}, so the deploy is not affected, but the file misleads"


def _unusable(app: App) -> list[Finding]:
    doubt = app.runtime.platform_doubt  # a guessed platform's own format rule is not an error (#17.8)
    out = []
    for bad in app.runtime.unusable:
        lowered = _unread(app, bad) or (doubt if bad.platform_rule else "")
        said = f"declares a Python version that cannot be used ({bad.text!r}): {bad.why}" if bad.text else bad.why
        out.append(
            UNUSABLE.finding(
                app.repo.display(bad.path),
                bad.line,
                said + (f" ({lowered})" if lowered else ""),
                _unusable_fix(app, bad.fix),
                severity="warning" if lowered else None,
            )
        )
    return out


def _requirements_in_runtime_txt(app: App) -> list[Finding]:
    """Requirement lines in runtime.txt after its version line (#17.9); a first line that is one is already
    an unusable declaration."""
    path = app.folder / "runtime.txt"
    text = app.repo.text(path)
    reported = {bad.line for bad in app.runtime.unusable if bad.path == path}
    lines = [(n, line) for n, line in versions.requirement_lines(text or "") if n not in reported]
    if not lines:
        return []
    shown = app.repo.display(path)
    target = app.repo.display(app.folder / "requirements.txt")
    first_line, first = lines[0]
    more = f" and {len(lines) - 1} more" if len(lines) > 1 else ""
    return [
        UNUSABLE.finding(
            shown,
            first_line,
            f"runtime.txt holds requirements ({first!r}{more}): runtime.txt holds only the Python version, and no "
            "platform installs packages listed here, so the deploy lacks them",
            f"move the requirement lines to {target} and leave only the version in runtime.txt (better: delete "
            f"runtime.txt and declare Python {_recommended(app).version}: {_fix(app)})",
        )
    ]


def _end_of_life(app: App) -> list[Finding]:
    rt = app.runtime
    if not runtime.eol(rt.minor):
        return []
    plat = app.platform_of
    # The app's own platform, when one is known: another platform's offer is not this deploy's concern.
    gone = ", ".join(
        p.name + (f" (since {since})" if since else "")
        for p, since in runtime.no_longer_offered(rt.minor)
        if plat is None or not plat.known or p is plat
    )
    return [
        END_OF_LIFE.finding(
            rt.source if rt.source_line else app.display,
            rt.source_line,
            f"Python {rt.python} is past its end of life (no more security fixes)"
            + (f"; not offered for new deploys by {gone}" if gone else "")
            + _because(app),
            f"move the app to Python {_recommended(app).version}: {_fix(app)}; test the app on it and recompile its "
            "lock",
        )
    ]


def _conflicts(app: App) -> list[Finding]:
    rt = app.runtime
    rec = _recommended(app)
    return [
        CONFLICT.finding(
            app.repo.display(other.path),
            other.line,
            f"declares Python {other.version} ({other.what!r}), but {rt.source}:{rt.source_line} declares "
            f"Python {rt.python}; deploycheck checks against {rt.python}, and a platform that reads "
            f"{other.path.name} deploys {other.version}{_because(app)}",
            f"declare Python {rec.version} in one place: {_fix(app)}",
        )
        for other in rt.conflicts
    ]


def _undeclared(app: App) -> list[Finding]:
    """Nothing declares the deploy's Python (DC202), or it was inferred from a range or a hint (DC203)."""
    rt = app.runtime
    if rt.exact:
        return []
    rec = _recommended(app)
    if rt.source in ("default", "the lock's header") and not rt.unusable:
        where = "" if rec.in_file else f" (none can: the platform takes it from {rec.where})"
        return [
            UNDECLARED.finding(
                app.display,
                None,
                f"no file declares the Python version this app deploys on{where}; checked against Python "
                f"{rt.python} ({rt.reason})" + _because(app),
                f"declare Python {rec.version}: {_fix(app)}",
            )
        ]
    return [
        INFERRED.finding(
            rt.source,
            rt.source_line,
            f"the deploy's Python was inferred: {rt.python}, {rt.reason}{_because(app)}",
            f"declare Python {rec.version} exactly: {_fix(app)}",
        )
    ]
