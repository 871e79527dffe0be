"""deploycheck: will this Python app deploy the way it ran for you?

The action's entry and the local CLI: settings -> scan -> checks -> report -> render -> exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deploycheck import render, runtime, scan
from deploycheck.errors import CheckError
from deploycheck.report import Problem, Report
from deploycheck.settings import Settings, valid_python_version

USAGE_EXIT = 2


def parse_args(argv: list[str]) -> Settings:
    p = argparse.ArgumentParser(
        prog="deploycheck",
        description="Check that a Python app's lockfile is what its sources resolve to on the deploy's Python.",
        epilog="exit codes: 0 ready, 1 not ready (drift or a failing finding), 2 could not check",
    )
    p.add_argument("path", nargs="?", default=".", help="the app or repository folder (default: .)")
    p.add_argument("--python-version", metavar="X.Y", help="the deploy's Python (default: read from the project)")
    p.add_argument(
        "--resolver",
        choices=("auto", "pip-tools", "uv"),
        default="auto",
        help="auto: the lock's own tool, with uv as a fast first pass for pip-compile locks",
    )
    p.add_argument(
        "--lockfile",
        action="append",
        default=[],
        metavar="FILE",
        help="check only this lockfile (repeatable; relative to PATH)",
    )
    p.add_argument("--format", choices=tuple(render.RENDERERS), default="text")
    p.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")
    p.add_argument(
        "--fix-dir",
        type=Path,
        metavar="DIR",
        help="write the recompiled locks and deploycheck.patch (for git apply) here",
    )
    p.add_argument("--strict", action="store_true", help="cosmetic differences (header, annotations) count as drift")
    p.add_argument(
        "--fail-on",
        choices=("error", "warning", "never"),
        default="error",
        help="the lowest finding severity that makes the exit code 1 (default: error, e.g. drift)",
    )
    p.add_argument("--index-url", help="resolve against this index instead of the lock's own")
    p.add_argument("--extra-index-url", action="append", default=[], metavar="URL")
    p.add_argument(
        "--timeout", type=float, default=180.0, metavar="SECONDS", help="bound for one resolver run (default: 180)"
    )
    p.add_argument(
        "--only-binary",
        action="store_true",
        help="refuse to build sdists, so no package's setup.py runs during the check",
    )
    a = p.parse_args(argv)
    if a.python_version and not valid_python_version(a.python_version):
        p.error(f"--python-version {a.python_version!r}: give X.Y or X.Y.Z, e.g. 3.11")
    return Settings(
        root=Path(a.path),
        python_version=a.python_version,
        resolver=a.resolver,
        lockfiles=a.lockfile,
        format=a.format,
        output=a.output,
        fix_dir=a.fix_dir,
        strict=a.strict,
        fail_on=a.fail_on,
        index_url=a.index_url,
        extra_index_urls=a.extra_index_url,
        timeout=a.timeout,
        only_binary=a.only_binary,
    )


def build_report(settings: Settings) -> Report:
    from checks import REGISTRY

    try:
        project = scan.scan(settings.root, settings.lockfiles or None)
    except CheckError as exc:
        report = Report(
            root=str(settings.root),
            runtime={"python": settings.python_version or "", "source": ""},
            fail_on=settings.fail_on,
        )
        report.problems.append(Problem(exc.message, exc.path, exc.line, exc.fix))
        return report
    first = project.locks[0].lock.header.python if project.locks else None
    rt = runtime.detect(project.root, project.root, explicit=settings.python_version, header_python=first)
    report = Report(root=str(settings.root), runtime=rt.to_json(), fail_on=settings.fail_on)
    if not project.locks and not project.plain:
        report.problems.append(
            Problem(
                "no requirements.txt or compiled lockfile found",
                str(settings.root),
                None,
                "run deploycheck in the app's folder, or pass it as PATH",
            )
        )
    for check in REGISTRY.values():
        findings, locks = check(project, settings)
        report.findings += findings
        report.lockfiles += locks
    if len({str(lock.runtime["python"]) for lock in report.lockfiles}) == 1 and report.lockfiles:
        report.runtime = report.lockfiles[0].runtime
    return report


def main(argv: list[str] | None = None) -> int:
    from deploycheck import credentials, interrupt

    if argv is None and sys.argv[1:2] == ["--action"]:  # only as the process's own entry: it re-executes
        credentials.leave_environment()
    return interrupt.run(lambda: _main(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--action"]:  # the Docker action's ENTRYPOINT: inputs come from INPUT_* variables
        from deploycheck import action

        return action.run()
    settings = parse_args(argv)
    report = build_report(settings)
    text = render.RENDERERS[settings.format](report)
    if settings.output:
        settings.output.parent.mkdir(parents=True, exist_ok=True)
        settings.output.write_text(text, encoding="utf-8")
        if settings.format != "text":
            sys.stdout.write(render.to_text(report))
    else:
        sys.stdout.write(text)
    if settings.fix_dir:
        from deploycheck import fixes

        for path in fixes.write(report, settings.root, settings.fix_dir):
            print(f"wrote {path}", file=sys.stderr)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
