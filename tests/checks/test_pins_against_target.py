"""DC401-DC405, DC409: pinned releases against the deploy's target, read from the local package index
(tests/conftest.py INDEX_DISTS) over real HTTP; an index that does not answer is "could not check"."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator

import pytest
from conftest import run_check, write
from pkgindex import Dist, IndexServer, build_index, write_wheel


def found(report: dict, prefix: str = "DC4") -> list[tuple[str, str, int]]:
    return sorted((f["code"], f["path"], f["line"]) for f in report["findings"] if f["code"].startswith(prefix))


def by_code(report: dict, code: str) -> dict:
    (finding,) = [f for f in report["findings"] if f["code"] == code]
    return finding


def plain(tmp_path, requirements: str, python: str = "3.12", **files: str):
    return write(tmp_path / "app", {"requirements.txt": requirements, ".python-version": f"{python}\n", **files})


def closed_port_url() -> str:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/simple/"


def test_each_kind_fires_at_its_line(tmp_path, index):
    folder = plain(
        tmp_path,
        "oldpy==1.0\n"  # 1: Requires-Python <3.8
        "sdistonly==1.0\n"  # 2: no wheel at all
        "yankme==1.1\n"  # 3: yanked, with a reason
        "yankme-gone==1.0\n"  # 4: no such project
        "winonly==3.0\n"  # 5: only a Windows wheel, no sdist
        "fastlib==1.0\n"  # 6: cp311 wheels and an sdist: built from source on 3.12
        "helperlib==1.7\n",  # 7: a release the index does not have
    )
    code, report = run_check(folder, "--select", "DC4", "--index-url", index)
    assert code == 1 and report["problems"] == []
    assert found(report) == [
        ("DC401", "requirements.txt", 1),
        ("DC402", "requirements.txt", 2),
        ("DC402", "requirements.txt", 6),
        ("DC403", "requirements.txt", 3),
        ("DC404", "requirements.txt", 4),
        ("DC404", "requirements.txt", 7),
        ("DC405", "requirements.txt", 5),
    ]
    severities = {f["code"]: f["severity"] for f in report["findings"] if f["code"] != "DC402"}
    assert severities == {"DC401": "error", "DC403": "warning", "DC404": "error", "DC405": "error"}
    messages = {(f["code"], f["line"]): f for f in report["findings"]}
    # sdistonly's sdist is pure Python (#17 class 6); fastlib publishes cp311 wheels: compiled code.
    assert (messages["DC402", 2]["severity"], messages["DC402", 6]["severity"]) == ("info", "warning")
    assert "pure Python" in messages["DC402", 2]["message"] and "cp311" in messages["DC402", 6]["message"]
    assert "<3.8" in messages["DC401", 1]["message"] and "no release of oldpy supports" in messages["DC401", 1]["fix"]
    assert "broken build, use 1.2" in messages["DC403", 3]["message"]
    assert messages["DC403", 3]["fix"].startswith("change line 3 of requirements.txt to `yankme==1.2`")
    assert "fastlib==2.0" in messages["DC402", 6]["fix"] and "first release with a wheel" in messages["DC402", 6]["fix"]
    assert "win_amd64" in messages["DC405", 5]["message"]
    assert "helperlib==2.0" in messages["DC404", 7]["fix"] and "newest: 2.1" in messages["DC404", 7]["fix"]
    assert "none of the indexes" in messages["DC404", 4]["message"]


def test_what_must_not_fire(tmp_path, index):
    folder = plain(
        tmp_path,
        "yankme==1.2\n"  # the yanked release is 1.1, not this one
        "fastlib==1.1\n"  # a cp311 manylinux wheel fits 3.11
        "newonly==2.0\n"  # Requires-Python >=3.11 admits 3.11
        'winonly==3.0 ; sys_platform == "win32"\n'  # the marker keeps it off the target
        'oldpy==1.0 ; python_version < "3.8"\n'
        "helperlib>=1\n"  # a range is not a pinned release
        "-e ./localpkg\n"
        "webapp-core @ https://example.invalid/webapp_core-2.0-py3-none-any.whl\n",
        python="3.11",
    )
    code, report = run_check(folder, "--select", "DC4", "--index-url", index)
    assert (code, found(report), report["problems"]) == (0, [], [])


def test_the_target_python_decides(tmp_path, index):
    folder = plain(tmp_path, "newonly==2.0\n", python="3.9")
    code, report = run_check(folder, "--select", "DC4", "--index-url", index)
    finding = by_code(report, "DC401")
    assert code == 1 and ">=3.11" in finding["message"] and "deploy's Python 3.9" in finding["message"]
    assert "`newonly==1.0`" in finding["fix"] and "newest release that supports Python 3.9" in finding["fix"]


def test_alpine_image_needs_musllinux_wheels(tmp_path, index):
    dockerfile = "FROM python:3.11-alpine\nCOPY . .\nRUN pip install -r requirements.txt\n"
    folder = plain(tmp_path, "fastlib==1.0\n", python="3.11", Dockerfile=dockerfile)
    (tmp_path / "app" / ".python-version").unlink()
    code, report = run_check(folder, "--select", "DC4", "--index-url", index)
    finding = by_code(report, "DC402")
    assert code == 0 and "musl" in finding["message"] and "python:3.11-alpine" in finding["message"]
    assert "fastlib==1.1" in finding["fix"]  # 1.1 adds the musllinux wheel
    # The same pin on a glibc image has its manylinux wheel.
    write(folder, {"Dockerfile": dockerfile.replace("alpine", "slim")})
    assert found(run_check(folder, "--select", "DC4", "--index-url", index)[1]) == []


def test_slim_image_says_no_compiler(tmp_path, sdist_index):
    folder = plain(tmp_path, "c-sdist==1.0\n", Dockerfile="FROM python:3.12-slim\n")
    (tmp_path / "app" / ".python-version").unlink()
    _, report = run_check(folder, "--select", "DC402", "--index-url", sdist_index)
    finding = by_code(report, "DC402")
    assert "python:3.12-slim has no compiler" in finding["message"]
    assert "FROM python:3.12" in finding["fix"]


def test_lock_names_its_own_index_and_fix_recompiles(tmp_path, index):
    """No --index-url on the command line: the lock's own option line is honoured (PyPI has no yankme)."""
    folder = write(
        tmp_path / "app",
        {
            "requirements.in": "yankme\n",
            "requirements.txt": "#\n# This file is autogenerated by pip-compile with Python 3.11\n"
            "# by the following command:\n#\n#    pip-compile requirements.in\n#\n"
            f"--index-url {index}\n\nyankme==1.1\n    # via -r requirements.in\n",
            ".python-version": "3.11\n",
        },
    )
    code, report = run_check(folder, "--select", "DC4")
    finding = by_code(report, "DC403")
    assert (code, finding["line"], report["problems"]) == (0, 9, [])
    assert "--upgrade-package 'yankme==1.2'" in finding["fix"] and "requirements.in" in finding["fix"]


