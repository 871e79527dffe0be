"""The options of pip-compile and `uv pip compile` as deploycheck reads a header's command: which take a value,
which are passed on to a recompile, which are dropped, and which name files the resolver would open.

Allowlists throughout: an option deploycheck does not know could read or write anywhere, so it is dropped
(with a note), never passed on.
"""

from __future__ import annotations

import shlex

from deploycheck.locks import indexes
from deploycheck.locks.requirements import reqoptions

# Options that move work (or reads) outside the temporary copy, or pick what runs: never passed on.
MOVES_WORK = {
    "--cert",
    "--client-cert",
    "--config",
    "--build-dir",
    "--src",
    "--directory",
    "--project",
    "--target",
    "--prefix",
    "--root",
}
# Every spelling of the index options that take a value -> its canonical name (deploycheck.locks.indexes):
# pip's (as its requirements-file table spells them) and uv's own.
INDEX_OPTIONS = {
    **{
        spelling: name
        for name, (spellings, _) in reqoptions.SUPPORTED.items()
        if name in indexes.INDEX_LIKE and name != indexes.NO_INDEX
        for spelling in (name, *spellings)
    },
    indexes.UV_INDEX: indexes.UV_INDEX,
    indexes.UV_DEFAULT_INDEX: indexes.UV_DEFAULT_INDEX,
}
# pip's own spellings of them (its command line reads them as its requirements files do), for --pip-args.
PIP_INDEX_VALUES = {spelling for spelling, name in INDEX_OPTIONS.items() if name in indexes.INDEX_LIKE}
# Options that take a value, for pip-compile and `uv pip compile` alike.
VALUE_OPTIONS = {
    "-o",
    "--output-file",
    *INDEX_OPTIONS,
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
    "--link-mode",
    "--torch-backend",
    "--emit-package",
    "--build-constraints",
    "--constraints",
    "-b",
    *MOVES_WORK,
}
# Never part of a reproduction: they pick the output, the interpreter, or resolve afresh (-U, -P), or
# only change what is printed to the terminal.
DROPPED = {
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
    *MOVES_WORK,
}
# Flags (no value) passed on to a recompile: they change what is written, never where work happens.
FLAGS = {
    "--generate-hashes",
    "--allow-unsafe",
    "--no-allow-unsafe",
    "--strip-extras",
    "--no-strip-extras",
    "--annotate",
    "--no-annotate",
    "--header",
    "--no-header",
    "--emit-index-url",
    "--no-emit-index-url",
    "--emit-trusted-host",
    "--no-emit-trusted-host",
    "--emit-find-links",
    "--no-emit-find-links",
    "--emit-options",
    "--no-emit-options",
    "--emit-build-options",
    "--emit-index-annotation",
    "--reuse-hashes",
    "--no-reuse-hashes",
    "--build-isolation",
    "--no-build-isolation",
    "--pre",
    "--all-extras",
    "--all-build-deps",
    "--only-build-deps",
    "--universal",
    "--no-deps",
    "--no-build",
    "--no-sources",
    "--strict",
}
# Short options that take a value, which may be attached (`-crequirements/constraints.txt`).
SHORT_VALUED = {"-c", "-o", "-i", "-f", "-P", "-p", "-b"}
# Options whose value is a file or folder the resolver reads: checked against the repository boundary.
PATH_OPTIONS = {
    "-c",
    "--constraint",
    "--constraints",
    "--overrides",
    "--override",
    "--build-constraint",
    "--build-constraints",
    "-b",
}
# --pip-args pass through to pip. Only these are kept (an allowlist: pip has many options that write
# elsewhere, --src, --target, --prefix, --root, --cache-dir, --log, --user, -e PATH ...).
PIP_FLAGS = {
    "--pre",
    "--prefer-binary",
    "--no-build-isolation",
    "--use-pep517",
    "--no-use-pep517",
    "--no-deps",
    "-v",
    "--verbose",
    "-q",
    "--quiet",
    indexes.NO_INDEX,
    "--disable-pip-version-check",
    "--no-color",
    "--require-hashes",
}
PIP_VALUES = {
    "--only-binary",
    "--no-binary",
    "--use-feature",
    "--use-deprecated",
    "--timeout",
    "--retries",
    "--progress-bar",
    *PIP_INDEX_VALUES,
    "--config-settings",
    "-C",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
}
# With only-binary on, these in --pip-args could bring back package build code (another index serving
# sdists, or --no-binary): refused, not dropped, so that the user sees why.
PIP_UNDER_ONLY_BINARY = {
    *(
        s
        for s, name in INDEX_OPTIONS.items()
        if name in (indexes.INDEX_URL, indexes.EXTRA_INDEX_URL, indexes.FIND_LINKS)
    ),
    indexes.NO_INDEX,
    "--no-binary",
}


def filter_pip_args(value: str, *, only_binary: bool) -> tuple[list[str], list[str], list[str]]:
    """(kept words, dropped words, refusals) of a --pip-args value."""
    try:
        words = shlex.split(value)
    except ValueError:
        return [], [value], []
    kept: list[str] = []
    dropped: list[str] = []
    refused: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        name, eq, _ = word.partition("=")
        takes = name in PIP_VALUES and not eq
        group = words[i : i + 2] if takes else [word]
        if only_binary and name in PIP_UNDER_ONLY_BINARY:
            refused.append(shlex.join(group))
        elif name in PIP_FLAGS or name in PIP_VALUES:
            kept += group
        else:
            # An unknown option's value is the next word when that is not an option itself.
            if not eq and name.startswith("-") and i + 1 < len(words) and not words[i + 1].startswith("-"):
                group = words[i : i + 2]
            dropped.append(shlex.join(group))
        i += len(group)
    return kept, dropped, refused
