"""Every relative link and anchor in README.md and docs/*.md resolves, as GitHub renders them: a newcomer who
clicks through the README never lands on a 404 or on the top of a page instead of the section it names.

The Markdown is rendered by cmark-gfm (GitHub's own renderer), so only real links count: a path inside a code
span or a fenced block is not a link, a reference-style link is. Anchors are the heading slugs GitHub makes
(lowercase, punctuation dropped, spaces to hyphens, -1, -2 for repeats) and explicit `<a id>` tags.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from conftest import ROOT

# Pages the README already links that another change is writing. A link to one of these passes only while the
# file is absent; once it exists its links and anchors are checked like any other. Remove each entry when its
# page lands.
PENDING: frozenset[str] = frozenset()  # pages linked before they exist (none today)

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
HEADING = re.compile(r"h[1-6]")


class _Page(HTMLParser):
    """The links (href, src) and anchors (heading slugs, id/name attributes) of one rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.anchors: set[str] = set()
        self._heading: list[str] | None = None
        self._slugs: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and name in ("href", "src"):
                self.links.append(value)
            if value is not None and name in ("id", "name"):
                self.anchors.add(value)
        if HEADING.fullmatch(tag):
            self._heading = []

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)

    def handle_endtag(self, tag: str) -> None:
        if HEADING.fullmatch(tag) and self._heading is not None:
            slug = github_slug("".join(self._heading))
            seen = self._slugs.get(slug, 0)
            self._slugs[slug] = seen + 1
            self.anchors.add(slug if seen == 0 else f"{slug}-{seen}")
            self._heading = None


def github_slug(text: str) -> str:
    """The id GitHub gives a heading: its text lowercased, anything but letters, digits, '-', '_' and spaces
    dropped, each space a hyphen."""
    kept = "".join(c for c in text.strip().lower() if c.isalnum() or c in "-_ ")
    return kept.replace(" ", "-")


def parse(path: Path) -> _Page:
    page = _Page()
    html = cmarkgfm.github_flavored_markdown_to_html(path.read_text(encoding="utf-8"), options=Options.CMARK_OPT_UNSAFE)
    page.feed(html)
    return page


def broken_links(path: Path) -> list[str]:
    """What is wrong with each relative link of one page, as 'page: link: why'."""
    problems = []
    here = path.relative_to(ROOT).as_posix()
    for link in parse(path).links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc:  # https:, mailto: ... : outside the repository, not checked here
            continue
        target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        try:
            name = target.relative_to(ROOT).as_posix()
        except ValueError:
            problems.append(f"{here}: {link}: points outside the repository")
            continue
        if not target.exists():
            if name not in PENDING:
                problems.append(f"{here}: {link}: {name} does not exist")
            continue
        if parts.fragment and target.suffix == ".md" and unquote(parts.fragment) not in parse(target).anchors:
            problems.append(f"{here}: {link}: {name} has no heading or anchor #{parts.fragment}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_pages_link_to_each_other() -> None:
    """The check sees the links it should: the README's links to docs/ and its picture, docs/README.md's to
    its neighbours (a renderer change that found no links would make every page pass)."""
    readme = parse(ROOT / "README.md").links
    assert "docs/codes.md" in readme and "docs/usage.md" in readme and "docs/img/sample-comment.png" in readme
    assert "codes.md" in parse(ROOT / "docs" / "README.md").links


def test_pending_pages_are_still_linked() -> None:
    """Each pending page is one the docs link today, so the list names no page nobody waits for."""
    linked = {
        (page.parent / urlsplit(link).path).resolve().relative_to(ROOT).as_posix()
        for page in PAGES
        for link in parse(page).links
        if not urlsplit(link).scheme and urlsplit(link).path
    }
    assert PENDING - linked == set()


def test_every_page_is_reachable_from_the_readme() -> None:
    """A page under docs/ that no link leads to from README.md is one a newcomer never finds."""
    seen, todo = set(), ["README.md"]
    while todo:
        name = todo.pop()
        if name in seen or not (ROOT / name).is_file():
            continue
        seen.add(name)
        for link in parse(ROOT / name).links:
            parts = urlsplit(link)
            if not parts.scheme and not parts.netloc and parts.path.endswith(".md"):
                todo.append(((ROOT / name).parent / unquote(parts.path)).resolve().relative_to(ROOT).as_posix())
    assert (
        sorted(page.relative_to(ROOT).as_posix() for page in PAGES if page.relative_to(ROOT).as_posix() not in seen)
        == []
    )


def test_a_broken_link_and_a_missing_anchor_are_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path.resolve()
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "usage.md").write_text(
        "# Using the command line\n\n## The JSON report (schema_version 1)\n\n## Limits\n\n## Limits\n\n"
        '<a id="dc501"></a>\n',
        encoding="utf-8",
    )
    readme = tmp_path / "README.md"
    readme.write_text(
        "[ok](docs/usage.md#the-json-report-schema_version-1) [ok](docs/usage.md#limits-1)"
        " [ok](docs/usage.md#dc501) [ok](#readme) `[code](docs/nothing.md)`\n\n# README\n\n"
        "[gone](docs/gone.md) [bad](docs/usage.md#options) [up](../../etc/passwd) [ref]\n\n"
        "[ref]: docs/missing.md\n",
        encoding="utf-8",
    )
    assert broken_links(readme) == [
        "README.md: docs/gone.md: docs/gone.md does not exist",
        "README.md: docs/usage.md#options: docs/usage.md has no heading or anchor #options",
        "README.md: ../../etc/passwd: points outside the repository",
        "README.md: docs/missing.md: docs/missing.md does not exist",
    ]


def test_slugs_are_githubs() -> None:
    assert github_slug("Security model (a pull request is hostile input)") == (
        "security-model-a-pull-request-is-hostile-input"
    )
    assert github_slug("DC501: an `import`, no requirement") == "dc501-an-import-no-requirement"
