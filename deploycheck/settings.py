"""What a run was asked to do. One table of options feeds the command line, the action's inputs and
`[tool.deploycheck]` in pyproject.toml, and one function builds Settings from any of them, so every
front end has every option and validates it the same way."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

from deploycheck.errors import CheckError
from deploycheck.locks import indexes
from deploycheck.locks.indexes import IndexSources
from deploycheck.locks.tools import PIP_TOOLS, UV
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository
from deploycheck.runtime import platforms

# `drift` is the action's first name for `error` (lock drift is an error finding): kept, never shown as a choice.
FAIL_ON = {"error": "error", "warning": "warning", "never": "never", "drift": "error"}


@dataclass(frozen=True)
class Option:
    """One option of every front end. Its name is the same on the command line (`--name`), in the action's
    inputs (`name`) and in `[tool.deploycheck]` (`name = ...`); `aliases` are other spellings accepted on the
    command line and in pyproject.toml (pip's and uv's singular `--extra-index-url`), never action inputs.
    `default` is what the help, action.yml and docs/usage.md say (tests/test_consistency.py holds them to it)."""

    name: str  # kebab-case: --name, INPUT_NAME, [tool.deploycheck] name
    kind: str  # "str" | "float" | "bool" | "list" | "choice" | "mapping"
    help: str
    default: str
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    aliases: tuple[str, ...] = ()
    in_config: bool = True  # may be set in pyproject.toml


OPTIONS = (
    Option(
        "python-version",
        "str",
        "the deploy's Python, X.Y or X.Y.Z",
        "read from the project",
        metavar="X.Y",
    ),
    Option("platform", "choice", "the deploy platform; auto infers it per app", "auto", platforms.CHOICES),
    Option(
        "resolver",
        "choice",
        "auto: the lock's own tool, with uv as a fast first pass for pip-compile locks",
        "auto",
        ("auto", PIP_TOOLS, UV),
    ),
    Option(
        "lockfiles",
        "list",
        "check only these dependency files, relative to the checked folder: requirements*.txt, uv.lock, "
        "poetry.lock, Pipfile.lock, pdm.lock, pylock.toml, environment.yml, Pipfile, pyproject.toml",
        "every one found",
        metavar="PATH",
        aliases=("lockfile",),
    ),
    Option("select", "list", "report only these codes or prefixes, e.g. DC1,DC301", "all", metavar="CODES"),
    Option("ignore", "list", "never report these codes or prefixes", "none", metavar="CODES"),
    Option(
        "per-file-ignores",
        "mapping",
        "ignore codes in files matching a glob, e.g. 'legacy/*:DC110,DC111'",
        "none",
        metavar="GLOB:CODES",
    ),
    Option(
        "fail-on",
        "choice",
        "the lowest severity that makes the run fail (exit 1); drift is the same as error",
        "error",
        tuple(FAIL_ON),
        metavar="error|warning|never",
    ),
    Option("strict", "bool", "cosmetic differences (header, annotations) count as drift", "false"),
    Option("index-url", "str", "resolve against this package index", "the lock's own, else PyPI", metavar="URL"),
    Option(
        "extra-index-urls",
        "list",
        "more package indexes to resolve against",
        "none",
        metavar="URL",
        aliases=("extra-index-url",),
    ),
    Option("timeout", "float", "bound for the whole run, in seconds", "600", metavar="SECONDS"),
    Option("only-binary", "bool", "refuse to build sdists, so no package's setup.py runs during the check", "false"),
)
BY_NAME = {o.name: o for o in OPTIONS}
BY_SPELLING = {spelling: o for o in OPTIONS for spelling in (o.name, *o.aliases)}


@dataclass
class Settings:
    root: Path = Path(".")
    python_version: str | None = None
    platform: str = "auto"
    resolver: str = "auto"  # auto | pip-tools | uv
    lockfiles: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    format: str = "text"  # text | json | markdown
    output: Path | None = None
    fix_dir: Path | None = None
    jobs: int | None = None  # apps whose resolver checks run at once (--jobs); None: from the CPU count
    strict: bool = False
    fail_on: str = "error"  # error | warning | never
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    timeout: float = 600.0
    only_binary: bool = False
    boundary: Path | None = None  # the repository (GITHUB_WORKSPACE in the action; default: the git work tree)
    config_file: str | None = None  # the pyproject.toml whose [tool.deploycheck] was read, as shown
    config: dict[str, Any] = field(default_factory=dict)  # what it set, for the report

    @property
    def indexes(self) -> IndexSources:
        """The run's own --index-url and --extra-index-url: every lock's indexes are read `within` these."""
        return indexes.for_run(self.index_url, self.extra_index_urls)

    def index_options(self) -> list[str]:
        """The run's index options as resolver arguments; [] when the run names none."""
        return self.indexes.argv()


def valid_python_version(text: str) -> bool:
    """X.Y or X.Y.Z of CPython 3."""
    parts = text.split(".")
    return len(parts) in (2, 3) and all(p.isdigit() for p in parts) and parts[0] == "3"


