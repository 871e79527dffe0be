"""DC310-DC311 and the file the platform installs (issue #15 parts 1 and 5, #16, #17.9): a run never says
"ready" about files it did not check, and an app with no dependency file its platform reads is not ready."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import interp, run_check, write

from deploycheck.github.action import status_description
from deploycheck.locks import formats
from deploycheck.report.model import Report
from deploycheck.resolve import resolver

PYPROJECT = '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["helperlib>=2"]\n'


def codes(report: dict) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for f in report["findings"]:
        out.setdefault(f["code"], []).append((f["path"], f["severity"]))
    return out


def installs(report: dict, app: str = ".") -> dict:
    return next(a for a in report["apps"] if a["path"] == app)["installs"]


@pytest.fixture(scope="session")
def uv_project(tmp_path_factory: pytest.TempPathFactory, index: str) -> Path:
    """`uv init`, `uv add helperlib`: pyproject.toml and a uv.lock made by the pinned uv against the local index."""
    folder = write(tmp_path_factory.mktemp("uvproject"), {"pyproject.toml": PYPROJECT, ".python-version": "3.11\n"})
    env = resolver.clean_env({"UV_PYTHON": interp("3.11").path})
    done = subprocess.run(
        [resolver.uv_binary(), "lock", "--index-url", index],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "uv.lock").is_file()
    return folder


@pytest.fixture
def before_uv_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry as it was before uv.lock's reader landed (requirements.txt only): uv.lock is then a file
    the platform may install that no format reads, which is what DC310 is about."""
    monkeypatch.setattr(formats, "FORMATS", (formats.REQUIREMENTS_TXT,))


def _copy(src: Path, dest: Path, files: dict[str, str]) -> Path:
    dest.mkdir()
    for path in src.iterdir():
        (dest / path.name).write_bytes(path.read_bytes())
    return write(dest, files)


def test_the_issue_uv_project_importing_an_undeclared_package_is_not_ready(before_uv_lock, tmp_path, uv_project, index):
    folder = _copy(uv_project, tmp_path / "app", {"main.py": "import streamlit\nimport helperlib\n"})
    code, report = run_check(folder, "--index-url", index)
    found = codes(report)
    assert code == 1 and report["outcome"] == "not-ready"
    assert found["DC310"] == [("uv.lock", "warning")]
    assert found["DC501"] == [("main.py", "error")]  # streamlit; helperlib is declared in pyproject.toml
    assert "streamlit" in report["findings"][[f["code"] for f in report["findings"]].index("DC501")]["message"]
    chosen = installs(report)
    assert chosen["file"] == "uv.lock"
    kinds = {f["path"]: f["kind"] for f in chosen["files"]}
    assert kinds == {"uv.lock": "not-checked", "pyproject.toml": "read-only"}
    assert report["not_checked"] == ["uv.lock"]


def test_a_uv_project_whose_imports_are_declared_is_ready_with_uv_lock_named_as_not_checked(
    before_uv_lock, tmp_path, uv_project, index
):
    folder = _copy(uv_project, tmp_path / "app", {"main.py": "import helperlib\n"})
    code, report = run_check(folder, "--index-url", index)
    assert code == 0 and codes(report) == {"DC310": [("uv.lock", "warning")]}
    description = status_description(Report.from_json(report))
    assert description.startswith("ready: ") and description.endswith("checks passed, uv.lock not checked")
    passed = int(description.split()[1])
    assert passed == len(report["checks_passed"]) > 0


def test_lockfile_uv_lock_is_accepted_and_an_unknown_format_lists_what_is_read(
    before_uv_lock, tmp_path, uv_project, index
):
    folder = _copy(uv_project, tmp_path / "app", {"main.py": "import streamlit\n"})
    code, report = run_check(folder, "--lockfile", "uv.lock", "--index-url", index)
    assert code == 1 and not report["problems"]
    assert {"DC310", "DC501"} <= set(codes(report))
    write(folder, {"foo.lock": "x\n"})
    code, report = run_check(folder, "--lockfile", "foo.lock")
    (problem,) = report["problems"]
    assert code == 2 and "foo.lock" in problem["message"]
    for name in ("requirements*.txt", "uv.lock", "poetry.lock", "Pipfile.lock", "pylock.toml", "environment.yml"):
        assert name in problem["fix"]


