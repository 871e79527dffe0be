"""The console script's entry (`deploycheck`, `python -m deploycheck`): answers `--version` before importing
anything heavy, and hands every other command line to deploycheck.cli.

deploycheck.cli imports the option table, the renderers and (on a cache miss) the whole pipeline; a
`--version` needs none of it, and pays only for reading two small files.
"""

from __future__ import annotations

import sys
from typing import NoReturn


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from deploycheck.pins import version_text

        sys.stdout.write(version_text())
        return 0
    from deploycheck import cli

    return cli.main(argv)


def run() -> NoReturn:
    """The process's whole life: main, then an exit that skips the interpreter's teardown (freeing every module
    and object one by one: 40-60 ms of a run that takes half a second). Everything a normal exit does that
    matters happens first: non-daemon threads finish, the atexit handlers run (the sandbox's cleanup among
    them), the output is flushed."""
    import atexit
    import os
    import threading

    try:
        code = main()
    except SystemExit as stop:  # argparse's usage errors, --help
        code = _code(stop.code)
    # What the interpreter's exit does first: threading's exit hooks (an open thread pool's idle workers are told
    # to stop), then every non-daemon thread joined. Joining alone would wait forever on such a pool.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()  # run once: they are unregistered as they run
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except (OSError, ValueError):
        # Output that could not be written (a full disk, a closed pipe): the interpreter's own exit says so
        # and exits 120, as it always did; a quick 0 would call a report nobody got "ready".
        sys.exit(code)
    os._exit(code)


def _code(value: object) -> int:
    """SystemExit's code as the interpreter turns it into an exit status."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1
