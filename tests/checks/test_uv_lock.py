"""uv.lock, pylock.toml and requirements exported from uv.lock (issue #15 parts 2-4): real uv runs against the
local package index, with the pinned uv."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import interp, run_check, uv_compile, write

from deploycheck.locks import formats, markers, pylock, uvlock
from deploycheck.locks.requirements import header
from deploycheck.resolve import resolver


def _uv(folder: Path, *args: str) -> None:
    env = resolver.clean_env()
    env.pop("UV_NO_CONFIG")  # the project's [tool.uv] index is read, as a user's uv reads it
    done = subprocess.run(
        [resolver.uv_binary(), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


def _project(folder: Path, index: str, deps: str, extra: str = "", requires: str = ">=3.9", *lock_args: str) -> Path:
    write(
        folder,
        {
            "pyproject.toml": f'[project]\nname = "p1"\nversion = "0.1.0"\nrequires-python = "{requires}"\n'
            f"dependencies = [{deps}]\n{extra}\n"
            f'[[tool.uv.index]]\nurl = "{index}"\ndefault = true\n',
            ".python-version": "3.11\n",
            "main.py": "import webapp_core\n",
        },
    )
    _uv(folder, "lock", "--python", interp("3.11").path, *lock_args)
    return folder


def _codes(report: dict) -> list[str]:
    return [f["code"] for f in report["findings"]]


def _result(report: dict, path: str) -> dict:
    return next(r for r in report["lockfiles"] if r["path"] == path)


def test_in_sync_uv_project(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"webapp-core>=2"')
    _, report = run_check(app, "--ignore", "DC4,DC5")
    assert _result(report, "uv.lock")["status"] == "in-sync"
    assert "DC120" not in _codes(report)


def test_pyproject_edited_not_relocked(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"webapp-core>=2"')
    text = (app / "pyproject.toml").read_text().replace('"webapp-core>=2"', '"webapp-core>=2", "fancy"')
    (app / "pyproject.toml").write_text(text)
    code, report = run_check(app, "--ignore", "DC4,DC5")
    result = _result(report, "uv.lock")
    assert code == 1 and result["status"] == "drift"
    assert [(c["name"], c["kind"]) for c in result["changes"]] == [("fancy", "added")]
    stale = next(f for f in report["findings"] if f["code"] == "DC120")
    assert "[project].dependencies edited" in stale["message"] and stale["fix"] == "uv lock"


def test_dependency_group_change_is_stale(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"helperlib"', '[dependency-groups]\ndev = ["macwatch"]\n')
    text = (app / "pyproject.toml").read_text().replace('dev = ["macwatch"]', 'dev = ["macwatch", "speedups"]')
    (app / "pyproject.toml").write_text(text)
    _, report = run_check(app, "--ignore", "DC4,DC5")
    stale = next(f for f in report["findings"] if f["code"] == "DC120")
    assert "a dependency group changed" in stale["message"]


def test_requires_python_excludes_the_deploy(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"helperlib"', requires=">=3.9")
    text = (app / "pyproject.toml").read_text().replace('">=3.9"', '">=3.9,<3.11"')
    (app / "pyproject.toml").write_text(text)
    code, report = run_check(app, "--ignore", "DC4,DC5")
    found = next(f for f in report["findings"] if f["code"] == "DC208")
    assert code == 1 and found["path"] == "pyproject.toml" and found["line"] == 4


def test_source_path_outside_the_repository_is_not_run(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"helperlib"')
    (app / ".git").mkdir()
    text = (app / "pyproject.toml").read_text() + '\n[tool.uv.sources]\nhelperlib = { path = "../outside" }\n'
    (app / "pyproject.toml").write_text(text)
    _, report = run_check(app, "--ignore", "DC4,DC5")
    assert "DC121" in _codes(report)
    assert not any(r["path"] == "uv.lock" for r in report["lockfiles"])


def test_source_path_inside_the_repository_is_checked(tmp_path: Path, index: str) -> None:
    app = tmp_path / "app"
    write(app, {"vendor/lib/pyproject.toml": '[project]\nname = "lib"\nversion = "1.0"\n'
                '[build-system]\nrequires = []\nbuild-backend = "x"\n'})  # fmt: skip
    _project(app, index, '"lib"', '[tool.uv.sources]\nlib = { path = "vendor/lib", editable = true }\n')
    (app / ".git").mkdir()
    _, report = run_check(app, "--ignore", "DC4,DC5")
    assert "DC121" not in _codes(report)
    assert _result(report, "uv.lock")["status"] == "in-sync"


def test_exported_requirements_edited_by_a_bot(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"webapp-core>=1"')
    _uv(app, "export", "--frozen", "--no-hashes", "-o", "requirements.txt")
    text = (app / "requirements.txt").read_text()
    assert "helperlib==2.1" in text
    (app / "requirements.txt").write_text(text.replace("helperlib==2.1", "helperlib==2.0"))
    code, report = run_check(app, "--ignore", "DC4,DC5")
    assert _result(report, "uv.lock")["status"] == "in-sync"
    exported = _result(report, "requirements.txt")
    assert code == 1 and exported["status"] == "drift"
    assert [c["name"] for c in exported["changes"]] == ["helperlib"]
    assert "DC122" in _codes(report) and "DC101" not in _codes(report)


def test_pylock_in_sync_and_stale(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"webapp-core>=2"')
    _uv(app, "export", "--frozen", "--format", "pylock.toml", "-o", "pylock.toml")
    _, report = run_check(app, "--ignore", "DC4,DC5")
    assert _result(report, "pylock.toml")["status"] == "in-sync"
    text = (app / "pylock.toml").read_text()
    (app / "pylock.toml").write_text(text.replace('sha256 = "', 'sha256 = "00', 1).replace('"00', '"', 0))
    _, report = run_check(app, "--ignore", "DC4,DC5")
    assert "DC123" in _codes(report)


PYLOCK_WINDOWS = """lock-version = "1.0"
created-by = "hand"
environments = ["sys_platform == 'win32'"]

