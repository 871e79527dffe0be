"""pip's parse of a requirements file's logical lines: requirements become `Pin`s, option lines are kept in
order, and what pip refuses becomes an `Issue` naming the line (never an exception).

Work is linear in the input and every kind of it is capped (the MAX_* constants); past a cap the rest of
the file is one "too-large" issue.
"""

from __future__ import annotations

import os
import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from deploycheck.locks.model import Issue, Pin
from deploycheck.locks.requirements import reqoptions, reqtext
from deploycheck.locks.requirements.reqtext import MAX_LINE_CHARS, shorten

MAX_ENTRIES = 20_000  # requirement and option lines; past this the rest is not parsed
MAX_OPTION_TOKENS = 100_000  # words after the requirements (mostly --hash), for the whole file
MAX_QUOTED_CHARS = 256 * 1024  # options with quotes go through shlex, a character at a time
MAX_ISSUES = 100  # then one "too-many-issues" issue counts the rest
MAX_NAME_CHARS = 200  # longer names are an issue (no index has them), never echoed in full

_URL_PREFIXES = (".", "/", "~", "file:", "git+", "hg+", "svn+", "bzr+", "http:", "https:", "ftp:")
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".tlz")
_ENV_VAR = re.compile(r"\$\{[A-Z0-9_]+\}")  # pip expands exactly this form
_NAME_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_SHELL_TOOLS = {"pip", "pip3", "python", "python3", "py", "uv", "conda", "mamba", "poetry", "pipenv", "sudo"}
_PROMPTS = {"$", ">", ">>>", "%", "#", "❯", "➜", "(venv)", "(.venv)"}
_VALUED_FLAGS = {"-r", "-c", "-e", "-i", "-f", "--requirement", "--constraint", "--index-url", "--extra-index-url"}
_OPERATORS = ("===", "==", ">=", "<=", "~=", "!=", "<", ">")
_FORMAT_URL = "https://pip.pypa.io/en/stable/reference/requirements-file-format/"


class IssueList:
    """Collects issues up to MAX_ISSUES, then counts the rest."""

    def __init__(self) -> None:
        self.kept: list[Issue] = []
        self.dropped = 0
        self.dropped_error = False

    def add(self, line: int | None, message: str, fix: str, kind: str) -> None:
        issue = Issue(line, message, fix, kind)
        if len(self.kept) < MAX_ISSUES or kind == "too-large":  # say always why reading stopped
            self.kept.append(issue)
            return
        self.dropped += 1
        self.dropped_error = self.dropped_error or issue.severity == "error"

    def result(self) -> list[Issue]:
        if not self.dropped:
            return self.kept
        more = Issue(
            None,
            f"{self.dropped} more problems in this file are not listed",
            "fix the problems listed, then run the check again",
            "too-many-issues",
            "error" if self.dropped_error else "warning",
        )
        return [*self.kept, more]


def _pasted(line: str) -> tuple[str, str] | None:
    """Recognise what people paste into requirements files by mistake: (what it is, how to fix it)."""
    if line.startswith(("```", "~~~")):
        return (
            "a Markdown code fence",
            "delete this line (and its closing fence): it came from a README or a chat along with the requirements",
        )
    if line.startswith(("<<<<<<<", ">>>>>>>", "|||||||")) or line == "=======":
        return (
            "an unresolved merge-conflict marker",
            "resolve the conflict: keep the lines you want, delete the <<<<<<<, ======= and >>>>>>> lines, "
            "then recompile the lock",
        )
    words = line[:300].split()
    prompt = False
    while words and (words[0] in _PROMPTS or (words[0].startswith("PS") and words[0].endswith(">"))):
        words, prompt = words[1:], True
    if words and words[0] == "PS" and len(words) > 1 and words[1].endswith(">"):
        words, prompt = words[2:], True
    tool = os.path.basename(words[0]).lower().removesuffix(".exe") if words else ""
    if tool in _SHELL_TOOLS or tool.startswith("pip3.") or tool.startswith("python3."):
        verb = next((i for i, w in enumerate(words) if w in ("install", "add")), -1)
        names = []
        for before, word in zip(words[verb:], words[verb + 1 :]):
            if verb >= 0 and not word.startswith("-") and before not in _VALUED_FLAGS:
                names.append(word)
        keep = f"write `{' '.join(names)}` on lines of their own" if names else "delete this line"
        return ("a shell command, not a requirement", keep)
    if prompt:
        return ("a pasted shell prompt", "remove the prompt characters before the requirement")
    return None


