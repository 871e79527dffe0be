"""DC35x: requirements files as pip reads them at deploy time.

A line pip cannot parse (a pasted Markdown fence, a `pip install x` line, a merge-conflict marker,
`requests==`) fails the deploy's `pip install -r`, so it is an error at file:line with pip's own complaint.
A UTF-16 file (PowerShell's `pip freeze > requirements.txt`) is read by pip, but not by many other tools and
build steps. deploycheck.locks.requirements.reqfile reads the files; this check reports what it found in
the files the deploy reads (locks and plain requirements files). A `.in` that pip refuses is the drift
check's "could not check": the deploy never reads it.
"""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.version import InvalidVersion, Version

from deploycheck.locks.model import INCLUDE, Issue, Lock
from deploycheck.locks.requirements import reqfile, reqtext
from deploycheck.project.apps import App
from deploycheck.repo import safefs
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

UNPARSEABLE = Rule("DC350", "error", "a line of a deployed requirements file that pip cannot parse")
ENCODING = Rule("DC351", "warning", "a requirements file that is not UTF-8 (UTF-16 from PowerShell, a coding comment)")
NOT_TEXT = Rule("DC352", "error", "bytes in a requirements file that are not text in any encoding pip reads")
TOO_LARGE = Rule("DC353", "error", "a requirements file or line past deploycheck's size limits")
QUESTIONABLE = Rule("DC354", "warning", "a line pip accepts but that does not do what it seems to")
RULES = (UNPARSEABLE, ENCODING, NOT_TEXT, TOO_LARGE, QUESTIONABLE)
SCOPE = "app"

_BY_KIND = {
    "syntax": UNPARSEABLE,
    "unknown-option": UNPARSEABLE,
    "duplicate": UNPARSEABLE,
    "name-too-long": UNPARSEABLE,
    "not-text": NOT_TEXT,
    "too-large": TOO_LARGE,
    "line-too-long": TOO_LARGE,
    "encoding": ENCODING,
    "repeated": QUESTIONABLE,
    "ignored-option": QUESTIONABLE,
    "env-var": QUESTIONABLE,
    "too-many-issues": QUESTIONABLE,
}


def check(app: App, settings: Settings) -> list[Finding]:
    findings = []
    files = app.requirement_files()
    for file in files:
        findings += _findings(file.display, file.text, file.issues)
    findings += _included(app, files)
    findings += _pyproject(app, files)
    findings += _pipfile(app)
    return findings


def _findings(display: str, text: str, issues: list[Issue]) -> list[Finding]:
    lines: list[str] | None = None
    out = []
    for issue in issues:
        rule = _BY_KIND.get(issue.kind, UNPARSEABLE)
        severity = issue.severity if rule is QUESTIONABLE else None
        message, fix = issue.message, issue.fix
        if issue.kind == "syntax" and issue.line:
            lines = text.splitlines() if lines is None else lines
            legacy = _legacy(_requirement_at(lines, issue.line))
            if legacy is not None:
                message, fix = legacy
        out.append(rule.finding(display, issue.line, message, fix, severity=severity))
    return out


# Class 11 of #17. pip before 24.1 (packaging < 22) read any version it could not parse as a "legacy" version,
# with a deprecation warning; pip 24.1 and newer, uv, and packaging 22+ refuse the requirement outright. These
# are old pip's version clauses (its LegacySpecifier): an operator, then anything up to a comma, semicolon,
# space or bracket.
_CLAUSE = re.compile(r"(===|==|!=|<=|>=|~=|<|>)\s*([^,;\s)\]]*)")
_OPTION = re.compile(r"\s--?[A-Za-z]")
MAX_SPEC = 1000  # characters of a requirement examined for legacy versions


def _requirement_at(lines: list[str], number: int) -> str:
    """The requirement on line `number` (1-based): continuation lines joined, its comment and options dropped."""
    text = ""
    for line in lines[number - 1 : number + 20]:
        text += line[:MAX_SPEC]
        if not line.rstrip().endswith("\\"):
            break
        text = text.rstrip()[:-1] + " "
    text = text.split(" #", 1)[0]
    option = _OPTION.search(text)
    return (text[: option.start()] if option else text).strip()[:MAX_SPEC]


def _respelled(operator: str, version: str) -> str | None:
    """The PEP 440 spelling of a legacy version (`0.18.0.` -> `0.18.0`, `>=1.5.*` -> `>=1.5`), if it has one."""
    text = version.strip()
    if operator not in ("==", "!=") and text.endswith(".*"):
        text = text[:-2]
    text = text.rstrip(".")
    try:
        Specifier(f"{operator}{text}")
        return str(Version(text.removesuffix(".*"))) + (".*" if text.endswith(".*") else "")
    except (InvalidSpecifier, InvalidVersion):
        return None


