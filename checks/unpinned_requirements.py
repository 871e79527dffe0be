"""DC11x: a requirements.txt with no requirements.in is not a lock: what does the deploy leave to chance?

The file is compiled as if it were a requirements.in (in a copy), which tells which dependencies
the deploy installs unpinned; the compiled lock and a requirements.in made from the original lines
are offered as the fix.
"""

from __future__ import annotations

from deploycheck.errors import CheckError
from deploycheck.locks.model import Lock
from deploycheck.locks.requirements import lock as requirements
from deploycheck.project.apps import Project
from deploycheck.project.records import cd_prefix, rel
from deploycheck.report.model import Finding, LockResult, Problem
from deploycheck.report.rules import Outcome, Rule
from deploycheck.resolve import drivers, failures, recompile, sandbox
from deploycheck.resolve.workspace import Workspace
from deploycheck.settings import Settings

LOOSE = Rule("DC110", "warning", "a requirement of a plain requirements file is not pinned")
UNPINNED = Rule("DC111", "warning", "dependencies of a plain requirements file are installed unpinned")
RULES = (LOOSE, UNPINNED)
SCOPE = "project"

WORKFLOW = (
    "Keep the packages you use, with loose ranges, in requirements.in; generate requirements.txt from it "
    "with `pip-compile requirements.in` (or `uv pip compile requirements.in -o requirements.txt`) and "
    "commit both. The platform installs requirements.txt, where every package, including the "
    "dependencies of your dependencies, is pinned to one version, so every deploy installs exactly what "
    "you tested; to upgrade, edit requirements.in or run pip-compile with --upgrade."
)


def check(project: Project, settings: Settings) -> Outcome:
    out = Outcome()
    plain_files = [(app, plain) for app in project.apps for plain in app.plain]
    if not plain_files:
        return out
    with Workspace(project, timeout=settings.timeout) as ws:  # one copy of the project for every plain file
        for app, plain in plain_files:
            out.findings += _loose_lines(plain)
            if plain.errors or not plain.text:
                continue  # pip cannot read it as it stands: the DC35x findings say where
            result = _compile(plain, app.runtime.python, app.runtime.to_json(), project, settings, ws)
            out.lockfiles.append(result)
            if result.status == "error" or result.proposed is None:
                continue
            compiled = requirements.from_text(result.proposed, plain.path, plain.display)
            unpinned = sorted(set(compiled.pins) - set(plain.pins))
            if unpinned:
                out.findings.append(
                    UNPINNED.finding(
                        plain.display,
                        None,
                        f"{len(unpinned)} dependencies of these requirements are not pinned, so each deploy may "
                        f"get other releases: {', '.join(unpinned)}",
                        "commit a compiled lock: deploycheck --fix-dir DIR writes requirements.in and requirements.txt",
                    )
                )
            if unpinned or any(not p.is_exact for p in plain.pins.values()):
                result.notes.append(WORKFLOW)
    return out


def _loose_lines(plain: Lock) -> list[Finding]:
    findings = []
    for pin in plain.pins.values():
        if pin.is_exact:
            continue
        what = "not pinned" if not pin.specifier else f"only constrained ({pin.specifier})"
        findings.append(
            LOOSE.finding(
                plain.display,
                pin.line,
                f"{pin.name} is {what}: each deploy installs whatever release is newest that day",
                "make this file a lock: move its lines to requirements.in and compile requirements.txt from it "
                "(deploycheck --fix-dir writes both)",
            )
        )
    return findings


def _compile(
    plain: Lock, python: str, runtime: dict[str, object], project: Project, settings: Settings, ws: Workspace
) -> LockResult:
    folder = plain.path.parent
    result = LockResult(
        path=plain.display,
        sources=[rel(folder / "requirements.in", project.root)],
        resolver="uv",
        status="unlocked",
        runtime=runtime,
        tool="none",
    )
    source = "requirements.in" if not (folder / "requirements.in").exists() else ".deploycheck.in"
    output = plain.path.name
    cwd = ws.path(folder)
    sandbox.write_into(cwd / source, plain.text.encode("utf-8"))  # never through a planted link
    job = recompile.plain_job(cwd, source, output, python, settings)
    try:
        compiled = drivers.uv_compile(job, None)
    except CheckError as exc:
        result.status = "error"
        result.error_from(exc)
        return result
    if compiled.text is None:
        result.status = "error"
        problem = failures.failure(compiled, plain.display, python, only_binary=job.only_binary, job=job)
        result.error = Problem(problem.message, problem.path, problem.line, problem.fix)
        return result
    result.proposed = compiled.text
    interp = job.interpreter
    result.interpreter = f"{interp.path} ({interp.version})" if interp else None
    result.fix_command = (
        f"{cd_prefix(folder, project.root)}mv {output} requirements.in && uv pip compile --python-version {python} "
        f"--python-platform linux requirements.in -o {output}"
    )
    return result