def _convert(option: Option, value: Any, where: str) -> Any:
    """One value from any front end: a string (CLI, INPUT_*), or a TOML value."""
    bad = f"{where}: {str(value)[:80]!r}"
    if option.kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in ("true", "false"):
            return str(value).strip().lower() == "true"
        raise CheckError(f"{bad} is not true or false")
    if option.kind == "float":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CheckError(f"{bad} is not a number of seconds") from None
        if not 0 < number <= 86400:
            raise CheckError(f"{bad}: give a number of seconds between 1 and 86400")
        return number
    if option.kind == "list":
        items = value if isinstance(value, list) else str(value).replace(",", " ").split()
        return [str(item).strip() for item in items if str(item).strip()]
    if option.kind == "mapping":
        if isinstance(value, dict):
            pairs = {str(k): v if isinstance(v, list) else str(v).replace(",", " ").split() for k, v in value.items()}
        else:
            lines = value if isinstance(value, list) else str(value).splitlines()
            pairs = {}
            for line in (str(x).strip() for x in lines):
                glob, sep, codes = line.rpartition(":")
                if line and not sep:
                    raise CheckError(f"{bad}: write GLOB:CODES, e.g. 'legacy/*:DC110,DC111'")
                if line:
                    pairs[glob.strip()] = codes.replace(",", " ").split()
        return {k: [str(c).strip() for c in v] for k, v in pairs.items()}
    text = str(value).strip()
    if option.kind == "choice" and text not in option.choices:
        raise CheckError(f"{bad} is not one of {', '.join(option.choices)}")
    if option.name == "python-version":
        if not valid_python_version(text):
            raise CheckError(f"{bad}: give X.Y or X.Y.Z, e.g. 3.12")
        # Every check that reads the standard library answers for these minors only: refused here, a typo
        # such as 3.5 would reach them and stop two checks as if deploycheck had a bug. Imported here, not at
        # the top: the stdlib tables are not needed to parse the rest of the command line.
        from deploycheck.runtime.stdlib import FIRST, LAST

        if not FIRST <= int(text.split(".")[1]) <= LAST:
            raise CheckError(f"{bad}: deploycheck checks CPython 3.{FIRST} to 3.{LAST}")
    return text


def read_config(repo: Repository) -> tuple[Path | None, dict[str, Any]]:
    """[tool.deploycheck] of the nearest pyproject.toml from the checked folder up to the repository's top."""
    for candidate in repo.up(repo.root, to=repo.boundary):
        path = candidate / "pyproject.toml"
        if os.path.lexists(path):
            try:
                # Inside the repository, a regular file, capped: a FIFO or a symlink out is refused, not read.
                raw = repo.read_bytes(path, cap=2 * 1024 * 1024).decode("utf-8")
                data = tomllib.loads(raw)
            except safefs.UnsafePath as exc:
                raise CheckError(f"cannot read it: it {exc.reason}", path=str(path)) from None
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
                raise CheckError(
                    f"cannot read [tool.deploycheck]: {exc}", path=str(path), fix="fix the TOML syntax"
                ) from None
            section = data.get("tool", {}).get("deploycheck") if isinstance(data.get("tool"), dict) else None
            if section is not None:
                if not isinstance(section, dict):
                    raise CheckError("[tool.deploycheck] must be a table", path=str(path))
                return path, section
    return None, {}


def _config_names(config: dict[str, Any], shown: str | None) -> dict[str, Any]:
    """[tool.deploycheck] with each key under its option's name (an alias such as uv's singular
    `extra-index-url` is accepted); an unknown key, or one option given twice, names the file."""
    named: dict[str, Any] = {}
    for key, value in config.items():
        option = BY_SPELLING.get(key)
        if option is None or not option.in_config:
            raise CheckError(
                f"[tool.deploycheck] has no option {key!r}; valid: {', '.join(o.name for o in OPTIONS)}",
                path=shown,
            )
        if option.name in named:
            raise CheckError(f"[tool.deploycheck] sets {option.name!r} twice (as {key!r} too)", path=shown)
        named[option.name] = value
    return named


def build(
    given: Mapping[str, Any], *, root: Path, boundary: Path | None = None, front: str = "--{}", **fixed: Any
) -> Settings:
    """Settings from front-end values (None or "" means not given), over [tool.deploycheck], over defaults.

    `front` names an option in messages ("--{}" on the command line, "input {}" in the action). `fixed`
    carries what only one front end has (format, output, fix_dir). only-binary is a ratchet:
    either the front end or the project's configuration can turn it on, neither can turn off the other."""
    # The nearest [tool.deploycheck] from the checked folder up to the repository's top (the git work tree).
    try:
        repo = Repository.at(root, boundary) if root.is_dir() else None
    except CheckError:
        repo = None  # a checked folder outside the repository reads no configuration: the run says why
    config_path, config = read_config(repo) if repo else (None, {})
    shown = str(config_path.relative_to(repo.boundary)) if repo and config_path else None
    config = _config_names(config, shown)
    values: dict[str, Any] = {}
    for option in OPTIONS:
        value = given.get(option.name)
        if value not in (None, "", []):
            values[option.name] = _convert(option, value, front.format(option.name))
        elif option.name in config:
            where = f"{shown} [tool.deploycheck] {option.name}"
            values[option.name] = _convert(option, config[option.name], where)
    if "only-binary" in config and _convert(BY_NAME["only-binary"], config["only-binary"], "only-binary"):
        values["only-binary"] = True
    settings = Settings(root=root, boundary=boundary, config_file=shown, config=dict(config), **fixed)
    for name, value in values.items():
        if name == "fail-on":
            value = FAIL_ON[value]
        setattr(settings, name.replace("-", "_"), value)
    return settings
