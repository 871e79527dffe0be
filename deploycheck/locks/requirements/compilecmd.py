"""What a lockfile's header says about how it was compiled, and how to compile it again.

The header's command is the truth about sources, output file and options. A file without a header
gets a command inferred from its own content (hashes, unsafe pins, annotations, extras). Which options
are read how is cmdoptions' table.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field

from deploycheck.locks.indexes import COMMAND, FIND_LINKS, NO_INDEX, IndexSources, Origin
from deploycheck.locks.requirements.cmdoptions import (
    DROPPED,
    FLAGS,
    INDEX_OPTIONS,
    PATH_OPTIONS,
    SHORT_VALUED,
    VALUE_OPTIONS,
    filter_pip_args,
)
from deploycheck.locks.requirements.reqfile import ReqFile
from deploycheck.locks.tools import PIP_COMPILE, UNSAFE, UV, command_prefix

__all__ = ["INDEX_OPTIONS", "PATH_OPTIONS", "filter_pip_args"]

# Shell operators: a real header never has them (pip-compile writes its own argv); a hand-edited one
# must not carry them into a printed command.
_SHELL = set(";&|<>()`")
_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass
class CompileCommand:
    tool: str  # PIP_COMPILE or UV (deploycheck.locks.tools): which tool writes this lock
    sources: list[str]  # as written (Windows separators made "/"), relative to the folder the command ran in
    output_file: str | None
    options: list[str]  # output-changing options to pass again, in order (index options excluded)
    index_options: list[str]  # index options from the command line in canonical names, e.g. [INDEX_URL, URL]
    original: str  # the user's command line, for the regenerated header (never for a shell)
    inferred: bool = False  # True when no header said it
    flags: set[str] = field(default_factory=set)
    pip_args: list[str] = field(default_factory=list)  # --pip-args after the allowlist, as separate words
    args: list[str] = field(default_factory=list)  # the kept arguments after the tool's name, for display
    notes: list[str] = field(default_factory=list)  # what was dropped or read differently, for the report
    refused: list[str] = field(default_factory=list)  # why this command must not run at all
    windows: bool = False  # the header was written on Windows (backslash paths)

    @property
    def generate_hashes(self) -> bool:
        return "--generate-hashes" in self.flags

    @property
    def allow_unsafe(self) -> bool:
        # uv always pins pip and setuptools when they are needed.
        return self.tool == UV or "--allow-unsafe" in self.flags

    @property
    def universal(self) -> bool:
        """uv's --universal: the lock holds markers for every platform and Python it allows."""
        return "--universal" in self.flags

    @property
    def self_output(self) -> bool:
        """`uv pip compile requirements.txt -o requirements.txt`: the committed lock is its own source."""
        out = self.output_file
        return out is not None and any(posixpath.normpath(s) == posixpath.normpath(out) for s in self.sources)

    def indexes(self, lock_display: str | None = None) -> IndexSources:
        """The command's own index options (--index-url, --no-index, uv's --index ...), read as pip reads them."""
        return IndexSources.from_argv(self.index_options, Origin(COMMAND, lock_display))

    def path_options(self) -> list[tuple[str, str]]:
        """(option, path) pairs the resolver would open: constraints, overrides, local find-links."""
        pairs = list(zip(self.options[:-1], self.options[1:])) + list(
            zip(self.index_options[:-1], self.index_options[1:])
        )
        out = [(opt, value) for opt, value in pairs if opt in PATH_OPTIONS]
        # file:// is a local path too; other schemes than http(s) are no index deploycheck will let it reach.
        out += [(opt, local_path(v)) for opt, v in pairs if opt == FIND_LINKS and not v.startswith(("http:", "https:"))]
        # uv's --group names a pyproject.toml: `path/pyproject.toml:group`.
        out += [(opt, v.rpartition(":")[0]) for opt, v in pairs if opt == "--group" and ":" in v]
        return out

    def remap(self, old: str, new: str) -> None:
        """Read a path of the header as another (an absolute path from the author's machine, mapped)."""
        self.sources = [new if s == old else s for s in self.sources]
        self.args = [new if a == old else a for a in self.args]
        if self.output_file == old:
            self.output_file = new

    def command_line(self) -> str:
        """The command as the header gave it, rebuilt from parsed words and quoted: safe to print."""
        return shlex.join([*command_prefix(self.tool), *self.args])


