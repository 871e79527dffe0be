"""The command line: arguments -> Settings -> pipeline -> rendering -> exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from deploycheck import pipeline
from deploycheck.errors import CheckError
from deploycheck.report import outputs, render
from deploycheck.report.inert import visible
from deploycheck.report.model import Report
from deploycheck.settings import OPTIONS, Settings, build

USAGE_EXIT = 2
# Options whose command-line form differs from the option table's name (repeatable, singular).
_CLI_NAMES = {"lockfiles": "lockfile", "extra-index-urls": "extra-index-url"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="deploycheck",
        description="Will this Python app deploy the way it ran for you? Checks the lockfile against the "
        "deploy's Python, and the app against its deploy platform.",
        epilog="exit codes: 0 ready, 1 not ready (a finding at or above --fail-on), 2 could not check. "
        "Every option can also be set in [tool.deploycheck] of pyproject.toml.",
    )
    p.add_argument("path", nargs="?", default=".", help="the app or repository folder (default: .)")
    for option in OPTIONS:
        flag = "--" + _CLI_NAMES.get(option.name, option.name)
        kwargs: dict[str, Any] = {"help": option.help, "dest": option.name.replace("-", "_")}
        if option.kind == "bool":
            kwargs.update(action="store_const", const=True, default=None)
        elif option.kind in ("list", "mapping"):
            kwargs.update(action="append", default=None, metavar="VALUE")
        elif option.kind == "choice":
            kwargs.update(choices=option.choices, default=None)
        else:
            kwargs.update(default=None, metavar="VALUE")
        p.add_argument(flag, **kwargs)
    p.add_argument("--format", choices=tuple(render.RENDERERS), default="text")
    p.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")
    p.add_argument(
        "--fix-dir", type=Path, metavar="DIR", help="write the recompiled locks and deploycheck.patch (git apply) here"
    )
    p.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="check up to N apps' locks at once (default: the CPU count, at most 8; as root only: each runs as "
        "a sandbox user of its own)",
    )
    return p


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of jobs from 1 to 64")
    return int(text)


def _given(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for option in OPTIONS:
        value = getattr(args, option.name.replace("-", "_"))
        if value is not None and option.kind in ("list", "mapping"):
            value = [part for item in value for part in (item.split(",") if option.kind == "list" else [item])]
        values[option.name] = value
    return values


def settings_from(argv: list[str]) -> Settings:
    args = parser().parse_args(argv)
    root = Path(args.path)
    return build(_given(args), root=root, format=args.format, output=args.output, fix_dir=args.fix_dir, jobs=args.jobs)


def main(argv: list[str] | None = None) -> int:
    """The console script. As the action's own entry (`deploycheck --action`, PID 1 in the container) it first
    re-executes itself without the runner's credentials in its environment (deploycheck.credentials); Ctrl-C
    and SIGTERM stop the resolvers, remove the temporary copies and exit 130 or 143 (deploycheck.interrupt)."""
    from deploycheck import credentials, interrupt

    if argv is None and sys.argv[1:2] == ["--action"]:
        credentials.leave_environment()
    return interrupt.run(lambda: _main(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--action"]:  # the Docker action's ENTRYPOINT: inputs come from INPUT_* variables
        from deploycheck.github import action

        return action.run()
    if argv[:1] == ["apps"]:
        return apps_main(argv[1:])
    try:
        settings = settings_from(argv)
    except CheckError as exc:
        print(f"deploycheck: error: {visible(exc, lines=True)}", file=sys.stderr)
        return USAGE_EXIT
    refused = outputs.preflight(settings)
    if refused:
        print(f"deploycheck: error: {visible(refused)}", file=sys.stderr)
        return USAGE_EXIT
    try:
        report = pipeline.run(settings, guard=lambda project: outputs.guard(settings, project))
    except pipeline.Refused as exc:
        print(f"deploycheck: error: {visible(outputs.one_line(exc.error))}", file=sys.stderr)
        return USAGE_EXIT
    return emit(report, settings)


def emit(report: Report, settings: Settings) -> int:
    text = render.RENDERERS[settings.format](report)
    if settings.output:
        try:
            outputs.write_report(settings.output, text)
        except CheckError as exc:
            print(f"deploycheck: error: {visible(outputs.one_line(exc))}", file=sys.stderr)
            return USAGE_EXIT
        if settings.format != "text":
            sys.stdout.write(render.to_text(report))
    else:
        sys.stdout.write(text)
    if settings.fix_dir:
        from deploycheck.repo.repository import Repository
        from deploycheck.report import fixes

        try:
            repo = Repository.at(settings.root, settings.boundary)
        except CheckError:
            return report.exit_code  # no folder to write fixes for: the report already says why
        for path in fixes.write(report, repo, settings.fix_dir, read=report.inputs):
            print(f"wrote {visible(path)}", file=sys.stderr)
    return report.exit_code


def apps_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="deploycheck apps",
        description="List the apps of a repository (folder, dependency files, runtime, platform, the file the "
        "platform installs) without resolving or fetching anything; --format json is a GitHub Actions matrix "
        "(docs/monorepo.md).",
        epilog="exit codes: 0 listed, 2 could not list (or more apps than one matrix may hold: use --shard). "
        "To check a folder named apps, run: deploycheck ./apps",
    )
    p.add_argument("path", nargs="?", default=None, help="the repository folder (default: .)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--shard", metavar="I/N", help="list only part I of N (for more than 256 apps)")
    p.add_argument(
        "--context-prefix",
        default="deploycheck",
        metavar="TEXT",
        help="status contexts are TEXT/<app> (default: deploycheck)",
    )
    for name in ("python-version", "platform"):
        option = next(o for o in OPTIONS if o.name == name)
        p.add_argument("--" + name, choices=option.choices or None, help=option.help)
    return p


def apps_main(argv: list[str]) -> int:
    """`deploycheck apps`: the listing (deploycheck.project.listing); exit 0, or 2 when it cannot list."""
    from deploycheck.project import listing

    args = apps_parser().parse_args(argv)
    if args.path is None and Path("apps").is_dir():
        # Before this subcommand, `deploycheck apps` checked the folder ./apps: refuse rather than turn a
        # required check into a listing that always passes.
        print(
            "deploycheck: error: `deploycheck apps` lists the apps; to check the folder apps, run "
            "`deploycheck ./apps`; to list, name the repository: `deploycheck apps .`",
            file=sys.stderr,
        )
        return USAGE_EXIT
    try:
        given = {"python-version": args.python_version, "platform": args.platform}
        settings = build(given, root=Path(args.path or "."))
        part = listing.Shard.parse(args.shard) if args.shard else None
        doc = listing.document(pipeline.project(settings), part, args.context_prefix.strip())
    except CheckError as exc:
        print(f"deploycheck: error: {visible(exc, lines=True)}", file=sys.stderr)
        return USAGE_EXIT
    sys.stdout.write(listing.to_json(doc) + "\n" if args.format == "json" else listing.to_text(doc, visible))
    return 0
