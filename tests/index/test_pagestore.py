"""The page cache file, read once per process while it is unchanged (deploycheck/index/pagestore.py)."""

from __future__ import annotations

import os

from deploycheck.cache import write_atomic
from deploycheck.index import pagestore
from deploycheck.index.simpleapi import Entry


def _page(version: str) -> pagestore.Page:
    name = f"p-{version}.tar.gz"
    entry = Entry(name, f"https://x/{name}", {}, None, False, None, False, "sdist", version)
    return pagestore.Page.from_entries([entry])


def test_an_unchanged_file_is_decoded_once_and_a_replaced_one_again(tmp_path, monkeypatch):
    path = tmp_path / "page.json"
    write_atomic(path, _page("1.0").encode(100.0).decode("ascii"))
    decoded: list[bytes] = []
    real = pagestore.decode_cached
    monkeypatch.setattr(pagestore, "decode_cached", lambda data: decoded.append(data) or real(data))
    first = pagestore.read(path)
    assert first is not None and first.page is not None and first.page.versions() == ["1.0"]
    assert pagestore.read(path) is first and len(decoded) == 1  # the pins, hashes and import checks share it
    write_atomic(path, _page("2.0").encode(200.0).decode("ascii"))  # a refetch replaces the file
    second = pagestore.read(path)
    assert second is not None and second.page is not None and second.page.versions() == ["2.0"]
    assert second.fetched_at == 200.0 and len(decoded) == 2


def test_a_file_changed_in_place_or_removed_is_not_served_from_memory(tmp_path):
    path = tmp_path / "page.json"
    path.write_bytes(_page("1.0").encode(100.0))
    assert pagestore.read(path) is not None
    path.write_bytes(b"not a cache entry")  # same inode, other size and mtime
    os.utime(path, ns=(1, 1))
    assert pagestore.read(path) is None
    path.unlink()
    assert pagestore.read(path) is None


def test_the_decoded_files_kept_are_bounded_in_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(pagestore, "_decoded", {})
    monkeypatch.setattr(pagestore, "_decoded_size", 0)
    one = _page("1.0").encode(100.0)
    monkeypatch.setattr(pagestore, "DECODED_BYTES", len(one) * 2)
    paths = [tmp_path / f"page{i}.json" for i in range(3)]
    for path in paths:
        path.write_bytes(one)
        assert pagestore.read(path) is not None
    assert len(pagestore._decoded) == 1 and pagestore._decoded_size == len(one)  # the third cleared the rest
