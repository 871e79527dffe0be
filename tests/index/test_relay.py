"""The index relay (deploycheck/index/relay.py): what uv is served, and that a run through it only ever confirms.

The relay is exercised over real HTTP against a local index, and in real drift checks (pip-compile and uv
locks, real uv runs): a lock in sync is confirmed through it; drift, a pinned release the index no longer has,
or a relay that cannot answer always end in the verdict of a run against the index itself, the same verdict as
with the relay switched off (DEPLOYCHECK_INDEX_RELAY=0)."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import pip_compile, run_check, uv_compile, write
from pkgindex import JSON_TYPE, Dist, IndexServer, build_index, serving

from deploycheck import cache, pipeline
from deploycheck.index import relay
from deploycheck.resolve.drivers import Job
from deploycheck.resolve.relayed import relayed
from deploycheck.settings import build

DISTS = [
    Dist("ra", "1.0", ["rb"], with_sdist=True),
    Dist("ra", "2.0", ["rb>=2"]),
    Dist("rb", "1.0"),
    Dist("rb", "2.0", requires_python=">=3.8"),
    Dist("rc", "1.0"),
    Dist("rc", "2.0rc1"),
    Dist("ry", "0.9"),
    Dist("ry", "1.0", yanked="broken"),
]


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    with serving(DISTS, tmp_path_factory.mktemp("relay-index")) as server:
        yield server


@pytest.fixture
def running(tmp_path: Path) -> Iterator[relay.Relay]:
    with relay.running(cache_dir=tmp_path / "cache") as r:
        assert r is not None
        yield r


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path)
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, dict(answer.getheaders()), body


def page(base: str, project: str) -> dict:
    status, headers, body = get(f"{base}/{project}/")
    assert status == 200 and headers["Content-Type"] == JSON_TYPE
    return json.loads(body)


# ------------------------------------------------------------------------------------------- what uv is served


def test_a_pinned_project_shows_only_its_pinned_release_with_the_index_facts(upstream, running, tmp_path):
    base = running.url(f"{upstream.url}/simple/", {"ra": "1.0", "rb": "2.0", "ry": "1.0"})
    files = {row["filename"]: row for row in page(base, "ra")["files"]}
    assert set(files) == {"ra-1.0-py3-none-any.whl", "ra-1.0.tar.gz"}
    wheel, sdist = files["ra-1.0-py3-none-any.whl"], files["ra-1.0.tar.gz"]
    sha = wheel["hashes"]["sha256"]
    assert wheel["url"] == f"{sha}/ra-1.0-py3-none-any.whl" and wheel["core-metadata"] is True
    assert sdist["url"].startswith(upstream.url + "/files/")  # uv takes an sdist from the index itself
    rb = page(base, "rb")["files"]
    assert [(r["filename"], r.get("requires-python")) for r in rb] == [("rb-2.0-py3-none-any.whl", ">=3.8")]
    (ry,) = page(base, "ry")["files"]
    assert ry["yanked"] == "broken"  # a yank is served as the index said it


def test_a_pre_release_pin_shows_every_release_and_a_project_the_lock_does_not_pin_is_not_there(upstream, running):
    base = running.url(f"{upstream.url}/simple/", {"ra": "1.0", "rc": "2.0rc1"})
    rc = {r["filename"] for r in page(base, "rc")["files"]}
    assert rc == {"rc-1.0-py3-none-any.whl", "rc-2.0rc1-py3-none-any.whl"}
    upstream.requests(clear=True)
    # uv needing a project the lock lacks means the lock changes: only the index confirms that, and package
    # code cannot make the relay fetch and hold pages of its choosing.
    assert get(f"{base}/rb/")[0] == 404
    assert not [r for r in upstream.requests() if "/rb/" in r.path]


def test_each_lock_gets_a_view_of_its_own(upstream, running):
    one = running.url(f"{upstream.url}/simple/", {"rb": "1.0"})
    two = running.url(f"{upstream.url}/simple/", {"rb": "2.0"})
    assert [r["filename"] for r in page(one, "rb")["files"]] == ["rb-1.0-py3-none-any.whl"]
    assert [r["filename"] for r in page(two, "rb")["files"]] == ["rb-2.0-py3-none-any.whl"]


def test_metadata_is_the_wheels_own_and_the_wheel_is_a_redirect_to_the_index(upstream, running):
    base = running.url(f"{upstream.url}/simple/", {"ra": "2.0"})
    (wheel,) = page(base, "ra")["files"]
    status, _, body = get(f"{base}/ra/{wheel['url']}.metadata")
    assert status == 200 and body.decode() == Dist("ra", "2.0", ["rb>=2"]).metadata()
    status, headers, _ = get(f"{base}/ra/{wheel['url']}")
    assert status == 302 and headers["Location"] == f"{upstream.url}/files/ra-2.0-py3-none-any.whl"
    assert running.failures == []


def test_an_unknown_path_or_secret_is_a_404_and_a_missing_project_is_the_indexs_404(upstream, running):
    base = running.url(f"{upstream.url}/simple/", {})
    root = base.rsplit("/", 2)[0]
    assert get(f"{root}/wrong-secret/0/ra/")[0] == 404
    assert get(f"{base.rsplit('/', 1)[0]}/7/ra/")[0] == 404  # no such view
    assert get(f"{base}/no-such-project/")[0] == 404
    assert get(f"{base}/..%2F..%2Fadmin/")[0] == 404  # not a project name: the index is not asked
    assert get(f"{base}/ra/{'0' * 64}/ra-1.0-py3-none-any.whl.metadata")[0] == 404
    assert running.failures == []


def test_an_index_that_does_not_answer_is_a_failure_the_run_is_redone_for(running):
    base = running.url("http://127.0.0.1:9/simple/", {"ra": "1.0"})
    assert get(f"{base}/ra/")[0] == 502
    assert running.failures and "127.0.0.1:9" in running.failures[0]


def test_the_relay_answers_a_bounded_number_of_requests(upstream, running, monkeypatch):
    monkeypatch.setattr(relay, "MAX_REQUESTS", 2)
    base = running.url(f"{upstream.url}/simple/", {"rb": "2.0"})
    assert [get(f"{base}/rb/")[0] for _ in range(3)] == [200, 200, 503]
    assert running.failures == ["too many requests"]


# ------------------------------------------------------------------------------ drift checks through the relay


@pytest.fixture
def spied(monkeypatch) -> dict[str, list]:
    """What every relay of the run handed out and answered."""
    seen: dict[str, list] = {"urls": [], "relays": []}
    real_url, real_init = relay.Relay.url, relay.Relay.__init__

    def url(self, upstream, pins):
        made = real_url(self, upstream, pins)
        seen["urls"].append(made)
        return made

    def init(self, **kw):
        real_init(self, **kw)
        seen["relays"].append(self)

    monkeypatch.setattr(relay.Relay, "url", url)
    monkeypatch.setattr(relay.Relay, "__init__", init)
    return seen


def lock_app(tmp_path: Path, upstream: IndexServer, requirements_in: str, tool: str = "pip-compile", *args: str):
    folder = write(tmp_path / "app", {"requirements.in": requirements_in, ".python-version": "3.11\n"})
    index = f"{upstream.url}/simple/"
    if tool == "pip-compile":
        pip_compile(folder, "3.11", *args, "requirements.in", index_url=index)
    else:
        uv_compile(folder, "3.11", *args, "requirements.in", "-o", "requirements.txt", index_url=index)
    return folder


def both_ways(folder: Path, monkeypatch, *args: str) -> tuple[tuple[int, dict], tuple[int, dict]]:
    """The check through the relay, then with the relay off."""
    through = run_check(folder, *args)
    monkeypatch.setenv("DEPLOYCHECK_INDEX_RELAY", "0")
    direct = run_check(folder, *args)
    monkeypatch.delenv("DEPLOYCHECK_INDEX_RELAY")
    return through, direct


def the_lock(report: dict) -> dict:
    (entry,) = report["lockfiles"]
    return entry


def test_a_pip_compile_lock_in_sync_is_confirmed_through_the_relay(upstream, spied, tmp_path):
    folder = lock_app(tmp_path, upstream, "ra<2\n")
    code, report = run_check(folder, "--select", "DC1")
    assert code == 0 and the_lock(report)["status"] == "in-sync"
    assert the_lock(report)["resolver"].startswith("uv (fast pass")
    (used,) = spied["relays"]
    assert used.answered >= 4 and used.failures == []  # ra, rb and their metadata came through it


def test_a_uv_lock_in_sync_is_confirmed_through_the_relay_and_never_names_it(upstream, spied, tmp_path):
    folder = lock_app(tmp_path, upstream, "ra\n", "uv", "--emit-index-url")
    assert "--index-url" in (folder / "requirements.txt").read_text()
    code, report = run_check(folder, "--select", "DC1", "--index-url", f"{upstream.url}/simple/")
    assert code == 0 and the_lock(report)["status"] == "in-sync", report
    assert spied["relays"][0].answered >= 4
    text = json.dumps(report)
    assert spied["urls"] and not any(url.split("/")[3] in text for url in spied["urls"])  # no relay secret


def test_drift_is_always_the_verdict_of_a_run_against_the_index(upstream, spied, tmp_path, monkeypatch):
    folder = lock_app(tmp_path, upstream, "ra<2\n")
    (folder / "requirements.in").write_text("ra<2\nrc\n")  # added, the lock not recompiled
    (code, through), (code_direct, direct) = both_ways(folder, monkeypatch, "--select", "DC1")
    assert code == code_direct == 1
    assert the_lock(through)["changes"] == the_lock(direct)["changes"]
    assert [c["name"] for c in the_lock(through)["changes"]] == ["rc"]
    assert the_lock(through)["resolver"] == the_lock(direct)["resolver"] == "pip-tools 7.6.2"
    assert spied["relays"][0].answered > 0  # the relay was asked, and its "changed" was not taken


def test_a_pinned_release_the_index_no_longer_has_is_judged_against_the_index(upstream, spied, tmp_path, monkeypatch):
    folder = lock_app(tmp_path, upstream, "ra<2\n")
    lock = folder / "requirements.txt"
    lock.write_text(lock.read_text().replace("rb==2.0", "rb==3.0"))
    (code, through), (code_direct, direct) = both_ways(folder, monkeypatch, "--select", "DC1")
    assert code == code_direct == 1
    assert the_lock(through)["changes"] == the_lock(direct)["changes"] != []
    assert the_lock(through)["status"] == "drift"


def test_a_relay_that_cannot_answer_costs_time_never_the_verdict(upstream, spied, tmp_path, monkeypatch):
    folder = lock_app(tmp_path, upstream, "ra<2\n")
    monkeypatch.setattr(relay.Relay, "_metadata", lambda self, entry: self._fail(502, "metadata refused"))
    code, report = run_check(folder, "--select", "DC1")
    assert code == 0 and the_lock(report)["status"] == "in-sync"
    assert "metadata refused" in spied["relays"][0].failures


def _job(tmp_path: Path, *index_options: str) -> Job:
    return Job(tmp_path, "requirements.txt", ["requirements.in"], [], list(index_options), "", True, "3.11", None, 60)


@pytest.mark.parametrize(
    "options",
    [
        ("--index-url", "https://a.example/simple", "--extra-index-url", "https://b.example/simple"),
        ("--index-url", "https://a.example/simple", "--index-url", "https://b.example/simple"),
        ("--no-index", "--find-links", "./wheels"),
        ("--index-url", "https://user:secret@a.example/simple"),
        ("--index-url", "https://a.example/simple", "--trusted-host", "a.example"),
        ("--index-url", "file:///srv/simple"),
    ],
)
def test_a_job_the_relay_cannot_stand_in_for_runs_against_the_index(tmp_path, running, options):
    """Several indexes (which one a project comes from depends on every page), no index, credentials, trusted
    hosts, a local folder: not relayed."""
    assert relayed(_job(tmp_path, *options), running, {"ra": "1.0"}, False) is None


def test_a_relayed_job_keeps_its_find_links_and_maps_the_relay_back_to_the_users_index(tmp_path, running):
    job = relayed(
        _job(tmp_path, "--index-url", "https://a.example/simple", "--find-links", "./wheels"), running, {}, False
    )
    assert job is not None
    url = job.index_options[1]
    assert job.index_options == ["--index-url", url, "--find-links", "./wheels"] and url.startswith("http://127.0.0.1:")
    assert job.paths[url] == "https://a.example/simple"  # what the lock says, if it records its index
    assert "127.0.0.1" in job.build_env["NO_PROXY"].split(",")
    default = relayed(_job(tmp_path), running, {}, False)
    assert default is not None and default.paths[default.index_options[1]] == "https://pypi.org/simple"


def test_the_relay_can_be_switched_off_and_a_machine_without_loopback_runs_without_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOYCHECK_INDEX_RELAY", "0")
    with relay.running(cache_dir=tmp_path) as off:
        assert off is None
    monkeypatch.delenv("DEPLOYCHECK_INDEX_RELAY")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("Cannot assign requested address")

    monkeypatch.setattr(relay._Server, "__init__", refuse)
    with relay.running(cache_dir=tmp_path) as none:
        assert none is None
    monkeypatch.undo()
    closed: list[bool] = []
    real_close = relay._Server.server_close
    monkeypatch.setattr(relay._Server, "server_close", lambda self: closed.append(True) or real_close(self))
    monkeypatch.setattr(relay.socket, "socketpair", refuse)
    with relay.running(cache_dir=tmp_path) as none:
        assert none is None and closed == [True]  # the listening socket it had opened is not left behind


# ------------------------------------------------------------------------------- one index's word about another's


@pytest.fixture
def two_indexes(tmp_path: Path) -> Iterator[tuple[IndexServer, IndexServer]]:
    """The real index (rpz 1.0 requires rb), and a hostile one whose page lists a wheel it claims has the real
    wheel's sha256, with PEP 658 metadata of its own (no requirement)."""
    real, hostile = tmp_path / "real", tmp_path / "hostile"
    build_index([Dist("rpz", "1.0", ["rb"]), Dist("rb", "1.0")], real)
    build_index([Dist("rpz", "1.0", metadata_file=True)], hostile)
    real_sha = json.loads((real / "simple/rpz/index.json").read_text())["files"][0]["hashes"]["sha256"]
    for name in ("index.json", "index.html"):
        page = hostile / "simple/rpz" / name
        own = json.loads((hostile / "simple/rpz/index.json").read_text())["files"][0]["hashes"]["sha256"]
        page.write_text(page.read_text().replace(own, real_sha))
    with IndexServer(real) as one, IndexServer(hostile) as two:
        yield one, two


