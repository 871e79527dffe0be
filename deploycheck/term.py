"""The terminal: colour, the progress spinner on stderr, and `-v` timings.

A few lines of ANSI rather than a library from the registry: rich 15 (console, live, spinner) costs 34 ms of
imports at best (`python -X importtime`, fastest of 7; the budget for start-up is 20 ms), colorama exists for
Windows consoles of before 2016. This module costs 0.8 ms: it imports nothing the command line did not already."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from deploycheck.report.inert import visible

_CODES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36", "dim": "2"}
FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # uv's and pip's braille spinner
INTERVAL = 0.1  # seconds between two frames


def wants_color(choice: str, stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """--color always|never decide; auto: never with NO_COLOR (https://no-color.org), always with FORCE_COLOR
    (any value but 0), else on a terminal that is not TERM=dumb."""
    if choice != "auto":
        return choice == "always"
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return _is_tty(stream) and env.get("TERM") != "dumb"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def painter(on: bool) -> Callable[..., str]:
    """paint(text, *styles): the text in those styles when colour is on, else the text as is."""

    def paint(text: str, *styles: str) -> str:
        if not on or not styles or not text:
            return text
        return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"

    return paint


def plain(text: str, *styles: str) -> str:
    return text


class Progress:
    """A progress.Listener: the newest running step on one stderr line, redrawn by a thread every INTERVAL
    and erased when nothing runs (spin), and one line per finished step with its time (verbose)."""

    def __init__(self, stream: TextIO, *, spin: bool, verbose: bool) -> None:
        self.stream, self.spin, self.verbose = stream, spin, verbose
        self._lock = threading.Lock()
        self._running: dict[int, tuple[str, float]] = {}
        self._next = 0
        self._frame = 0
        self._drawn = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._replaced: TextIO | None = None
        if spin:
            # Whatever else deploycheck writes to stderr meanwhile (a warning, Ctrl-C's message) starts on a
            # clean line: sys.stderr erases the spinner before each write.
            self._replaced, sys.stderr = sys.stderr, _Erasing(self)
            self._thread = threading.Thread(target=self._spin, name="deploycheck-progress", daemon=True)
            self._thread.start()

    def started(self, label: str) -> object:
        with self._lock:
            self._next += 1
            self._running[self._next] = (label, time.monotonic())
            return self._next

    def ended(self, token: object, label: str, seconds: float) -> None:
        with self._lock:
            self._running.pop(token if isinstance(token, int) else -1, None)
            if self.verbose:
                self._erase()
                self.stream.write(visible(f"deploycheck: {label}: {seconds:.2f} s") + "\n")
                self.stream.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._erase()
        if self._replaced is not None:
            sys.stderr, self._replaced = self._replaced, None

    def write_clean(self, text: str) -> int:
        with self._lock:
            self._erase()
            written = self.stream.write(text)
            self.stream.flush()
            return written

    def _erase(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    def _spin(self) -> None:
        while not self._stop.wait(INTERVAL):
            self.draw()

    def draw(self) -> None:
        """One frame: the newest running step, how many others run, its seconds so far; erased when none runs."""
        with self._lock:
            if not self._running:
                self._erase()
                return
            label, since = self._running[max(self._running)]
            others = f" (+{len(self._running) - 1} more)" if len(self._running) > 1 else ""
            self._frame = (self._frame + 1) % len(FRAMES)
            line = visible(f"{FRAMES[self._frame]} {label}{others} {time.monotonic() - since:.0f}s")
            self.stream.write("\r\x1b[K" + line[: _width(self.stream) - 1])
            self.stream.flush()
            self._drawn = True


class _Erasing:
    """sys.stderr while the spinner runs: each write first erases the spinner's line."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def write(self, text: str) -> int:
        return self._progress.write_clean(text)

    def flush(self) -> None:
        self._progress.stream.flush()

    def __getattr__(self, name: str) -> object:  # isatty, fileno, encoding...: the real stream's
        return getattr(self._progress.stream, name)


def _width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 80


def stderr_progress(*, spin_allowed: bool, verbose: bool) -> Progress | None:
    """The run's listener: the spinner only where stderr is a terminal, timings with -v; None for neither."""
    spin = spin_allowed and _is_tty(sys.stderr) and os.environ.get("TERM") != "dumb"
    return Progress(sys.stderr, spin=spin, verbose=verbose) if spin or verbose else None