def _hint(spec: str) -> str:
    """A precise fix for the common malformed requirement, else the general one."""
    bare = spec.split(";", 1)[0].rstrip()
    if bare.endswith(_OPERATORS):
        name = bare.rstrip("=<>!~ ")
        return (
            f"write the version after the operator, e.g. `{reqtext.clip(name, 60)}==1.2.3` (`pip freeze` shows "
            "the installed one), or remove the operator to accept any version"
        )
    words = bare.split(None, 2)
    if len(words) == 2 and _is_version(words[1]):
        return f"join name and version with `==`: `{reqtext.clip(words[0], 60)}=={reqtext.clip(words[1], 30)}`"
    at = bare.find("=")
    if at > 0 and bare[at - 1] not in "=<>!~" and bare[at + 1 : at + 2] != "=":
        return "`=` is not a valid operator: write `==` (pip's hint: Did you mean == ?)"
    return f"write one requirement per line, as `name==version` (PEP 508), or a pip option; see {_FORMAT_URL}"


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _url_name(spec: str) -> NormalizedName:
    """Name of a URL or path requirement: its #egg= fragment, else its wheel or sdist file name."""
    at = spec.rfind("egg=")
    if at > 0 and spec[at - 1] in "#&":
        name = _NAME_CHARS.match(spec, at + 4)
        if name:
            return canonicalize_name(name.group(0))
    filename = spec.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[0]
        if filename.endswith(_ARCHIVES):
            return parse_sdist_filename(filename)[0]
    except (InvalidWheelFilename, InvalidSdistFilename):
        pass
    if spec.startswith(("./", "../", "/", "~")) and filename not in ("", ".", ".."):
        return canonicalize_name(filename)  # a project folder, usually named after its project
    return canonicalize_name(spec)


def _pin(spec: str, number: int, raw: str, editable: bool, hashes: list[str], file: str) -> Pin:
    """A requirement as a Pin; raises InvalidRequirement (or RecursionError on absurd marker nesting)."""
    lower = spec.lower()
    if editable or lower.startswith(_URL_PREFIXES) or (lower.endswith(_ARCHIVES) and "@" not in spec):
        return Pin(_url_name(spec), number, raw, url=spec, editable=editable, hashes=tuple(sorted(hashes)), file=file)
    req = Requirement(spec)
    version = None
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    return Pin(
        name=canonicalize_name(req.name),
        line=number,
        raw=raw,
        version=version,
        specifier=str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker else "",
        url=req.url or "",
        hashes=tuple(sorted(hashes)),
        file=file,
    )


def _conflict(a: Pin, b: Pin) -> bool:
    """True when no single install satisfies both lines (pip: "Cannot install a==1 and a==2")."""
    if a.url or b.url:
        return bool(a.url and b.url and a.url != b.url)
    for exact, other in ((a, b), (b, a)):
        if exact.version is None:
            continue
        try:
            if not SpecifierSet(other.specifier).contains(Version(exact.version), prereleases=True):
                return True
        except (InvalidVersion, InvalidSpecifier):
            return False
    return False


