"""deploycheck/locks/indexes.py: one IndexSources per lock, read with pip's precedence, that the pins, hashes
and import checks all read; end to end with two local indexes that disagree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_check, write
from pkgindex import Dist, IndexServer, build_index

from deploycheck.locks.indexes import (
    COMMAND,
    EXTRA_INDEX_URL,
    FILE,
    FIND_LINKS,
    INDEX_URL,
    NO_INDEX,
    PYPI,
    TRUSTED_HOST,
    UV_INDEX,
    IndexOption,
    IndexSources,
    Origin,
    for_run,
)


def lines(*options: tuple[str, str]) -> list[IndexOption]:
    """Option lines of requirements.txt, numbered from 1."""
    return [IndexOption(name, value, Origin(FILE, "requirements.txt", n)) for n, (name, value) in enumerate(options, 1)]


def test_a_files_last_index_url_wins_and_drops_the_extras_before_it():
    src = IndexSources.read(
        lines(
            (EXTRA_INDEX_URL, "https://a.example/simple/"),
            (INDEX_URL, "https://b.example/simple/"),
            (INDEX_URL, "https://c.example/simple/"),
            (EXTRA_INDEX_URL, "https://d.example/simple/"),
            (TRUSTED_HOST, "d.example"),
        )
    )
    assert src.urls == ("https://c.example/simple/", "https://d.example/simple/")
    assert src.primary is not None and str(src.primary.origin) == "requirements.txt:3" and src.line == 3
    assert src.trusted == ("d.example",) and src.says and src.unread is None


def test_on_a_command_line_every_extra_counts_and_uv_names_its_indexes():
    origin = Origin(COMMAND, "requirements.txt")
    words = [EXTRA_INDEX_URL, "https://a.example/simple/", INDEX_URL, "https://b.example/simple/"]
    assert IndexSources.from_argv(words, origin).urls == ("https://b.example/simple/", "https://a.example/simple/")
    uv = IndexSources.from_argv([UV_INDEX, "private=https://p.example/simple/"], origin)
    assert uv.urls == (PYPI, "https://p.example/simple/") and uv.line is None


def test_no_index_is_for_good_and_find_links_is_unread():
    src = IndexSources.read(lines((NO_INDEX, ""), (INDEX_URL, "https://b.example/simple/"), (FIND_LINKS, "./wheels")))
    assert src.urls == () and src.no_index is not None and src.no_index.line == 1
    assert src.unread is not None and src.unread.name == NO_INDEX
    links = IndexSources.read(lines((FIND_LINKS, "https://download.example/whl/"), (INDEX_URL, "https://b.example/")))
    assert links.urls == ("https://b.example/",) and links.unread is not None and links.unread.origin.line == 1


def test_nothing_said_is_pypi_and_a_trusted_host_alone_says_nothing():
    assert IndexSources().urls == (PYPI,) and str(IndexSources().primary.origin) == "pip's default"  # type: ignore[union-attr]
    assert not IndexSources.read(lines((TRUSTED_HOST, "example.com"))).says


def test_the_runs_index_url_replaces_and_its_extras_add():
    file = IndexSources.read(lines((INDEX_URL, "https://b.example/simple/")))
    assert file.within(for_run("https://mirror.example/", [])).urls == ("https://mirror.example/",)
    assert file.within(for_run(None, ["https://x.example/"])).urls == (
        "https://b.example/simple/",
        "https://x.example/",
    )
    assert file.within(for_run(None, [])) == file
    assert for_run("https://mirror.example/", ["https://x.example/"]).argv() == [
        INDEX_URL,
        "https://mirror.example/",
        EXTRA_INDEX_URL,
        "https://x.example/",
    ]


# ------------------------------------------------------------------------------- two indexes that disagree


@pytest.fixture(scope="module")
def two_indexes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IndexServer, IndexServer]]:
    """The same release on two indexes, with different facts: on the first it excludes every Python 3.8+ and
    installs `alpha`; on the second it supports them, installs `beta`, and is yanked."""
    first, second = tmp_path_factory.mktemp("first-index"), tmp_path_factory.mktemp("second-index")
    build_index([Dist("twoidx", "1.0", requires_python="<3.8", modules={"alpha/__init__.py": ""})], first)
    build_index([Dist("twoidx", "1.0", modules={"beta/__init__.py": ""}, yanked="use 1.1")], second)
    with IndexServer(first) as a, IndexServer(second) as b:
        yield a, b


def asked(server: IndexServer) -> list[str]:
    return [r.path for r in server.requests()]


def test_two_index_url_lines_the_pins_and_imports_checks_read_the_same_last_one(tmp_path: Path, two_indexes):
    """pip uses the last --index-url of a requirements file. The pins check (DC4) and the import check (DC5)
    both read it: the release there is yanked (DC403) and installs `beta`, so `import beta` is provided. Reading
    the first index would say DC401 (its Requires-Python) or DC501 (it installs `alpha`)."""
    a, b = two_indexes
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": f"--index-url {a.url}/simple/\n--index-url {b.url}/simple/\ntwoidx==1.0\n",
            "app.py": "import beta\n",
            ".python-version": "3.12\n",
        },
    )
    a.requests(clear=True)
    code, report = run_check(folder, "--select", "DC4,DC5")
    got = sorted((f["code"], f["path"], f["line"]) for f in report["findings"])
    assert report["problems"] == [] and got == [("DC403", "requirements.txt", 3)], report["findings"]
    assert "use 1.1" in report["findings"][0]["message"] and code == 0
    assert asked(a) == [] and any("twoidx" in path for path in asked(b))


def test_no_index_is_not_matched_against_an_index_the_deploy_never_uses(tmp_path: Path, two_indexes):
    """--no-index: the import check reads no index (DC505) instead of calling `beta` missing."""
    a, b = two_indexes
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "--no-index\n--find-links ./wheels\ntwoidx==1.0\n",
            "app.py": "import beta\nimport imp\n",
            ".python-version": "3.12\n",
        },
    )
    a.requests(clear=True)
    b.requests(clear=True)
    _, report = run_check(folder, "--select", "DC4,DC5")
    got = sorted((f["code"], f["path"], f["line"]) for f in report["findings"])
    assert got == [("DC409", "requirements.txt", 1), ("DC503", "app.py", 2), ("DC505", "requirements.txt", 1)], got
    assert report["problems"] == [] and asked(a) == asked(b) == []
