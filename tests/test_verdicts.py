"""The verdict cache (deploycheck/verdicts.py): a repeat run on unchanged inputs is the earlier report, and
each thing that decides a verdict, changed, makes the run check again. Real runs (uv, the local index);
whether a run was answered from the cache is read from whether the pipeline ran, never from its speed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import uv_compile, write
from pkgindex import Dist, IndexServer, build_index

from deploycheck import cli, pipeline, verdicts
from deploycheck.report.model import Report

DISTS = [Dist("vclib", "1.0"), Dist("vclib", "1.1"), Dist("vchelper", "2.0")]


@pytest.fixture
def server(tmp_path: Path):
    build_index([*DISTS, Dist("vclib", "1.2", ["vchelper"])], tmp_path / "index")
    with IndexServer(tmp_path / "index") as srv:
        yield srv


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The verdict cache on (conftest turns it off for every other test), in a folder of this test's own."""
    folder = tmp_path / "verdicts"
    monkeypatch.delenv("DEPLOYCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("DEPLOYCHECK_VERDICT_CACHE", str(folder))
    return folder


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The settings of every run the pipeline made (a run answered from the cache adds nothing)."""
    made: list[object] = []
    real = pipeline.run

    def counted(settings, guard=None):
        made.append(settings)
        return real(settings, guard)

    monkeypatch.setattr(pipeline, "run", counted)
    return made


def make_repo(tmp_path: Path, server: IndexServer) -> Path:
    """A git repository with the app in app/ and a shared constraints file at the top, -c included."""
    repo = tmp_path / "repo"
    app = write(repo / "app", {"requirements.in": "-c ../common.txt\nvclib\n", "main.py": "import vclib\n"})
    write(repo, {"common.txt": "vclib<1.2\n"})
    uv_compile(app, "3.11", "requirements.in", "-o", "requirements.txt", index_url=f"{server.url}/simple/")
    (app / ".python-version").write_text("3.11\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    return app


def check(app: Path, server: IndexServer, *args: str) -> tuple[int, dict]:
    out = app.parent.parent / "report.json"
    code = cli.main([str(app), "--index-url", f"{server.url}/simple/", "--format", "json", "--output", str(out), *args])
    return code, json.loads(out.read_text())


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def age(folder: Path, seconds: float = 3600) -> None:
    """Entries last confirmed `seconds` ago: past verdicts.FRESH, so their pages are asked again."""
    for entry in entries(folder):
        st = entry.stat()
        os.utime(entry, (st.st_atime - seconds, st.st_mtime - seconds))


def test_a_repeat_run_is_the_same_report_without_running_anything(tmp_path, server, cached, runs, capsys):
    app = make_repo(tmp_path, server)
    first = check(app, server)
    assert first[0] == 0 and first[1]["lockfiles"][0]["status"] == "in-sync"
    assert len(runs) == 1 and len(entries(cached)) == 1
    server.requests(clear=True)
    assert check(app, server) == first
    assert len(runs) == 1  # answered from the cache
    assert server.requests() == []  # within the page freshness, not even the index is asked
    # The format is not part of the verdict: text from the cache is the text of a full run.
    capsys.readouterr()
    cli.main([str(app), "--index-url", f"{server.url}/simple/"])
    from_cache = capsys.readouterr().out
    cli.main([str(app), "--index-url", f"{server.url}/simple/", "--no-cache"])
    assert len(runs) == 2  # --no-cache ran the checks
    assert capsys.readouterr().out == from_cache


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda app: app.joinpath("requirements.txt").write_text(
                "# edited\n" + app.joinpath("requirements.txt").read_text()
            ),
            id="lock",
        ),
        pytest.param(
            lambda app: app.joinpath("requirements.in").write_text("-c ../common.txt\nvclib\n\n"), id="source"
        ),
        pytest.param(
            lambda app: app.parent.joinpath("common.txt").write_text("vclib<1.3\n"), id="include-outside-the-app"
        ),
        pytest.param(
            lambda app: app.joinpath("main.py").write_text("import vclib\nimport vchelper\n"), id="code-the-checks-read"
        ),
        pytest.param(lambda app: app.joinpath(".python-version").write_text("3.12\n"), id="runtime"),
        pytest.param(
            lambda app: app.joinpath("Procfile").write_text("web: python main.py\n"), id="a-new-file-platform"
        ),
    ],
)
def test_changing_an_input_byte_invalidates(tmp_path, server, cached, runs, change):
    app = make_repo(tmp_path, server)
    check(app, server)
    change(app)
    check(app, server)
    assert len(runs) == 2


@pytest.mark.parametrize(
    "args", [("--select", "DC1,DC4"), ("--python-version", "3.12"), ("--fail-on", "warning"), ("--platform", "heroku")]
)
def test_changing_a_setting_that_matters_invalidates(tmp_path, server, cached, runs, args):
    app = make_repo(tmp_path, server)
    check(app, server)
    check(app, server, *args)
    assert len(runs) == 2
    check(app, server, *args)
    assert len(runs) == 2  # and that verdict is kept under its own key


def test_another_index_url_invalidates(tmp_path, server, cached, runs):
    app = make_repo(tmp_path, server)
    check(app, server)
    check(app, server, "--extra-index-url", f"{server.url}/other/")
    assert len(runs) == 2


def test_the_toolchain_invalidates(tmp_path, server, cached, runs, monkeypatch):
    app = make_repo(tmp_path, server)
    check(app, server)
    # Another pinned pip-tools: deploycheck's own files (code and resolve/toolchain.txt) are keyed by content.
    copy = tmp_path / "deploycheck-copy"
    shutil.copytree(verdicts.OWN_FILES, copy, symlinks=False, ignore=shutil.ignore_patterns("__pycache__"))
    pins = copy / "resolve" / "toolchain.txt"
    pins.write_text(pins.read_text().replace("pip-tools==", "pip-tools==0.0.0.dev0+"))
    monkeypatch.setattr(verdicts, "OWN_FILES", copy)
    check(app, server)
    assert len(runs) == 2
    # Another uv.
    monkeypatch.setattr(verdicts.pins, "uv_version", lambda: "0.0.1")
    check(app, server)
    assert len(runs) == 3


def test_the_platform_and_the_environment_invalidate(tmp_path, server, cached, runs, monkeypatch):
    app = make_repo(tmp_path, server)
    check(app, server)
    monkeypatch.setattr(verdicts, "_platform", lambda: "linux Linux aarch64")
    check(app, server)
    assert len(runs) == 2
    monkeypatch.setenv("UV_INDEX_STRATEGY", "unsafe-best-match")  # what the resolvers read
    check(app, server)
    assert len(runs) == 3


def test_an_unchanged_index_is_asked_once_per_page_and_answers_304(tmp_path, server, cached, runs):
    app = make_repo(tmp_path, server)
    check(app, server)
    age(cached)
    server.requests(clear=True)
    check(app, server)
    assert len(runs) == 1
    asked = server.requests()
    assert asked and all(r.status == 304 and r.path.startswith("/simple/") for r in asked)
    assert len({r.path for r in asked}) == len(asked)  # one request per page
    server.requests(clear=True)
    check(app, server)  # confirmed just now: fresh again
    assert server.requests() == [] and len(runs) == 1


def test_a_pin_yanked_on_the_index_invalidates(tmp_path, server, cached, runs):
    app = make_repo(tmp_path, server)
    pinned = next(
        line for line in app.joinpath("requirements.txt").read_text().splitlines() if line.startswith("vclib==")
    )
    check(app, server)
    build_index(
        [d for d in DISTS if f"{d.name}=={d.version}" != pinned] + [Dist(*pinned.split("=="), yanked="bad")],
        (tmp_path / "index"),
    )
    age(cached)
    check(app, server)
    assert len(runs) == 2  # checked again (it reads the page as the index client's freshness allows)


def test_a_page_gone_from_the_index_invalidates(tmp_path, server, cached, runs):
    app = make_repo(tmp_path, server)
    check(app, server)
    shutil.rmtree((tmp_path / "index") / "simple" / "vchelper", ignore_errors=True)
    shutil.rmtree((tmp_path / "index") / "simple" / "vclib")
    age(cached)
    check(app, server)
    assert len(runs) == 2


def test_without_validators_an_unchanged_page_body_still_confirms(tmp_path, server, cached, runs):
    app = make_repo(tmp_path, server)
    check(app, server)
    server.validators = False
    age(cached)
    check(app, server)
    assert len(runs) == 1


def test_a_run_that_could_not_check_is_never_kept(tmp_path, server, cached, runs):
    app = make_repo(tmp_path, server)
    server.fail = 503
    code, _ = check(app, server)
    assert code == 2 and entries(cached) == []
    server.fail = None
    check(app, server)
    assert len(runs) == 2 and len(entries(cached)) == 1


# Hostile or broken entries: each is a miss (a full run), never a crash and never a wrong verdict


def stored(tmp_path: Path, server: IndexServer, cached: Path) -> tuple[Path, Path]:
    app = make_repo(tmp_path, server)
    check(app, server)
    (entry,) = entries(cached)
    return app, entry


def rewrite(entry: Path, edit) -> None:
    """The entry's body edited, with a checksum that matches it: only the schema check stands in the way."""
    import hashlib

    head, body = entry.read_bytes().split(b"\n", 1)
    data = edit(json.loads(body))
    body = json.dumps(data).encode()
    header = {**json.loads(head), "sha256": hashlib.sha256(body).hexdigest()}
    entry.write_bytes(json.dumps(header).encode() + b"\n" + body)


def test_a_corrupt_entry_is_a_miss(tmp_path, server, cached, runs):
    app, entry = stored(tmp_path, server, cached)
    data = bytearray(entry.read_bytes())
    data[-10] ^= 1  # one flipped bit: the checksum no longer matches
    entry.write_bytes(bytes(data))
    assert check(app, server)[0] == 0
    assert len(runs) == 2


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda d: {**d, "report": {**d["report"], "schema_version": 0}}, id="old-schema"),
        pytest.param(lambda d: {**d, "report": {**d["report"], "findings": [{"code": 1}]}}, id="bad-finding"),
        pytest.param(lambda d: {**d, "pages": {"file:///etc/passwd": None}}, id="not-an-index-url"),
        pytest.param(lambda d: {**d, "inputs": {"/etc/hostname": "0" * 64}}, id="bad-input-digest"),
        pytest.param(lambda d: {**d, "extra": 1}, id="unknown-field"),
        pytest.param(lambda d: [d], id="not-an-object"),
    ],
)
def test_an_entry_of_the_wrong_shape_is_a_miss(tmp_path, server, cached, runs, edit):
    app, entry = stored(tmp_path, server, cached)
    rewrite(entry, edit)
    age(cached)
    assert check(app, server)[0] == 0
    assert len(runs) == 2