class LineParser:
    def __init__(self, display: str, skip_bad_chars: bool) -> None:
        self.display = display
        self.skip_bad_chars = skip_bad_chars  # lines holding decoding replacements are already reported
        self.issues = IssueList()
        self.pins: dict[NormalizedName, Pin] = {}
        self.alternates: list[Pin] = []
        self.options: list[tuple[str, str, int]] = []
        self.tokens_left = MAX_OPTION_TOKENS
        self.quoted_left = MAX_QUOTED_CHARS

    def run(self, text: str) -> None:
        entries = 0
        for logical in reqtext.logical_lines(text):
            entries += 1
            if entries > MAX_ENTRIES or self.tokens_left < 0 or self.quoted_left < 0:
                self.issues.add(
                    logical.number,
                    f"more than {MAX_ENTRIES} requirements and options, {MAX_OPTION_TOKENS} option words or "
                    f"{MAX_QUOTED_CHARS} characters of quoted options; deploycheck reads no further",
                    "split the file, or check that it is a requirements file at all",
                    "too-large",
                )
                return
            if logical.too_long:
                self.issues.add(
                    logical.number,
                    f"a line of {logical.too_long} characters (deploycheck reads lines up to {MAX_LINE_CHARS})",
                    "remove it: no requirement or option is this long; check what was pasted or generated here",
                    "line-too-long",
                )
                continue
            if "\x00" in logical.text or (self.skip_bad_chars and "\ufffd" in logical.text):
                continue
            self.line(logical.number, logical.text)

    def pasted(self, number: int, line: str) -> bool:
        """Report what was pasted by mistake; only asked about lines pip refuses (`uv` is a package too)."""
        found = _pasted(line)
        if found:
            what, fix = found
            self.issues.add(number, f"{what}; pip fails on it: Invalid requirement: {shorten(line)}", fix, "syntax")
        return found is not None

    def line(self, number: int, line: str) -> None:
        args, options_text = reqoptions.break_args_options(line)
        if reqoptions.needs_shlex(options_text):
            self.quoted_left -= len(options_text)
        try:
            tokens = reqoptions.split(options_text)
            self.tokens_left -= len(tokens)
            parsed = reqoptions.parse_tokens(tokens) if tokens else reqoptions.Parsed()
        except reqoptions.OptionError as exc:
            self.option_error(number, line, exc.message)
            return
        editables = [value for name, value in parsed.options if name == "-e"]
        if args or editables:
            self.requirement(number, line, args or editables[0], not args, parsed)
            return
        for name, value in parsed.options:
            if name in reqoptions.PER_REQUIREMENT:
                self.issues.add(
                    number,
                    f"{name} with no requirement on its line; pip ignores it",
                    "put it on the line of the requirement it belongs to, after a backslash continuation",
                    "ignored-option",
                )
            else:
                self.options.append((name, value, number))

    def option_error(self, number: int, line: str, message: str) -> None:
        if self.pasted(number, line):
            return
        kind = "unknown-option" if message.startswith(("no such option", "ambiguous option")) else "syntax"
        fix = (
            "use only options pip accepts in requirements files (--index-url, --extra-index-url, --find-links, "
            "--trusted-host, --no-binary, --only-binary, --prefer-binary, --pre, --require-hashes, -r, -c, -e); "
            "pass install options such as --upgrade or --no-deps on the pip command line instead"
        )
        option = message.partition(": ")[2]
        if option in reqoptions.REMOVED:
            message += f" ({reqoptions.REMOVED[option]})"
            fix = "pass build options with --config-settings (-C KEY=VALUE) instead, or remove it"
        elif kind == "syntax":
            fix = f"correct the option's value; see {_FORMAT_URL}"
        self.issues.add(
            number,
            f"pip cannot parse this line: Invalid requirement: {shorten(line)}: {reqtext.clip(message, 200)}",
            fix,
            kind,
        )

    def requirement(self, number: int, line: str, spec: str, editable: bool, parsed: reqoptions.Parsed) -> None:
        hashes = [value for name, value in parsed.options if name == "--hash"]
        try:
            pin = _pin(spec, number, line, editable, hashes, self.display)
        except (InvalidRequirement, RecursionError) as exc:
            if not self.pasted(number, line):
                self.bad_requirement(number, spec, exc)
            return
        ignored = sorted({name for name, _ in parsed.options if name not in reqoptions.PER_REQUIREMENT} - {"-e"})
        if ignored:
            self.issues.add(
                number,
                f"pip ignores {', '.join(ignored)} on a requirement's line",
                "move the option to a line of its own",
                "ignored-option",
            )
        if len(pin.name) > MAX_NAME_CHARS:
            self.issues.add(
                number,
                f"a package name of {len(pin.name)} characters: '{reqtext.clip(pin.name)}'",
                "write the package's real name; no package index holds a name this long",
                "name-too-long",
            )
            return
        self.add_pin(pin)

    def bad_requirement(self, number: int, spec: str, exc: Exception) -> None:
        if _ENV_VAR.search(spec):
            self.issues.add(
                number,
                f"pip fills in {shorten(_ENV_VAR.findall(spec[:MAX_LINE_CHARS])[0])} from the environment of the "
                "install, which deploycheck cannot see; this line was not checked",
                "make sure the deploy sets that variable, or write the requirement out",
                "env-var",
            )
            return
        reason = str(exc).splitlines()[0] if isinstance(exc, InvalidRequirement) else "markers nested too deeply"
        self.issues.add(
            number,
            f"pip cannot parse this line: Invalid requirement: {shorten(spec)}: {reqtext.clip(reason, 200)}",
            _hint(spec),
            "syntax",
        )

    def add_pin(self, pin: Pin) -> None:
        other = self.pins.get(pin.name)
        if other is None:
            self.pins[pin.name] = pin
            return
        if pin.marker != other.marker:
            self.alternates.append(pin)
            return
        if _conflict(other, pin):
            self.issues.add(
                pin.line,
                f"{pin.name} is listed twice (also on line {other.line}) with versions that exclude each other; "
                f"pip fails with: Cannot install {reqtext.clip(other.describe())} and {reqtext.clip(pin.describe())}",
                "keep one line per package; regenerate the lock with pip-compile",
                "duplicate",
            )
        else:
            self.issues.add(
                pin.line,
                f"{pin.name} is listed twice (also on line {other.line}); pip merges the two lines",
                "keep one line per package",
                "repeated",
            )