[[packages]]
name = "six"
version = "1.17.0"
wheels = [{ url = "https://example.invalid/six-1.17.0-py2.py3-none-any.whl", hashes = { sha256 = "aa" } }]
"""


def test_pylock_environments_exclude_linux(tmp_path: Path) -> None:
    app = write(
        tmp_path / "app",
        {"pylock.toml": PYLOCK_WINDOWS, ".python-version": "3.11\n", "requirements.txt": "six==1.17.0\n"},
    )
    code, report = run_check(app, "--ignore", "DC4,DC5")
    assert code == 1 and {"DC125", "DC124"} <= set(_codes(report))


def test_pylock_reader_carries_markers_and_hashes(tmp_path: Path) -> None:
    raw = PYLOCK_WINDOWS.replace("environments = [\"sys_platform == 'win32'\"]\n", "").replace(
        'version = "1.17.0"', 'version = "1.17.0"\nmarker = "python_version < \'3.10\'"'
    )
    lock = pylock.read(raw.encode(), tmp_path / "pylock.toml", "pylock.toml")
    assert formats.claiming("pylock.dev.toml") is formats.PYLOCK_TOML
    pin = lock.pins["six"]
    assert (pin.version, pin.hashes, pin.line, lock.verify) == ("1.17.0", ("sha256:aa",), 4, pylock.PYLOCK_UNVERIFIED)
    assert lock.installed(markers.environment("3.11")) == []
    bad = pylock.read(b'lock-version = "2.0"\ncreated-by = "x"\npackages = []\n', tmp_path / "p", "pylock.toml")
    assert bad.errors and "pylock" in bad.errors[0].message


def test_uv_lock_reader_workspace_groups_and_markers(tmp_path: Path, index: str) -> None:
    root = tmp_path / "ws"
    lib = '[project]\nname = "lib"\nversion = "1.0"\ndependencies = ["macwatch"]\n'
    write(root, {"packages/lib/pyproject.toml": lib +
                 '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'})  # fmt: skip
    _project(
        root,
        index,
        '"lib", "webapp-core>=2"',
        '[dependency-groups]\ndev = ["speedups"]\n[tool.uv.workspace]\nmembers = ["packages/*"]\n'
        "[tool.uv.sources]\nlib = { workspace = true }\n",
    )
    lock = uvlock.read((root / "uv.lock").read_bytes(), root / "uv.lock", "uv.lock")
    names = {p.name for p in lock.installed(markers.environment("3.11"))}
    assert names == {"macwatch", "webapp-core", "helperlib"}  # the member's dependency; no dev group, no backport
    assert "backport-x" in {p.name for p in lock.installed(markers.environment("3.9"))}
    assert lock.pins["helperlib"].hashes and lock.indexes.urls[0] == index


def test_uv_export_header_detection() -> None:
    text = "# This file was autogenerated by uv via the following command:\n#    uv export -o r.txt --no-hashes\nx==1\n"
    assert header.uv_export_argv(text) == ["--no-hashes"]
    assert header.uv_export_argv(text.replace("uv export", "uv pip compile")) is None


def _workspace(root: Path, index: str) -> Path:
    member = '[project]\nname = "{0}"\nversion = "1.0"\ndependencies = [{1}]\n' + (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    )
    write(root, {"packages/lib/pyproject.toml": member.format("lib", '"helperlib"'),
                 "packages/lib/lib/__init__.py": "", "packages/api/api/__init__.py": "",
                 "packages/api/pyproject.toml": member.format("api", '"lib", "webapp-core>=2"') +
                 "[tool.uv.sources]\nlib = { workspace = true }\n"})  # fmt: skip
    return _project(
        root, index, '"api", "lib"',
        '[tool.uv.workspace]\nmembers = ["packages/*"]\n[tool.uv.sources]\napi = { workspace = true }\n'
        "lib = { workspace = true }\n",
    )  # fmt: skip


def test_workspace_member_edited_is_stale(tmp_path: Path, index: str) -> None:
    """A two-member workspace: in sync as locked; a member's dependencies edited without `uv lock` is DC120
    with the member's new dependency among the deploy's changes."""
    root = _workspace(tmp_path / "ws", index)
    code, report = run_check(root, "--ignore", "DC4,DC5")
    assert _result(report, "uv.lock")["status"] == "in-sync" and "DC120" not in _codes(report)
    member = root / "packages/lib/pyproject.toml"
    member.write_text(member.read_text().replace('["helperlib"]', '["helperlib", "fancy"]'))
    code, report = run_check(root, "--ignore", "DC4,DC5")
    result = _result(report, "uv.lock")
    assert code == 1 and result["status"] == "drift" and "DC120" in _codes(report)
    assert ("fancy", "added") in [(c["name"], c["kind"]) for c in result["changes"]]


def test_only_binary_lock_needing_no_build_is_in_sync(tmp_path: Path, index: str) -> None:
    app = _project(tmp_path / "app", index, '"webapp-core>=2"', "[tool.uv]\npackage = false\n")
    code, report = run_check(app, "--ignore", "DC4,DC5", "--only-binary")
    assert code == 0 and _result(report, "uv.lock")["status"] == "in-sync" and "DC120" not in _codes(report)


# setup.py as an in-tree PEP 517 backend (the local index's setuptools is a stub): any call leaves the marker.
_SETUP_BACKEND = """from pathlib import Path