def test_metadata_another_index_gave_for_the_same_hash_never_confirms_a_lock(two_indexes, spied, tmp_path, monkeypatch):
    """The metadata cache is keyed by the file's hash as a page states it: a page of an index a hostile
    repository names (checked earlier, on the same machine) must not decide what a later run through the relay
    is told about the real index's wheel of that hash."""
    real, hostile = two_indexes
    with relay.running(cache_dir=cache.folder() / "index") as poisoner:
        assert poisoner is not None
        base = poisoner.url(f"{hostile.url}/simple/", {"rpz": "1.0"})
        (wheel,) = page(base, "rpz")["files"]
        status, _, forged = get(f"{base}/rpz/{wheel['url']}.metadata")
        assert status == 200 and "Requires-Dist" not in forged.decode()
    folder = write(tmp_path / "app", {"requirements.in": "rpz\n", ".python-version": "3.11\n"})
    uv_compile(folder, "3.11", "requirements.in", "-o", "requirements.txt", index_url=f"{real.url}/simple/")
    lock = folder / "requirements.txt"
    assert "rb==1.0" in lock.read_text()
    lock.write_text(lock.read_text().replace("rb==1.0\n    # via rpz\n", ""))  # rpz's requirement left out
    assert "rb" not in lock.read_text()
    (code, through), (code_direct, direct) = both_ways(
        folder, monkeypatch, "--select", "DC1", "--index-url", f"{real.url}/simple/"
    )
    assert code == code_direct == 1 and the_lock(through)["status"] == the_lock(direct)["status"] == "drift"
    assert [c["name"] for c in the_lock(through)["changes"]] == ["rb"]
    assert spied["relays"][-1].answered >= 2  # uv read rpz's page and metadata through the relay


