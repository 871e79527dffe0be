"""Runtime detection: each platform's declaration, precedence, app folder before root, ranges."""

from __future__ import annotations

import pytest
from conftest import write

from deploycheck.repo.repository import Repository
from deploycheck.runtime import detect as runtime


@pytest.mark.parametrize(
    ("name", "text", "version"),
    [
        (".python-version", "3.11.6\n", "3.11.6"),
        (".python-version", "# pinned\n3.12\n", "3.12"),
        ("runtime.txt", "python-3.11.6\n", "3.11.6"),
        ("Dockerfile", "FROM python:3.12-slim AS base\nRUN pip install -r requirements.txt\n", "3.12"),
        ("Dockerfile", "ARG PYTHON_VERSION=3.10.14\nFROM python:${PYTHON_VERSION}-slim-bookworm\n", "3.10.14"),
        (
            "Dockerfile",
            "FROM python:3.9 AS build\nFROM gcr.io/distroless/base\nFROM docker.io/library/python:3.11-alpine\n",
            "3.11",
        ),
        ("app.yaml", "runtime: python312\nentrypoint: gunicorn main:app\n", "3.12"),
        ("Pipfile", '[packages]\nflask = "*"\n\n[requires]\npython_version = "3.11"\n', "3.11"),
        (".tool-versions", "nodejs 20.1.0\npython 3.12.4\n", "3.12.4"),
        ("environment.yml", "name: app\ndependencies:\n  - python=3.11\n  - pip\n", "3.11"),
    ],
)
def test_exact_declarations(tmp_path, name, text, version):
    write(tmp_path, {name: text})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source, rt.exact) == (version, name, True)
    assert rt.source_line and rt.source_line >= 1


