"""Platform tables and inference: which platform each app deploys on, from the files it has."""

from __future__ import annotations

import ast
import dataclasses
import datetime

import pytest
from conftest import ROOT, run_check, write

from deploycheck.repo.repository import Repository
from deploycheck.runtime import platforms, which_platform


@pytest.mark.parametrize(
    ("files", "expected", "evidence"),
    [
        ({"app.yaml": "runtime: python313\nentrypoint: gunicorn -b :$PORT main:app\n"}, "app-engine", "app.yaml"),
        ({"fly.toml": 'app = "x"\n', "Dockerfile": "FROM python:3.12-slim\n"}, "fly", "fly.toml"),
        ({"render.yaml": "services: []\n", "requirements.txt": "flask\n"}, "render", "render.yaml"),
        ({"railway.json": "{}", "Procfile": "web: gunicorn app:app\n"}, "railway", "railway.json"),
        ({"railway.toml": "[build]\n"}, "railway", "railway.toml"),
        ({"Procfile": "web: gunicorn app:app\n", "requirements.txt": "streamlit\n"}, "heroku", "Procfile"),
        ({"Dockerfile": "FROM python:3.12\n", "requirements.txt": "streamlit\n"}, "docker", "Dockerfile"),
        ({".streamlit/config.toml": "[theme]\n"}, "streamlit-cloud", ".streamlit"),
        (
            {"requirements.txt": "pandas==2.2.3\nStreamlit[snowflake]>=1.40 ; python_version >= '3.9'\n"},
            "streamlit-cloud",
            "requirements.txt",
        ),
        (
            {"pyproject.toml": '[project]\nname = "a"\ndependencies = ["streamlit>=1.40", "pandas"]\n'},
            "streamlit-cloud",
            "pyproject.toml",
        ),
        ({"requirements.txt": "flask\nstreamlit-extras\n"}, "generic", None),  # a different package
        ({"app.yaml": "name: not-app-engine\n"}, "generic", None),  # app.yaml of another tool
    ],
)
def test_infer_each_platform(tmp_path, files, expected, evidence):
    write(tmp_path, files)
    pid, path, reason = which_platform.infer(tmp_path, Repository.at(tmp_path))
    assert pid == expected and reason
    assert (path.name if path else None) == evidence


def test_monorepo_apps_have_their_own_platform(tmp_path):
    write(
        tmp_path,
        {
            "Procfile": "web: gunicorn api.main:app\n",
            "api/requirements.txt": "fastapi\n",
            "dashboard/requirements.txt": "streamlit==1.40.0\n",
            "worker/fly.toml": 'app = "worker"\n',
        },
    )
    assert which_platform.infer(tmp_path / "dashboard", Repository.at(tmp_path))[0] == "streamlit-cloud"
    assert which_platform.infer(tmp_path / "worker", Repository.at(tmp_path))[0] == "fly"
    pid, path, reason = which_platform.infer(tmp_path / "api", Repository.at(tmp_path))
    assert (pid, path, reason) == ("heroku", tmp_path / "Procfile", "a Procfile (Heroku) in the repository root")


def test_infer_from_a_file_list_reads_names_not_the_disk(tmp_path):
    # Names alone: nothing exists on disk, the caller's scan says what the repository holds.
    files = [tmp_path / "svc" / "fly.toml", tmp_path / "web" / ".streamlit" / "config.toml"]
    assert which_platform.infer(tmp_path / "svc", Repository.at(tmp_path), files)[0] == "fly"
    assert which_platform.infer(tmp_path / "web", Repository.at(tmp_path), files)[0] == "streamlit-cloud"
    assert which_platform.infer(tmp_path / "other", Repository.at(tmp_path), files)[0] == "generic"


def test_a_huge_requirements_file_is_not_read(tmp_path):
    write(tmp_path, {"requirements.txt": "flask\n" * 200_000 + "streamlit\n"})
    assert which_platform.infer(tmp_path, Repository.at(tmp_path))[0] == "generic"


def test_tables_are_dated_sourced_and_consistent():
    assert set(platforms.CHOICES) == {
        "auto", "streamlit-cloud", "heroku", "render", "railway", "app-engine", "fly", "docker", "generic",
        "hf-spaces", "vercel",
    }  # fmt: skip
    for p in platforms.PLATFORMS.values():
        assert p.verified <= datetime.date(2026, 11, 21) + datetime.timedelta(days=3650)
        assert p.id == "generic" or p.docs
        if p.default_python and p.offered:
            assert p.default_python in p.offered
    assert platforms.get("heroku").runtime_files == ("runtime.txt", ".python-version", "Pipfile.lock")
    assert platforms.get("render").runtime_files == ("render.yaml", ".python-version")
    assert platforms.get("streamlit-cloud").runtime_files == ()
    assert platforms.get("streamlit-cloud").dependency_files[0] == "uv.lock"
    assert "runtime.txt" in platforms.get("streamlit-cloud").ignores


@pytest.mark.parametrize(
    ("tag", "compiler", "musl"),
    [
        ("3.12", True, False),
        ("3.12-bookworm", True, False),
        ("3.12-slim-bookworm", False, False),
        ("3.11-alpine3.20", False, True),
    ],
)
def test_image_variants(tag, compiler, musl):
    variant = platforms.image_variant(tag)
    assert (variant.compiler, variant.musl) == (compiler, musl)


def test_no_platform_id_is_compared_outside_the_table():
    """Platform behaviour is data: a check asks the table (reads_packages_txt, secrets_store...), never the id."""
    ids = set(platforms.PLATFORMS)
    sources = [*(ROOT / "deploycheck").rglob("*.py"), *(ROOT / "checks").glob("*.py")]
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for path in sources
        # which_platform.py: the evidence each platform leaves (a file -> an id), the table's companion;
        # conda_names.py: a data table of package names
        if path.name not in ("platforms.py", "which_platform.py", "conda_names.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in ids
    ]
    assert found == []


def test_a_platform_behaves_as_its_table_says(tmp_path, monkeypatch):
    folder = write(
        tmp_path / "app",
        {
            "render.yaml": "services: []\n",
            "requirements.txt": "opencv-python==4.10.0.84\n",
            ".python-version": "3.12\n",
        },
    )
    assert run_check(folder, "--select", "DC308")[1]["findings"] == []  # Render installs no apt packages
    render = platforms.get("render")
    monkeypatch.setitem(platforms.PLATFORMS, "render", dataclasses.replace(render, reads_packages_txt=True))
    (finding,) = run_check(folder, "--select", "DC308")[1]["findings"]
    assert finding["path"] == "requirements.txt" and "which Render does not have" in finding["message"]
