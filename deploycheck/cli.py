"""The command line: arguments -> Settings -> pipeline -> rendering -> exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from deploycheck import progress, term, verdicts
from deploycheck.errors import CheckError
from deploycheck.report import outputs, render
from deploycheck.report.inert import visible
from deploycheck.report.model import Report
from deploycheck.settings import OPTIONS, Option, Settings, build

USAGE_EXIT = 2
FORMATS = {
    "text": "for a terminal (the default)",
    "json": "the versioned JSON report (schema_version), with each finding's documentation URL",
    "markdown": "the pull request comment",
    "github": "the text report and a GitHub Actions annotation per finding, for a workflow step of your own",
    "sarif": "SARIF 2.1.0, for GitHub code scanning (github/codeql-action/upload-sarif) and SARIF viewers",
}
# Options of the command line only: everything else is an Option of deploycheck.settings, which pyproject.toml
# and the action's inputs take under the same name. The epilog names these, so its claim stays true.
CLI_ONLY = ("--format", "--output", "--fix-dir", "--quiet", "--verbose", "--color", "--no-cache", "--jobs")


def _option_help(option: Option) -> str:
    return f"{option.help} (default: {option.default})"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="deploycheck",
        description="Will this Python app deploy the way it ran for you? Checks the lockfile against the "
        "deploy's Python, and the app against its deploy platform.",
        epilog="exit codes: 0 ready, 1 not ready (a finding at or above --fail-on), 2 could not check. "
        f"Every option except PATH, {', '.join(CLI_ONLY)} can also be set in [tool.deploycheck] of "
        "pyproject.toml and as an input of the GitHub Action, under the same name without '--' "
        "(lockfiles, extra-index-urls: the plural; pyproject.toml also takes the singular). "
        "`deploycheck rule DC101` explains a finding code (`deploycheck rule --all` lists them).",
    )
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="the app or repository folder (default: .)")
    for option in OPTIONS:
        flags = ["--" + option.aliases[0]] if option.aliases else []  # the singular first, as pip and uv spell it
        flags.append("--" + option.name)
        kwargs: dict[str, Any] = {"help": _option_help(option), "dest": option.name.replace("-", "_")}
        if option.kind == "bool":
            kwargs.update(action="store_const", const=True, default=None)
        elif option.kind in ("list", "mapping"):
            kwargs.update(action="append", default=None, metavar=option.metavar)
        elif option.kind == "choice":
            kwargs.update(choices=option.choices, default=None, metavar=option.metavar)
        else:
            kwargs.update(default=None, metavar=option.metavar)
        p.add_argument(*flags, **kwargs)
    p.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default="text",
        help="; ".join(f"{name}: {what}" for name, what in FORMATS.items()) + " (default: text)",
    )
    p.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the report here; with a --format other than text, stdout still gets the text report",
    )
    p.add_argument(
        "--fix-dir", type=Path, metavar="DIR", help="write the recompiled locks and deploycheck.patch (git apply) here"
    )
    loud = p.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only the verdict line and errors")
    loud.add_argument(
        "-v", "--verbose", action="store_true", help="also print on stderr what ran and how long each step took"
    )
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the verdict, severities and changes; auto: never with NO_COLOR set, always with "
        "FORCE_COLOR set (not 0), else on a terminal (default: auto)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="run every check even when an identical earlier run's verdict is cached (docs/cache.md)",
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
    return _settings(parser().parse_args(argv))


def _settings(args: argparse.Namespace) -> Settings:
    return build(
        _given(args), root=Path(args.path), format=args.format, output=args.output, fix_dir=args.fix_dir, jobs=args.jobs
    )


def main(argv: list[str] | None = None) -> int:
    """The console script. As the action's own entry (`deploycheck --action`, PID 1 in the container) it first
    re-executes itself without the runner's credentials in its environment (deploycheck.credentials); Ctrl-C
    and SIGTERM stop the resolvers, remove the temporary copies and exit 130 or 143 (deploycheck.interrupt)."""
    from deploycheck import credentials, interrupt

    if argv is None and sys.argv[1:2] == ["--action"]:
        credentials.leave_environment()
    try:
        return interrupt.run(lambda: _main(sys.argv[1:] if argv is None else argv))
    except Exception as exc:  # a bug of deploycheck's own: "could not check" (2), never "not ready" (1)
        return _crashed(exc)


def _crashed(exc: Exception) -> int:
    """One line naming the error, no traceback (DEPLOYCHECK_TRACEBACK=1 prints it, for a bug report)."""
    import os
    import traceback

    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" at {os.path.basename(where.filename)}:{where.lineno}" if where else ""
    said = " ".join(f"{type(exc).__name__}{place}: {str(exc)[:300]}".split())
    print(
        f"deploycheck: error: a bug in deploycheck stopped the run ({visible(said)}); nothing was judged. Please "
        "report it with the output of the same command run with DEPLOYCHECK_TRACEBACK=1",
        file=sys.stderr,
    )
    if os.environ.get("DEPLOYCHECK_TRACEBACK"):
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    return USAGE_EXIT


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--action"]:  # the Docker action's ENTRYPOINT: inputs come from INPUT_* variables
        from deploycheck.github import action

        return action.run()
    if argv[:1] == ["rule"]:  # `deploycheck rule DC101`, as `ruff rule`: a folder named rule is `./rule`
        return rule_command(argv[1:])
    if argv[:1] == ["apps"]:
        return apps_main(argv[1:])
    args = parser().parse_args(argv)
    try:
        settings = _settings(args)
    except CheckError as exc:
        print(f"deploycheck: error: {visible(exc, lines=True)}", file=sys.stderr)
        return USAGE_EXIT
    refused = outputs.preflight(settings)
    if refused:
        print(f"deploycheck: error: {visible(refused)}", file=sys.stderr)
        return USAGE_EXIT
    # Progress on stderr: a spinner on a terminal (never for --format json, whose readers want quiet), and
    # the time of each step with -v. The action never gets here: its log stays free of both.
    listener = term.stderr_progress(spin_allowed=not args.quiet and args.format != "json", verbose=args.verbose)
    progress.listen(listener)
    try:
        with progress.step("the whole run"):
            report = verdicts.run(settings, lambda project: outputs.guard(settings, project), use=not args.no_cache)
    except verdicts.Refused as exc:
        print(f"deploycheck: error: {visible(outputs.one_line(exc.error))}", file=sys.stderr)
        return USAGE_EXIT
    finally:
        progress.listen(None)
        if listener is not None:
            listener.close()
    paint = term.painter(term.wants_color(args.color, sys.stdout))
    return emit(report, settings, paint=paint, quiet=args.quiet)


def rule_command(argv: list[str]) -> int:
    """Print a code's docs/codes.md entry (from the installed package) and its URL; --all lists every code."""
    from deploycheck.checks import rules
    from deploycheck.report import ruledocs

    p = argparse.ArgumentParser(prog="deploycheck rule", description="Explain a finding code, as `ruff rule` does.")
    p.add_argument("code", nargs="?", help="a code, e.g. DC101")
    p.add_argument("--all", action="store_true", help="list every code with its severity and title")
    args = p.parse_args(argv)
    known = rules()
    if args.all:
        for code, (check, rule) in sorted(known.items()):
            print(f"{code}  {rule.severity:<7}  {rule.title}  ({check})")
        return 0
    code = (args.code or "").upper()
    if code not in known:
        said = f"{visible(args.code)} is not a code" if args.code else "name a code, e.g. `deploycheck rule DC101`"
        print(f"deploycheck rule: error: {said}; `deploycheck rule --all` lists them", file=sys.stderr)
        return USAGE_EXIT
    text = ruledocs.entry(code) or f"## {code} {known[code][1].title} ({known[code][1].severity})\n"
    sys.stdout.write(f"{text}\nChecked by: {known[code][0]}\nOnline: {ruledocs.url(code)}\n")
    return 0


