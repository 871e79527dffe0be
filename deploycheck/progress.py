"""What is running now, for whoever shows it: the command line's spinner and `-v` timings (deploycheck.term).

Layers below the command line (the resolver drivers, the pipeline's checks) say `with progress.step(label):`
around work that takes long enough to be worth naming; by default nothing listens and a step costs a clock
read. The listener is set once per run by the front end; the action never sets one, so its log stays as is.
Steps may run in several threads at once (checks run in a background thread beside the resolvers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Listener(Protocol):
    def started(self, label: str) -> object: ...

    def ended(self, token: object, label: str, seconds: float) -> None: ...


class _Nobody:
    def started(self, label: str) -> object:
        return None

    def ended(self, token: object, label: str, seconds: float) -> None:
        return None


_listener: Listener = _Nobody()


def listen(listener: Listener | None) -> None:
    """Set (or, with None, remove) the one listener of this process."""
    global _listener
    _listener = listener if listener is not None else _Nobody()


@contextmanager
def step(label: str) -> Iterator[None]:
    start = time.monotonic()
    token = _listener.started(label)
    try:
        yield
    finally:
        _listener.ended(token, label, time.monotonic() - start)
