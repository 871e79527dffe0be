"""The console script's entry (`deploycheck`, `python -m deploycheck`): answers `--version` before importing
anything heavy, and hands every other command line to deploycheck.cli.

deploycheck.cli imports the option table, the renderers and (on a cache miss) the whole pipeline; a
`--version` needs none of it, and pays only for reading two small files.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from deploycheck.pins import version_text

        sys.stdout.write(version_text())
        return 0
    from deploycheck import cli

    return cli.main(argv)
