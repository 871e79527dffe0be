"""The package-index client against the local index over real HTTP (and, marked online, the real one)."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import interp
from pkgindex import Dist, IndexServer, build_index

from deploycheck.index.client import Index
from deploycheck.index.http import Fetcher, IndexUnavailable, url_allowed
from deploycheck.index.lazywheel import modules_from_record
from deploycheck.index.simpleapi import ACCEPT, JSON_TYPE, parse_html, parse_json
from deploycheck.index.targettags import (
    Target,
    first_version_with_wheel,
    python_ok,
    release_fit,
    target_covered,
    unknown_hashes,
)
from deploycheck.locks.requirements import reqfile


def simple(server: IndexServer) -> str:
    return f"{server.url}/simple/"


def make_index(server: IndexServer, tmp_path: Path, **kw) -> Index:
    return Index([simple(server)], cache_dir=tmp_path / "cache", timeout=10, **kw)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/simple/"


# Both forms


@pytest.mark.parametrize("serve_json", [True, False])
def test_server_answers_the_form_asked(fresh_index, serve_json):
    fresh_index.serve_json = serve_json
    response = Fetcher().get(simple(fresh_index) + "yankme/", headers={"Accept": ACCEPT})
    assert response.headers["Content-Type"] == (JSON_TYPE if serve_json else "text/html")


def test_json_and_html_forms_give_the_same_model(fresh_index, tmp_path):
    names = ["yankme", "fastlib", "pyyaml-like", "backport-x", "sdistonly"]
    with make_index(fresh_index, tmp_path / "json") as index:
        from_json = index.projects(names)
    fresh_index.serve_json = False
    with make_index(fresh_index, tmp_path / "html") as index:
        from_html = index.projects(names)
    for name in names:
        assert sorted(from_json[name].entries) == sorted(from_html[name].entries), name
        assert from_json[name].entries, name
    (wheel,) = from_html["pyyaml-like"].release("6.0")
    assert wheel.hashes["sha256"] and wheel.url.startswith(fresh_index.url + "/files/")  # relative href resolved
    assert isinstance(wheel.core_metadata, dict) and "sha256" in wheel.core_metadata
    (rp,) = from_html["backport-x"].release("1.2")
    assert rp.requires_python == ">=3.8"
    (sdist,) = from_html["sdistonly"].release("1.0")
    assert (sdist.kind, sdist.tags) == ("sdist", frozenset())


@pytest.mark.parametrize("serve_json", [True, False])
def test_yanked_release_with_reason(fresh_index, tmp_path, serve_json):
    fresh_index.serve_json = serve_json
    with make_index(fresh_index, tmp_path) as index:
        project = index.project("yankme")
    target = Target("3.11")
    fit = release_fit(project.release("1.1"), target)
    assert (fit.yanked, fit.yank_reason) == (True, "broken build, use 1.2")
    assert not release_fit(project.release("1.2"), target).yanked
    assert [str(v) for v in project.versions()] == ["1.0", "1.1", "1.2"]


# Target compatibility


def test_target_tags_match_a_real_interpreter():
    """The tags built from "3.11 on manylinux x86_64, this glibc" equal what pip on that CPython accepts."""
    python = interp("3.11")
    out = subprocess.run(
        [python.path, "-m", "pip", "debug", "--verbose"], capture_output=True, text=True, timeout=120
    ).stdout
    real = {line.strip() for line in out.split("Compatible tags:", 1)[1].splitlines()[1:] if line.startswith("  ")}
    libc = subprocess.run(["ldd", "--version"], capture_output=True, text=True).stdout.split("\n")[0].split()[-1]
    glibc = tuple(int(p) for p in libc.split(".")[:2])
    built = {str(t) for t in Target("3.11", glibc=glibc).tags}  # type: ignore[arg-type]
    assert built == real


def test_wheels_for_target_and_first_version_with_one(fresh_index, tmp_path):
    with make_index(fresh_index, tmp_path) as index:
        fastlib = index.project("fastlib")
    releases = fastlib.releases()
    manylinux, musl = Target("3.11"), Target("3.11", platform="musllinux_x86_64")
    one = fastlib.release("1.0")
    assert release_fit(one, manylinux).has_wheel
    fit = release_fit(one, musl)
    assert (fit.has_wheel, fit.has_sdist) == (False, True)
    assert str(first_version_with_wheel(releases, musl, since=one[0].version)) == "1.1"
    # cp311 wheels do not fit 3.12, the abi3 one does (and its glibc 2.28 tag fits a 2.39 image, not a 2.17 one).
    assert str(first_version_with_wheel(releases, Target("3.12"))) == "2.0"
    assert first_version_with_wheel(releases, Target("3.12", glibc=(2, 17))) is None
    assert first_version_with_wheel(releases, Target("3.10")) is None


def test_requires_python_against_target(fresh_index, tmp_path):
    with make_index(fresh_index, tmp_path) as index:
        projects = index.projects(["oldpy", "fastlib"])
    (old,) = projects["oldpy"].release("1.0")
    assert not python_ok(old, Target("3.11")) and python_ok(old, Target("3.7"))
    assert not release_fit([old], Target("3.11")).python_ok
    (abi3,) = projects["fastlib"].release("2.0")
    assert python_ok(abi3, Target("3.11")) and not python_ok(abi3, Target("3.10"))


def test_target_version_is_the_newest_patch():
    (file,) = parse_html(
        '<a href="/f/x-1.0-py3-none-any.whl" data-requires-python="&gt;=3.11.2">x</a>', "x", "http://i/"
    )
    assert python_ok(file_of(file), Target("3.11"))
    assert not python_ok(file_of(file._replace(requires_python="<=3.11")), Target("3.11"))
    assert python_ok(file_of(file._replace(requires_python="<=3.11")), Target("3.11.0"))
    assert python_ok(file_of(file._replace(requires_python="not a specifier")), Target("3.11"))


def file_of(entry):
    from deploycheck.index.simpleapi import to_file

    return to_file(entry)


# Not found versus did not answer


def test_404_is_not_found_and_a_closed_port_is_unavailable(fresh_index, tmp_path):
    dead = closed_port_url()
    with Index([dead, simple(fresh_index)], cache_dir=tmp_path / "c", timeout=5) as index:
        projects = index.projects(["yankme", "no-such-project"])
    yank, nothing = projects["yankme"], projects["no-such-project"]
    assert yank.found_on == [simple(fresh_index)] and yank.release("1.2")
    assert not nothing.found_on and not nothing.missing and not nothing.complete  # not provably absent
    (error,) = nothing.unavailable
    assert error.url.startswith(dead) and "refused" in error.reason
    with make_index(fresh_index, tmp_path / "d") as index:
        assert index.project("no-such-project").missing


def test_server_error_is_unavailable_not_missing(fresh_index, tmp_path):
    fresh_index.fail = 503
    with make_index(fresh_index, tmp_path) as index:
        project = index.project("yankme")
    assert not project.missing and project.unavailable[0].reason.startswith("HTTP 503")
    # One retry for a 5xx, then it gives up: a bounded number of requests.
    assert len(fresh_index.requests()) == 2


# Import names without downloading


def test_big_wheel_modules_read_with_few_bytes(fresh_index, tmp_path):
    with make_index(fresh_index, tmp_path) as index:
        (wheel,) = index.project("bigwheel").release("1.0")
        fresh_index.requests(clear=True)
        names = index.import_names(wheel)
    assert (names.names, names.source) == (("bigwheel",), "RECORD")
    reads = [r for r in fresh_index.requests() if r.path.endswith(".whl")]
    assert _served_size(wheel.url) > 3_000_000
    assert all(r.status == 206 for r in reads) and len(reads) <= 2
    assert sum(r.sent for r in reads) <= 80 * 1024  # the tail holding the zip directory, not the 3 MB


def _served_size(url: str) -> int:
    with Fetcher().open(url) as response:
        return int(response.headers["Content-Length"])


def test_server_ignoring_range_gets_a_capped_full_download(fresh_index, tmp_path):
    fresh_index.ranges = False
    with make_index(fresh_index, tmp_path / "a", full_download_cap=1_000_000) as index:
        projects = index.projects(["bigwheel", "pyyaml-like"])
        before = index.fetcher.bytes_received
        big = index.import_names(projects["bigwheel"].release("1.0")[0])
        small = index.import_names(projects["pyyaml-like"].release("6.0")[0])
        received = index.fetcher.bytes_received - before
    assert big.source == "name" and big.names == ("bigwheel",) and "ignores Range" in big.note
    assert small.source == "RECORD" and small.names == ("_yaml", "yaml")  # small enough to download whole
    assert all(r.status == 200 for r in fresh_index.requests() if r.path.endswith(".whl"))
    assert received < 10_000  # the small wheel whole; of the big one, nothing past its headers


def test_import_names_differ_from_dist_names(fresh_index, tmp_path):
    with make_index(fresh_index, tmp_path) as index:
        projects = index.projects(["pyyaml-like", "google-cloud-storage-like", "sdistonly"])
        yaml = index.import_names(projects["pyyaml-like"].release("6.0")[0])
        gcs = index.import_names(projects["google-cloud-storage-like"].release("2.0")[0])
        sdist = index.import_names(projects["sdistonly"].release("1.0")[0])
    assert yaml.names == ("_yaml", "yaml")
    assert gcs.names == ("google.cloud.storage",)
    assert (sdist.names, sdist.source) == (("sdistonly",), "name") and "sdist" in sdist.note


def test_pep658_metadata_without_touching_the_wheel(fresh_index, tmp_path):
    with make_index(fresh_index, tmp_path) as index:
        (wheel,) = index.project("pyyaml-like").release("6.0")
        fresh_index.requests(clear=True)
        text = index.metadata(wheel)
    assert text is not None and "Name: pyyaml-like" in text
    assert [r.path.rsplit("/", 1)[-1] for r in fresh_index.requests()] == [wheel.filename + ".metadata"]


def test_modules_from_record():
    record = "\n".join(
        [
            "google/cloud/storage/__init__.py,sha256=x,1",
            "google/cloud/storage/_http.py,,",
            "six.py,,",
            "yaml/__init__.py,,",
            "yaml/_yaml.cpython-311-x86_64-linux-gnu.so,,",
            "_cffi_backend.cpython-311-x86_64-linux-gnu.so,,",
            "pkg-1.0.data/purelib/extra_mod.py,,",
            "pkg-1.0.data/scripts/tool.py,,",
            "pkg-1.0.dist-info/RECORD,,",
            "../../bin/evil.py,,",
            "foo-stubs/__init__.pyi,,",
            "yaml/__pycache__/x.cpython-311.pyc,,",
            '"quoted,name.py",,',
        ]
    )
    assert modules_from_record(record) == ("_cffi_backend", "extra_mod", "google.cloud.storage", "six", "yaml")


# Cache


def test_warm_cache_makes_zero_requests(fresh_index, tmp_path):
    names = ["yankme", "fastlib", "pyyaml-like", "google-cloud-storage-like", "no-such-project"]

    def run() -> tuple[dict, list]:
        with make_index(fresh_index, tmp_path) as index:
            projects = index.projects(names)
            pins = [("pyyaml-like", "6.0"), ("google-cloud-storage-like", "2.0")]
            wheels = [projects[n].release(v)[0] for n, v in pins]
            return projects, [index.import_names(w) for w in wheels]

    cold = run()
    assert fresh_index.requests(clear=True)
    warm = run()
    assert fresh_index.requests() == []
    assert [p.entries for p in cold[0].values()] == [p.entries for p in warm[0].values()] and cold[1] == warm[1]
    assert warm[0]["no-such-project"].missing  # a 404 is remembered too, for the page's freshness


def test_stale_or_corrupt_cache_is_fetched_again(fresh_index, tmp_path):
    with make_index(fresh_index, tmp_path) as index:
        index.project("yankme")
    files = list((tmp_path / "cache").rglob("*.json"))
    assert files
    for f in files:
        f.write_text('{"v": 1, "at": 1e20, "found": true, "entries": [["half')
    fresh_index.requests(clear=True)
    with make_index(fresh_index, tmp_path) as index:
        assert index.project("yankme").release("1.2")
    assert len(fresh_index.requests()) == 1
    with make_index(fresh_index, tmp_path, page_ttl=0) as index:
        index.project("yankme")
    assert len(fresh_index.requests()) == 2  # a page older than its freshness is fetched again


def test_one_request_per_page_per_run(fresh_index, tmp_path):
    with Index([simple(fresh_index)], cache_dir=None) as index:
        for _ in range(3):
            index.projects(["yankme", "YankMe", "YANKME"])
    assert len(fresh_index.requests()) == 1


# Concurrency


def test_pages_fetched_concurrently_at_most_workers_at_once(fresh_index, tmp_path):
    # The gate lets requests through only three at a time: a client that fetched one page after another
    # would break it (a timeout) and the peak would be 1.
    fresh_index.gate = threading.Barrier(3, timeout=20)
    fresh_index.peak = 0
    names = ["yankme", "fastlib", "pyyaml-like", "oldpy", "sdistonly", "bigwheel", "helperlib", "speedups", "fancy"]
    with make_index(fresh_index, tmp_path, workers=3) as index:
        projects = index.projects(names)
    assert all(projects[n].found_on for n in names)
    assert fresh_index.peak == 3
    assert not fresh_index.gate.broken


# Hashes


def test_wrong_hash_in_generated_hashes_lock(wrong_hash_app, index):
    lock = reqfile.read(wrong_hash_app / "requirements.txt")
    with Index([index], cache_dir=None) as client:
        projects = client.projects(lock.pins)
    target = Target("3.11")
    for name, pin in lock.pins.items():
        files = projects[name].release(pin.version or "")
        bad = unknown_hashes(pin.hashes, files)
        if name == "yankme":
            assert bad == ["sha256:" + "0" * 64]
            assert target_covered(pin.hashes, files, target) is False
        else:
            assert bad == [] and target_covered(pin.hashes, files, target) is True, name


# Hostile pages


def test_hostile_html_is_bounded_and_never_crashes():
    page = "".join(
        [
            '<base href="javascript:alert(1)">',
            '<a href="javascript:alert(1)">x-1.0-py3-none-any.whl</a>',
            '<a href="file:///etc/passwd#sha256=00">x-1.0.tar.gz</a>',
            '<a href="ftp://h/x-1.0.tar.gz">x</a>',
            f'<a href="/{"a" * 10000}x-1.0.tar.gz">long</a>',
            '<a href="/other-1.0-py3-none-any.whl">another project</a>',
            '<a href="/x-notaversion.tar.gz">bad version</a>',
            '<a href="/x-1.0-py3-none-any.whl#sha256=zz%00" data-yanked data-core-metadata="md5=../../">ok</a>',
            "<a href='/x-2.0.tar.gz#sha256=AB12' data-requires-python='&gt;=3.8'",  # unterminated
            "<![CDATA[ <a <a <a <<<<",
        ]
    )
    entries = parse_html(page, "x", "https://i.example/simple/x/")
    assert [(e.url, e.yanked, e.hashes, e.core_metadata) for e in entries] == [
        ("https://i.example/x-1.0-py3-none-any.whl", True, {}, False),
    ]


def test_hostile_json_is_rejected_or_filtered():
    from deploycheck.index.simpleapi import PageError

    with pytest.raises(PageError):
        parse_json(b"[" * 100_000, "x", "https://i/")
    with pytest.raises(PageError):
        parse_json(b'{"files": 3}', "x", "https://i/")
    body = json.dumps(
        {
            "files": [
                {"filename": "x-1.0.tar.gz", "url": "file:///etc/passwd", "hashes": {}},
                {"filename": "../x-1.0.tar.gz", "url": "/a"},
                {"filename": "x-1.0.tar.gz", "url": "/x-1.0.tar.gz", "hashes": {"sha256": ["no"]}, "yanked": 3},
                "junk",
                {"filename": "x-1.1.tar.gz", "url": "/x", "yanked": "", "requires-python": 7},
            ]
        }
    ).encode()
    entries = parse_json(body, "x", "https://i/simple/x/")
    assert [(e.filename, e.yanked, e.hashes, e.requires_python) for e in entries] == [
        ("x-1.0.tar.gz", False, {}, None),
        ("x-1.1.tar.gz", True, {}, None),
    ]


def test_oversized_page_is_unavailable(tmp_path):
    root = tmp_path / "evil"
    (root / "simple" / "huge").mkdir(parents=True)
    (root / "simple" / "huge" / "index.html").write_text("<a>" * 200_000)
    with IndexServer(root) as server, Index([simple(server)], cache_dir=None, page_limit=100_000) as index:
        project = index.project("huge")
    assert not project.missing and "limit" in project.unavailable[0].reason


def test_only_http_urls_are_fetched():
    assert not url_allowed("file:///etc/passwd") and not url_allowed("javascript:x") and not url_allowed("http://")
    with pytest.raises(IndexUnavailable):
        Fetcher().get("file:///etc/passwd")


def test_request_budget_stops_a_runaway(fresh_index, tmp_path):
    with make_index(fresh_index, tmp_path, max_requests=2) as index:
        projects = index.projects(["yankme", "fastlib", "oldpy"])
    failed = [p for p in projects.values() if p.unavailable]
    assert len(failed) == 1 and "more than 2 requests" in failed[0].unavailable[0].reason
    assert len(fresh_index.requests()) == 2


# The real registry (this machine's PyPI mirror answers only the HTML form)


@pytest.mark.online
def test_real_index_pages_yanks_and_wheel_modules(tmp_path):
    """Fails, rather than skips, when the registry does not answer: CI runs it to check exactly that.
    The client retries a failed request once; the pins below are old releases that do not change."""
    with Index(["https://pypi.org/simple/"], cache_dir=tmp_path, timeout=30) as index:
        projects = index.projects(["streamlit", "requests", "pyyaml", "beautifulsoup4"])
        assert all(p.complete and p.found_on for p in projects.values()), projects
        assert len(projects["streamlit"].release("1.38.0")) >= 2
        fit = release_fit(projects["requests"].release("2.32.0"), Target("3.12"))
        assert fit.yanked and "CVE-2024-35195" in (fit.yank_reason or "")
        (yaml_wheel,) = [
            f
            for f in projects["pyyaml"].release("6.0.2")
            if f.filename.endswith("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
        ]
        (bs4_wheel,) = [f for f in projects["beautifulsoup4"].release("4.12.3") if f.kind == "wheel"]
        before = index.fetcher.bytes_received
        assert index.import_names(yaml_wheel).names == ("_yaml", "yaml")
        assert index.import_names(bs4_wheel).names == ("bs4",)
        assert index.fetcher.bytes_received - before < 400_000  # two wheels of ~900 KB and ~150 KB


# Reading an sdist's file list (#17 class 6): bounded however the archive is built.


def _tar_gz(members: dict[str, bytes]) -> bytes:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_sdist_file_lists_tar_and_zip(tmp_path):
    from deploycheck.index.sdistfiles import read_sdist

    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "c-1.0.tar.gz").write_bytes(_tar_gz({"c-1.0/setup.py": b"", "c-1.0/src/x.c": b""}))
    (tmp_path / "files" / "p-1.0.zip").write_bytes(_zip({"p-1.0/setup.py": b"", "p-1.0/p/__init__.py": b""}))
    rust = b'[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n'
    (tmp_path / "files" / "r-1.0.zip").write_bytes(_zip({"r-1.0/pyproject.toml": rust}))
    with IndexServer(tmp_path) as server:
        fetcher = Fetcher(timeout=10)
        assert read_sdist(fetcher, f"{server.url}/files/c-1.0.tar.gz", "c-1.0.tar.gz").evidence == ("src/x.c",)
        pure = read_sdist(fetcher, f"{server.url}/files/p-1.0.zip", "p-1.0.zip")
        assert (pure.evidence, pure.modules) == ((), ("p",))  # its import names, from the file list
        assert read_sdist(fetcher, f"{server.url}/files/r-1.0.zip", "r-1.0.zip").evidence == (
            "build requirement maturin",
        )


def test_sdist_reading_is_bounded(tmp_path, monkeypatch):
    """A gzip bomb stops at the unpacking budget; an sdist over the download cap is not downloaded whole."""
    from deploycheck.index import sdistfiles

    (tmp_path / "files").mkdir()
    bomb = _tar_gz({"b-1.0/setup.py": b"", "b-1.0/zeros.bin": bytes(8_000_000), "b-1.0/late.c": b""})
    (tmp_path / "files" / "b-1.0.tar.gz").write_bytes(bomb)
    monkeypatch.setattr(sdistfiles, "UNPACKED_BUDGET", 1_000_000)
    with IndexServer(tmp_path) as server:
        url = f"{server.url}/files/b-1.0.tar.gz"
        with pytest.raises(sdistfiles.UnreadableSdist, match="unpacks to more than"):
            sdistfiles.read_sdist(Fetcher(timeout=10), url, "b-1.0.tar.gz")
        with pytest.raises(IndexUnavailable):
            sdistfiles.read_sdist(Fetcher(timeout=10), url, "b-1.0.tar.gz", cap=len(bomb) // 2)
        assert server.requests()[-1].sent <= len(bomb) // 2 + 65536  # the answer was cut at the cap


def test_a_find_links_page_like_pytorchs_is_read_once_for_every_project():
    """download.pytorch.org's pages: relative hrefs, `+` escaped as %2B, linux_x86_64 tags, hash fragments."""
    from deploycheck.index.simpleapi import parse_links

    page = (
        '<a href="cpu/torch-2.1.0%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=' + "a" * 64 + '">torch</a>\n'
        '<a href="cpu/torchvision-0.16.0%2Bcpu-cp311-cp311-linux_x86_64.whl">tv</a>\n'
        '<a href="cu118/torch-2.1.0%2Bcu118-cp311-cp311-win_amd64.whl">torch</a>\n'
        '<a href="javascript:alert(1)">x</a><a href="README.txt">readme</a>\n'
    )
    found = parse_links(page, "https://download.pytorch.org/whl/torch_stable.html")
    assert sorted(found) == ["torch", "torchvision"]
    first = found["torch"][0]
    assert first.url == "https://download.pytorch.org/whl/cpu/torch-2.1.0%2Bcpu-cp311-cp311-linux_x86_64.whl"
    assert (first.version, first.hashes) == ("2.1.0+cpu", {"sha256": "a" * 64})
    assert [e.version for e in found["torch"]] == ["2.1.0+cpu", "2.1.0+cu118"]


