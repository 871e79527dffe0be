"""The drift check against real pip-compile and uv runs on a local index, under two CPython versions."""

from __future__ import annotations

import subprocess
import types
from collections.abc import Iterator

import pytest
from conftest import PYTHONS, run_check, write
from pkgindex import Dist, IndexServer, build_index


def lock_of(report: dict, path: str = "requirements.txt") -> dict:
    return next(entry for entry in report["lockfiles"] if entry["path"] == path)


def changes(report: dict, path: str = "requirements.txt") -> dict[str, dict]:
    return {c["name"]: c for c in lock_of(report, path)["changes"]}


def codes(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"]}


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("tool", ["pip-compile", "uv"])
def test_in_sync_lock_is_ready(app, index, python, tool):
    folder = app(python, tool)
    # uv writes no index into its header: like a user of a private index, the test says which one.
    code, report = run_check(folder, *(["--index-url", index] if tool == "uv" else []))
    assert (code, report["outcome"]) == (0, "ready")
    entry = lock_of(report)
    assert entry["status"] == "in-sync" and entry["changes"] == []
    assert entry["runtime"]["python"] == python and entry["runtime"]["source"] == ".python-version"
    assert f"({python}." in entry["interpreter"]
    assert entry["tool"] == tool


@pytest.mark.parametrize("resolver", ["auto", "pip-tools", "uv"])
def test_every_resolver_agrees_on_in_sync(app, resolver):
    code, report = run_check(app("3.11"), "--resolver", resolver)
    assert code == 0 and lock_of(report)["status"] == "in-sync"


def test_auto_uses_uv_fast_pass_for_in_sync_pip_compile_lock(app):
    _, report = run_check(app("3.11"))
    assert lock_of(report)["resolver"].startswith("uv (fast pass")


def test_requirement_added_to_in_but_lock_not_recompiled(app):
    folder = app("3.11", files={})
    (folder / "requirements.in").write_text("webapp-core\nfancy[speed]\n")
    code, report = run_check(folder)
    assert (code, report["outcome"], report["drift"]) == (1, "not-ready", True)
    found = changes(report)
    assert set(found) == {"fancy", "speedups"}
    assert found["fancy"]["kind"] == "added" and found["fancy"]["after"] == "fancy[speed]==1.0"
    assert "requirements.in lists it" in found["fancy"]["cause"]
    assert "not installed at deploy time" in found["fancy"]["impact"]
    assert "installed unpinned" in found["speedups"]["impact"]
    assert lock_of(report)["resolver"] == "pip-tools 7.6.2"  # drift is confirmed by the lock's own tool
    assert "DC101" in codes(report)


def test_pin_edited_by_hand(app):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    lock.write_text(lock.read_text().replace("helperlib==2.1", "helperlib==1.0"))
    code, report = run_check(folder)
    assert code == 1
    change = changes(report)["helperlib"]
    assert (change["kind"], change["before"], change["after"]) == ("changed", "helperlib==1.0", "helperlib==2.1")
    assert change["fields"] == ["version"] and change["line"] is not None
    assert "edited by hand" in change["cause"]


def test_package_removed_from_in(app):
    folder = app("3.11", "pip-compile", "webapp-core\nfancy\n")
    (folder / "requirements.in").write_text("webapp-core\n")
    code, report = run_check(folder)
    assert code == 1
    change = changes(report)["fancy"]
    assert change["kind"] == "removed" and "nothing in the sources needs it" in change["cause"]
    # the stale lock this check exists for: an error, though the deploy only installs one package more
    assert [f["severity"] for f in report["findings"] if f["code"] == "DC101"] == ["error"]


def test_lock_compiled_with_older_python_keeps_a_backport(app):
    """The only change is a backport 3.9 needs and 3.11 installs without needing: the app deploys as it ran, so
    the drift is a warning (DC101) beside DC103; --strict makes it an error."""
    folder = app("3.9", runtime="3.11")
    code, report = run_check(folder)
    assert code == 0
    change = changes(report)["backport-x"]
    assert change["kind"] == "removed" and change["severity"] == "warning"
    assert "compiled with Python 3.9" in change["cause"] and "python_full_version" in change["cause"]
    assert "DC103" in codes(report)
    (drift,) = [f for f in report["findings"] if f["code"] == "DC101"]
    assert drift["severity"] == "warning" and "still deploys as it ran" in drift["message"]
    code, report = run_check(folder, "--strict")
    assert code == 1 and [f["severity"] for f in report["findings"] if f["code"] == "DC101"] == ["error"]


def test_lock_compiled_with_newer_python_lacks_a_backport(app):
    folder = app("3.11", runtime="3.9")
    code, report = run_check(folder)
    assert code == 1
    found = changes(report)
    assert found["backport-x"]["kind"] == "added" and "compiled with Python 3.11" in found["backport-x"]["cause"]
    assert "installed unpinned" in found["backport-x"]["impact"]


def test_python_dependent_release_is_a_version_change(app):
    folder = app("3.11", "pip-compile", "newonly\n", runtime="3.9")
    code, report = run_check(folder)
    assert code == 1
    change = changes(report)["newonly"]
    assert (change["before"], change["after"]) == ("newonly==2.0", "newonly==1.0")


def test_lock_made_on_macos_lacks_linux_dependency(app):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    text = lock.read_text()
    start = text.index("macwatch==")
    end = text.index("webapp-core==")
    lock.write_text(text[:start] + text[end:])
    code, report = run_check(folder)
    assert code == 1
    change = changes(report)["macwatch"]
    assert change["kind"] == "added" and "compiled on macOS" in change["cause"]


def test_lock_made_on_windows_carries_windows_only_pin(app):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    lock.write_text(lock.read_text() + "winonly==3.0\n    # via webapp-core\n")
    code, report = run_check(folder)
    assert code == 1
    change = changes(report)["winonly"]
    assert change["kind"] == "removed" and "compiled on Windows" in change["cause"]


def test_hashes_in_sync_and_with_a_changed_pin(app):
    folder = app("3.11", "pip-compile", "webapp-core\n", "--generate-hashes")
    assert run_check(folder)[0] == 0
    lock = folder / "requirements.txt"
    lock.write_text(lock.read_text().replace("helperlib==2.1", "helperlib==1.0"))
    code, report = run_check(folder)
    assert code == 1
    (change,) = report["lockfiles"][0]["changes"]
    assert change["fields"] == ["version"]  # the hash lines were 2.1's, and 2.1 is what resolves


def test_missing_dependency_with_hashes_fails_the_install(app):
    folder = app("3.11", "pip-compile", "webapp-core\n", "--generate-hashes")
    (folder / "requirements.in").write_text("webapp-core\nfancy[speed]\n")
    _, report = run_check(folder)
    assert "install fails" in changes(report)["speedups"]["impact"]


def test_header_forms_of_older_pip_tools_are_cosmetic(app):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    old = lock.read_text().replace(
        "autogenerated by pip-compile with Python 3.11", "autogenerated by pip-compile with python 3.11"
    )
    lock.write_text(old)
    code, report = run_check(folder, "--resolver", "pip-tools")
    assert code == 0 and lock_of(report)["cosmetic"] == ["header"]
    assert "DC102" in codes(report)
    code, report = run_check(folder, "--strict")
    assert code == 1 and lock_of(report)["status"] == "drift"


def test_pip_tools_5_header_is_understood(app):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    body = lock.read_text().split("\n#\n", 2)[2]
    lock.write_text(
        "#\n# This file is autogenerated by pip-compile\n# To update, run:\n#\n"
        "#    pip-compile requirements.in\n#\n" + body
    )
    code, report = run_check(folder)
    assert code == 0 and lock_of(report)["sources"] == ["requirements.in"]


def test_crlf_lock_is_in_sync_and_patch_keeps_crlf(app, tmp_path):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    lock.write_bytes(lock.read_bytes().replace(b"\n", b"\r\n"))
    assert run_check(folder, "--resolver", "pip-tools")[0] == 0
    (folder / "requirements.in").write_text("webapp-core\nfancy\n")
    code, _ = run_check(folder, "--fix-dir", str(tmp_path / "fix"))
    assert code == 1
    assert b"\r\nfancy==1.0\r\n" in (tmp_path / "fix" / "requirements.txt").read_bytes()


def test_cosmetic_only_differences_are_not_drift(app):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    lock.write_text("\n".join(line for line in lock.read_text().splitlines() if "# via" not in line) + "\n")
    code, report = run_check(folder, "--resolver", "pip-tools")
    assert code == 0 and "annotations" in lock_of(report)["cosmetic"]


def test_fix_dir_patch_applies_with_git(app, tmp_path):
    folder = app("3.11")
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    (folder / "requirements.in").write_text("webapp-core\nfancy\n")
    fix = tmp_path / "fix"
    assert run_check(folder, "--fix-dir", str(fix))[0] == 1
    subprocess.run(["git", "apply", str(fix / "deploycheck.patch")], cwd=folder, check=True)
    assert (folder / "requirements.txt").read_text() == (fix / "requirements.txt").read_text()
    assert run_check(folder)[0] == 0  # what deploycheck proposes, it accepts
    header = (folder / "requirements.txt").read_text().splitlines()[4]
    assert "pip-compile" in header and "requirements.in" in header  # the user's command is kept


def test_layered_requirements_compiled_in_include_order(tmp_path, index, compiled):
    from conftest import pip_compile

    folder = write(
        tmp_path / "layered",
        {
            "requirements/base.in": "webapp-core\n",
            "requirements/dev.in": "-c base.txt\nfancy\nhelperlib\n",
            ".python-version": "3.11\n",
        },
    )
    pip_compile(folder / "requirements", "3.11", "base.in", index_url=index)
    pip_compile(folder / "requirements", "3.11", "dev.in", index_url=index)
    code, report = run_check(folder)
    assert code == 0
    assert [e["path"] for e in report["lockfiles"]] == ["requirements/base.txt", "requirements/dev.txt"]
    # Tighten the base: its lock drifts, and dev (constrained by base.txt) follows the recompiled base.
    (folder / "requirements/base.in").write_text("webapp-core\nhelperlib<2.1\n")
    code, report = run_check(folder)
    assert code == 1
    assert changes(report, "requirements/base.txt")["helperlib"]["after"] == "helperlib==2.0"
    assert changes(report, "requirements/dev.txt")["helperlib"]["after"] == "helperlib==2.0"


def test_pyproject_as_source(tmp_path, index):
    from conftest import pip_compile

    folder = write(
        tmp_path / "pkg",
        {
            "pyproject.toml": '[project]\nname = "myapp"\nversion = "1"\ndependencies = ["helperlib"]\n'
            'requires-python = ">=3.9"\n[project.optional-dependencies]\nweb = ["webapp-core"]\n',
            ".python-version": "3.11\n",
        },
    )
    pip_compile(folder, "3.11", "--extra", "web", "-o", "requirements.txt", "pyproject.toml", index_url=index)
    code, report = run_check(folder)
    assert code == 0 and lock_of(report)["sources"] == ["pyproject.toml"]
    text = (folder / "pyproject.toml").read_text().replace('["webapp-core"]', '["webapp-core", "fancy"]')
    (folder / "pyproject.toml").write_text(text)
    code, report = run_check(folder)
    assert code == 1 and changes(report)["fancy"]["kind"] == "added"


def test_uv_lock_drift_is_reported_and_proposal_keeps_uv_header(app, tmp_path, index):
    folder = app("3.11", "uv")
    (folder / "requirements.in").write_text("webapp-core\nfancy\n")
    code, report = run_check(folder, "--index-url", index, "--fix-dir", str(tmp_path / "fix"))
    assert code == 1 and lock_of(report)["resolver"] == "uv"
    assert changes(report)["fancy"]["kind"] == "added"
    proposed = (tmp_path / "fix" / "requirements.txt").read_text()
    committed = (folder / "requirements.txt").read_text()
    assert proposed.splitlines()[:2] == committed.splitlines()[:2]  # the user's own header command
    assert "--python-platform linux" in lock_of(report)["fix_command"]


def test_markers_from_in_go_to_pip_compile_and_agree(app):
    folder = app("3.11", "pip-compile", 'webapp-core\nfancy; python_version >= "3.10"\n')
    code, report = run_check(folder)
    assert code == 0 and lock_of(report)["resolver"] == "pip-tools 7.6.2"
    (folder / "requirements.in").write_text('webapp-core\nfancy; python_version >= "3.8"\n')
    for resolver in ("auto", "pip-tools"):
        code, report = run_check(folder, "--resolver", resolver)
        assert code == 1 and changes(report)["fancy"]["fields"] == ["marker"], resolver


def test_unsafe_packages_uv_pins_are_not_drift(app):
    folder = app("3.11", "pip-compile", "needs-setuptools\n")
    assert "# setuptools" in (folder / "requirements.txt").read_text()
    for resolver in ("auto", "pip-tools"):
        code, report = run_check(folder, "--resolver", resolver)
        assert code == 0, (resolver, report)
    _, report = run_check(folder)
    assert lock_of(report)["resolver"].startswith("uv (fast pass")


def test_no_header_lock_is_checked_against_sibling_in(app):
    folder = app("3.11", "pip-compile", "webapp-core\n", "--no-header")
    code, report = run_check(folder, "--resolver", "pip-tools")
    assert code == 0 and lock_of(report)["cosmetic"] == []


def test_malformed_line_names_file_and_line(app, capsys):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    lines = lock.read_text().splitlines()
    lines.insert(8, "helper lib ==== 2")
    lock.write_text("\n".join(lines) + "\n")
    code, report = run_check(folder)
    # The deploy's `pip install -r` fails on that line: not ready, not "could not check".
    assert code == 1 and report["outcome"] == "not-ready"
    (finding,) = [f for f in report["findings"] if f["code"] == "DC350"]
    assert finding["path"] == "requirements.txt" and finding["line"] == 9 and finding["fix"]
    assert "helper lib ==== 2" in finding["message"]
    assert report["lockfiles"][0]["status"] == "error"  # not recompiled from a lock pip cannot read


def test_unresolvable_conflict_is_could_not_check_with_explanation(app):
    folder = app("3.11")
    (folder / "requirements.in").write_text("webapp-core>=2\nconflict-a\n")
    code, report = run_check(folder)
    assert code == 2 and report["drift"] is False
    error = lock_of(report)["error"]
    assert "cannot be resolved" in error["message"] and "conflict-a" in error["message"]


def test_missing_interpreter(app):
    folder = app("3.11", runtime="3.14")
    code, report = run_check(folder, "--resolver", "pip-tools")
    assert code == 2
    assert "3.14" in lock_of(report)["error"]["message"] and "uv python install 3.14" in lock_of(report)["error"]["fix"]
    code, report = run_check(folder)
    assert lock_of(report)["resolver"] == "uv --python-version 3.14 (no interpreter)"
    assert "DC104" in codes(report) and code in (0, 1)


def test_unreachable_index_is_could_not_check(app, tmp_path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = app("3.11")
    code, report = run_check(folder, "--index-url", f"http://127.0.0.1:{port}/simple/", "--resolver", "uv")
    assert code == 2 and report["drift"] is False
    assert "did not answer" in lock_of(report)["error"]["message"]


def test_apps_with_different_runtimes_each_carry_their_own(tmp_path, compiled):
    import shutil

    folder = tmp_path / "mono"
    for name, python in (("frontend", "3.9"), ("backend", "3.11")):
        shutil.copytree(compiled(python, "pip-compile", "webapp-core\n"), folder / name)
        (folder / name / "Dockerfile").write_text(f"ARG PY={python}\nFROM python:${{PY}}-slim\n")
    code, report = run_check(folder)
    assert code == 0
    runtimes = {e["path"]: (e["runtime"]["python"], e["runtime"]["source"]) for e in report["lockfiles"]}
    assert runtimes == {
        "backend/requirements.txt": ("3.11", "backend/Dockerfile"),
        "frontend/requirements.txt": ("3.9", "frontend/Dockerfile"),
    }


def test_ambient_pip_and_uv_configuration_is_shut_out(app, tmp_path, monkeypatch):
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nextra-index-url = https://example.invalid/simple\nfind-links = /nonexistent\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/elsewhere")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://example.invalid/extra")
    monkeypatch.setenv("UV_EXTRA_INDEX_URL", "https://example.invalid/uv")
    folder = app("3.11")
    code, report = run_check(folder, "--resolver", "pip-tools")
    assert code == 0 and lock_of(report)["cosmetic"] == []


def test_absurd_backtrack_is_replaced_by_fresh_compile(tmp_path, index):
    """Unit-level: the preference result downgrades a pin that a fresh compile keeps high."""
    from deploycheck.locks import diff as lockdiff
    from deploycheck.locks.requirements import reqfile
    from deploycheck.report.model import LockResult
    from deploycheck.resolve.drivers import Compiled
    from deploycheck.resolve.recompile import prefer_fresh as _prefer_fresh
    from deploycheck.resolve.resolver import Run

    committed = "tool==8.0\n"
    preferred = Compiled(Run([], 0, "", "", 0.0), "tool==3.2\n", "pip-compile")
    fresh = Compiled(Run([], 0, "", "", 0.0), "tool==8.0\nbackport==1\n", "pip-compile")

    class Pair:
        path = tmp_path / "requirements.txt"
        display = "requirements.txt"
        lock = reqfile.parse_text(committed, path, display)
        command = types.SimpleNamespace(tool="pip-compile", allow_unsafe=False, universal=False)

    diff = lockdiff.compare(Pair.lock, reqfile.parse_text(preferred.text, Pair.path, "r"))
    result = LockResult("requirements.txt", [], "", "drift", {})
    job = types.SimpleNamespace(python="3.9")
    chosen, new_diff = _prefer_fresh(Pair, job, lambda job, pref: fresh, preferred, diff, result)
    assert chosen is fresh and result.fresh
    assert [c.name for c in new_diff.changes] == ["backport"]
    assert "tool 3.2 -> 8.0" in result.notes[0]


def test_only_binary_never_runs_a_packages_setup_py(tmp_path):
    """An sdist whose setup.py would leave a file behind: with --only-binary it is refused, not built."""
    from conftest import write
    from pkgindex import Dist, IndexServer, build_index

    trace = tmp_path / "setup-py-ran"
    spy = Dist(
        "sdist-only",
        "1.0",
        setup_py=f"open({str(trace)!r}, 'w').write('ran')\n"
        "from setuptools import setup\nsetup(name='sdist-only', version='1.0')\n",
    )
    build_index([spy], tmp_path / "index")
    # --no-build-isolation: the toolchain's own setuptools builds it, so without --only-binary it would run.
    header = (
        "#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n#\n"
        "#    pip-compile --no-build-isolation requirements.in\n#\n"
    )
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": header + "sdist-only==1.0\n",
            "requirements.in": "sdist-only\n",
            ".python-version": "3.11\n",
        },
    )
    with IndexServer(tmp_path / "index") as server:
        code, report = run_check(
            folder, "--index-url", f"{server.url}/simple/", "--only-binary", "--resolver", "pip-tools"
        )
    assert code == 2 and not trace.exists()
    assert "sdist-only" in report["lockfiles"][0]["error"]["message"]