def _legacy(spec: str) -> tuple[str, str] | None:
    """(message, fix) when `spec` fails only on versions old pip accepted as legacy ones; else None."""
    if not spec or spec.startswith(("-", "#")):
        return None
    try:
        Requirement(spec)
        return None  # the strict parser takes it (a URL requirement's `==` is no version)
    except InvalidRequirement:
        pass
    head, sep, marker = spec.partition(";")
    bad: list[str] = []
    fixed, fixable, placeholder = head, True, head
    for clause in reversed(list(_CLAUSE.finditer(head))):
        operator, version = clause.groups()
        if operator == "===":
            continue  # arbitrary equality takes any string
        try:
            Specifier(f"{operator}{version}")
            continue
        except InvalidSpecifier:
            pass
        bad.insert(0, version)
        spelled = _respelled(operator, version)
        fixable = fixable and spelled is not None
        start, end = clause.span(2)
        fixed = fixed[:start] + (spelled or version) + fixed[end:]
        placeholder = placeholder[:start] + "0" + placeholder[end:]
    try:
        Requirement(placeholder + sep + marker)  # fails for another reason too: pip's own complaint says it
    except InvalidRequirement:
        return None
    if not bad:
        return None
    shown = ", ".join(f"`{v}`" for v in bad[:3])
    message = (
        f"pip cannot parse this line: {shown} "
        + ("is not a PEP 440 version" if len(bad) == 1 else "are not PEP 440 versions")
        + ": pip 24.1 and newer, uv and packaging 22 and newer refuse the requirement (older pip accepted it as a "
        "legacy version, with a deprecation warning), so the deploy's install fails with 'Invalid requirement'"
    )
    corrected = reqtext.clip((fixed.rstrip() + (" " + sep + marker if sep else "")).strip(), 200)
    fix = (
        f"write `{corrected}`: the same version, spelled as PEP 440 (and current pip) requires"
        if fixable
        else "write the version as PEP 440 spells it (e.g. `name==1.2.3`); `pip index versions NAME` lists them"
    )
    return message, fix


def _included(app: App, files: list[Lock]) -> list[Finding]:
    """Files a deployed plain requirements file pulls in with -r/-c: pip reads them at deploy time too."""
    known = {safefs.resolve(f.path) for f in files}
    findings = []
    for file in app.plain:
        for source in file.sources:
            path = safefs.resolve(source.path)
            if source.role != INCLUDE or source.pins is None or path in known:
                continue
            known.add(path)
            try:
                raw = safefs.read_bytes(path, app.repo.boundary, cap=reqfile.MAX_FILE_BYTES + 1)
            except (safefs.UnsafePath, OSError):
                continue  # the scan read it, or reported why it could not
            parsed = reqfile.parse_bytes(raw, path, source.display)
            findings += _findings(source.display, parsed.text, parsed.issues)
    return findings


MAX_PYPROJECT = 1024 * 1024
MAX_DEPENDENCIES = 5000  # of one pyproject, all groups: real ones list dozens


def _pyproject(app: App, files: list[Lock]) -> list[Finding]:
    """[project] dependencies of a pyproject.toml the platform installs (or a requirements file installs with
    `.`): pip builds the project, and its build refuses a legacy version the same way."""
    path = app.folder / "pyproject.toml"
    installs = app.installs.file if app.installs is not None else None
    itself = any(p.url in (".", "./") for f in files for p in f.every_pin())
    if not ((installs and Path(installs).name == "pyproject.toml") or itself):
        return []
    try:
        text = safefs.read_bytes(path, app.repo.boundary, cap=MAX_PYPROJECT).decode("utf-8")
        project = tomllib.loads(text).get("project")
    except (safefs.UnsafePath, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return []  # the runtime and dependency checks say why a pyproject cannot be read
    if not isinstance(project, dict):
        return []
    optional = project.get("optional-dependencies")
    groups = [project.get("dependencies"), *(optional.values() if isinstance(optional, dict) else [])]
    display = app.repo.display(path)
    lines = text.splitlines()
    findings = []
    every = (d for group in groups if isinstance(group, list) for d in group)
    for dependency in itertools.islice(every, MAX_DEPENDENCIES):
        if not isinstance(dependency, str):
            continue
        legacy = _legacy(dependency)
        if legacy is not None:
            line = next((i for i, t in enumerate(lines, 1) if dependency in t), None)
            findings.append(UNPARSEABLE.finding(display, line, *legacy))
    return findings


def _pipfile(app: App) -> list[Finding]:
    """[packages] of a Pipfile the platform installs without a Pipfile.lock: pipenv hands each `name` and
    version to pip, which refuses a legacy version the same way."""
    installs = app.installs.file if app.installs is not None else None
    if not installs or Path(installs).name != "Pipfile":
        return []
    path = app.folder / "Pipfile"
    try:
        text = safefs.read_bytes(path, app.repo.boundary, cap=MAX_PYPROJECT).decode("utf-8")
        packages = tomllib.loads(text).get("packages")
    except (safefs.UnsafePath, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return []
    if not isinstance(packages, dict):
        return []
    display, lines = app.repo.display(path), text.splitlines()
    findings = []
    for name, value in itertools.islice(packages.items(), MAX_DEPENDENCIES):
        version = value.get("version") if isinstance(value, dict) else value
        if not isinstance(version, str) or version.strip() in ("", "*"):
            continue
        legacy = _legacy(f"{name}{version.strip()}")
        if legacy is not None:
            line = next((i for i, t in enumerate(lines, 1) if t.strip().startswith((name, f'"{name}"'))), None)
            findings.append(UNPARSEABLE.finding(display, line, *legacy))
    return findings