def test_a_lock_whose_sources_name_their_index_is_never_confirmed_against_another(
    upstream, spied, tmp_path, monkeypatch
):
    """requirements.in may name its index itself (`--index-url` inside it); the command and the lock then name
    none. uv reads the file's line unless the command line gives an index: standing the relay in for uv's default
    (PyPI) would resolve against another index than the one the sources name."""
    public = tmp_path / "public"
    build_index([Dist("ra", "1.0")], public)  # the same name elsewhere, without ra's requirement on rb
    with IndexServer(public) as default:
        monkeypatch.setattr("deploycheck.resolve.relayed.PYPI", f"{default.url}/simple")
        folder = write(tmp_path / "app", {"requirements.in": f"--index-url {upstream.url}/simple/\nra<2\n"})
        (folder / ".python-version").write_text("3.11\n")
        uv_compile(folder, "3.11", "requirements.in", "-o", "requirements.txt", index_url=f"{upstream.url}/simple/")
        lock = folder / "requirements.txt"
        assert "rb==2.0" in lock.read_text() and "--index-url" not in lock.read_text()
        lock.write_text(lock.read_text().replace("rb==2.0\n    # via ra\n", ""))  # ra's requirement left out
        (code, through), (code_direct, direct) = both_ways(folder, monkeypatch, "--select", "DC1")
    assert code == code_direct == 1 and the_lock(through)["status"] == the_lock(direct)["status"] == "drift"
    assert [c["name"] for c in the_lock(through)["changes"]] == ["rb"]