def test_a_forged_verdict_in_a_folder_others_can_write_is_not_read(tmp_path, server, cached, runs):
    app, entry = stored(tmp_path, server, cached)
    rewrite(entry, lambda d: {**d, "report": {**d["report"], "root": "forged"}})
    cached.chmod(0o777)  # package code running as another user could have written this
    check(app, server)
    assert len(runs) == 2
    cached.chmod(0o755)
    entry.chmod(0o666)
    check(app, server)
    assert len(runs) == 3


def test_an_entry_that_is_a_symlink_is_not_followed(tmp_path, server, cached, runs):
    app, entry = stored(tmp_path, server, cached)
    elsewhere = tmp_path / "elsewhere.json"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)
    check(app, server)
    assert len(runs) == 2


def test_the_folder_is_bounded_and_the_oldest_entry_goes(tmp_path, cached, monkeypatch):
    monkeypatch.setattr(verdicts, "MAX_ENTRIES", 2)
    report = Report(root=".", runtime={})
    for n, key in enumerate(["a" * 64, "b" * 64, "c" * 64]):
        assert verdicts.store(cached, key, report, {})
        os.utime(cached / f"{key}.json", (1000 + n, 1000 + n))
    assert [p.stem[0] for p in entries(cached)] == ["b", "c"]
    assert oct(cached.stat().st_mode & 0o777) == "0o755"
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in entries(cached))