def _tool_args(argv: list[str]) -> tuple[str, list[str]]:
    if len(argv) >= 3 and argv[0].endswith(UV) and argv[1:3] == ["pip", "compile"]:
        return UV, argv[3:]
    if argv and argv[0].endswith(PIP_COMPILE):
        return PIP_COMPILE, argv[1:]
    for i, arg in enumerate(argv):  # python -m piptools compile ...
        if arg == "piptools" and argv[i + 1 : i + 2] == ["compile"]:
            return PIP_COMPILE, argv[i + 2 :]
    return "", []


def split_command(command: str) -> tuple[list[str], bool, str]:
    """Words of a header's command line. Returns (words, written_on_windows, cut_text).

    A backslash in a header is a Windows path separator (pip-tools before 7.5 wrote them; POSIX
    pip-compile quotes with single quotes, never backslashes), so it is not an escape there. Words from
    the first shell operator on are not part of the command and are cut."""
    windows = "\\" in command
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    if windows:
        lexer.escape = ""
    words: list[str] = []
    try:
        for word in lexer:
            if word and set(word) <= _SHELL:
                rest = command[command.find(word) :] if word in command else word
                return words, windows, rest.strip()
            words.append(word)
    except ValueError:  # an unclosed quote: keep what was read, the rest is not a usable command
        return words, windows, "(unbalanced quotes)"
    return words, windows, ""


def posix_path(value: str, windows: bool) -> str:
    return value.replace("\\", "/") if windows else value


def is_absolute(value: str) -> bool:
    return value.startswith("/") or bool(_WINDOWS_ABS.match(value))


def parse(command: str, *, only_binary: bool = False) -> CompileCommand | None:
    """The compile command a header names, or None when it names no pip-compile or uv command."""
    words, windows, cut = split_command(command)
    cmd = from_argv(words, command, only_binary=only_binary, windows=windows)
    if cmd is not None and cut:
        # Not quoted: the rest of a hostile header must not reach the report or the PR comment.
        cmd.notes.append("the header's command is followed by a shell operator; what follows it was ignored")
    return cmd


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def from_argv(
    argv: list[str], original: str, *, only_binary: bool = False, windows: bool = False
) -> CompileCommand | None:
    tool, args = _tool_args(argv)
    if not tool:
        return None
    cmd = CompileCommand(tool, [], None, [], [], original, windows=windows)
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in VALUE_OPTIONS:
            if not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            if name in PATH_OPTIONS or name in ("-o", "--output-file") or INDEX_OPTIONS.get(name) == FIND_LINKS:
                value = posix_path(value, windows)
            _option(cmd, name, value, only_binary)
        elif arg[:2] in SHORT_VALUED and len(arg) > 2 and not arg.startswith("--"):
            # `-c/etc/passwd`: a short option with its value attached, read as the tools read it.
            args[i : i + 1] = [arg[:2], arg[2:]]
            continue
        elif arg.startswith("-") and arg != "-":
            if name == NO_INDEX:
                cmd.index_options.append(arg)
                cmd.args.append(arg)
            elif arg in FLAGS:
                cmd.options.append(arg)
                cmd.flags.add(arg)
                cmd.args.append(arg)
            elif arg not in DROPPED:
                # An allowlist: an option deploycheck does not know could read or write anywhere.
                cmd.notes.append(
                    f"dropped {short(arg, 60)!r} from the header's command (not an option deploycheck passes on)"
                )
            elif arg in ("--cache-dir", "--directory", "--config"):
                cmd.notes.append(f"dropped {arg} from the header's command")
        else:
            source = posix_path(arg, windows)
            cmd.sources.append(source)
            cmd.args.append(source)
        i += 1
    if windows:
        cmd.notes.append("the header was written on Windows (backslash paths): read its paths with / separators")
    return cmd


