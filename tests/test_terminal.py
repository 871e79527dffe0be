"""The command line on a terminal (#18 items 3-5): -q and -v, the progress spinner on stderr (a real
pseudo-terminal, never a mock), and colour with --color, NO_COLOR and FORCE_COLOR."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT

from deploycheck import term

ESC = "\x1b["


def _exe() -> list[str]:
    exe = shutil.which("deploycheck", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, str(ROOT / "entrypoint.py")]


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    return {**env, **more}


def run(*args: str, tty: str = "", **env: str) -> tuple[int, str, str]:
    """deploycheck with stdout and/or stderr on a pseudo-terminal (tty names which: "out", "err", "both")."""
    master, slave = pty.openpty()
    captured: list[bytes] = []

    def drain() -> None:  # until the last holder of the slave end closes it (EIO on Linux)
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            captured.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    out = slave if tty in ("out", "both") else subprocess.PIPE
    err = slave if tty in ("err", "both") else subprocess.PIPE
    try:
        proc = subprocess.Popen([*_exe(), *args], stdout=out, stderr=err, env=_env(**env), text=True)
    finally:
        os.close(slave)
    stdout, stderr = proc.communicate(timeout=600)
    reader.join(timeout=600)
    os.close(master)
    on_tty = b"".join(captured).decode("utf-8", "replace")
    return proc.returncode, stdout if out != slave else on_tty, stderr if err != slave else on_tty


def test_progress_on_a_terminal_names_the_lock_the_tool_and_the_python_and_is_erased(app):
    folder = app("3.11")
    code, stdout, stderr = run(str(folder), "--resolver", "pip-tools", tty="err")
    assert code == 0 and "ready to deploy" in stdout
    assert any(frame in stderr for frame in term.FRAMES)
    assert "requirements.txt: pip-compile, Python 3.11" in stderr
    assert stderr.endswith("\r\x1b[K")  # the last frame is erased: nothing is left on the line


def test_no_progress_when_stderr_is_no_terminal_or_for_json(app):
    folder = app("3.11")
    code, _, stderr = run(str(folder), "--resolver", "pip-tools")
    assert code == 0 and ESC not in stderr and not any(frame in stderr for frame in term.FRAMES)
    code, stdout, stderr = run(str(folder), "--resolver", "pip-tools", "--format", "json", tty="err")
    assert code == 0 and stdout.startswith("{")
    assert ESC not in stderr and not any(frame in stderr for frame in term.FRAMES)
    code, _, stderr = run(str(folder), "--resolver", "pip-tools", "-q", tty="err")
    assert not any(frame in stderr for frame in term.FRAMES)


def test_verbose_says_what_ran_and_how_long(app):
    folder = app("3.11")
    code, stdout, stderr = run(str(folder), "-v")
    assert code == 0 and "ready to deploy" in stdout
    lines = stderr.splitlines()
    assert any(
        line.startswith("deploycheck: requirements.txt: uv pip compile (fast pass), Python 3.11") for line in lines
    )
    assert any(line.startswith("deploycheck: lock-drift check") for line in lines)
    assert lines[-1].startswith("deploycheck: the whole run: ") and lines[-1].endswith(" s")


def test_quiet_prints_the_verdict_and_errors_only(app):
    folder = app("3.11")
    code, stdout, stderr = run(str(folder), "-q")
    assert (code, stdout, stderr) == (0, "deploycheck: ready to deploy\n", "")


def test_quiet_prints_error_findings_and_not_the_rest(app):
    # A lock from a newer Python's resolve lacks backport-x, which the deploy's 3.9 needs: drift (an error), and
    # the warning and info findings go unsaid.
    folder = app("3.11", runtime="3.9")
    code, stdout, _ = run(str(folder), "-q")
    lines = stdout.splitlines()
    assert code == 1 and lines[0] == "deploycheck: NOT ready to deploy"
    assert lines[1:] and all(" error DC" in line for line in lines[1:]), stdout


def test_colour_follows_the_terminal_no_color_force_color_and_the_option(app):
    folder = app("3.11")
    _, stdout, _ = run(str(folder), tty="out")
    assert f"{ESC}1;32mdeploycheck: ready to deploy{ESC}0m" in stdout
    assert ESC not in run(str(folder), tty="out", NO_COLOR="1")[1]
    assert ESC not in run(str(folder))[1]
    assert ESC in run(str(folder), FORCE_COLOR="1")[1]
    assert ESC in run(str(folder), "--color", "always")[1]
    assert ESC not in run(str(folder), "--color", "never", FORCE_COLOR="1", tty="out")[1]


@pytest.mark.parametrize(
    ("choice", "env", "tty", "wanted"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # no-color.org: set and not empty
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, False, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ("auto", {"TERM": "dumb"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_wants_color(choice, env, tty, wanted):
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert term.wants_color(choice, Stream(), env) is wanted


def test_colour_never_comes_from_repository_text():
    """Severity words in a path or message stay uncoloured: colour goes by the part of the line."""
    from deploycheck.report import render
    from deploycheck.report.model import Finding, Report

    report = Report(".", {"python": "3.12", "source": "error", "line": 1})
    report.findings.append(Finding("DC301", "warning", "error/requirements.txt", 2, "error in \x1b[31m", ""))
    text = render.to_text(report, paint=term.painter(True))
    line = next(x for x in text.splitlines() if "DC301" in x)
    assert line.count(ESC) == 2 and f"{ESC}33mwarning{ESC}0m" in line  # the one painted word and its reset


def test_other_stderr_lines_start_clean_while_the_spinner_shows():
    stream = io.StringIO()
    progress = term.Progress(stream, spin=False, verbose=False)
    token = progress.started("requirements.txt: pip-compile, Python 3.12.1")
    progress.draw()
    assert stream.getvalue().startswith("\r\x1b[K⠙ requirements.txt: pip-compile, Python 3.12.1 0s")
    progress.write_clean("deploycheck: a warning\n")
    assert stream.getvalue().endswith("0s\r\x1b[Kdeploycheck: a warning\n")
    progress.ended(token, "requirements.txt", 0.0)
    progress.draw()  # nothing runs: the line stays clean
    assert stream.getvalue().endswith("a warning\n")
