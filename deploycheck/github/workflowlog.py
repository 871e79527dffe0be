"""What the action prints, as the runner reads it: repository text never becomes a workflow command.

The runner reads every line a step writes, on stdout and stderr alike, for workflow commands: `::name …::`
at the start of a line (after spaces) and the legacy `##[name …]` anywhere in a line (actions/runner,
ActionCommand.TryParseV2 and TryParse). A folder named `app\\n::add-mask::…` or a lock line holding
`##[warning]…` would be one. So in action mode everything deploycheck writes goes inside a
`::stop-commands::TOKEN` region, in which the runner acts on no command but `::TOKEN::` (or `##[TOKEN]`),
which ends it. TOKEN is random for each region (`secrets`), written nowhere else, and never derived from
anything the pull request holds. deploycheck's own commands (annotations, its warnings), escaped by
runner_files.command, are written between regions.

The stop state is one per step, shared by stdout and stderr, but the runner reads the two pipes apart and
their lines interleave in no set order: a region opened on one could close while the other is still
writing. So stderr is stdout here: one stream object, one order.
"""

from __future__ import annotations

import secrets
import sys
import threading
from typing import IO, Any

from deploycheck.credentials import redact


class CommandLog:
    """sys.stdout and sys.stderr in action mode: text, redacted, inside a stopped region; commands outside."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.RLock()  # the background checks' thread writes too
        self._token: str | None = None  # the open region's, while one is open
        self._line_open = False  # the last text written did not end its line

    def write(self, text: str) -> int:
        if text:
            with self._lock:
                if self._token is None:
                    self._token = secrets.token_hex(16)  # hex: never empty, never a command's name
                    self._stream.write(f"::stop-commands::{self._token}\n")
                out = redact(text)
                self._stream.write(out)
                self._line_open = not out.endswith(("\n", "\r"))
        return len(text)

    def command(self, line: str) -> None:
        """One of deploycheck's own workflow commands, already escaped (runner_files.command)."""
        with self._lock:
            self._resume()
            self._stream.write(redact(line).replace("\r", "%0D").replace("\n", "%0A") + "\n")
            self._stream.flush()

    def close(self) -> None:
        """The runner acts on commands again (for what follows in this step)."""
        with self._lock:
            self._resume()
            self._stream.flush()

    def _resume(self) -> None:
        if self._token is not None:
            self._stream.write(("\n" if self._line_open else "") + f"::{self._token}::\n")
            self._token, self._line_open = None, False

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install() -> CommandLog:
    """Make sys.stdout and sys.stderr one CommandLog over stdout; the same one when called again."""
    if isinstance(sys.stdout, CommandLog):
        sys.stderr = sys.stdout
        return sys.stdout
    sys.stdout.flush()
    sys.stderr.flush()
    log = CommandLog(sys.stdout)
    sys.stdout = sys.stderr = log
    return log