def test_what_git_tracks_invalidates_but_a_fresh_checkout_does_not(tmp_path, server, cached, runs):
    app = make_repo(tmp_path, server)
    repo = app.parent
    check(app, server)
    # A CI checkout: the same bytes, every file with a new mtime, the git index written anew.
    for path in repo.rglob("*"):
        if ".git" not in path.parts:
            os.utime(path, (1_000_000, 1_000_000))
    (repo / ".git" / "index").unlink()
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    check(app, server)
    assert len(runs) == 1
    subprocess.run(["git", "-C", str(repo), "rm", "-q", "--cached", "app/main.py"], check=True)
    check(app, server)
    assert len(runs) == 2


def test_a_cached_run_imports_neither_the_pipeline_nor_a_check(tmp_path, server, cached):
    """The lean start: answered from the cache, the command imports no check, resolver or lock model."""
    import sys

    app = make_repo(tmp_path, server)
    argv = [sys.executable, "-X", "importtime", "-m", "deploycheck", str(app), "--index-url", f"{server.url}/simple/"]
    first = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    again = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert first.returncode == again.returncode == 0 and first.stdout == again.stdout

    def imported(done: subprocess.CompletedProcess[str]) -> set[str]:
        return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.count("|") == 2}

    assert {"deploycheck.pipeline", "deploycheck.checks"} <= imported(first)
    heavy = {
        m
        for m in imported(again)
        if m.startswith(
            ("deploycheck.pipeline", "deploycheck.checks", "deploycheck.resolve", "deploycheck.locks.model")
        )
    }
    assert heavy == set()


def test_a_cached_verdict_never_lets_output_overwrite_an_input(tmp_path, server, cached, capsys):
    app = make_repo(tmp_path, server)
    check(app, server)
    lock = app / "requirements.txt"
    before = lock.read_bytes()
    code = cli.main([str(app), "--index-url", f"{server.url}/simple/", "--output", str(lock)])
    assert code == 2 and "--output would overwrite a file that deploycheck reads as input" in capsys.readouterr().err
    assert lock.read_bytes() == before


def test_an_index_password_is_never_written_into_the_cache(tmp_path, server, cached):
    app = make_repo(tmp_path, server)
    url = f"{server.url}/simple/".replace("http://", "http://deploy:s3cret-token@")
    for args in ([], ["--ignore", "DC4,DC5"]):
        cli.main([str(app), "--index-url", url, "--format", "json", "--output", str(tmp_path / "r.json"), *args])
    assert not any("s3cret-token" in p.read_text() for p in cached.rglob("*") if p.is_file())
    assert verdicts._public(url) == f"{server.url}/simple/"
