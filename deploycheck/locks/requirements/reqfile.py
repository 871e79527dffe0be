"""Reading requirements files as pip reads them: pins, option lines, annotations, the pip-compile / uv header.

Nothing here raises for content. What pip would refuse (and so what breaks the deploy) becomes an
`Issue` on the returned `ReqFile`, naming the line; the rest of the file is still read. Callers that
read a file the deploy never reads (a `.in` source) use `raise_first_issue` to get the old "could not
check" error. Work is linear in the input and every kind of it is capped (the MAX_* constants).
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from dataclasses import dataclass, field
from pathlib import Path

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

from deploycheck.errors import CheckError
from deploycheck.locks.requirements import reqoptions, reqtext
from deploycheck.locks.requirements.reqtext import MAX_LINE_CHARS, shorten

__all__ = ["MAX_LINE_CHARS"]

MAX_FILE_BYTES = 5 * 1024 * 1024  # a larger file is one "too-large" issue and is not parsed
MAX_LINES = 200_000  # physical lines; a hashed lock of 500 packages has about 20,000
MAX_ENTRIES = 20_000  # requirement and option lines; past this the rest is not parsed
MAX_OPTION_TOKENS = 100_000  # words after the requirements (mostly --hash), for the whole file
MAX_QUOTED_CHARS = 256 * 1024  # options with quotes go through shlex, a character at a time
MAX_ISSUES = 100  # then one "too-many-issues" issue counts the rest
MAX_NAME_CHARS = 200  # longer names are an issue (no index has them), never echoed in full
MAX_HEADER_LINES = 200  # leading comment lines examined for a pip-compile / uv header

# Every spelling of the options a requirements file may carry -> canonical name (as before: -r, -c).
OPTION_NAMES = {
    spelling: name
    for name, (spellings, _) in reqoptions.SUPPORTED.items()
    if name != "-e" and name not in reqoptions.PER_REQUIREMENT
    for spelling in (name, *spellings)
}
# Option lines that say where packages come from.
INDEX_LIKE = {"--index-url", "--extra-index-url", "--find-links", "--trusted-host", "--no-index"}
# pip-compile leaves these out unless --allow-unsafe, as comments under a fixed heading.
UNSAFE = {"pip", "setuptools", "distribute"}

# Issue kind -> severity. Errors are what pip refuses, so the deploy's install fails; warnings are
# what pip accepts but that deserves a look. "too-many-issues" takes the worst of what it counts.
ISSUE_KINDS = {
    "syntax": "error",  # pip cannot parse the line (also pasted junk: fences, commands, conflict markers)
    "unknown-option": "error",  # pip: "no such option"
    "duplicate": "error",  # the same package twice with versions no install can satisfy at once
    "not-text": "error",  # bytes pip cannot decode, NUL bytes
    "too-large": "error",  # over MAX_FILE_BYTES or MAX_LINES (then not parsed), or another cap reached
    "line-too-long": "error",  # a line over MAX_LINE_CHARS
    "name-too-long": "error",  # a package name over MAX_NAME_CHARS
    "repeated": "warning",  # the same package twice, compatibly: pip merges them
    "encoding": "warning",  # UTF-16/UTF-32 or a `# coding:` declaration: pip reads it, other tools may not
    "ignored-option": "warning",  # an option pip ignores where it stands (--index-url after a requirement)
    "env-var": "warning",  # ${VAR}: pip fills it in from the deploy's environment, unknown here
    "too-many-issues": "warning",
}
_URL_PREFIXES = (".", "/", "~", "file:", "git+", "hg+", "svn+", "bzr+", "http:", "https:", "ftp:")
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".tlz")
_ENV_VAR = re.compile(r"\$\{[A-Z0-9_]+\}")  # pip expands exactly this form
_NAME_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_SHELL_TOOLS = {"pip", "pip3", "python", "python3", "py", "uv", "conda", "mamba", "poetry", "pipenv", "sudo"}
_PROMPTS = {"$", ">", ">>>", "%", "#", "❯", "➜", "(venv)", "(.venv)"}
_VALUED_FLAGS = {"-r", "-c", "-e", "-i", "-f", "--requirement", "--constraint", "--index-url", "--extra-index-url"}
_OPERATORS = ("===", "==", ">=", "<=", "~=", "!=", "<", ">")
_FORMAT_URL = "https://pip.pypa.io/en/stable/reference/requirements-file-format/"


@dataclass
class Issue:
    line: int | None
    message: str
    fix: str
    kind: str
    severity: str = ""  # from ISSUE_KINDS unless given

    def __post_init__(self) -> None:
        self.severity = self.severity or ISSUE_KINDS.get(self.kind, "error")


@dataclass
class Pin:
    name: NormalizedName
    line: int
    raw: str
    version: str | None = None  # exact version when the line is `name==version`
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str = ""
    url: str = ""
    editable: bool = False
    hashes: tuple[str, ...] = ()
    via: list[str] = field(default_factory=list)

    @property
    def is_exact(self) -> bool:
        return self.version is not None or bool(self.url)

    def describe(self) -> str:
        """Short human form: `name[extra]==1.2 ; marker`."""
        text = self.name + (f"[{','.join(self.extras)}]" if self.extras else "")
        text += f" @ {self.url}" if self.url else (f"=={self.version}" if self.version else self.specifier)
        return text + (f" ; {self.marker}" if self.marker else "")


@dataclass
class Header:
    tool: str  # "pip-compile", "uv", "custom" (CUSTOM_COMPILE_COMMAND) or "none"
    python: str | None  # "3.11" from "autogenerated by pip-compile with Python 3.11"
    command: str  # the command line exactly as written in the header ("" when none)
    argv: list[str]
    lines: int  # how many leading lines the header takes


@dataclass
class ReqFile:
    path: Path
    display: str  # the path as shown to the user
    text: str  # decoded; line endings kept. Write it back with .encode("utf-8") to convert a UTF-16 file
    pins: dict[NormalizedName, Pin]
    options: list[tuple[str, str, int]]  # (canonical option, value, line)
    unsafe_comments: list[NormalizedName]
    header: Header
    crlf: bool
    encoding: str = "utf-8"  # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", ...
    issues: list[Issue] = field(default_factory=list)
    # Further lines for a name already in `pins`, under other markers (uv --universal writes these).
    alternates: list[Pin] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]


def raise_first_issue(rf: ReqFile) -> None:
    """For files the deploy does not read (.in sources): the first error is "could not check"."""
    for issue in rf.errors:
        raise CheckError(issue.message, path=rf.display, line=issue.line, fix=issue.fix)


class _Issues:
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


def _header_block(text: str) -> list[str]:
    block: list[str] = []
    for _number, line in reqtext.physical_lines(text):
        if not line.startswith("#") or len(block) >= MAX_HEADER_LINES:
            break
        block.append(line if len(line) <= MAX_LINE_CHARS else "#")
    return block


def parse_header(text: str) -> Header:
    block = _header_block(text)
    joined = "\n".join(block)
    python = None
    found = re.search(r"autogenerated by pip-compile with [Pp]ython (\d+\.\d+)", joined)
    if found:
        python = found.group(1)
    command = ""
    tool = "none"
    if "autogenerated by uv" in joined:
        tool = "uv"
        for line in block:
            if line.startswith("#    "):
                command = line[5:].strip()
                break
    elif "autogenerated by pip-compile" in joined:
        tool = "pip-compile"
        after = False
        for line in block:
            if "by the following command" in line or "To update, run:" in line:
                after = True
            elif after and line.strip("# ").strip():
                command = line.lstrip("#").strip()
                break
        if command and not (command.startswith("pip-compile") or " piptools " in f" {command} "):
            tool = "custom"
    try:
        argv = shlex.split(command) if command else []
    except ValueError:
        argv = command.split()
    header_lines = len(block) if tool != "none" else 0
    return Header(tool=tool, python=python, command=command, argv=argv, lines=header_lines)


def _via_values(comment: str) -> list[str] | None:
    """`via a, b` (after '#' and whitespace) -> its sources; None when the comment is not an annotation."""
    if not comment[:1].isspace():
        return None
    body = comment.lstrip()
    if not body.startswith("via") or not (len(body) == 3 or body[3].isspace()):
        return None
    return [value.strip() for value in body[3:].split(",") if value.strip()]


def _layout(text: str) -> tuple[dict[int, list[str]], list[NormalizedName]]:
    """`# via` annotations (both styles) by the line of their requirement, and the unsafe-package tail."""
    vias: dict[int, list[str]] = {}
    unsafe: list[NormalizedName] = []
    owner = 0
    collecting = False
    in_unsafe = False
    for number, physical in reqtext.physical_lines(text):
        if len(physical) > MAX_LINE_CHARS:
            collecting = False
            continue
        stripped = physical.strip()
        if in_unsafe and stripped.startswith("#") and stripped[1:2].isspace():
            name = _NAME_CHARS.match(stripped[1:].lstrip())
            if name:
                unsafe.append(canonicalize_name(name.group(0)))
        if "considered to be unsafe" in physical:
            in_unsafe = True
        if stripped and not physical[0].isspace() and not physical.startswith("#"):
            owner, collecting = number, False
            at = reqtext.comment_start(physical)
            values = _via_values(physical[at + 1 :]) if at > 0 else None
            if values is not None:
                vias.setdefault(owner, []).extend(values)
            continue
        if not owner or not stripped.startswith("#"):
            continue
        values = _via_values(stripped[1:])
        if values is not None:
            collecting = True
            vias.setdefault(owner, []).extend(values)
        elif collecting and stripped[1:4].isspace() and len(stripped) > 4 and stripped[1:].strip():
            vias.setdefault(owner, []).append(stripped[1:].strip())
        else:
            collecting = False
    return vias, unsafe


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


def _pin(spec: str, number: int, raw: str, editable: bool, hashes: list[str]) -> Pin:
    """A requirement as a Pin; raises InvalidRequirement (or RecursionError on absurd marker nesting)."""
    lower = spec.lower()
    if editable or lower.startswith(_URL_PREFIXES) or (lower.endswith(_ARCHIVES) and "@" not in spec):
        return Pin(_url_name(spec), number, raw, url=spec, editable=editable, hashes=tuple(sorted(hashes)))
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


class _Parser:
    def __init__(self, display: str, skip_bad_chars: bool) -> None:
        self.display = display
        self.skip_bad_chars = skip_bad_chars  # lines holding decoding replacements are already reported
        self.issues = _Issues()
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
            pin = _pin(spec, number, line, editable, hashes)
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


def _encoding_issue(decoded: reqtext.Decoded) -> Issue | None:
    if decoded.encoding.startswith(("utf-16", "utf-32")):
        return Issue(
            None,
            f"the file is {decoded.encoding.upper()} with a byte-order mark (as PowerShell's `pip freeze > "
            "requirements.txt` writes it); pip reads it, but many tools and build steps expect UTF-8",
            "save it as UTF-8: `pip freeze | Out-File -Encoding utf8 requirements.txt` in PowerShell, or "
            "choose UTF-8 when saving in your editor",
            "encoding",
        )
    if decoded.declared and decoded.bad_line is None:
        return Issue(
            None,
            f"the file is {decoded.encoding}, as its `# coding:` comment declares; pip reads it, uv and other "
            "tools expect UTF-8",
            "save it as UTF-8 and remove the coding comment",
            "encoding",
        )
    return None


def _not_text(decoded: reqtext.Decoded) -> Issue | None:
    if decoded.bad_line is not None:
        return Issue(
            decoded.bad_line,
            f"{decoded.bad_detail}: pip reads requirements files as UTF-8 (unless they start with a byte-order "
            "mark), so the install fails on a Linux deploy",
            'save the file as UTF-8 (in Notepad: Save As, Encoding: UTF-8; Windows\' "ANSI" is not UTF-8)',
            "not-text",
        )
    nul = decoded.text.find("\x00")
    if nul >= 0:
        return Issue(
            reqtext.line_of(decoded.text, nul),
            "the line holds NUL bytes: this is not a text file (UTF-16 without its byte-order mark?)",
            "save the file as UTF-8 text",
            "not-text",
        )
    return None


def too_large(path: Path, display: str, size: str) -> ReqFile:
    """A file past MAX_FILE_BYTES (or MAX_LINES): one too-large issue and nothing else read."""
    issue = Issue(
        None,
        f"the file is {size}; deploycheck reads requirements files up to {MAX_FILE_BYTES} bytes and {MAX_LINES} lines",
        "check that this is a requirements file; a real one is a few kilobytes",
        "too-large",
    )
    empty = Header(tool="none", python=None, command="", argv=[], lines=0)
    return ReqFile(path, display, "", {}, [], [], empty, False, issues=[issue])


def _count_lines(text: str) -> int:
    """Lines as str.splitlines counts them, at C speed (no list of millions of strings)."""
    breaks = sum(text.count(ch) for ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029") - text.count("\r\n")
    return breaks + 1


def _parse(decoded: reqtext.Decoded, path: Path, display: str) -> ReqFile:
    text = decoded.text
    lines = _count_lines(text)
    if lines > MAX_LINES:
        return too_large(path, display, f"{lines} lines long")
    parser = _Parser(display, skip_bad_chars=decoded.bad_line is not None)
    for issue in (_encoding_issue(decoded), _not_text(decoded)):
        if issue:
            parser.issues.kept.append(issue)
    parser.run(text)
    vias, unsafe = _layout(text)
    for pin in (*parser.pins.values(), *parser.alternates):
        pin.via = vias.get(pin.line, [])
    return ReqFile(
        path=path,
        display=display,
        text=text,
        pins=parser.pins,
        options=parser.options,
        unsafe_comments=unsafe,
        header=parse_header(text),
        crlf="\r\n" in text,
        encoding=decoded.encoding,
        issues=parser.issues.result(),
        alternates=parser.alternates,
    )


def parse_text(text: str, path: Path, display: str) -> ReqFile:
    """Parse decoded text. Never raises for content: see ReqFile.issues."""
    if len(text) > MAX_FILE_BYTES:
        return too_large(path, display, f"{len(text)} characters")
    return _parse(reqtext.Decoded(text, "utf-8"), path, display)


def parse_bytes(raw: bytes, path: Path, display: str) -> ReqFile:
    """Decode as pip does (byte-order mark, `# coding:` comment, else UTF-8), then parse."""
    if len(raw) > MAX_FILE_BYTES:
        return too_large(path, display, f"{len(raw)} bytes")
    return _parse(reqtext.decode(raw), path, display)


def read(path: Path, display: str | None = None) -> ReqFile:
    """Read and parse a file; raises CheckError only when it cannot be read at all."""
    display = display or str(path)
    try:
        # O_NONBLOCK: a FIFO named requirements.txt must not hang the run; only regular files are read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise CheckError("not a regular file", path=display, fix="point deploycheck at a requirements file")
            if info.st_size > MAX_FILE_BYTES:
                return too_large(path, display, f"{info.st_size} bytes")
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may grow after fstat
    except OSError as exc:
        raise CheckError(f"cannot read the file ({exc.strerror})", path=display) from None
    return parse_bytes(raw, path, display)