def test_once_uv_lock_is_registered_it_is_checked_with_no_dc310_and_imports_still_judged(tmp_path, uv_project, index):
    folder = _copy(uv_project, tmp_path / "app", {"main.py": "import streamlit\nimport helperlib\n"})
    code, report = run_check(folder, "--index-url", index)
    found = codes(report)
    assert "DC310" not in found and report["not_checked"] == []
    assert found["DC501"] == [("main.py", "error")] and code == 1
    kinds = {f["path"]: f["kind"] for f in installs(report)["files"]}
    assert kinds == {"uv.lock": "checked", "pyproject.toml": "read-only"}


def test_a_procfile_app_with_no_dependency_file_is_not_ready(tmp_path, index):
    folder = write(
        tmp_path / "app",
        {"Procfile": "web: gunicorn app:app\n", "app.py": "import helperlib\n", ".python-version": "3.12\n"},
    )
    code, report = run_check(folder, "--index-url", index)
    found = codes(report)
    assert code == 1 and report["outcome"] == "not-ready" and not report["problems"]
    assert found["DC311"] == [(".", "error")]
    assert found["DC501"] == [("app.py", "error")]  # every third-party import is unprovided
    message = next(f["message"] for f in report["findings"] if f["code"] == "DC311")
    assert "Heroku" in message and "does not detect" in message
    assert installs(report)["file"] is None


def test_a_setup_py_project_on_no_known_platform_is_said_unchecked_never_without_dependencies(tmp_path, index):
    """setup.py declares what `pip install .` installs: not "no dependency file" (DC311), and no import is
    "provided by no requirement" (DC501); that nothing checked those dependencies is said (DC310)."""
    setup = 'from setuptools import setup\nsetup(name="x", install_requires=["helperlib"])\n'
    folder = write(tmp_path / "lib", {"setup.py": setup, "pkg/__init__.py": "import helperlib\n"})
    code, report = run_check(folder, "--index-url", index)
    found = codes(report)
    assert "DC311" not in found and "DC501" not in found
    assert found["DC310"] == [("setup.py", "warning")]
    assert code == 0 and not report["problems"]


def test_requirements_renamed_to_packages_txt_is_not_ready(tmp_path, index):
    folder = write(
        tmp_path / "app",
        {
            ".streamlit/config.toml": "[theme]\n",
            "streamlit_app.py": "import streamlit\nimport helperlib\n",
            "packages.txt": "streamlit==1.40.0\nhelperlib==2.0\n",
        },
    )
    code, report = run_check(folder, "--index-url", index)
    found = codes(report)
    assert code == 1 and not report["problems"]
    assert found["DC311"] == [(".", "error")] and "DC309" in found


def test_a_folder_with_no_python_app_could_not_be_checked(tmp_path):
    folder = write(tmp_path / "app", {"README.md": "notes\n"})
    code, report = run_check(folder)
    assert code == 2 and "no Python app found" in report["problems"][0]["message"]


def test_streamlit_installs_uv_lock_before_requirements_txt_and_lowers_the_ignored_files_errors(
    before_uv_lock, tmp_path, index
):
    folder = write(
        tmp_path / "repo",
        {
            "app/streamlit_app.py": "import helperlib\n",
            "app/requirements.txt": "streamlit==1.40.0\nhelperlib==2.0\nargparse==1.4.0\n",
            "app/uv.lock": 'version = 1\nrequires-python = ">=3.12"\n',
        },
    )
    code, report = run_check(folder, "--platform", "streamlit-cloud", "--select", "DC3", "--index-url", index)
    chosen = installs(report, "app")
    assert chosen["file"] == "app/uv.lock"
    assert "first of uv.lock, Pipfile, environment.yml, requirements.txt" in chosen["why"]
    ignored = {f["path"]: f["ignored"] for f in chosen["files"]}
    assert ignored == {"app/uv.lock": False, "app/requirements.txt": True}
    found = codes(report)
    assert found["DC310"] == [("app/uv.lock", "warning")]
    assert found["DC302"] == [("app/requirements.txt", "warning")]
    # DC301 (a stdlib name) is an error in a file the platform installs; here the platform ignores the file.
    (stdlib,) = [f for f in report["findings"] if f["code"] == "DC301"]
    assert stdlib["severity"] == "warning" and "lowered from error" in stdlib["message"]
    assert "installs app/uv.lock" in stdlib["message"]
    assert code == 0