def test_no_index_file_is_said_not_checked(tmp_path):
    folder = plain(tmp_path, "--no-index\n--find-links ./wheels\noldpy==1.0\n")
    code, report = run_check(folder, "--select", "DC4")
    finding = by_code(report, "DC409")
    assert (code, finding["severity"], finding["line"]) == (0, "info", 1) and found(report, "DC40") == [
        ("DC409", "requirements.txt", 1)
    ]


def test_unreachable_index_is_could_not_check_never_an_error(tmp_path):
    folder = plain(tmp_path, "oldpy==1.0\nyankme==1.1\nnosuch==1.0\n")
    url = closed_port_url()
    code, report = run_check(folder, "--select", "DC4", "--index-url", url)
    assert code == 2 and report["outcome"] == "error" and found(report) == []
    (problem,) = report["problems"]  # one per index, though both checks and three pins used it
    assert url in problem["message"] and "could not check 3 pinned releases" in problem["message"]
    assert "HTTPS_PROXY" in problem["fix"] and "SSL_CERT_FILE" in problem["fix"]


def test_an_index_named_by_the_lock_that_does_not_answer_names_its_line(tmp_path, index):
    url = closed_port_url()
    folder = plain(tmp_path, f"--index-url {index}\n--extra-index-url {url}\noldpy==1.0\n")
    code, report = run_check(folder, "--select", "DC4")
    (problem,) = report["problems"]
    # pip merges both indexes' files: with one silent, oldpy is not judged at all.
    assert (code, found(report), problem["path"], problem["line"]) == (2, [], "requirements.txt", 1)
    assert url in problem["message"] and index not in problem["message"]


