"""A fake GitHub REST server on 127.0.0.1 that keeps state, for PyGithub pointed at it with base_url.

Responses are GitHub's own example responses from the official REST description
(tests/data/github/github-api/openapi-subset.json, a copy with its licence) with the stateful fields filled
in; URLs are absolute on the server's own host and port, and lists paginate with Link headers as GitHub's do.
It can be told to fail: read-only tokens (403 on writes), and injected 403/404/422/500/rate limits.
"""

from __future__ import annotations

import copy
import http.server
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

SPEC = Path(__file__).resolve().parent / "data" / "github" / "github-api" / "openapi-subset.json"


def _examples() -> dict[str, Any]:
    spec = json.loads(SPEC.read_text())
    return {name: ex["value"] for name, ex in spec["components"]["examples"].items()}


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    message: str
    raw: bytes | None = None  # a body that is not JSON (a proxy's login page)


@dataclass
class State:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> {login, type, read_only, app}
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)  # number -> {head_sha, state}
    comments: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, authorization)
    bodies: list[str] = field(default_factory=list)  # every request body received
    failures: list[Failure] = field(default_factory=list)
    next_id: int = 1000


class FakeGitHub:
    def __init__(self, repository: str = "Codertocat/Hello-World", prefix: str = "") -> None:
        self.repository = repository
        self.prefix = prefix  # "/api/v3" for GitHub Enterprise Server
        self.state = State()
        self.examples = _examples()
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, headers, payload = server.handle(self.command, self.path, dict(self.headers), body)
                if isinstance(payload, bytes):
                    data = payload
                else:
                    data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- test-facing API -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def add_user(self, token: str, login: str, *, kind: str = "Bot", read_only: bool = False, app: bool = True) -> None:
        self.state.users[token] = {"login": login, "type": kind, "read_only": read_only, "app": app}

    def add_pull(self, number: int, head_sha: str, state: str = "open") -> None:
        self.state.pulls[number] = {"head_sha": head_sha, "state": state}

    def add_comment(self, issue: int, body: str, login: str) -> dict[str, Any]:
        with self.lock:
            return self._new_comment(issue, body, {"login": login, "type": "User"})

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        message: str = "",
        raw: bytes | None = None,
    ) -> None:
        self.state.failures.append(Failure(method, re.compile(path), status, times, headers or {}, message, raw))

    def comments_on(self, issue: int) -> list[dict[str, Any]]:
        return [c for c in self.state.comments if c["_issue"] == issue]

    def __enter__(self) -> FakeGitHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- GitHub's behaviour -----------------------------------------------------------------------
    def _now(self) -> str:
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _user_json(self, login: str, kind: str) -> dict[str, Any]:
        user = copy.deepcopy(self.examples["private-user-response-with-public-profile-information"])
        user.update(
            {
                "login": login,
                "type": kind,
                "url": f"{self.url}/users/{login}",
                "html_url": f"https://github.com/{login}",
            }
        )
        return user

    def _new_comment(self, issue: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
        self.state.next_id += 1
        cid = self.state.next_id
        comment = copy.deepcopy(self.examples["issue-comment"])
        comment.update(
            {
                "id": cid,
                "node_id": f"IC_{cid}",
                "body": body,
                "url": f"{self.url}/repos/{self.repository}/issues/comments/{cid}",
                "html_url": f"https://github.com/{self.repository}/pull/{issue}#issuecomment-{cid}",
                "issue_url": f"{self.url}/repos/{self.repository}/issues/{issue}",
                "user": self._user_json(user["login"], user["type"]),
                "created_at": self._now(),
                "updated_at": self._now(),
                "_issue": issue,
            }
        )
        self.state.comments.append(comment)
        return comment

    @staticmethod
    def _public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None):
        docs = "https://docs.github.com/rest"
        return status, headers or {}, {"message": message, "documentation_url": docs}

    def _page(self, items: list[dict[str, Any]], path: str, query: dict[str, list[str]]):
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = f"{self.url}{path}"
        if page < last:
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
            links.append(f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, [self._public(c) for c in chunk]

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: str):
        parsed = urlparse(raw_path)
        path, query = parsed.path, parse_qs(parsed.query)
        auth = headers.get("Authorization", "")
        with self.lock:
            self.state.requests.append((method, path, auth))
            self.state.bodies.append(body)
            if self.prefix:
                if not path.startswith(self.prefix):
                    return self._error(404, "Not Found")
                path = path[len(self.prefix) :]
            for failure in self.state.failures:
                if failure.times and failure.method == method and failure.path.search(path):
                    failure.times -= 1
                    if failure.raw is not None:
                        return failure.status, failure.headers, failure.raw
                    return self._error(failure.status, failure.message or f"injected {failure.status}", failure.headers)
            token = auth.split(" ", 1)[1] if " " in auth else ""
            user = self.state.users.get(token)
            if user is None:
                return self._error(401, "Bad credentials")
            if method in ("POST", "PATCH", "DELETE") and user["read_only"]:
                return self._error(403, "Resource not accessible by integration")
            return self._route(method, path, query, user, json.loads(body) if body else {})

    def _route(self, method: str, path: str, query: dict[str, list[str]], user: dict[str, Any], data: dict[str, Any]):
        repo = f"/repos/{self.repository}"
        if path == "/user" and method == "GET":
            if user["app"]:  # installation tokens (GITHUB_TOKEN) cannot read /user
                return self._error(403, "Resource not accessible by integration")
            return 200, {}, self._user_json(user["login"], user["type"])
        if path == "/rate_limit":
            return 200, {}, self.examples["rate-limit-overview"]
        if path == repo and method == "GET":
            out = copy.deepcopy(self.examples["full-repository-default-response"])
            out.update({"full_name": self.repository, "url": f"{self.url}{repo}"})
            return 200, {}, out
        if m := re.fullmatch(rf"{repo}/pulls/(\d+)", path):
            pull = self.state.pulls.get(int(m.group(1)))
            if pull is None:
                return self._error(404, "Not Found")
            return 200, {}, self._pull_json(int(m.group(1)), pull, "pull-request")
        if m := re.fullmatch(rf"{repo}/commits/(\w+)/pulls", path):
            found = [
                self._pull_json(n, p, "pull-request-simple-items")
                for n, p in self.state.pulls.items()
                if p["head_sha"] == m.group(1)
            ]
            return 200, {}, found
        if m := re.fullmatch(rf"{repo}/issues/(\d+)/comments", path):
            issue = int(m.group(1))
            if issue not in self.state.pulls:
                return self._error(404, "Not Found")
            if method == "GET":
                return self._page(self.comments_on(issue), path, query)
            if method == "POST":
                if not data.get("body"):
                    return self._error(422, "Validation Failed")
                if len(data["body"]) > 65536:
                    return self._error(422, "Validation Failed: body is too long (maximum is 65536 characters)")
                return 201, {}, self._public(self._new_comment(issue, data["body"], user))
        if m := re.fullmatch(rf"{repo}/issues/comments/(\d+)", path):
            comment = next((c for c in self.state.comments if c["id"] == int(m.group(1))), None)
            if comment is None:
                return self._error(404, "Not Found")
            if method == "GET":
                return 200, {}, self._public(comment)
            if method == "PATCH":
                if comment["user"]["login"] != user["login"]:
                    return self._error(403, "Resource not accessible by integration")
                if len(data.get("body", "")) > 65536:
                    return self._error(422, "Validation Failed: body is too long (maximum is 65536 characters)")
                comment.update({"body": data["body"], "updated_at": self._now()})
                return 200, {}, self._public(comment)
            if method == "DELETE":
                self.state.comments.remove(comment)
                return 204, {}, None
        if (m := re.fullmatch(rf"{repo}/statuses/(\w+)", path)) and method == "POST":
            if data.get("state") not in ("error", "failure", "pending", "success"):
                return self._error(422, "Validation Failed")
            if len(data.get("description") or "") > 140:
                return self._error(422, "Validation Failed: description is too long (maximum is 140 characters)")
            self.state.next_id += 1
            status = copy.deepcopy(self.examples["status"])
            status.update(
                {
                    "id": self.state.next_id,
                    "state": data["state"],
                    "description": data.get("description"),
                    "context": data.get("context", "default"),
                    "target_url": data.get("target_url"),
                    "url": f"{self.url}{repo}/statuses/{m.group(1)}",
                    "_sha": m.group(1),
                    "creator": self._user_json(user["login"], user["type"]),
                    "created_at": self._now(),
                    "updated_at": self._now(),
                }
            )
            self.state.statuses.append(status)
            return 201, {}, self._public(status)
        if m := re.fullmatch(rf"{repo}/commits/(\w+)/status", path):
            mine = [self._public(s) for s in self.state.statuses if s["_sha"] == m.group(1)]
            out = copy.deepcopy(self.examples["combined-commit-status"])
            out.update({"sha": m.group(1), "statuses": mine, "total_count": len(mine)})
            return 200, {}, out
        return self._error(404, "Not Found")

    def _pull_json(self, number: int, pull: dict[str, Any], example: str) -> dict[str, Any]:
        template = self.examples[example]
        out = copy.deepcopy(template[0] if isinstance(template, list) else template)
        out.update(
            {
                "number": number,
                "state": pull["state"],
                "url": f"{self.url}/repos/{self.repository}/pulls/{number}",
                "issue_url": f"{self.url}/repos/{self.repository}/issues/{number}",
                "comments_url": f"{self.url}/repos/{self.repository}/issues/{number}/comments",
            }
        )
        out["head"] = dict(out["head"], sha=pull["head_sha"])
        return out
