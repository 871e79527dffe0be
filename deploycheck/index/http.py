"""HTTP for the package index: proxies and CA bundles as pip uses them, bounded reads, and one error for
"the index did not answer" that can never be mistaken for "the project is not there".

Only http and https are ever opened (redirects included): index pages are hostile input, and a
`file:` or `ftp:` link followed here would read or reach what the pull request chose.
"""

from __future__ import annotations

import functools
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Any, cast

from deploycheck.index.deadline import Deadline, DeadlineConnection, Lookups, TooSlow
from deploycheck.index.simpleapi import url_allowed

USER_AGENT = "deploycheck (package index client)"
DEADLINE = 30.0  # seconds for one request in all; a 5 MB project page takes a few on a slow link


class IndexUnavailable(Exception):
    """The index did not answer usefully (connection, TLS, proxy, 5xx, auth, too large, over budget):
    a "could not check", never evidence that a project or release is missing."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ResponseTooLarge(IndexUnavailable):
    """The answer is over the byte limit for its kind."""


class NotModified(Exception):
    """304: the page is the one whose validators (ETag, Last-Modified) the conditional GET sent."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class NotFound(Exception):
    """404 or 410: the index answered that it has no such page."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def ca_bundle() -> str | None:
    """The CA file pip would use: --cert via PIP_CERT, then the requests variables, then SSL_CERT_FILE.

    None means the system's default trust store, which also honours SSL_CERT_DIR.
    """
    for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(name)
        if value and os.path.isfile(value):
            return value
    return None


class _SafeRedirect(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if not url_allowed(newurl):
            raise urllib.error.URLError(f"refused redirect to {newurl[:200]!r}")
        new: Any = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.deadline = req.deadline  # one deadline for the request and its redirects
        return new

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        # urllib reads a redirect's whole body before following it, however long it is: it is not needed.
        fp.close()
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _handlers(context: Callable[[], ssl.SSLContext], lookups: Lookups) -> list[urllib.request.BaseHandler]:
    class HTTP(DeadlineConnection, http.client.HTTPConnection):
        pass

    class HTTPS(DeadlineConnection, http.client.HTTPSConnection):
        pass

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(functools.partial(HTTP, deadline=req.deadline, connector=lookups.connect), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            https = functools.partial(HTTPS, deadline=req.deadline, connector=lookups.connect)
            return self.do_open(https, req, context=context())

    return [HTTPHandler(), HTTPSHandler()]


def _opener(context: Callable[[], ssl.SSLContext], lookups: Lookups) -> urllib.request.OpenerDirector:
    # Built by hand so that no file:, ftp: or data: handler exists at all; ProxyHandler() reads
    # HTTPS_PROXY/HTTP_PROXY and honours NO_PROXY, as pip does.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        *_handlers(context, lookups),
        _SafeRedirect(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


@dataclass
class Response:
    url: str  # after redirects: relative links resolve against it
    status: int
    headers: Message
    body: bytes


class Fetcher:
    """Thread-safe GETs, each with a total deadline (`deadline` seconds from the lookup of the host to the
    body's last byte, no socket operation waiting more than `timeout`), a cap on body size and on the
    number of requests."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        deadline: float = DEADLINE,
        max_requests: int = 5000,
        retries: int = 1,
        trusted_hosts: tuple[str, ...] = (),
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.max_requests = max_requests
        self.retries = retries
        self.trusted_hosts = {h.split(":")[0].lower() for h in trusted_hosts}
        self._openers: dict[bool, urllib.request.OpenerDirector] = {}
        self._contexts: dict[bool, ssl.SSLContext] = {}
        self._lookups = Lookups()
        self._lock = threading.Lock()
        self.requests = 0
        self.bytes_received = 0

    def _count(self, url: str) -> None:
        with self._lock:
            if self.requests >= self.max_requests:
                raise IndexUnavailable(url, f"more than {self.max_requests} requests in one run; stopped")
            self.requests += 1

    def _opener(self, *, verify: bool) -> urllib.request.OpenerDirector:
        with self._lock:
            if verify not in self._openers:
                self._openers[verify] = _opener(functools.partial(self._context, verify), self._lookups)
            return self._openers[verify]

    def _context(self, verify: bool) -> ssl.SSLContext:
        # Made on the first https request: loading the CA bundle takes 0.1 s, which a warm run (no requests)
        # or an index on plain http (a local mirror, the verdict cache's revalidation of one) never needs.
        with self._lock:
            if verify not in self._contexts:
                context = ssl.create_default_context(cafile=ca_bundle())
                if not verify:  # --trusted-host, as pip: no certificate check for that host
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                self._contexts[verify] = context
            return self._contexts[verify]

    def open(self, url: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """One request, no retry; the caller reads (bounded) and closes. Raises NotFound or IndexUnavailable."""
        if not url_allowed(url):
            raise IndexUnavailable(url[:200], "not an http(s) URL")
        self._count(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
        deadline = Deadline.start(self.deadline, self.timeout)
        request.deadline = deadline  # type: ignore[attr-defined]
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        opener = self._opener(verify=host not in self.trusted_hosts)
        try:
            # Only the http(s) handlers exist, and they answer with an HTTPResponse.
            return cast(http.client.HTTPResponse, opener.open(request, timeout=self.timeout))
        except urllib.error.HTTPError as e:
            e.close()
            if e.code in (404, 410):
                raise NotFound(url) from None
            if e.code == 304:
                raise NotModified(url) from None
            raise IndexUnavailable(url, f"HTTP {e.code} {e.reason}") from None
        except urllib.error.URLError as e:
            raise IndexUnavailable(url, _reason(e.reason, deadline)) from None
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise IndexUnavailable(url, _reason(e, deadline)) from None

    def read(self, response: http.client.HTTPResponse, url: str, limit: int, what: str = "one answer") -> bytes:
        """The body, at most `limit` bytes (`what` names the kind of answer and its limit in the message)."""
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise ResponseTooLarge(url, f"response of {int(length)} bytes is over the {limit}-byte limit for {what}")
        try:
            # read(n) allocates n bytes up front: read by the announced length, or in chunks.
            if length and length.isdigit():
                body = response.read()
            else:
                chunks, size = [], 0
                while size <= limit:
                    chunk = response.read(min(1 << 20, limit + 1 - size))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                body = b"".join(chunks)
        except (OSError, http.client.HTTPException) as e:
            raise IndexUnavailable(url, _reason(e)) from None
        with self._lock:
            self.bytes_received += len(body)
        if len(body) > limit:
            raise ResponseTooLarge(url, f"response is over the {limit}-byte limit for {what}")
        return body

    def get(
        self, url: str, *, headers: dict[str, str] | None = None, limit: int = 20_000_000, what: str = "one answer"
    ) -> Response:
        """GET with bounded retries on failures that may pass (connection, 5xx); never on 404 or 4xx, nor
        on an answer too slow for its deadline (a second one would be as slow)."""
        for attempt in range(self.retries + 1):
            try:
                with self.open(url, headers) as response:
                    body = self.read(response, url, limit, what)
                    return Response(response.geturl(), response.status, response.headers, body)
            except IndexUnavailable as e:
                if attempt == self.retries or not _transient(e.reason):
                    raise
                time.sleep(0.2 * (attempt + 1))  # a brief pause: a mirror's hiccup, not a rate limit to wait out
        raise AssertionError("unreachable")


def _transient(reason: str) -> bool:
    if reason.startswith("HTTP "):
        return reason[5:6] == "5"
    return not reason.startswith(("response", "more than", "not an", "refused", "certificate", "too slow"))


def _reason(error: object, deadline: Deadline | None = None) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verification failed ({error.verify_message}); set PIP_CERT or SSL_CERT_FILE"
    if isinstance(error, TooSlow):
        return f"too slow: {error}"
    if isinstance(error, (socket.timeout, TimeoutError)):
        if deadline is not None and deadline.passed():  # a wait (a TLS handshake) cut short by the deadline
            return f"too slow: {deadline.too_slow()}"
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    text = str(error) or type(error).__name__
    return text[:300]
