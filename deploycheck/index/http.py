"""HTTP for the package index: proxies and CA bundles as pip uses them, bounded reads, and one error for
"the index did not answer" that can never be mistaken for "the project is not there".

Only http and https are ever opened (redirects included): index pages are hostile input, and a
`file:` or `ftp:` link followed here would read or reach what the pull request chose.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any, cast

from deploycheck.index.simpleapi import url_allowed

USER_AGENT = "deploycheck (package index client)"


class IndexUnavailable(Exception):
    """The index did not answer usefully (connection, TLS, proxy, 5xx, auth, too large, over budget):
    a "could not check", never evidence that a project or release is missing."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


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
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Resolver:
    """Each host looked up once per run. Concurrent lookups here sometimes stall 5 s (a resolver
    retry), and a run makes hundreds of requests to one or two hosts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hosts: dict[tuple[str, int], threading.Lock] = {}
        self._found: dict[tuple[str, int], list[Any]] = {}

    def connect(self, address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
        with self._lock:
            host_lock = self._hosts.setdefault(address, threading.Lock())
        with host_lock:
            if address not in self._found:
                self._found[address] = socket.getaddrinfo(*address, type=socket.SOCK_STREAM)
        error: OSError = OSError(f"no address for {address[0]}")
        for family, kind, proto, _, sockaddr in self._found[address]:
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as e:
                sock.close()
                error = e
        raise error


def _handlers(context: ssl.SSLContext, resolver: _Resolver) -> list[urllib.request.BaseHandler]:
    class HTTP(http.client.HTTPConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = resolver.connect

    class HTTPS(http.client.HTTPSConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = resolver.connect

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(HTTP, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(HTTPS, req, context=context)

    return [HTTPHandler(), HTTPSHandler(context=context)]


def _opener(context: ssl.SSLContext, resolver: _Resolver) -> urllib.request.OpenerDirector:
    # Built by hand so that no file:, ftp: or data: handler exists at all; ProxyHandler() reads
    # HTTPS_PROXY/HTTP_PROXY and honours NO_PROXY, as pip does.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        *_handlers(context, resolver),
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
    """Thread-safe GETs with a per-request timeout, a cap on body size and on the number of requests."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        max_requests: int = 5000,
        retries: int = 1,
        trusted_hosts: tuple[str, ...] = (),
    ) -> None:
        self.timeout = timeout
        self.max_requests = max_requests
        self.retries = retries
        self.trusted_hosts = {h.split(":")[0].lower() for h in trusted_hosts}
        self._openers: dict[bool, urllib.request.OpenerDirector] = {}
        self._resolver = _Resolver()
        self._lock = threading.Lock()
        self.requests = 0
        self.bytes_received = 0

    def _count(self, url: str) -> None:
        with self._lock:
            if self.requests >= self.max_requests:
                raise IndexUnavailable(url, f"more than {self.max_requests} requests in one run; stopped")
            self.requests += 1

    def _opener(self, *, verify: bool) -> urllib.request.OpenerDirector:
        # Made on first use: loading the CA bundle takes 0.1 s, which a warm run (no requests) never needs.
        with self._lock:
            if verify not in self._openers:
                context = ssl.create_default_context(cafile=ca_bundle())
                if not verify:  # --trusted-host, as pip: no certificate check for that host
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                self._openers[verify] = _opener(context, self._resolver)
            return self._openers[verify]

    def open(self, url: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """One request, no retry; the caller reads (bounded) and closes. Raises NotFound or IndexUnavailable."""
        if not url_allowed(url):
            raise IndexUnavailable(url[:200], "not an http(s) URL")
        self._count(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        opener = self._opener(verify=host not in self.trusted_hosts)
        try:
            # Only the http(s) handlers exist, and they answer with an HTTPResponse.
            return cast(http.client.HTTPResponse, opener.open(request, timeout=self.timeout))
        except urllib.error.HTTPError as e:
            e.close()
            if e.code in (404, 410):
                raise NotFound(url) from None
            raise IndexUnavailable(url, f"HTTP {e.code} {e.reason}") from None
        except urllib.error.URLError as e:
            raise IndexUnavailable(url, _reason(e.reason)) from None
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise IndexUnavailable(url, _reason(e)) from None

    def read(self, response: http.client.HTTPResponse, url: str, limit: int) -> bytes:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise IndexUnavailable(url, f"response of {int(length)} bytes is over the {limit}-byte limit")
        try:
            # read(n) allocates n bytes up front: read by the announced length, or in chunks.
            if length and length.isdigit():
                body = response.read()
            else:
                chunks, size = [], 0
                while size <= limit:
                    chunk = response.read(1 << 20)
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
            raise IndexUnavailable(url, f"response is over the {limit}-byte limit")
        return body

    def get(self, url: str, *, headers: dict[str, str] | None = None, limit: int = 20_000_000) -> Response:
        """GET with bounded retries on failures that may pass (connection, 5xx); never on 404 or 4xx."""
        for attempt in range(self.retries + 1):
            try:
                with self.open(url, headers) as response:
                    body = self.read(response, url, limit)
                    return Response(response.geturl(), response.status, response.headers, body)
            except IndexUnavailable as e:
                if attempt == self.retries or not _transient(e.reason):
                    raise
                time.sleep(0.2 * (attempt + 1))  # a brief pause: a mirror's hiccup, not a rate limit to wait out
        raise AssertionError("unreachable")


def _transient(reason: str) -> bool:
    if reason.startswith("HTTP "):
        return reason[5:6] == "5"
    return not reason.startswith(("response", "more than", "not an", "refused", "certificate"))


def _reason(error: object) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verification failed ({error.verify_message}); set PIP_CERT or SSL_CERT_FILE"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    text = str(error) or type(error).__name__
    return text[:300]