def _ran():
    Path({marker!r}).write_text("ran")

def get_requires_for_build_wheel(config_settings=None):
    _ran()
    return []

def prepare_metadata_for_build_wheel(directory, config_settings=None):
    _ran()
    info = Path(directory) / "locallib-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\\nName: locallib\\nVersion: 1.0\\n")
    return info.name

def build_wheel(directory, config_settings=None, metadata_directory=None):
    _ran()
    raise RuntimeError("not built in this test")
"""


def test_only_binary_local_source_with_setup_py_is_not_checked_nor_built(tmp_path: Path, index: str) -> None:
    """A path source with only a setup.py needs a build to check the lock: under only-binary that is "could not
    check" naming it, never stale, and its setup.py does not run."""
    markers = tmp_path / "markers"
    markers.mkdir(mode=0o777)
    markers.chmod(0o777)  # resolvers may run as an unprivileged user
    app = tmp_path / "app"
    write(app, {"vendor/locallib/setup.py": _SETUP_BACKEND.format(marker=str(markers / "ran")),
                "vendor/locallib/pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "setup"\n'
                'backend-path = ["."]\n'})  # fmt: skip
    _project(app, index, '"locallib", "helperlib"', '[tool.uv.sources]\nlocallib = { path = "vendor/locallib" }\n')
    assert (markers / "ran").exists(), "the marker proves nothing if the backend never writes it"
    (markers / "ran").unlink()  # the fixture's own `uv lock` built it; deploycheck must not
    (app / ".git").mkdir()
    code, report = run_check(app, "--ignore", "DC4,DC5", "--only-binary")
    assert list(markers.iterdir()) == [], "a local package's setup.py ran under --only-binary"
    result = _result(report, "uv.lock")
    assert code == 2 and result["status"] == "error" and "DC120" not in _codes(report)
    assert "locallib" in result["error"]["message"] and "only-binary" in result["error"]["message"]


