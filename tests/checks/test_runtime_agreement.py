"""DC201-DC203 through the whole CLI."""

from __future__ import annotations

import pytest
from conftest import run_check, write


def test_conflicting_declarations_are_a_finding_naming_both(tmp_path, index):
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "helperlib==2.1\n",
            "runtime.txt": "python-3.7.17\n",
            "Dockerfile": "FROM python:3.11-slim\n",
        },
    )
    _, report = run_check(folder, "--index-url", index)
    (finding,) = [f for f in report["findings"] if f["code"] == "DC201"]
    assert finding["path"] == "runtime.txt" and finding["line"] == 1
    assert "3.7.17" in finding["message"] and "Dockerfile" in finding["message"] and "3.11" in finding["message"]
    assert report["runtime"]["python"] == "3.11"


def test_no_declaration_is_a_warning(tmp_path, index):
    folder = write(tmp_path / "app", {"requirements.txt": "helperlib==2.1\n"})
    code, report = run_check(folder, "--index-url", index)
    assert "DC202" in {f["code"] for f in report["findings"]}
    assert run_check(folder, "--index-url", index, "--fail-on", "warning")[0] == 1 and code == 0


def test_inferred_range_is_info(tmp_path, index):
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "helperlib==2.1\n",
            "pyproject.toml": '[project]\nname="a"\nrequires-python=">=3.9,<3.12"\n',
        },
    )
    _, report = run_check(folder, "--index-url", index)
    (finding,) = [f for f in report["findings"] if f["code"] == "DC203"]
    assert finding["severity"] == "info" and "3.11" in finding["message"]


POETRY = '[tool.poetry]\nname = "a"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "{}"\nflask = "^3.0"\n'


def test_a_poetry_python_range_is_a_range_not_nothing(tmp_path):
    """#17.7: `python = "^3.10"` declares a range (DC203), it is not "nothing declares" (DC202)."""
    folder = write(tmp_path / "app", {"pyproject.toml": POETRY.format("^3.10"), "app.py": "import flask\n"})
    _, report = run_check(folder, "--select", "DC202,DC203", "--platform", "generic")
    (finding,) = report["findings"]
    assert finding["code"] == "DC203" and (finding["path"], finding["line"]) == ("pyproject.toml", 6)
    assert "Poetry's python = '^3.10'" in finding["message"]


def test_a_poetry_union_keeps_its_gap(tmp_path):
    from deploycheck.runtime.declarations import python_range

    spec, line, said = python_range(tmp_path / "pyproject.toml", POETRY.format("~3.10 || ^3.12"))
    assert line == 6 and said == "Poetry's python = '~3.10 || ^3.12'"
    assert [m for m in ("3.9", "3.10", "3.11", "3.12", "3.15") if spec.contains(m + ".1")] == ["3.10", "3.12", "3.15"]


GO_SITE = {
    "Dockerfile": "FROM golang:1.22 AS build\nRUN go build -o /site .\n"
    "FROM nginx:alpine\nCOPY --from=build /site /srv\n",
    "requirements.txt": "mkdocs==1.5.3\n",
    "main.go": "package main\n",
}


def test_a_dockerfile_building_no_python_deploys_no_python(tmp_path):
    """#17.7: a Go static site with a stray requirements.txt: no Python version to declare, no DC2xx."""
    folder = write(tmp_path / "app", GO_SITE)
    _, report = run_check(folder, "--select", "DC2,DC311")
    assert report["findings"] == []
    assert "installs no Python" in report["runtime"]["no_python"] and "golang:1.22" in report["runtime"]["no_python"]


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM golang:1.22\nRUN apt-get update && apt-get install -y python3-pip\n",  # Python installed after all
        "FROM node:20\nRUN pip install mkdocs\n",
        "FROM python:3.12-slim\n",
    ],
)
def test_a_dockerfile_that_may_run_python_is_still_judged(tmp_path, dockerfile):
    folder = write(tmp_path / "app", {**GO_SITE, "Dockerfile": dockerfile})
    _, report = run_check(folder, "--select", "DC202")
    assert "no_python" not in report["runtime"]
    assert [f["code"] for f in report["findings"]] == ([] if "FROM python" in dockerfile else ["DC202"])
