"""DC2xx: is the deploy's Python declared, once, without contradiction?"""

from __future__ import annotations

from pathlib import Path

from deploycheck import runtime
from deploycheck.report import Finding, LockResult
from deploycheck.scan import Project, rel
from deploycheck.settings import Settings


def _app_folders(project: Project) -> list[Path]:
    folders = [lock.path.parent for lock in project.locks] + [f.path.parent for f in project.plain]
    return list(dict.fromkeys(folders)) or [project.root]


def run(project: Project, settings: Settings) -> tuple[list[Finding], list[LockResult]]:
    findings: list[Finding] = []
    if settings.python_version:
        return findings, []
    seen: set[str] = set()
    for folder in _app_folders(project):
        headers = [lock.lock.header.python for lock in project.locks if lock.path.parent == folder]
        rt = runtime.detect(folder, project.root, explicit=None, header_python=next(filter(None, headers), None))
        for bad in rt.unusable:
            if f"{bad.path}:{bad.line}" in seen:
                continue
            seen.add(f"{bad.path}:{bad.line}")
            findings.append(
                Finding(
                    "DC204",
                    "error",
                    rel(bad.path, project.root),
                    bad.line,
                    f"declares a Python version that cannot be used ({bad.text!r}): {bad.why}" if bad.text else bad.why,
                    bad.fix,
                )
            )
        if rt.source in seen:
            continue
        seen.add(rt.source)
        if runtime.eol(rt.minor):
            gone = ", ".join(
                p.name + (f" (since {since})" if since else "") for p, since in runtime.no_longer_offered(rt.minor)
            )
            findings.append(
                Finding(
                    "DC205",
                    "warning",
                    rt.source if rt.source_line else rel(folder, project.root),
                    rt.source_line,
                    f"Python {rt.python} is past its end of life (no more security fixes)"
                    + (f"; not offered for new deploys by {gone}" if gone else ""),
                    f"move the app to a maintained Python ({runtime.oldest_maintained()} or newer) and recompile "
                    "its lock",
                )
            )
        for other in rt.conflicts:
            findings.append(
                Finding(
                    "DC201",
                    "warning",
                    rel(other.path, project.root),
                    other.line,
                    f"declares Python {other.version} ({other.what!r}), but {rt.source}:{rt.source_line} declares "
                    f"Python {rt.python}; deploycheck checks against {rt.python}, and a platform that reads "
                    f"{other.path.name} deploys {other.version}",
                    f"make {other.path.name} say {rt.python}, or delete it if no platform you deploy to reads it",
                )
            )
        if not rt.exact and rt.source in ("default", "the lock's header") and not rt.unusable:
            findings.append(
                Finding(
                    "DC202",
                    "warning",
                    rel(folder, project.root),
                    None,
                    f"no file declares the Python version this app deploys on; checked against Python {rt.python} "
                    f"({rt.reason})",
                    f"write the version your platform runs into {rel(folder / '.python-version', project.root)} "
                    f"(e.g. `echo {rt.minor} > .python-version`)",
                )
            )
        elif not rt.exact:
            findings.append(
                Finding(
                    "DC203",
                    "info",
                    rt.source,
                    rt.source_line,
                    f"the deploy's Python was inferred: {rt.python}, {rt.reason}",
                    f"declare it exactly, e.g. `echo {rt.minor} > .python-version`",
                )
            )
    return findings, []
