"""The one module that talks to the GitHub API (through PyGithub): the sticky comment and the status.

Nothing here knows pip; nothing elsewhere sees the token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from github import Auth, Github, GithubException, GithubRetry
from github.IssueComment import IssueComment

COMMENT_LIMIT = 65536
STATUS_DESCRIPTION_LIMIT = 140
BOT_LOGIN = "github-actions[bot]"  # the author of GITHUB_TOKEN's comments; GET /user answers 403 for it


class _NoDuplicateRetry(GithubRetry):
    """PyGithub retries POST on 5xx, and a retried create can post a comment twice: POST and PATCH are
    retried only when the server said it did nothing (rate limits: 403/429)."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() in ("POST", "PATCH") and status_code not in (403, 429):
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))


@dataclass
class Published:
    comment: str | None = None  # "created" | "updated" | "skipped" | None
    comment_url: str | None = None
    status: str | None = None  # the state set, or None
    warnings: list[str] | None = None


def describe(exc: BaseException) -> str:
    """What went wrong, in one line: GitHub's answer, or why there was none (connection refused, a timeout,
    an answer that is not JSON). Never a traceback."""
    if isinstance(exc, GithubException):
        return f"GitHub answered {exc.status}"
    words = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {words[:300]}" if words else type(exc).__name__


def _explain(exc: Exception, what: str) -> str:
    if not isinstance(exc, GithubException):
        return f"could not {what}: {describe(exc)}"
    if exc.status == 403:
        return (
            f"could not {what}: the token is read-only here (403), as on pull requests from forks and "
            "Dependabot. Give the job `permissions: pull-requests: write` and `statuses: write`, or use "
            "the two-workflow pattern (pull_request uploads the report, workflow_run publishes it)."
        )
    if exc.status == 404:
        return f"could not {what}: not found (404); check the repository, the pull request and the token's access"
    if exc.status == 422:
        return f"could not {what}: GitHub rejected it (422): {exc.data}"
    return f"could not {what}: GitHub answered {exc.status}"


class GitHubPublisher:
    def __init__(self, token: str, api_url: str, repository: str, *, retry_wait: float = 60.0) -> None:
        retry = _NoDuplicateRetry(total=3, backoff_factor=0.5, secondary_rate_wait=retry_wait)
        self._gh = Github(
            auth=Auth.Token(token),
            base_url=api_url,
            retry=retry,
            timeout=30,
            lazy=True,
            seconds_between_requests=0,
            seconds_between_writes=0.5,
        )
        self._repo = self._gh.get_repo(repository)
        self._author: str | None = None

    def author(self) -> str:
        if self._author is None:
            try:
                self._author = self._gh.get_user().login
            except GithubException:
                self._author = BOT_LOGIN
        return self._author

    def find_pull_request(self, sha: str) -> int | None:
        """For workflow_run events from forks, which carry no PR number."""
        for pr in self._repo.get_commit(sha).get_pulls():
            if pr.state == "open":
                return pr.number
        return None

    def _find_comment(self, number: int, marker: str, author: str) -> IssueComment | None:
        # A marker alone can be forged by anyone who comments: the author must be us too. And it must open the
        # body: our own comment quotes repository text, which may hold another comment's marker.
        for comment in self._repo.get_issue(number).get_comments():  # PyGithub follows every page
            if (comment.body or "").startswith(marker) and comment.user.login == author:
                return comment
        return None

    def upsert_comment(
        self, number: int, marker: str, body_for: Callable[[str | None], str], *, create: bool
    ) -> tuple[str, str | None]:
        """One pass over the comments: the body is made from the previous one (to say "fixed")."""
        existing = self._find_comment(number, marker, self.author())
        if existing is not None:
            existing.edit(body_for(existing.body))
            return "updated", existing.html_url
        if not create:
            return "skipped", None
        comment = self._repo.get_issue(number).create_comment(body_for(None))
        return "created", comment.html_url

    def set_status(self, sha: str, state: str, description: str, context: str, target_url: str | None) -> None:
        if len(description) > STATUS_DESCRIPTION_LIMIT:
            description = description[: STATUS_DESCRIPTION_LIMIT - 1] + "…"
        kwargs = {"target_url": target_url} if target_url else {}
        self._repo.get_commit(sha).create_status(state=state, description=description, context=context, **kwargs)


def publish(
    publisher: GitHubPublisher,
    *,
    pr: int | None,
    sha: str | None,
    marker: str,
    body_for: Callable[[str | None], str],
    comment_mode: str,
    drift_or_error: bool,
    status_context: str,
    state: str,
    description: str,
    target_url: str | None,
) -> Published:
    result = Published(warnings=[])
    assert result.warnings is not None
    if pr is not None and comment_mode != "never":
        try:
            result.comment, result.comment_url = publisher.upsert_comment(
                pr, marker, body_for, create=comment_mode == "always" or drift_or_error
            )
        except Exception as exc:  # GitHub's refusal, or no answer at all (requests, urllib3): a warning
            result.warnings.append(_explain(exc, "comment on the pull request"))
    if sha and status_context:
        try:
            publisher.set_status(sha, state, description, status_context, target_url)
            result.status = state
        except Exception as exc:
            result.warnings.append(_explain(exc, f"set the {status_context!r} status"))
    return result