def test_credentials_in_an_index_url_are_not_reported(tmp_path):
    url = closed_port_url().replace("http://", "http://user:s3cret@")
    folder = plain(tmp_path, f"--index-url {url}\nyankme==1.1\n")
    _, report = run_check(folder, "--select", "DC4")
    assert "s3cret" not in str(report) and "127.0.0.1" in report["problems"][0]["message"]


@pytest.fixture
def silent_index() -> Iterator[tuple[str, list[int]]]:
    """An index that accepts connections and closes them unanswered; counts them."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted = [0]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted[0] += 1
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/simple/", accepted
    server.close()
    thread.join(timeout=5)


def test_an_index_that_does_not_answer_is_asked_once_not_once_per_pin(tmp_path, silent_index):
    url, accepted = silent_index
    pins = "".join(f"pkg{i}==1.0\n" for i in range(40))
    code, report = run_check(plain(tmp_path, pins), "--select", "DC4", "--index-url", url)
    assert code == 2 and "could not check 40 pinned releases" in report["problems"][0]["message"]
    assert 1 <= accepted[0] <= 2  # the first page (and pip's one retry), not 40 pages


def test_one_request_per_project_for_both_checks(tmp_path, fresh_index, monkeypatch):
    monkeypatch.setenv("DEPLOYCHECK_CACHE_DIR", str(tmp_path / "cache"))
    folder = plain(tmp_path, "yankme==1.1 --hash=sha256:" + "0" * 64 + "\nfastlib==1.1\n", python="3.11")
    code, report = run_check(folder, "--select", "DC4", "--index-url", f"{fresh_index.url}/simple/")
    pages = sorted(r.path for r in fresh_index.requests() if r.path.startswith("/simple/"))
    assert pages == ["/simple/fastlib/", "/simple/yankme/"]
    assert {"DC403", "DC410", "DC412"} <= {f["code"] for f in report["findings"]} and code == 1
    # Warm: the disk cache answers, no request at all.
    fresh_index.requests(clear=True)
    assert run_check(folder, "--select", "DC4", "--index-url", f"{fresh_index.url}/simple/")[1] == report
    assert fresh_index.requests() == []


@pytest.mark.online
def test_streamlit_example_against_the_real_index(tmp_path):
    """The shipped Streamlit lock on PyPI: every pin is a release with a wheel for 3.12, so nothing fires;
    a pin moved to a release PyPI never had fires at its line, which proves the lookup really happened."""
    from conftest import ROOT

    folder = shutil.copytree(ROOT / "examples" / "streamlit-app", tmp_path / "app")
    code, report = run_check(folder, "--select", "DC4")
    assert (code, found(report), report["problems"]) == (0, [], [])
    lock = folder / "requirements.txt"
    lines = lock.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("altair=="))
    lines[at] = "altair==0.0.1"
    lock.write_text("\n".join(lines) + "\n")
    code, report = run_check(folder, "--select", "DC4")
    assert (code, found(report)) == (1, [("DC404", "requirements.txt", at + 1)])
    assert "pypi.org/simple/" in report["findings"][0]["message"]


def test_a_python_nothing_declares_is_said_to_be_assumed(tmp_path, index):
    folder = write(tmp_path / "app", {"requirements.txt": "oldpy==1.0\n"})
    _, report = run_check(folder, "--select", "DC401", "--index-url", index)
    finding = by_code(report, "DC401")
    assert f"Python {report['runtime']['python']} is the platform's default" in finding["message"]
    assert "not declared exactly" in finding["message"]


def test_too_many_index_lists_are_bounded(tmp_path):
    files = {f"app{i}/requirements.txt": f"--index-url {closed_port_url()}\nyankme==1.{i}\n" for i in range(10)}
    folder = write(tmp_path / "repo", {**files, ".python-version": "3.12\n"})
    code, report = run_check(folder, "--select", "DC4")
    messages = [p["message"] for p in report["problems"]]
    assert code == 2 and found(report) == [] and len(messages) == 10
    assert sum("more than 8 different lists of package indexes" in m for m in messages) == 2


def test_a_universal_locks_line_for_the_target_is_the_one_judged(tmp_path, index):
    folder = plain(tmp_path, 'yankme==1.2 ; python_version < "3.10"\nyankme==1.1 ; python_version >= "3.10"\n')
    code, report = run_check(folder, "--select", "DC4", "--index-url", index)
    assert (code, found(report)) == (0, [("DC403", "requirements.txt", 2)])


# Class 4 of #17: a pin is looked up as pip compares versions (PEP 440), never as a string. These releases
# live on an index of their own so that the shared one keeps its shape.
PEP440_DISTS = [
    Dist("nltk-like", "3.3.0"),  # published as 3.3.0; pinned as 3.3
    Dist("padded", "1.2"),  # published as 1.2; pinned as 1.2.0
    Dist("torch-like", "1.0+cpu"),  # only a local version: `==1.0` matches it, as pip does
    Dist("localboth", "2.0", platform="win_amd64"),  # the public release has only a Windows wheel...
    Dist("localboth", "2.0+cpu"),  # ...and the local one installs anywhere: pip picks it for `==2.0`
    Dist("arbitrary", "1.0"),
    Dist("prefixlib", "1.0"),
    Dist("prefixlib", "1.5", requires_python="<3.8"),  # newest 1.x, but not for 3.12: pip takes 1.0
    Dist("prefixlib", "2.0"),
    Dist("nltkish-names", "3.3.0", modules={"nltkish/__init__.py": ""}),  # import name differs
    # For a plain file's range lines (#17 class 10): 2.13 has wheels up to cp311 only, 2.16 has cp312 too.
    Dist("tf-plain", "2.13.0", tag="cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    Dist("tf-plain", "2.16.1", tag="cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"),
]


@pytest.fixture(scope="module")
def pep440_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("pep440-index")
    build_index(PEP440_DISTS, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


@pytest.mark.parametrize(
    "line",
    [
        "nltk-like==3.3",  # zero padding: 3.3 == 3.3.0
        "padded==1.2.0",  # zero padding the other way
        "torch-like==1.0",  # a public pin matches a local release
        "torch-like==1.0+cpu",  # a local pin matches its own local release
        "localboth==2.0",  # pip picks 2.0+cpu, whose wheel installs: no DC405 for the Windows-only 2.0
        "arbitrary===1.0",  # string identity with the published version
        "prefixlib==1.*",  # pip takes 1.0: 1.5 excludes 3.12, and 2.0 is not 1.*
    ],
)
def test_pep440_equal_pins_are_found(tmp_path, pep440_index, line):
    folder = plain(tmp_path, f"{line}\n")
    code, report = run_check(folder, "--select", "DC4", "--index-url", pep440_index)
    assert (code, found(report), report["problems"]) == (0, [], [])


@pytest.mark.parametrize(
    "line",
    [
        "torch-like==1.0+cu118",  # another local label is another release
        "arbitrary===1.0.0",  # === is string identity: 1.0.0 is not the published 1.0
        "prefixlib==3.*",  # no 3.x at all
    ],
)
def test_pep440_unequal_pins_are_not_on_the_index(tmp_path, pep440_index, line):
    folder = plain(tmp_path, f"{line}\n")
    code, report = run_check(folder, "--select", "DC4", "--index-url", pep440_index)
    assert (code, found(report)) == (1, [("DC404", "requirements.txt", 1)])
    assert line in by_code(report, "DC404")["message"]


def test_a_zero_padded_pin_names_the_version_the_index_has(tmp_path, pep440_index):
    """The hashes are those of the release the pin matches (3.3.0): an edited one is still found."""
    folder = plain(tmp_path, "nltk-like==3.3 --hash=sha256:" + "0" * 64 + "\n")
    code, report = run_check(folder, "--select", "DC4", "--index-url", pep440_index)
    assert (code, found(report)) == (1, [("DC410", "requirements.txt", 1)])
    assert "nltk-like==3.3 (3.3.0 on the index)" in by_code(report, "DC410")["message"]


def test_a_zero_padded_pin_reads_the_wheels_import_names(tmp_path, pep440_index):
    """The import check reads the metadata of the release `==3.3` installs (3.3.0): `import nltkish` is provided."""
    folder = plain(tmp_path, "nltkish-names==3.3\n", **{"app.py": "import nltkish\n"})
    code, report = run_check(folder, "--select", "DC5", "--index-url", pep440_index)
    assert (code, [f["code"] for f in report["findings"]], report["problems"]) == (0, [], [])


# Class 6 of #17: an sdist-only release needs a compiler only when its sdist says so: C, C++, Cython or Rust
# sources, ext_modules in setup.py, or a build requirement that compiles. A pure-Python one builds anywhere.
SETUP = "from setuptools import setup\nsetup(name={0!r}, version='1.0')\n"
SDIST_DISTS = [
    Dist("pure-sdist", "1.0", setup_py=SETUP.format("pure-sdist"), sdist_files={"pure_sdist/__init__.py": ""}),
    Dist("c-sdist", "1.0", setup_py=SETUP.format("c-sdist"), sdist_files={"src/fast.c": "int f(void){return 1;}\n"}),
    Dist(
        "cython-sdist",
        "1.0",
        setup_py=SETUP.format("cython-sdist"),
        sdist_files={"pyproject.toml": '[build-system]\nrequires = ["setuptools", "Cython>=3"]\n'},
    ),
    Dist(
        "ext-sdist",
        "1.0",
        setup_py="from setuptools import Extension, setup\n"
        "setup(name='ext-sdist', ext_modules=[Extension('ext_sdist._speed', ['speed.cpp'])])\n",
    ),
]


@pytest.fixture(scope="module")
def sdist_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("sdist-index")
    build_index(SDIST_DISTS, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


def test_a_pure_python_sdist_is_at_most_info(tmp_path, sdist_index):
    folder = plain(tmp_path, "pure-sdist==1.0\n", Dockerfile="FROM python:3.12-slim\n")
    (tmp_path / "app" / ".python-version").unlink()
    code, report = run_check(folder, "--select", "DC402", "--index-url", sdist_index)
    finding = by_code(report, "DC402")
    assert (code, finding["severity"]) == (0, "info") and "pure Python" in finding["message"]
    assert "no compiler" not in finding["message"]


@pytest.mark.parametrize(
    ("line", "evidence"),
    [
        ("c-sdist==1.0", "src/fast.c"),
        ("cython-sdist==1.0", "build requirement cython"),
        ("ext-sdist==1.0", "ext_modules"),
    ],
)
def test_an_sdist_with_compiled_code_needs_a_compiler(tmp_path, sdist_index, line, evidence):
    folder = plain(tmp_path, f"{line}\n", Dockerfile="FROM python:3.12-slim\n")
    (tmp_path / "app" / ".python-version").unlink()
    _, report = run_check(folder, "--select", "DC402", "--index-url", sdist_index)
    finding = by_code(report, "DC402")
    assert finding["severity"] == "warning" and "has no compiler" in finding["message"]
    assert evidence in finding["message"]


# Class 16 of #17: files from --find-links (a page of links, or a folder of the repository) are read like an
# index's, instead of "not checked".


def _wheels(folder, *dists: Dist):
    folder.mkdir(parents=True, exist_ok=True)
    for dist in dists:
        write_wheel(dist, folder)
    return folder


def test_a_find_links_folder_in_the_repository_is_read(tmp_path):
    folder = plain(
        tmp_path,
        "--no-index\n--find-links ./wheels\nlocal-only==1.0\nwin-local==1.0\nlocal-only-gone==3.0\n",
    )
    _wheels(folder / "wheels", Dist("local-only", "1.0"), Dist("win-local", "1.0", platform="win_amd64"))
    _wheels(folder / "wheels", Dist("local-only-gone", "1.0"))
    code, report = run_check(folder, "--select", "DC4")
    assert (code, report["problems"]) == (1, [])
    assert found(report) == [("DC404", "requirements.txt", 5), ("DC405", "requirements.txt", 4)]


def test_a_find_links_folder_that_leaves_the_repository_is_not_read(tmp_path):
    outside = _wheels(tmp_path / "elsewhere", Dist("local-only", "1.0"))
    folder = plain(tmp_path, "--no-index\n--find-links ./wheels\nlocal-only==1.0\n")
    (folder / "wheels").symlink_to(outside, target_is_directory=True)
    code, report = run_check(folder)
    codes = sorted(f["code"] for f in report["findings"] if f["code"].startswith(("DC1", "DC40")))
    assert code == 1 and codes == ["DC106"], report["findings"]  # the link out is the finding; no pin is judged


def test_a_find_links_page_is_read(tmp_path, index):
    """PyTorch's CPU wheel page: an HTML page of links to wheels with local versions, beside the index."""
    root = tmp_path / "pages"
    _wheels(root / "whl", Dist("torch-like", "2.1.0+cpu"), Dist("torch-like", "2.1.0+cu118", platform="win_amd64"))
    links = "".join(f'<a href="{p.name}">{p.name}</a><br>\n' for p in sorted((root / "whl").iterdir()))
    (root / "whl" / "cpu.html").write_text(f"<html><body>\n{links}</body></html>\n")
    with IndexServer(root) as server:
        page = f"{server.url}/whl/cpu.html"
        folder = plain(tmp_path, f"--find-links {page}\ntorch-like==2.1.0+cpu\nyankme==1.2\ntorch-like-gone==1.0\n")
        code, report = run_check(folder, "--select", "DC4", "--index-url", index)
        assert (code, report["problems"]) == (1, [])
        assert found(report) == [("DC404", "requirements.txt", 4)]
        # The page's wheels are judged against the target like an index's: the cu118 build is Windows-only.
        write(folder, {"requirements.txt": f"--find-links {page}\ntorch-like==2.1.0+cu118\n"})
        code, report = run_check(folder, "--select", "DC4", "--index-url", index)
        assert found(report) == [("DC405", "requirements.txt", 2)]


