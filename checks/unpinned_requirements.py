"""DC11x: a requirements.txt with no requirements.in is not a lock: what does the deploy leave to chance?

The file is compiled as if it were a requirements.in (in a copy), which tells which dependencies
the deploy installs unpinned; the compiled lock and a requirements.in made from the original lines
are offered as the fix.
"""

from __future__ import annotations

from deploycheck import interpreters, reqfile, resolver, runtime
from deploycheck.errors import CheckError
from deploycheck.report import Finding, LockResult
from deploycheck.resolver import Job
from deploycheck.scan import Project, cd_prefix, rel
from deploycheck.settings import Settings
from deploycheck.workspace import Workspace

WORKFLOW = (
    "Keep the packages you use, with loose ranges, in requirements.in; generate requirements.txt from it "
    "with `pip-compile requirements.in` (or `uv pip compile requirements.in -o requirements.txt`) and "
    "commit both. The platform installs requirements.txt, where every package, including the "
    "dependencies of your dependencies, is pinned to one version, so every deploy installs exactly what "
    "you tested; to upgrade, edit requirements.in or run pip-compile with --upgrade."
)


def run(project: Project, settings: Settings) -> tuple[list[Finding], list[LockResult]]:
    findings: list[Finding] = []
    results: list[LockResult] = []
    if not project.plain:
        return findings, results
    with Workspace(project) as ws:  # one copy of the project for every plain file
        for plain in project.plain:
            findings += _loose_lines(plain)
            result = _compile(plain, project, settings, ws)
            results.append(result)
            if result.status == "error" or result.proposed is None:
                continue
            compiled = reqfile.parse_text(result.proposed, plain.path, plain.display)
            unpinned = sorted(set(compiled.pins) - set(plain.pins))
            if unpinned:
                findings.append(
                    Finding(
                        "DC111",
                        "warning",
                        plain.display,
                        None,
                        f"{len(unpinned)} dependencies of these requirements are not pinned, so each deploy may "
                        f"get other releases: {', '.join(unpinned)}",
                        "commit a compiled lock: deploycheck --fix-dir DIR writes requirements.in and requirements.txt",
                    )
                )
            if unpinned or any(not p.is_exact for p in plain.pins.values()):
                result.notes.append(WORKFLOW)
    return findings, results


def _loose_lines(plain: reqfile.ReqFile) -> list[Finding]:
    findings = []
    for pin in plain.pins.values():
        if pin.is_exact:
            continue
        what = "not pinned" if not pin.specifier else f"only constrained ({pin.specifier})"
        findings.append(
            Finding(
                "DC110",
                "warning",
                plain.display,
                pin.line,
                f"{pin.name} is {what}: each deploy installs whatever release is newest that day",
                "make this file a lock: move its lines to requirements.in and compile requirements.txt from it "
                "(deploycheck --fix-dir writes both)",
            )
        )
    return findings


def _compile(plain: reqfile.ReqFile, project: Project, settings: Settings, ws: Workspace) -> LockResult:
    folder = plain.path.parent
    rt = runtime.detect(folder, project.root, explicit=settings.python_version, header_python=None)
    result = LockResult(
        path=plain.display,
        sources=[rel(folder / "requirements.in", project.root)],
        resolver="uv",
        status="unlocked",
        runtime=rt.to_json(),
        tool="none",
    )
    interp = interpreters.find(rt.python)
    source = "requirements.in" if not (folder / "requirements.in").exists() else ".deploycheck.in"
    output = plain.path.name
    cwd = ws.path(folder)
    (cwd / source).write_text(plain.text, encoding="utf-8")
    job = Job(
        cwd=cwd,
        output=output,
        sources=[source],
        options=[],
        index_options=settings.index_options(),
        original=f"uv pip compile {source} -o {output}",
        header=True,
        python=rt.python,
        interpreter=interp,
        timeout=settings.timeout,
        only_binary=settings.only_binary,
        tool="uv",
    )
    try:
        compiled = resolver.uv_compile(job, None)
    except CheckError as exc:
        result.status = "error"
        result.error_from(exc)
        return result
    if compiled.text is None:
        result.status = "error"
        result.error_from(
            CheckError(
                f"these requirements cannot be resolved for Python {rt.python}:\n{compiled.run.stderr.strip()[-1500:]}",
                path=plain.display,
                fix="fix the conflicting lines, then run deploycheck again",
            )
        )
        return result
    result.proposed = compiled.text
    result.interpreter = f"{interp.path} ({interp.version})" if interp else None
    result.fix_command = (
        f"{cd_prefix(folder, project.root)}mv {output} requirements.in && uv pip compile --python-version {rt.python} "
        f"--python-platform linux requirements.in -o {output}"
    )
    return result