def _rendered(report: Report, settings: Settings) -> str:
    if settings.format not in ("github", "sarif"):
        return render.RENDERERS[settings.format](report)
    from deploycheck.repo.repository import Repository
    from deploycheck.report import located

    try:
        repo: Repository | None = Repository.at(settings.root, settings.boundary)
    except CheckError:
        repo = None  # no folder: the report already says why; its paths are shown as they are
    if settings.format == "sarif":
        from deploycheck import __version__
        from deploycheck.checks import rules
        from deploycheck.report import sarif

        declared = [rule for _, rule in rules().values()]
        return sarif.to_sarif(report, declared, version=__version__, locate=located.from_top(repo))
    from deploycheck.github import runner_files

    # The text report's repository text is inert (no line of it is a workflow command: report.inert.visible);
    # the annotations are deploycheck's own commands, their values escaped (runner_files.command).
    commands = runner_files.annotation_lines(report, locate=located.from_top(repo))
    return render.to_text(report) + "".join(line + "\n" for line in commands)


def emit(report: Report, settings: Settings, *, paint: render.Paint = term.plain, quiet: bool = False) -> int:
    """The report to --output (in full, never coloured) or stdout; with --output, a text summary on stdout too.
    -q and colour are for the terminal only."""
    on_terminal = render.to_text(report, paint=paint, quiet=quiet)
    if settings.output:
        try:
            outputs.write_report(settings.output, _rendered(report, settings))
        except CheckError as exc:
            print(f"deploycheck: error: {visible(outputs.one_line(exc))}", file=sys.stderr)
            return USAGE_EXIT
        if settings.format != "text" or quiet:
            sys.stdout.write(on_terminal)
    else:
        sys.stdout.write(on_terminal if settings.format == "text" else _rendered(report, settings))
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
    from deploycheck import pipeline
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