def test_heroku_refuses_several_package_managers_and_no_file_wins(tmp_path):
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: python app.py\n",
            "app.py": "",
            "requirements.txt": "flask==3.0.0\n",
            "uv.lock": "version = 1\n",
            ".python-version": "3.12\n",
        },
    )
    code, report = run_check(folder, "--select", "DC3", "--platform", "heroku")  # a Procfile alone is a guess
    chosen = installs(report)
    assert chosen["file"] is None and chosen["refused"] and "Heroku refuses the build" in chosen["why"]
    assert "DC303" in codes(report) and "DC311" not in codes(report) and code == 1


def test_the_status_names_files_not_checked_within_githubs_limit():
    report = Report(root=".", runtime={}, passed=["a", "b"], not_checked=["uv.lock"])
    assert status_description(report) == "ready: 2 checks passed, uv.lock not checked"
    report.not_checked = [f"service-{i:02d}/uv.lock" for i in range(30)]
    description = status_description(report)
    assert len(description) <= 140 and description.endswith("more not checked")
    assert description.startswith("ready: 2 checks passed, service-00/uv.lock")


def test_requirement_lines_moved_into_runtime_txt_say_so_and_the_app_is_not_ready(tmp_path, index):
    folder = write(
        tmp_path / "app",
        {"Procfile": "web: gunicorn app:app\n", "app.py": "import helperlib\n", "runtime.txt": "helperlib==2.0\n"},
    )
    code, report = run_check(folder, "--index-url", index)
    found = codes(report)
    assert code == 1 and not report["problems"]
    assert found["DC204"] == [("runtime.txt", "error")] and found["DC311"] == [(".", "error")]
    message = next(f["message"] for f in report["findings"] if f["code"] == "DC204")
    assert "is a requirement line, not a Python version" in message


def test_an_unknown_platform_with_requirements_files_of_other_names_is_no_dc311(tmp_path):
    folder = write(
        tmp_path / "app",
        {"setup.py": "", "prod.txt": "-r base.txt\n", "requirements/base.txt": "flask==3.0.0\n"},
    )
    write(folder, {"requirements-prod.txt": "flask==3.0.0\n", "requirements-dev.txt": "pytest==8.0.0\n"})
    code, report = run_check(folder, "--select", "DC31")
    assert "DC311" not in codes(report) and code == 0
    assert installs(report)["file"] is None and "is unknown" in installs(report)["why"]


def test_requirements_renamed_to_packages_txt_without_streamlit_folder_is_dc309_per_pin(tmp_path, index):
    """#17.9 as found: no .streamlit/ folder; the pins in packages.txt still say the app is Streamlit's, and
    each pip-style line is a DC309 (apt-get cannot install it)."""
    folder = write(
        tmp_path / "app",
        {
            "streamlit_app.py": "import streamlit\nimport helperlib\n",
            "packages.txt": "streamlit==1.40.0\nhelperlib==2.0\nlibgl1\n",
        },
    )
    code, report = run_check(folder, "--index-url", index)
    assert code == 1 and not report["problems"] and report["runtime"]["platform"] == "streamlit-cloud"
    dc309 = sorted(f["line"] for f in report["findings"] if f["code"] == "DC309" and f["severity"] == "error")
    assert dc309 == [1, 2] and codes(report)["DC311"] == [(".", "error")]
    (no_file,) = [f for f in report["findings"] if f["code"] == "DC311"]
    assert "move the requirement lines of packages.txt (2) to requirements.txt" in no_file["fix"]


