"""deploycheck: will this Python app deploy the way it ran for you?

The action's entry (the Docker image's ENTRYPOINT runs `deploycheck --action`) and the local CLI
(`python entrypoint.py PATH`). Everything else lives in the deploycheck package: deploycheck.cli parses
the command line, deploycheck.pipeline runs settings -> scan -> checks -> report.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploycheck.cli import main  # noqa: F401  (the tests run it in-process)
from deploycheck.console import run

if __name__ == "__main__":
    run()
