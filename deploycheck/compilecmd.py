"""What a lockfile's header says about how it was compiled, and how to compile it again.

The header's command is the truth about sources, output file and options. A file without a header
gets a command inferred from its own content (hashes, unsafe pins, annotations, extras).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from deploycheck.reqfile import INDEX_LIKE, OPTION_NAMES, UNSAFE, ReqFile

# Options that take a value, for pip-compile and `uv pip compile` alike.
_VALUE_OPTIONS = {
    "-o",
    "--output-file",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "-c",
    "--constraint",
    "--annotation-style",
    "--resolver",
    "--cache-dir",
    "--pip-args",
    "--extra",
    "-P",
    "--upgrade-package",
    "--max-rounds",
    "--newline",
    "--unsafe-package",
    "--python",
    "-p",
    "--python-version",
    "--python-platform",
    "--custom-compile-command",
    "--index-strategy",
    "--prerelease",
    "--resolution",
    "--only-binary",
    "--no-binary",
    "--build-constraint",
    "--overrides",
    "--override",
    "--no-emit-package",
    "--exclude-newer",
    "--config-file",
    "--group",
    "--keyring-provider",
    "--index",
    "--default-index",
    "--link-mode",
    "--torch-backend",
    "--emit-package",
}
# The index options of pip (as reqfile names them) plus uv's own.
INDEX_OPTIONS = {
    **{flag: name for flag, name in OPTION_NAMES.items() if name in INDEX_LIKE and name != "--no-index"},
    "--index": "--index",
    "--default-index": "--default-index",
}
# Never part of a reproduction: they pick the output, the interpreter, or resolve afresh (-U, -P), or
# only change what is printed to the terminal.
_DROPPED = {
    "-o",
    "--output-file",
    "-U",
    "--upgrade",
    "-P",
    "--upgrade-package",
    "--dry-run",
    "-v",
    "--verbose",
    "-q",
    "--quiet",
    "--cache-dir",
    "--rebuild",
    "--resolver",
    "--python",
    "-p",
    "--python-version",
    "--python-platform",
    "--custom-compile-command",
    "--no-cache",
    "--color",
    "--config-file",
    "--no-config",
    "--offline",
}


@dataclass
class CompileCommand:
    tool: str  # "pip-compile" or "uv": which tool writes this lock
    sources: list[str]  # as written, relative to the folder the command ran in
    output_file: str | None
    options: list[str]  # output-changing options to pass again, in order (index options excluded)
    index_options: list[str]  # index options from the command line, e.g. ["--index-url", URL]
    original: str  # the user's command line, for the regenerated header
    inferred: bool = False  # True when no header said it
    flags: set[str] = field(default_factory=set)

    @property
    def generate_hashes(self) -> bool:
        return "--generate-hashes" in self.flags

    @property
    def allow_unsafe(self) -> bool:
        # uv always pins pip and setuptools when they are needed.
        return self.tool == "uv" or "--allow-unsafe" in self.flags


def _tool_args(argv: list[str]) -> tuple[str, list[str]]:
    if len(argv) >= 3 and argv[0].endswith("uv") and argv[1:3] == ["pip", "compile"]:
        return "uv", argv[3:]
    if argv and argv[0].endswith("pip-compile"):
        return "pip-compile", argv[1:]
    for i, arg in enumerate(argv):  # python -m piptools compile ...
        if arg == "piptools" and argv[i + 1 : i + 2] == ["compile"]:
            return "pip-compile", argv[i + 2 :]
    return "", []


def from_argv(argv: list[str], original: str) -> CompileCommand | None:
    tool, args = _tool_args(argv)
    if not tool:
        return None
    sources: list[str] = []
    options: list[str] = []
    index_options: list[str] = []
    flags: set[str] = set()
    output_file = None
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            if name in ("-o", "--output-file"):
                output_file = value
            elif name in INDEX_OPTIONS:
                index_options += [INDEX_OPTIONS[name], value]
            elif name not in _DROPPED:
                options += [name, value]
        elif arg.startswith("-"):
            if name == "--no-index":
                index_options.append(arg)
            elif arg not in _DROPPED:
                options.append(arg)
                flags.add(arg)
        else:
            sources.append(arg)
        i += 1
    return CompileCommand(tool, sources, output_file, options, index_options, original, flags=flags)


def infer(lock: ReqFile, source: str, tool: str = "pip-compile") -> CompileCommand:
    """The command that most likely made a lock whose header does not say (`--no-header` or hand edits)."""
    options: list[str] = []
    pins = list(lock.pins.values())
    if pins and all(p.hashes for p in pins if not p.editable):
        options.append("--generate-hashes")
    if any(name in UNSAFE for name in lock.pins):
        options.append("--allow-unsafe")
    if pins and not any(p.via for p in pins):
        options.append("--no-annotate")
    options.append("--no-strip-extras" if any(p.extras for p in pins) else "--strip-extras")
    if not lock.header.command:
        options.append("--no-header")
    argv = [*(["uv", "pip", "compile"] if tool == "uv" else ["pip-compile"]), *options, source]
    original = shlex.join(argv)
    cmd = from_argv(argv, original)
    assert cmd is not None
    cmd.inferred = True
    return cmd