PYLOCK_OTHER_PLATFORMS = """lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "six"
version = "1.17.0"
wheels = [{ url = "https://example.invalid/six-1.17.0-py2.py3-none-any.whl", hashes = { sha256 = "aa" } }]

[[packages]]
name = "fastlib"
version = "2.0"
wheels = [
  { url = "https://example.invalid/fastlib-2.0-cp311-cp311-win_amd64.whl", hashes = { sha256 = "bb" } },
  { url = "https://example.invalid/fastlib-2.0-cp311-cp311-macosx_11_0_arm64.whl", hashes = { sha256 = "cc" } },
]

[[packages]]
name = "winonly"
version = "1.0"
marker = "sys_platform == 'win32'"
wheels = [{ url = "https://example.invalid/winonly-1.0-py3-none-win_amd64.whl", hashes = { sha256 = "dd" } }]
"""


def test_pylock_package_with_no_file_for_the_deploy(tmp_path: Path) -> None:
    """fastlib's only wheels are for Windows and macOS and it has no sdist: DC126 on its line. six's universal
    wheel fits; winonly is not installed on Linux (its marker), so its Windows wheel is no finding."""
    files = {"pylock.toml": PYLOCK_OTHER_PLATFORMS, ".python-version": "3.11\n", "requirements.txt": "six==1.17.0\n"}
    app = write(tmp_path / "app", files)  # requirements.txt: a folder with only pylock.toml is no app yet
    code, report = run_check(app, "--select", "DC12")
    found = [f for f in report["findings"] if f["code"] == "DC126"]
    assert code == 1 and [(f["path"], f["line"]) for f in found] == [("pylock.toml", 9)]
    assert "fastlib" in found[0]["message"] and "win_amd64" in found[0]["message"]
    fixed = PYLOCK_OTHER_PLATFORMS.replace(
        '{ url = "https://example.invalid/fastlib-2.0-cp311-cp311-win_amd64.whl"',
        '{ url = "https://example.invalid/fastlib-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"',
    )
    (app / "pylock.toml").write_text(fixed)
    _, report = run_check(app, "--select", "DC12")
    assert "DC126" not in _codes(report)
    (app / "pylock.toml").write_text(PYLOCK_OTHER_PLATFORMS.replace(
        'name = "fastlib"\nversion = "2.0"\n',
        'name = "fastlib"\nversion = "2.0"\nsdist = { url = "https://example.invalid/fastlib-2.0.tar.gz", '
        'hashes = { sha256 = "ee" } }\n'))  # fmt: skip
    _, report = run_check(app, "--select", "DC12")
    assert "DC126" not in _codes(report)


def _compiled_pylock(folder: Path, index: str, requirements: str, *args: str) -> Path:
    """`uv pip compile requirements.in -o pylock.toml`, as a user with Python 3.11 runs it (#15 part 3)."""
    write(folder, {"requirements.in": requirements, ".python-version": "3.11\n", "main.py": "import webapp_core\n"})
    uv_compile(folder, "3.11", *args, "requirements.in", "-o", "pylock.toml", index_url=index)
    assert "uv pip compile" in (folder / "pylock.toml").read_text()
    return folder


def test_pylock_from_uv_pip_compile_in_sync(tmp_path: Path, index: str) -> None:
    app = _compiled_pylock(tmp_path / "app", index, "webapp-core\n")
    code, report = run_check(app, "--index-url", index, "--ignore", "DC4,DC5")
    result = _result(report, "pylock.toml")
    assert result["status"] == "in-sync" and result["error"] is None, result
    assert "DC123" not in _codes(report) and code == 0


