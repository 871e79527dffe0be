"""Ctrl-C and SIGTERM (`docker stop`, a cancelled job): stop the resolver, clean up, one line, 130 or 143.

The signal becomes an exception, so the temporary copies and HOMEs are removed by the context managers
that made them as it unwinds, and resolver.run kills every process the step started on the way. As PID 1 in a
container a SIGTERM without a handler would be ignored altogether.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """A BaseException, so that a check's `except Exception` (its own "could not check") lets it through."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _stop(signum: int, frame: FrameType | None) -> None:
    for sig in SIGNALS:  # the cleanup that follows runs once, not interrupted by a second Ctrl-C
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def run(main: Callable[[], int]) -> int:
    if threading.current_thread() is not threading.main_thread():
        return main()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, _stop)
    try:
        return main()
    except Interrupted as stop:
        name = signal.Signals(stop.signum).name
        print(f"deploycheck: stopped by {name}; the resolver was stopped and temporary files removed", file=sys.stderr)
        return stop.exit_code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