def test_extras_kept_by_pip_compile_are_kept_by_the_fast_pass(app):
    folder = app("3.11", "pip-compile", "webapp-core\nfancy[speed]\n")
    assert "fancy[speed]==1.0" in (folder / "requirements.txt").read_text()
    code, report = run_check(folder)
    assert code == 0 and lock_of(report)["resolver"].startswith("uv (fast pass")
    code, report = run_check(folder, "--resolver", "pip-tools")
    assert code == 0


def test_resolver_runs_are_bounded_in_time(app):
    folder = app("3.11")
    (folder / "requirements.in").write_text("webapp-core\nfancy\n")
    code, report = run_check(folder, "--resolver", "pip-tools", "--timeout", "0.05")
    assert code == 2 and report["drift"] is False  # a timeout is "could not check", never drift
    (problem,) = report["problems"]
    assert "did not finish within --timeout 0.05s" in problem["message"] and "--timeout" in problem["fix"]


# Class 10 of #17: a requirement with no release for the deploy's Python makes the resolver fail. That is the
# app's fault (not ready, DC108), once the index confirms it; a name the index lacks stays "could not check".
TARGET_DISTS = [
    Dist("tf-like", "2.13.0", tag="cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    Dist("tf-like", "2.16.1", tag="cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    Dist("tf-like", "2.16.1", tag="cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    Dist("rp-like", "1.0", requires_python="<3.12"),
    Dist("rp-like", "2.0", requires_python=">=3.12"),
    Dist("app-dep", "1.0", requires=["tf-like<2.14"]),
    Dist("conf-a", "1.0", requires=["conf-b<2"]),  # with `conf-b>=2`: a conflict, every release installs
    Dist("conf-b", "1.0"),
    Dist("conf-b", "2.0"),
]
PIP_HEADER = (
    "#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n#\n"
    "#    pip-compile requirements.in\n#\n"
)
UV_HEADER = (
    "# This file was autogenerated by uv via the following command:\n"
    "#    uv pip compile requirements.in -o requirements.txt\n"
)


@pytest.fixture(scope="module")
def target_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("target-index")
    build_index(TARGET_DISTS, root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


def locked_app(tmp_path, requirements_in: str, pins: str, header: str = PIP_HEADER):
    return write(
        tmp_path / "app",
        {"requirements.in": requirements_in, "requirements.txt": header + pins, ".python-version": "3.12\n"},
    )


@pytest.mark.parametrize("header", [PIP_HEADER, UV_HEADER], ids=["pip-compile", "uv"])
def test_a_range_with_no_wheel_for_the_deploys_python_is_not_ready(tmp_path, target_index, header):
    folder = locked_app(tmp_path, "tf-like<2.14\n", "tf-like==2.13.0\n    # via -r requirements.in\n", header)
    code, report = run_check(folder, "--index-url", target_index, "--select", "DC1")
    assert code == 1 and report["outcome"] == "not-ready"
    (finding,) = [f for f in report["findings"] if f["code"] == "DC108"]
    assert (finding["severity"], finding["path"], finding["line"]) == ("error", "requirements.in", 1)
    assert "tf-like<2.14" in finding["message"] and "CPython 3.12" in finding["message"]
    assert "tf-like==2.16.1" in finding["fix"] and "Python 3.11" in finding["fix"]


def test_requires_python_that_excludes_the_deploy_is_named(tmp_path, target_index):
    folder = locked_app(tmp_path, "rp-like<2\n", "rp-like==1.0\n    # via -r requirements.in\n")
    code, report = run_check(folder, "--index-url", target_index, "--select", "DC1")
    (finding,) = [f for f in report["findings"] if f["code"] == "DC108"]
    assert code == 1 and "Requires-Python (<3.12)" in finding["message"] and "rp-like==2.0" in finding["fix"]


def test_a_dependency_with_no_release_for_the_deploy_names_itself(tmp_path, target_index):
    pins = "app-dep==1.0\n    # via -r requirements.in\ntf-like==2.13.0\n    # via app-dep\n"
    folder = locked_app(tmp_path, "app-dep\n", pins)
    code, report = run_check(folder, "--index-url", target_index, "--select", "DC1")
    (finding,) = [f for f in report["findings"] if f["code"] == "DC108"]
    assert code == 1 and finding["path"] == "requirements.txt" and "tf-like<2.14" in finding["message"]
    assert "dependency" in finding["message"]


def test_a_name_the_index_lacks_stays_could_not_check(tmp_path, target_index):
    folder = locked_app(tmp_path, "no-such-thing<2\n", "no-such-thing==1.0\n    # via -r requirements.in\n")
    code, report = run_check(folder, "--index-url", target_index, "--select", "DC1")
    assert code == 2 and "DC108" not in codes(report)


@pytest.mark.parametrize("header", [PIP_HEADER, UV_HEADER], ids=["pip-compile", "uv"])
def test_conflicting_requirements_are_not_a_missing_release(tmp_path, target_index, header):
    """Requirements that exclude each other are the lock's "could not check" as before: every release they
    name installs on the deploy's Python, so the index does not confirm a miss."""
    pins = "conf-a==1.0\n    # via -r requirements.in\nconf-b==2.0\n    # via -r requirements.in\n"
    folder = locked_app(tmp_path, "conf-a\nconf-b>=2\n", pins, header)
    code, report = run_check(folder, "--index-url", target_index, "--select", "DC1")
    assert code == 2 and "DC108" not in codes(report)


def test_uv_python_version_without_a_patch_is_read_as_its_first_release(tmp_path):
    """`uv pip compile --python-version 3.11` resolves for 3.11.0: a dependency only 3.11.0-3.11.2 need is in the
    lock, and the deploy's 3.11 (3.11.7 here) installs it without needing it. The cause is said as it is (not
    'compiled on macOS'), and the drift is a warning: re-running the printed command writes the same lock."""
    from conftest import uv_compile
    from pkgindex import serving

    dists = [Dist("patchdep", "1.0"), Dist("needs-patch", "1.0", ['patchdep; python_full_version < "3.11.3"'])]
    with serving(dists, tmp_path / "index") as server:
        url = f"{server.url}/simple/"
        folder = write(tmp_path / "app", {"requirements.in": "needs-patch\n", ".python-version": "3.11\n"})
        uv_compile(
            folder, "3.11", "--python-version", "3.11", "requirements.in", "-o", "requirements.txt", index_url=url
        )
        assert "patchdep==1.0" in (folder / "requirements.txt").read_text()
        code, report = run_check(folder, "--index-url", url)
    (change,) = report["lockfiles"][0]["changes"]
    assert change["name"] == "patchdep" and change["kind"] == "removed"
    assert "for Python 3.11.0 (uv reads --python-version 3.11 as 3.11.0)" in change["cause"], change["cause"]
    assert code == 0 and [f["severity"] for f in report["findings"] if f["code"] == "DC101"] == ["warning"]
