"""deploycheck/locks/change.py: the diff unit lives where the report reaches it without the requirements parser."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

PARSER = (
    "deploycheck.locks.requirements.reqfile",
    "deploycheck.locks.requirements.reqlines",
    "deploycheck.locks.requirements.reqoptions",
)


def test_the_report_loads_no_requirements_parser():
    """Every check imports the report (rules, model); loading it must not load the parser of one lock format."""
    code = (
        "import sys\n"
        "import deploycheck.report.model, deploycheck.report.rules\n"
        "import deploycheck.report.render, deploycheck.report.fixes\n"
        "from deploycheck.locks.diff import Change\n"
        f"print([m for m in {PARSER!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_change_is_one_class_wherever_it_is_imported_from():
    from deploycheck.locks import change, diff
    from deploycheck.report import model

    assert diff.Change is change.Change is model.Change