def test_a_plain_range_with_no_release_for_the_deploys_python_is_an_error(tmp_path, pep440_index):
    """A plain requirements.txt has no lock to recompile: the pins check judges its range lines (#17 class 10)."""
    folder = plain(tmp_path, "tf-plain>=2.10,<2.14\nprefixlib>=1\n")
    code, report = run_check(folder, "--select", "DC4", "--index-url", pep440_index)
    assert (code, found(report)) == (1, [("DC406", "requirements.txt", 1)])
    finding = by_code(report, "DC406")
    assert "tf-plain<2.14,>=2.10 admits 2.13.0" in finding["message"] and "CPython 3.12" in finding["message"]
    assert "tf-plain==2.16.1" in finding["fix"] and "Python 3.11" in finding["fix"]


@pytest.mark.parametrize(("line", "code"), [("tf-plain>=2.10", 0), ("tf-plain>=3", 1), ("private-thing>=1", 0)])
def test_a_plain_range_is_judged_only_when_nothing_it_admits_installs(tmp_path, pep440_index, line, code):
    """>=2.10 admits 2.16.1, which installs; >=3 admits nothing on the index (DC406); a project no index lists
    may be private: no finding from its range."""
    folder = plain(tmp_path, f"{line}\n")
    got, report = run_check(folder, "--select", "DC40", "--index-url", pep440_index)
    assert (got, [f["code"] for f in report["findings"]]) == (code, ["DC406"] if code else [])


