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


def test_the_quick_exit_keeps_what_a_normal_exit_does(tmp_path):
    """console.run skips the interpreter's teardown: the exit code, every atexit handler (the sandbox's
    cleanup), non-daemon threads and the buffered output must survive that, also into a pipe."""
    app = write(tmp_path / "app", {"requirements.txt": "math\n", ".python-version": "3.12\n", "main.py": ""})
    marker = tmp_path / "atexit-ran"
    probe = (
        "import atexit, sys, threading, pathlib\n"
        "import deploycheck.console as console\n"
        f"atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text('yes'))\n"
        "ended, real = threading.Event(), console.main\n"
        "console.main = lambda argv=None: (real(argv), ended.set())[0]\n"
        # A thread that can only finish once main has returned: the exit must wait for it.
        "threading.Thread(target=lambda: (ended.wait(), print('thread done'))).start()\n"
        f"sys.argv = ['deploycheck', {str(app)!r}, '--select', 'DC301', '--format', 'json']\n"
        "console.run()\n"
    )
    done = run("-c", probe)
    assert done.returncode == 1, done.stderr
    assert '"DC301"' in done.stdout and done.stdout.rstrip().endswith("thread done")
    assert marker.read_text() == "yes"
    for argv, code in ((["--no-such-option"], 2), (["--version"], 0)):
        probe = f"import sys; sys.argv = ['deploycheck', *{argv!r}]; from deploycheck.console import run; run()"
        assert run("-c", probe).returncode == code


def test_output_that_cannot_be_written_fails_the_exit_as_a_normal_exit_does(tmp_path):
    """The last buffered output is written at the exit: when that fails (a full disk, a closed pipe), the normal
    exit reports it (status 120, "Exception ignored ... OSError"). console.run must not turn that into a clean
    0 or 1: `deploycheck . > report.txt` on a full disk would say "ready" with no report written."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a terminal's or a file's buffering
    for entry in ("from deploycheck.console import run; run()", "from deploycheck.console import main; exit(main())"):
        probe = f"import sys; sys.argv = ['deploycheck', '--version']; {entry}"
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [sys.executable, "-c", probe], stdout=full, stderr=subprocess.PIPE, text=True, env=env
            )
        assert done.returncode == 120 and "No space left on device" in done.stderr, (entry, done)


def test_the_quick_exit_stops_idle_thread_pools_as_a_normal_exit_does():
    """A ThreadPoolExecutor left open has idle non-daemon workers: the normal exit tells them to stop before it
    joins them (threading's exit hooks). Joining them without that waits forever."""
    probe = (
        "import sys, concurrent.futures\n"
        "pool = concurrent.futures.ThreadPoolExecutor(2)\n"
        "pool.submit(print, 'task')\n"
        "sys.argv = ['deploycheck', '--version']\n"
        "from deploycheck.console import run; run()\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError("console.run never exited") from None
    assert done.returncode == 0 and done.stdout.startswith("task\ndeploycheck "), done