def test_the_relay_holds_a_bounded_number_of_connections_at_once(upstream, tmp_path, monkeypatch):
    """Package code runs as uv's user and can read the relay's URL from uv's command line: connections it opens
    and keeps must not take a thread and a descriptor of deploycheck's each, without bound."""
    import socket

    monkeypatch.setattr(relay, "MAX_CONNECTIONS", 2, raising=False)
    with relay.running(cache_dir=tmp_path / "cache") as held:
        assert held is not None
        base = held.url(f"{upstream.url}/simple/", {})
        port = int(base.split(":")[2].split("/")[0])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            with pytest.raises((ConnectionError, http.client.HTTPException)):
                get(f"{base}/rb/")
            assert held.failures == ["too many connections"]  # a run through the relay then is redone
        finally:
            for sock in idle:
                sock.close()


@pytest.mark.parametrize(
    ("pins_txt", "names_one"),
    [
        ("", False),  # no index line anywhere: uv's default, relayed
        ("--index-url https://private.example/simple\n", True),
        ("--extra-index-url https://private.example/simple\n", True),
        ("--find-links ./wheels\n", False),  # uv reads find-links itself either way
        ("-c https://example.com/constraints.txt\n", True),  # read by nobody here: it may name one
    ],
)
def test_the_scan_says_whether_a_source_or_an_include_names_an_index(tmp_path, running, pins_txt, names_one):
    header = "#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n#\n"
    files = {"requirements.in": "-r sub/base.in\nra\n", "sub/base.in": "-c ../pins.txt\n", "pins.txt": pins_txt}
    write(tmp_path, {**files, "requirements.txt": header + "#    pip-compile\n#\nra==1.0\n"})
    (pair,) = pipeline.project(build({}, root=tmp_path)).locks
    assert pair.names_an_index is names_one
    job = _job(tmp_path, "--index-url", "https://a.example/simple")
    assert (relayed(job, running, {}, pair.names_an_index) is None) is names_one


def test_a_client_that_resets_its_connection_leaves_no_traceback(upstream, running, capfd):
    # uv killed at --timeout (or dropping a connection) resets it while the relay answers: no traceback on
    # the user's terminal, and nothing the run's verdict depends on.
    import socket
    import struct
    import threading

    base = running.url(f"{upstream.url}/simple/", {"ra": "1.0"})
    parts = urllib.parse.urlsplit(base)
    for _ in range(3):
        client = socket.create_connection((parts.hostname, parts.port), timeout=10)
        client.sendall(f"GET {parts.path}/ra/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # an RST, not a FIN
    assert get(f"{base}/ra/")[0] == 200  # the relay still answers
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(10)  # each connection's handler has finished
    assert "Traceback" not in capfd.readouterr().err
    assert running.failures == []