# Revalidation: a stale page is asked for with the validators the index gave (pagestore keeps them)


def test_a_stale_page_is_revalidated_and_a_304_keeps_its_rows(tmp_path):
    build_index([Dist("revalidated", "1.0"), Dist("revalidated", "1.1")], tmp_path / "idx")
    with IndexServer(tmp_path / "idx") as server:
        with make_index(server, tmp_path) as index:
            assert [str(v) for v in index.project("revalidated").versions()] == ["1.0", "1.1"]
        (first,) = server.requests(clear=True)
        assert first.status == 200
        with make_index(server, tmp_path, page_ttl=0) as index:  # stale at once: asked again, conditionally
            assert [str(v) for v in index.project("revalidated").versions()] == ["1.0", "1.1"]
        (again,) = server.requests(clear=True)
        assert (again.status, again.sent) == (304, 0)
        with make_index(server, tmp_path) as index:  # the 304 made the page fresh again: no request
            index.project("revalidated")
        assert server.requests(clear=True) == []
        # A release yanked on the index: its page changed, the conditional GET gets the new page.
        build_index([Dist("revalidated", "1.0"), Dist("revalidated", "1.1", yanked="bad")], tmp_path / "idx")
        with make_index(server, tmp_path, page_ttl=0) as index:
            (row,) = index.project("revalidated").release("1.1")
            assert row.yanked
        assert [r.status for r in server.requests(clear=True)] == [200]


