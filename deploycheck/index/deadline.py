"""A total deadline for one HTTP request: name lookup, connect, TLS, headers and body together.

A socket timeout bounds one read, not a request: a server that sends one byte every few seconds never
trips it, and a 100 kB answer then takes days. So before every socket operation of a request the time
left until its deadline is computed and set as the socket's timeout (never more than the per-read
timeout), and once the deadline has passed the request is abandoned with TooSlow.

urllib opens a new connection for every request, so a connection's deadline is its request's.
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class TooSlow(TimeoutError):
    """The request's deadline passed: the server answered too slowly, or not at all, within it."""


@dataclass(frozen=True)
class Deadline:
    at: float  # time.monotonic()
    per_read: float  # the most one socket operation may wait
    total: float  # for messages

    @classmethod
    def start(cls, total: float, per_read: float) -> Deadline:
        return cls(time.monotonic() + total, per_read, total)

    def wait(self) -> float:
        """The timeout of the next socket operation; TooSlow once the deadline has passed."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise self.too_slow()
        return min(self.per_read, left)

    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def too_slow(self) -> TooSlow:
        return TooSlow(f"no complete answer within {self.total:g} s")


class _DeadlineReader(io.RawIOBase):
    """The response's socket file (a SocketIO, which keeps the socket open while the response is read),
    with the socket's timeout set from the deadline before every read."""

    def __init__(self, raw: Any, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.wait())
        try:
            return int(self._raw.readinto(buffer))
        except socket.timeout:
            if self._deadline.passed():
                raise self._deadline.too_slow() from None
            raise

    def fileno(self) -> int:
        return int(self._raw.fileno())

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _Response(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        # Headers (and a proxy's CONNECT answer) are read through fp too, not only the body.
        self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


Connector = Callable[..., socket.socket]


class DeadlineConnection(http.client.HTTPConnection):
    """Mixed into the HTTP and HTTPS connection classes the opener uses; `deadline` comes with the
    request (urllib.request.Request.deadline), `connector` opens the TCP connection."""

    def __init__(self, *args: Any, deadline: Deadline, connector: Connector, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

        def create_connection(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> Any:
            sock = connector(address, deadline, source_address)
            # What follows on this socket before the first armed read (a TLS handshake) gets what is left.
            sock.settimeout(deadline.wait())
            return sock

        self._create_connection = create_connection
        self.response_class = functools.partial(_Response, deadline=deadline)  # type: ignore[assignment]

    def send(self, data: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(self.deadline.wait())
        super().send(data)


class Lookups:
    """Each host looked up once per run, within the asking request's deadline. Concurrent lookups here
    sometimes stall 5 s (a resolver retry), and a run makes hundreds of requests to one or two hosts.
    getaddrinfo has no timeout of its own: it runs in a daemon thread, and a request that cannot wait for
    it gives up (while later requests may still use its answer)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], tuple[threading.Event, list[Any]]] = {}

    def addresses(self, address: tuple[str, int], deadline: Deadline) -> list[Any]:
        with self._lock:
            if address not in self._pending:
                self._pending[address] = (threading.Event(), [])
                args = (address, *self._pending[address])
                threading.Thread(target=self._look_up, args=args, name="dns", daemon=True).start()
            done, found = self._pending[address]
        if not done.wait(deadline.wait()):
            deadline.wait()
            raise socket.timeout(f"no DNS answer for {address[0]}")
        answer = found[0]
        if isinstance(answer, BaseException):
            raise answer
        return list(answer)

    def _look_up(self, address: tuple[str, int], done: threading.Event, found: list[Any]) -> None:
        try:
            found.append(socket.getaddrinfo(*address, type=socket.SOCK_STREAM))
        except OSError as e:
            found.append(e)
            with self._lock:  # a failed lookup is not remembered: the next request asks again
                del self._pending[address]
        done.set()

    def connect(self, address: tuple[str, int], deadline: Deadline, source_address: Any = None) -> socket.socket:
        error: OSError = OSError(f"no address for {address[0]}")
        for family, kind, proto, _, sockaddr in self.addresses(address, deadline):
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(deadline.wait())
                sock.connect(sockaddr)
                return sock
            except OSError as e:
                sock.close()
                error = e
                if deadline.passed():
                    raise deadline.too_slow() from None
        raise error
