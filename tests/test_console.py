"""The console entry (deploycheck.console): `--version` without the pipeline, and `python -m deploycheck`."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from conftest import write

import deploycheck
from deploycheck.resolve import toolchain


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_version_names_deploycheck_and_the_pinned_toolchain():
    done = run("-m", "deploycheck", "--version")
    assert done.returncode == 0, done.stderr
    expected = f"deploycheck {deploycheck.__version__} ({toolchain.pip_tools_version()}, uv {metadata.version('uv')})"
    assert done.stdout == expected + "\n"
    assert done.stderr == ""


def test_version_imports_neither_the_cli_nor_the_pipeline():
    probe = (
        "import sys; from deploycheck.console import main; code = main(['--version']); "
        "print(sorted(m for m in sys.modules if m.startswith('deploycheck.')), code)"
    )
    done = run("-c", probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "['deploycheck.console', 'deploycheck.pins'] 0"


def test_python_dash_m_runs_the_command_line(tmp_path):
    app = write(tmp_path / "app", {"requirements.txt": "math\n", ".python-version": "3.12\n", "main.py": ""})
    done = run("-m", "deploycheck", str(app), "--select", "DC301", "--format", "json")
    assert done.returncode == 1, done.stderr
    assert '"DC301"' in done.stdout
    usage = run("-m", "deploycheck", "--no-such-option")
    assert usage.returncode == 2 and "unrecognized arguments" in usage.stderr