def local_path(value: str) -> str:
    """A file: URL as the path it names (`file:///x` -> `/x`, `file:x` -> `x`)."""
    if value.startswith("file://"):
        return value[len("file://") :] or "/"
    return value[len("file:") :] if value.startswith("file:") else value


def _option(cmd: CompileCommand, name: str, value: str, only_binary: bool) -> None:
    if name in ("-o", "--output-file"):
        cmd.output_file = value
        cmd.args += [name, value]
    elif name == "--pip-args":
        kept, dropped, refused = filter_pip_args(value, only_binary=only_binary)
        cmd.pip_args += kept
        if dropped:
            names = sorted({word.split()[0].split("=")[0] for word in dropped})
            cmd.notes.append(
                f"dropped from --pip-args (they would work outside the temporary copy): {short(', '.join(names))}"
            )
        for what in refused:
            cmd.refused.append(
                f"--pip-args {short(what)!r} could make pip build packages from source, which only-binary forbids"
            )
        if kept:
            cmd.args.append(f"{name}={shlex.join(kept)}")
    elif name == "--no-binary" and only_binary:
        # A package named here would be built from source even beside --only-binary :all: (the more
        # specific setting wins): only-binary promises that no package's build code runs.
        cmd.notes.append(f"dropped --no-binary {short(value)!r} from the header's command: only-binary is on")
    elif name in INDEX_OPTIONS:
        cmd.index_options += [INDEX_OPTIONS[name], value]
        cmd.args += [name, value]
    elif name not in DROPPED:
        cmd.options += [name, value]
        cmd.args += [name, value]
    elif name in ("--cache-dir", "--build-dir", "--src", "--directory", "--project", "--config", "--cert"):
        cmd.notes.append(f"dropped {name} {short(value)!r} from the header's command (work stays in the copy)")


def infer(
    lock: ReqFile,
    source: str | list[str],
    tool: str = PIP_COMPILE,
    constraints: list[str] | None = None,
) -> CompileCommand:
    """The command that most likely made a lock whose header does not say (`--no-header`, hand edits, or a
    CUSTOM_COMPILE_COMMAND script): options are read off the lock's own content."""
    options: list[str] = []
    pins = list(lock.pins.values())
    if pins and all(p.hashes for p in pins if not p.editable):
        options.append("--generate-hashes")
    if any(name in UNSAFE for name in lock.pins):
        options.append("--allow-unsafe")
    if pins and not any(p.via for p in pins):
        options.append("--no-annotate")
    elif tool != UV and _inline_annotations(lock):
        options.append("--annotation-style=line")
    options.append("--no-strip-extras" if any(p.extras for p in pins) else "--strip-extras")
    if not lock.header.command:
        options.append("--no-header")
    for constraint in constraints or []:
        options += ["-c", constraint]
    sources = [source] if isinstance(source, str) else source
    argv = [*command_prefix(tool), *options, *sources]
    original = shlex.join(argv)
    cmd = from_argv(argv, original)
    assert cmd is not None
    cmd.inferred = True
    return cmd


def _inline_annotations(lock: ReqFile) -> bool:
    """pip-compile --annotation-style=line writes `name==1.0  # via x` on the requirement's own line."""
    lines = lock.text.splitlines()
    return any(0 < p.line <= len(lines) and "# via" in lines[p.line - 1] for p in lock.pins.values() if p.via)


def via_sources(lock: ReqFile) -> tuple[list[str], list[str]]:
    """The files pip-compile's annotations name: (`# via -r X` sources, `# via -c X` constraints)."""
    sources: list[str] = []
    constraints: list[str] = []
    for pin in lock.pins.values():
        for via in pin.via:
            for part in via.split(","):
                flag, _, name = part.strip().partition(" ")
                target = sources if flag == "-r" else constraints if flag == "-c" else None
                name = name.strip()
                if target is not None and name and name not in target:
                    target.append(name)
    return sources, constraints