def test_ranges_of_a_file_the_platform_does_not_install_are_not_judged(tmp_path, pep440_index):
    """requirements-dev.txt is the developer's: a range nothing installs on the deploy is not the deploy's error."""
    folder = plain(tmp_path, "prefixlib==1.0\n", **{"requirements-dev.txt": "tf-plain>=2.10,<2.14\n"})
    code, report = run_check(folder, "--select", "DC40", "--index-url", pep440_index)
    assert (code, found(report)) == (0, [])


def test_a_release_newer_than_the_cached_page_is_asked_for_before_it_is_called_gone(tmp_path, monkeypatch):
    """A bot's pull request pins a release published after an earlier run cached the project's page (fresh for
    600 s): the index is asked again for that page, and the pin is found, not reported gone (DC404)."""
    monkeypatch.setenv("DEPLOYCHECK_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "index"
    build_index([Dist("newrel", "1.0")], root)
    with IndexServer(root) as server:
        url = f"{server.url}/simple/"
        code, report = run_check(plain(tmp_path, "newrel==1.0\n"), "--select", "DC4", "--index-url", url)
        assert code == 0, report["findings"]
        build_index([Dist("newrel", "1.0"), Dist("newrel", "2.0")], root)  # published since
        server.requests(clear=True)
        code, report = run_check(plain(tmp_path / "b", "newrel==2.0\n"), "--select", "DC4", "--index-url", url)
        assert code == 0 and not found(report), report["findings"]
        assert [r.path for r in server.requests()] == ["/simple/newrel/"]  # the page asked again, once
        code, report = run_check(plain(tmp_path / "c", "newrel==3.0\n"), "--select", "DC4", "--index-url", url)
        assert code == 1 and found(report) == [("DC404", "requirements.txt", 1)]  # still gone once asked