def test_explicit_version_wins(tmp_path):
    write(tmp_path, {".python-version": "3.9\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit="3.12", header_python=None)
    assert (rt.python, rt.source) == ("3.12", "--python-version")


def test_stale_runtime_txt_beside_dockerfile_is_a_conflict(tmp_path):
    write(tmp_path, {"runtime.txt": "python-3.7.17\n", "Dockerfile": "FROM python:3.11-slim\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.11", "Dockerfile")
    assert [(c.version, c.path.name) for c in rt.conflicts] == [("3.7.17", "runtime.txt")]


def test_app_folder_before_repo_root(tmp_path):
    write(tmp_path, {".python-version": "3.9\n", "backend/Dockerfile": "FROM python:3.12\n"})
    rt = runtime.detect(tmp_path / "backend", Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.12", "backend/Dockerfile")
    rt = runtime.detect(tmp_path / "frontend", Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.9", ".python-version")


def test_requires_python_range_is_inferred_and_says_why(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "a"\nrequires-python = ">=3.9,<3.12"\n'})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.exact, rt.source) == ("3.11", False, "pyproject.toml")
    assert "inferred from requires-python" in rt.reason


def test_nothing_declared_uses_header_then_default(tmp_path):
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python="3.10")
    assert (rt.python, rt.exact, rt.source) == ("3.10", False, "the lock's header")
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert rt.source == "default" and not rt.exact


def test_unreadable_declarations_are_skipped(tmp_path):
    write(tmp_path, {".python-version": "system\n", "app.yaml": "runtime: [broken\n", "runtime.txt": "3.12\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.12", "runtime.txt")


# --- Declarations as real repositories write them, and the ones that cannot be used (issue #6 item 9) ---


@pytest.mark.parametrize(
    ("name", "text", "version"),
    [
        (".python-version", "3.14\n", "3.14"),
        (".python-version", "3.15.0\n", "3.15.0"),
        (".python-version", "3.12.4 3.11.9\n", "3.12.4"),  # pyenv: several versions, the first is used
        ("runtime.txt", "python-3.13.1\r\n", "3.13.1"),
        ("Dockerfile", "FROM python:3.14-trixie\n", "3.14"),
        ("Dockerfile", 'ARG PY="3.11"\nFROM --platform=linux/amd64 python:${PY}-slim AS app\n', "3.11"),
        ("Dockerfile", "FROM python:${PY:-3.12}-alpine\n", "3.12"),
        ("app.yaml", "runtime: python314\n", "3.14"),
        (
            "app.yaml",
            "runtime: python\nenv: flex\nruntime_config:\n  operating_system: ubuntu22\n  runtime_version: 3.10\n",
            "3.10",
        ),
        ("Pipfile", '[requires]\npython_full_version = "3.12.3"\n', "3.12.3"),
        ("Pipfile.lock", '{"_meta": {"requires": {"python_version": "3.11"}}, "default": {}}', "3.11"),
        ("environment.yml", "dependencies:\n  - conda-forge::python=3.10.*\n", "3.10"),
        ("mise.toml", '[tools]\npython = "3.13"\nnode = "22"\n', "3.13"),
    ],
)
def test_more_declaration_forms(tmp_path, name, text, version):
    write(tmp_path, {name: text})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source, rt.exact, rt.unusable) == (version, name, True, [])


@pytest.mark.parametrize(
    ("name", "text", "line", "why"),
    [
        (".python-version", "pypy3.10\n", 1, "is not CPython"),
        (".python-version", "system\n", 1, "whatever Python the machine has"),
        (".python-version", "3\n", 1, "names no minor version"),
        (".python-version", "latest\n", 1, "names no minor version"),
        (".python-version", "\x01\x02garbage!!\n", 1, "is not a Python version"),
        (".python-version", "myproject-env\n", 1, "is not a Python version"),
        (".python-version", "3.99\n", 1, "there is no CPython 3.99"),
        (".python-version", "3.13.99\n", 1, "CPython 3.13.99 has not been released"),
        (".python-version", "3.14t\n", 1, "suffix"),
        (".python-version", "\n\n", 1, "is empty"),
        ("runtime.txt", "python-2.7.18\n", 1, "Python 2"),
        ("runtime.txt", "pypy3.10-7.3.12\n", 1, "is not CPython"),
        (".tool-versions", "nodejs 20\npython system\n", 2, "whatever Python the machine has"),
        ("Dockerfile", "ARG PY\nFROM python:${PY}\n", 2, "build argument PY, which has no default"),
        ("Dockerfile", "FROM python:latest\n", 1, "no version tag"),
        ("Dockerfile", "FROM python\n", 1, "no version tag"),
        ("Dockerfile", "FROM python:3-slim\n", 1, "names no minor version"),
        ("Dockerfile", "FROM python:3.99-slim\n", 1, "there is no CPython 3.99"),
        # CPython 3.0 to 3.5 were released: older than deploycheck's tables, never "there is no CPython 3.5"
        ("Dockerfile", "FROM python:3.5-slim\n", 1, "CPython 3.5 is past its end of life"),
        ("runtime.txt", "python-3.4.10\n", 1, "CPython 3.4 is past its end of life"),
        ("Pipfile", '[requires\npython_version = "3.11"\n', 1, "is not valid TOML"),
        ("app.yaml", "runtime: python27\n", 1, "Python 2 runtime"),
        ("app.yaml", "runtime: [python312\n", 2, "is not valid YAML"),
        ("environment.yml", "dependencies:\n  - python=3.99\n", 2, "there is no CPython 3.99"),
    ],
)
def test_unusable_declarations_name_file_line_and_why(tmp_path, name, text, line, why):
    write(tmp_path, {name: text})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert rt.source == "default" and not rt.exact  # an unusable declaration is never silently "ready"
    (bad,) = rt.unusable
    assert bad.path.name == name and bad.line == line and why in bad.why and bad.fix


def test_unusable_pyproject(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "a"\nrequires-python = ">=4"\n'})
    (bad,) = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None).unusable
    assert (bad.line, bad.text) == (3, 'requires-python = ">=4"') and "allows no CPython release" in bad.why
    write(tmp_path, {"pyproject.toml": '[project\nname = "a"\n'})
    (bad,) = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None).unusable
    assert "is not valid TOML" in bad.why and bad.line == 1


def test_unusable_beside_a_usable_one_is_still_reported(tmp_path):
    write(tmp_path, {".python-version": "pypy3.10\n", "Dockerfile": "FROM python:3.12-slim\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.12", "Dockerfile") and rt.declaration and rt.declaration.image == "3.12-slim"
    assert [b.path.name for b in rt.unusable] == [".python-version"]


def test_hostile_files_are_bounded(tmp_path):
    big = tmp_path / "big"
    write(big, {".python-version": "3.12\n" + "x" * 10_000_000})
    (bad,) = runtime.detect(big, Repository.at(big), explicit=None, header_python=None).unusable
    assert "over the" in bad.why
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "runtime.txt").write_bytes(b"\x00\xff\xfe" * 1000)
    (bad,) = runtime.detect(junk, Repository.at(junk), explicit=None, header_python=None).unusable
    assert "binary" in bad.why

    def laughs(levels: str) -> str:
        lines = [f"{levels[0]}: &{levels[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip(levels, levels[1:])]
        return "\n".join(lines) + f"\ndependencies: [*{levels[-1]}, python=3.11]\n"

    # The classic billion laughs (9 levels of 9): read without expanding it.
    write(tmp_path / "lol", {"environment.yml": laughs("abcdefghi")})
    rt = runtime.detect(tmp_path / "lol", Repository.at(tmp_path / "lol"), explicit=None, header_python=None)
    assert (rt.python, rt.source, rt.unusable) == ("3.11", "environment.yml", [])
    write(tmp_path / "bomb", {"environment.yml": laughs("abcdefghijklmn")})
    (bad,) = runtime.detect(
        tmp_path / "bomb", Repository.at(tmp_path / "bomb"), explicit=None, header_python=None
    ).unusable
    assert "YAML aliases" in bad.why


def test_symlink_and_fifo_are_not_read(tmp_path):
    import os

    outside = tmp_path / "outside.txt"
    outside.write_text("3.11\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".python-version").symlink_to(outside)
    os.mkfifo(repo / "runtime.txt")
    rt = runtime.detect(repo, Repository.at(repo), explicit=None, header_python=None)
    assert rt.source == "default"
    assert {b.path.name: b.why for b in rt.unusable} == {
        "runtime.txt": "runtime.txt is not a regular file",
        ".python-version": ".python-version is a symlink to outside the repository",
    }


# --- Weaker sources, labelled as inferred with file and line (issue #8 item 10) ---


@pytest.mark.parametrize(
    ("files", "version", "source", "line"),
    [
        ({"docker/requirements/Dockerfile": "FROM python:3.14-trixie\n"}, "3.14", "docker/requirements/Dockerfile", 1),
        (
            {"docker-compose.yml": "services:\n  web:\n    build: .\n  worker:\n    image: python:3.11-slim\n"},
            "3.11",
            "docker-compose.yml",
            5,
        ),
        (
            {
                ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    strategy:\n      matrix:\n"
                "        python-version: ['3.9', '3.10', '3.12']\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - uses: actions/setup-python@v5\n        with:\n"
                "          python-version: ${{ matrix.python-version }}\n"
            },
            "3.12",
            ".github/workflows/ci.yml",
            6,
        ),
        (
            {
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n    - uses: actions/setup-python@v5\n"
                "      with:\n        python-version: 3.10\n"
            },
            "3.10",  # YAML would read 3.10 as the float 3.1
            ".github/workflows/ci.yml",
            6,
        ),
        ({"tox.ini": "[tox]\nenvlist =\n    py3{9,10,11}\n    lint\n"}, "3.11", "tox.ini", 3),
        ({"tox.ini": "[tox]\nenv_list = py38, py310-django{42,50}\n"}, "3.10", "tox.ini", 2),
    ],
)
def test_weak_sources_are_inferred_with_file_and_line(tmp_path, files, version, source, line):
    write(tmp_path, files)
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python="3.9")
    assert (rt.python, rt.source, rt.source_line, rt.exact) == (version, source, line, False)
    assert "inferred from" in rt.reason and f"{source}:{line}" in rt.reason


def test_weak_sources_do_not_override_an_exact_declaration(tmp_path):
    write(
        tmp_path,
        {".python-version": "3.12\n", "docker/Dockerfile": "FROM python:3.14\n", "tox.ini": "[tox]\nenvlist = py313\n"},
    )
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.exact) == ("3.12", True)


# --- Platforms: precedence, defaults, what each ignores ---


def test_heroku_reads_runtime_txt_before_python_version(tmp_path):
    write(
        tmp_path, {"Procfile": "web: gunicorn app:app\n", "runtime.txt": "python-3.11.9\n", ".python-version": "3.13\n"}
    )
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="auto")
    assert (rt.platform, rt.python, rt.source) == ("heroku", "3.11.9", "runtime.txt")
    assert [(c.version, c.path.name) for c in rt.conflicts] == [("3.13", ".python-version")]


def test_heroku_rejects_forms_other_platforms_accept(tmp_path):
    write(tmp_path, {".python-version": "python-3.12\n", "runtime.txt": "3.12\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="heroku")
    assert rt.source == "default" and rt.python == "3.14"  # Heroku's default for new apps
    assert {b.path.name: b.why for b in rt.unusable} == {
        "runtime.txt": "Heroku's runtime.txt needs the python- prefix (and is deprecated)",
        ".python-version": "Heroku's .python-version takes 3.N or 3.N.N only",
    }
    rt = runtime.detect(
        tmp_path, Repository.at(tmp_path), explicit=None, header_python=None
    )  # unknown platform: both fine
    assert (rt.python, rt.unusable) == ("3.12", [])


def test_streamlit_ignores_runtime_txt_and_files_are_only_hints(tmp_path):
    write(
        tmp_path,
        {"streamlit_app.py": "", "requirements.txt": "streamlit==1.40.0\npandas\n", "runtime.txt": "python-3.9\n"},
    )
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="auto")
    assert (rt.platform, rt.python, rt.source, rt.exact) == ("streamlit-cloud", "3.12", "default", False)
    assert [d.path.name for d in rt.ignored] == ["runtime.txt"]
    write(tmp_path, {".python-version": "3.11\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="auto")
    assert (rt.python, rt.source, rt.exact) == ("3.11", ".python-version", False)
    assert "deploy dialog" in rt.reason


def test_render_python_version_must_be_full(tmp_path):
    blueprint = (
        "services:\n  - type: web\n    runtime: python\n    envVars:\n      - key: PYTHON_VERSION\n        value: {v}\n"
    )
    write(tmp_path, {"render.yaml": blueprint.format(v="3.13.4"), ".python-version": "3.12\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="auto")
    assert (rt.platform, rt.python, rt.source, rt.source_line) == ("render", "3.13.4", "render.yaml", 6)
    write(tmp_path, {"render.yaml": blueprint.format(v="3.13")})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="render")
    assert (rt.python, rt.source) == ("3.12", ".python-version")
    assert "must be a full version" in rt.unusable[0].why


@pytest.mark.parametrize(
    ("platform", "default"), [("heroku", "3.14"), ("render", "3.14"), ("railway", "3.13"), ("streamlit-cloud", "3.12")]
)
def test_platform_defaults_when_nothing_declares(tmp_path, platform, default):
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform=platform)
    assert (rt.python, rt.source, rt.platform) == (default, "default", platform)
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python="3.10", platform=platform)
    assert rt.python == "3.10"  # the lock header comes before the platform's default


def test_generic_default_is_no_longer_3_12(tmp_path):
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None)
    assert (rt.python, rt.source) == (runtime.GENERIC_DEFAULT, "default") and runtime.GENERIC_DEFAULT == "3.14"


def test_railway_order(tmp_path):
    write(tmp_path, {"railway.json": "{}", "runtime.txt": "python-3.11\n", ".tool-versions": "python 3.12.1\n"})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="auto")
    assert (rt.platform, rt.python, rt.source) == ("railway", "3.12.1", ".tool-versions")


def test_requires_python_range_prefers_the_platform_default(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "a"\nrequires-python = ">=3.10"\n'})
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="railway")
    assert (rt.python, rt.exact) == ("3.13", False) and "platform's default" in rt.reason
    rt = runtime.detect(tmp_path, Repository.at(tmp_path), explicit=None, header_python="3.11", platform="railway")
    assert rt.python == "3.11" and "lock's own Python" in rt.reason


# --- EOL and releases ---


def test_eol_and_platforms_that_dropped_a_version():
    import datetime

    assert runtime.eol("3.9", datetime.date(2025, 11, 1)) and not runtime.eol("3.9", datetime.date(2025, 10, 1))
    assert runtime.eol("3.10", datetime.date(2026, 11, 1)) and not runtime.eol("3.14", datetime.date(2026, 11, 1))
    dropped = {p.id: since for p, since in runtime.no_longer_offered("3.9")}
    assert dropped["heroku"] == "2026-01" and dropped["app-engine"] == "2025-10" and "render" not in dropped
    assert "docker" not in dropped  # old python images stay pullable


def test_cpython_release_facts():
    import datetime

    from deploycheck.runtime import cpython

    day = datetime.date(2026, 11, 21)
    assert cpython.is_cpython_release("3.14", day) and cpython.is_cpython_release("3.15.0", day)
    assert cpython.is_cpython_release("3.13.14", day)  # one patch past the table: accepted
    assert not cpython.is_cpython_release("3.13.99", day) and not cpython.is_cpython_release("3.99", day)
    assert "not released yet" in (cpython.why_not_a_release("3.15", datetime.date(2026, 6, 1)) or "")
    assert cpython.is_cpython_release("3.13.20", datetime.date(2027, 11, 21))  # a year later, newer patches exist
    assert not cpython.is_cpython_release("3.16", day) and cpython.is_cpython_release(
        "3.16", datetime.date(2027, 12, 1)
    )
    assert set(runtime.SUPPORTED) >= {"3.14", "3.15"}


# --- What Python a lock was made for ---


def _lock(tmp_path, text):
    from deploycheck.locks.requirements import reqfile

    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return reqfile.read(path, "requirements.txt")


UV_HEADER = (
    "# This file was autogenerated by uv via the following command:\n"
    "#    uv pip compile requirements.in -o requirements.txt\n"
)


@pytest.mark.parametrize(
    ("pins", "describe", "package"),
    [
        ("exceptiongroup==1.2.2\npytest==8.3.4\ntomli==2.2.1\n", "<= 3.10", "tomli and exceptiongroup"),
        ("flask==3.1.0\nlegacy-cgi==2.6.2\n", ">= 3.13", "legacy-cgi"),
        ("typing-extensions==4.14.1\n", ">= 3.9", "typing-extensions==4.14.1"),
        ("numpy==2.3.1\nlegacy-cgi==2.6.2\n", ">= 3.13", "legacy-cgi"),
        ('backport-x==1.2 ; python_version < "3.11"\n', "<= 3.10", 'backport-x ; python_version < "3.11"'),
    ],
)
def test_lock_python_from_pins(tmp_path, pins, describe, package):
    lp = runtime.lock_python(_lock(tmp_path, UV_HEADER + pins))
    assert lp is not None and lp.describe() == describe
    assert package in [e.package for e in lp.evidence] and all(e.line > 2 for e in lp.evidence)


def test_backports_the_sources_ask_for_or_a_universal_lock_holds_tell_no_python(tmp_path):
    """tomli and exceptiongroup are evidence of 3.10 or older only when something pulled them in there: asked
    for in requirements.in, or in a universal lock (uv writes them unmarked when asked for), they are
    installed on every Python."""
    via = "    # via -r requirements.in\n"
    asked = f"exceptiongroup==1.3.2\n{via}pytest==8.3.4\ntomli==2.5.0\n{via}"
    assert runtime.lock_python(_lock(tmp_path, UV_HEADER + asked)) is None
    pulled = asked.replace("-r requirements.in", "pytest")
    assert runtime.lock_python(_lock(tmp_path, UV_HEADER + pulled)).describe() == "<= 3.10"
    universal = UV_HEADER.replace("compile ", "compile --universal ")
    assert runtime.lock_python(_lock(tmp_path, universal + pulled)) is None


def test_lock_python_none_without_evidence_and_header_wins(tmp_path):
    assert runtime.lock_python(_lock(tmp_path, UV_HEADER + "flask==3.1.0\ntomli==2.2.1\n")) is None
    header = (
        "#\n# This file is autogenerated by pip-compile with Python 3.11\n"
        "# by the following command:\n#\n#    pip-compile\n#\n"
    )
    lp = runtime.lock_python(_lock(tmp_path, header + "legacy-cgi==2.6.2\n"))
    assert lp is not None and lp.minors == ("3.11",)


def test_lock_made_for_another_python_is_said_not_blamed(tmp_path):
    lock = _lock(tmp_path, UV_HEADER + "flask==3.1.0\nlegacy-cgi==2.6.2\n")
    write(tmp_path, {"requirements.in": "flask\n", "streamlit_app.py": ""})
    rt = runtime.detect(
        tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="streamlit-cloud", lock=lock
    )
    # Nothing declares: the lock's pins are the best evidence, ahead of the platform's default.
    assert (rt.python, rt.source, rt.source_line) == ("3.15", "requirements.txt", 4)
    write(tmp_path, {".python-version": "3.12\n"})
    rt = runtime.detect(
        tmp_path, Repository.at(tmp_path), explicit=None, header_python=None, platform="streamlit-cloud", lock=lock
    )
    assert rt.python == "3.12" and not rt.exact
    (note,) = rt.notes
    assert "looks made for Python >= 3.13" in note and "legacy-cgi (line 4)" in note and "only assumed" in note


# --- End to end through the CLI, on a local index ---


def _lock_entry(report):
    (entry,) = report["lockfiles"]
    return entry


def test_nothing_declared_uv_lock_falls_back_to_uv_for_3_14(app, index):
    """A uv lock never names its Python and nothing declares one: the generic default (3.14) is assumed, and
    with no CPython 3.14 on this machine uv resolves with --python-version (DC104)."""
    from conftest import run_check

    from deploycheck.resolve import interpreters

    if interpreters.find("3.14") is not None:
        pytest.skip("this test needs a machine without CPython 3.14")
    folder = app("3.11", "uv", runtime=None)
    code, report = run_check(folder, "--index-url", index)
    entry = _lock_entry(report)
    assert entry["runtime"]["python"] == "3.14" and entry["runtime"]["source"] == "default"
    assert entry["resolver"] == "uv --python-version 3.14 (no interpreter)"
    assert entry["status"] == "in-sync" and code == 0
    assert {"DC104", "DC202"} <= {f["code"] for f in report["findings"]}


def test_declared_version_that_is_no_release_is_an_error_end_to_end(app):
    from conftest import run_check

    folder = app("3.11", runtime="3.99")
    code, report = run_check(folder)
    (finding,) = [f for f in report["findings"] if f["code"] == "DC204"]
    assert (finding["path"], finding["line"], finding["severity"]) == (".python-version", 1, "error")
    assert "there is no CPython 3.99" in finding["message"] and code == 1


def test_python_older_than_pip_tools_is_checked_by_uv_and_labelled(app, index, tmp_path):
    """3.6 to 3.8, declared by old apps: pip-tools cannot run there, uv resolves with --python-version; the
    version's end of life and the platforms that dropped it are a finding, not a "could not check"."""
    from conftest import run_check

    folder = tmp_path / "old"
    write(
        folder, {"requirements.in": "helperlib\n", "requirements.txt": "helperlib==2.1\n", ".python-version": "3.8\n"}
    )
    code, report = run_check(folder, "--index-url", index)
    entry = _lock_entry(report)
    assert entry["resolver"] == "uv --python-version 3.8 (no interpreter)" and entry["status"] == "in-sync"
    assert any("pip-tools does not run on Python 3.8" in n for n in entry["notes"])
    (eol,) = [f for f in report["findings"] if f["code"] == "DC205"]
    assert "past its end of life" in eol["message"] and "Heroku" in eol["message"] and code == 0
