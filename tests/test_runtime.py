"""Runtime detection: each platform's declaration, precedence, app folder before root, ranges."""

from __future__ import annotations

import pytest
from conftest import write

from deploycheck import runtime


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
    rt = runtime.detect(tmp_path, tmp_path, explicit=None, header_python=None)
    assert (rt.python, rt.source, rt.exact) == (version, name, True)
    assert rt.source_line and rt.source_line >= 1


def test_explicit_version_wins(tmp_path):
    write(tmp_path, {".python-version": "3.9\n"})
    rt = runtime.detect(tmp_path, tmp_path, explicit="3.12", header_python=None)
    assert (rt.python, rt.source) == ("3.12", "--python-version")


def test_stale_runtime_txt_beside_dockerfile_is_a_conflict(tmp_path):
    write(tmp_path, {"runtime.txt": "python-3.7.17\n", "Dockerfile": "FROM python:3.11-slim\n"})
    rt = runtime.detect(tmp_path, tmp_path, explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.11", "Dockerfile")
    assert [(c.version, c.path.name) for c in rt.conflicts] == [("3.7.17", "runtime.txt")]


def test_app_folder_before_repo_root(tmp_path):
    write(tmp_path, {".python-version": "3.9\n", "backend/Dockerfile": "FROM python:3.12\n"})
    rt = runtime.detect(tmp_path / "backend", tmp_path, explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.12", "backend/Dockerfile")
    rt = runtime.detect(tmp_path / "frontend", tmp_path, explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.9", ".python-version")


def test_requires_python_range_is_inferred_and_says_why(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "a"\nrequires-python = ">=3.9,<3.12"\n'})
    rt = runtime.detect(tmp_path, tmp_path, explicit=None, header_python=None)
    assert (rt.python, rt.exact, rt.source) == ("3.11", False, "pyproject.toml")
    assert "inferred from requires-python" in rt.reason


def test_nothing_declared_uses_header_then_default(tmp_path):
    rt = runtime.detect(tmp_path, tmp_path, explicit=None, header_python="3.10")
    assert (rt.python, rt.exact, rt.source) == ("3.10", False, "the lock's header")
    rt = runtime.detect(tmp_path, tmp_path, explicit=None, header_python=None)
    assert rt.source == "default" and not rt.exact


def test_unreadable_declarations_are_skipped(tmp_path):
    write(tmp_path, {".python-version": "system\n", "app.yaml": "runtime: [broken\n", "runtime.txt": "3.12\n"})
    rt = runtime.detect(tmp_path, tmp_path, explicit=None, header_python=None)
    assert (rt.python, rt.source) == ("3.12", "runtime.txt")