def test_pylock_from_uv_pip_compile_stale(tmp_path: Path, index: str) -> None:
    app = _compiled_pylock(tmp_path / "repo" / "web", index, "webapp-core\n")
    (app / "requirements.in").write_text("webapp-core\nfancy\n")
    code, report = run_check(app.parent, "--lockfile", "web/pylock.toml", "--index-url", index, "--ignore", "DC4,DC5")
    result = _result(report, "web/pylock.toml")
    assert result["status"] == "drift", result
    assert [(c["name"], c["kind"]) for c in result["changes"]] == [("fancy", "added")]
    (finding,) = [f for f in report["findings"] if f["code"] == "DC123"]
    assert finding["severity"] == "error" and code == 1
    assert finding["fix"].startswith("cd web && uv pip compile --python-version 3.11 --python-platform linux")
    assert "requirements.in -o pylock.toml" in finding["fix"]


def test_universal_pylock_from_uv_pip_compile(tmp_path: Path, index: str) -> None:
    app = _compiled_pylock(tmp_path / "app", index, "webapp-core\n", "--universal", "--python-version", "3.9")
    assert "sys_platform == 'win32'" in (app / "pylock.toml").read_text()
    code, report = run_check(app, "--index-url", index, "--ignore", "DC4,DC5")
    result = _result(report, "pylock.toml")
    assert result["status"] == "in-sync" and "--universal" in result["resolver"], result
    assert code == 0


def test_fix_commands_of_a_uv_project_in_a_subfolder_cd_into_it(tmp_path: Path, index: str) -> None:
    """#18 item 10: commands are given from the checked folder, so an app in api/ needs `cd api && `."""
    app = _project(tmp_path / "repo" / "api", index, '"webapp-core>=1"')
    _uv(app, "export", "--frozen", "--no-hashes", "-o", "requirements.txt")
    text = (app / "requirements.txt").read_text()
    (app / "requirements.txt").write_text(text.replace("helperlib==2.1", "helperlib==2.0"))
    _, report = run_check(app.parent, "--ignore", "DC4,DC5")
    exported = _result(report, "api/requirements.txt")
    assert exported["fix_command"] == "cd api && uv export --no-hashes -o requirements.txt"
    (finding,) = [f for f in report["findings"] if f["code"] == "DC122"]
    assert "`cd api && uv lock && uv export --no-hashes -o requirements.txt`" in finding["fix"]


def test_an_exported_hash_edited_on_the_line_the_deploy_installs_is_drift(tmp_path: Path, index: str) -> None:
    """newonly has a line for Pythons below 3.11 and one for 3.11 on: the deploy (3.11) installs the second,
    whose hashes were compared only when they were the name's first line."""
    app = _project(tmp_path / "app", index, '"newonly"')
    _uv(app, "export", "--frozen", "-o", "requirements.txt")
    lock = app / "requirements.txt"
    text = lock.read_text()
    assert (
        "newonly==1.0 ; python_full_version < '3.11'" in text and "newonly==2.0 ; python_full_version >= '3.11'" in text
    )
    before, sep, after = text.partition("newonly==2.0")
    lock.write_text(before + sep + after.replace("--hash=sha256:", "--hash=sha256:0", 1))
    _, report = run_check(app, "--ignore", "DC4,DC5")
    exported = _result(report, "requirements.txt")
    assert exported["status"] == "drift" and "DC122" in _codes(report), exported
    assert [(c["name"], c["fields"]) for c in exported["changes"]] == [("newonly", ["hashes"])]


def test_a_uv_export_declares_what_pyproject_names(tmp_path: Path, index: str) -> None:
    """uv export annotates a direct dependency `# via p1` (the project's name, no file): it is declared, and
    a dependency of a dependency still is not."""
    app = _project(tmp_path / "app", index, '"webapp-core>=1"')
    _uv(app, "export", "--frozen", "--no-hashes", "-o", "requirements.txt")
    assert "# via p1" in (app / "requirements.txt").read_text()
    (app / "main.py").write_text("import webapp_core\nimport helperlib\n")
    _, report = run_check(app, "--select", "DC5")
    flagged = [f["message"].split("`")[1] for f in report["findings"] if f["code"] == "DC502"]
    assert flagged == ["import helperlib"], report["findings"]