def test_without_validators_a_stale_page_is_fetched_whole(tmp_path):
    build_index([Dist("plainpage", "1.0")], tmp_path / "idx")
    with IndexServer(tmp_path / "idx") as server:
        server.validators = False
        for _ in range(2):
            with make_index(server, tmp_path, page_ttl=0) as index:
                assert index.project("plainpage").release("1.0")
        assert [(r.status, r.sent > 0) for r in server.requests()] == [(200, True), (200, True)]


def _patched_zip(members: dict[str, bytes], *, flags: int = 0, method: int | None = None) -> bytes:
    """A zip whose local and central headers say what the archive's author wants: the encrypted flag, or a
    compression method no zip reader knows (e.g. 99, WinZip's AES)."""
    data = bytearray(_zip(members))
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        while at != -1:
            data[at + flag_at] |= flags
            if method is not None:
                data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    return bytes(data)


@pytest.mark.parametrize(("flags", "method"), [(1, None), (0, 99)], ids=["encrypted", "unknown method"])
def test_a_zip_sdist_whose_build_file_cannot_be_opened_is_unreadable_not_a_crash(tmp_path, flags, method):
    """zipfile raises RuntimeError for an encrypted member and NotImplementedError for an unknown method."""
    from deploycheck.index import sdistfiles

    (tmp_path / "files").mkdir()
    archive = _patched_zip({"e-1.0/setup.py": b"from setuptools import setup\n"}, flags=flags, method=method)
    (tmp_path / "files" / "e-1.0.zip").write_bytes(archive)
    with IndexServer(tmp_path) as server, pytest.raises(sdistfiles.UnreadableSdist, match="not a readable zip"):
        sdistfiles.read_sdist(Fetcher(timeout=10), f"{server.url}/files/e-1.0.zip", "e-1.0.zip")