def test_requirement_lines_after_runtime_txts_version_are_dc204(tmp_path, index):
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn app:app\n",
            "app.py": "import helperlib\n",
            "runtime.txt": "python-3.12\nhelperlib==2.0\nflask>=3\n",
        },
    )
    code, report = run_check(folder, "--index-url", index)
    assert code == 1 and not report["problems"]
    (finding,) = [f for f in report["findings"] if f["code"] == "DC204"]
    assert (finding["path"], finding["line"], finding["severity"]) == ("runtime.txt", 2, "error")
    assert "holds requirements ('helperlib==2.0' and 1 more)" in finding["message"]
    assert "requirements.txt" in finding["fix"]
    (no_file,) = [f for f in report["findings"] if f["code"] == "DC311"]
    assert "move the requirement lines of runtime.txt (2) to requirements.txt" in no_file["fix"]


def test_a_procfile_app_with_no_dependency_file_is_not_ready_not_could_not_check(tmp_path, index):
    folder = write(tmp_path / "app", {"Procfile": "web: gunicorn app:app\n", "app.py": "import helperlib\n"})
    code, report = run_check(folder, "--index-url", index)
    assert code == 1 and not report["problems"] and codes(report)["DC311"] == [(".", "error")]


GO_SITE = {
    "Dockerfile": "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/site ./cmd/site\n\n"
    "FROM nginx:1.27-alpine\nCOPY --from=build /out/site /usr/share/nginx/html\n",
    "go.mod": "module example.com/site\n\ngo 1.22\n",
    "cmd/site/main.go": "package main\n\nfunc main() {}\n",
}
STALE_LOCK = (
    "#\n# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n#\n"
    "#    pip-compile requirements.in\n#\nhelperlib==1.0\n    # via -r requirements.in\n"
)


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"requirements.in": "helperlib>=2\n", "requirements.txt": STALE_LOCK}, id="stale-lock"),
        pytest.param({"requirements.txt": "webapp-core>=1\n"}, id="plain-unpinned"),
        pytest.param({"requirements.txt": "no-such-dist==1.0\n"}, id="unresolvable"),
    ],
)
def test_a_dockerfile_that_installs_no_python_leaves_a_stray_requirements_file_unjudged(tmp_path, index, files):
    """A Go site served by nginx with a helper's requirements file beside it (#17.7): the image installs no
    Python, so the deploy never installs that file. Its drift (DC101), loose pins (DC110/DC111) or a resolve
    that cannot succeed are not the deploy's: no finding above info, no lock result that says "could not
    check", exit 0; the report says the file was not checked and why."""
    folder = write(tmp_path / "site", {**GO_SITE, **files})
    code, report = run_check(folder, "--index-url", index)
    judged = [f for f in report["findings"] if f["path"] and "requirements" in f["path"] and f["severity"] != "info"]
    assert (code, judged, report["lockfiles"]) == (0, [], []), report
    (note,) = [n for n in report["runtime"]["notes"] if "not checked" in n]
    assert "requirements.txt" in note and "installs no Python" in note and "never installs" in note


def test_a_dockerfile_on_an_organisation_s_image_may_run_python(tmp_path, index):
    """`FROM myorg/base` may well be a Python image: the stray-file rule does not apply, the lock is judged."""
    dockerfile = 'FROM myorg/base:2024\nCOPY . /app\nCMD ["/app/start.sh"]\n'
    files = {"Dockerfile": dockerfile, "requirements.in": "helperlib>=2\n", "requirements.txt": STALE_LOCK}
    folder = write(tmp_path / "site", files)
    code, report = run_check(folder, "--index-url", index, "--select", "DC1")
    assert code == 1 and "no_python" not in report["runtime"], report["runtime"]
    assert [f["code"] for f in report["findings"]] == ["DC101"]
