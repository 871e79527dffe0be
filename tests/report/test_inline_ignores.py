"""Inline `# deploycheck: ignore[CODE]` on every file a finding points at, each in its own comment syntax:
Python files, notebook cells, TOML, YAML, Procfile, packages.txt, .python-version, requirements files (a
comment on the reported line), Dockerfiles (a comment line directly above, since Docker reads `#` after an
instruction as an argument), and none in JSON. Whole runs, as a user would see them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_check, write

from deploycheck.repo.repository import Repository
from deploycheck.report.model import Finding


def found(report: dict) -> list[tuple[str, str | None, int | None]]:
    return [(f["code"], f["path"], f["line"]) for f in report["findings"]]


def test_python_file(tmp_path: Path, index: str) -> None:
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "helperlib==2.0\n",
            ".python-version": "3.12\n",
            "app.py": "import helperlib\nimport cv2  # deploycheck: ignore[DC501]\nimport nosuchthing_xyz\n",
            "pages/other.py": "import redis  # deploycheck: ignore\nimport boto3  # deploycheck: ignore[DC502]\n",
        },
    )
    _, report = run_check(folder, "--select", "DC501", "--index-url", index)
    # cv2 silenced by its code, redis by a bare ignore; boto3's comment names another code.
    assert sorted(found(report)) == [("DC501", "app.py", 3), ("DC501", "pages/other.py", 2)]


def _notebook(cells: list[tuple[str, list[str]]]) -> str:
    return json.dumps(
        {"cells": [{"cell_type": kind, "source": source} for kind, source in cells], "nbformat": 4}, indent=1
    )


def test_notebook_cell_line(tmp_path: Path, index: str) -> None:
    """A notebook's finding names its cell and the line in it; the comment is read on that line of that cell,
    not on the file's line of that number, nor in a markdown cell."""
    notebook = _notebook(
        [
            ("markdown", ["Setup: `import cv2  # deploycheck: ignore[DC501]`\n", "more\n"]),
            ("code", ["import helperlib\n", "import cv2  # deploycheck: ignore[DC501]\n"]),
            ("code", ["x = 1\n", "import nosuchthing_xyz\n"]),
        ]
    )
    folder = write(
        tmp_path / "app",
        {"requirements.txt": "helperlib==2.0\n", ".python-version": "3.12\n", "analysis.ipynb": notebook},
    )
    _, report = run_check(folder, "--select", "DC501", "--index-url", index)
    (finding,) = report["findings"]
    assert finding["path"] == "analysis.ipynb" and finding["cell"] == 3 and finding["line"] == 2
    assert "nosuchthing_xyz" in finding["message"]


def test_toml_file(tmp_path: Path) -> None:
    pyproject = (
        '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.9,<3.11"\ndependencies = []\n\n'
        '[tool.uv]\ncache-dir = "/tmp/elsewhere"\n'
    )
    uv_lock = 'version = 1\nrequires-python = ">=3.9, <3.11"\n\n[[package]]\nname = "x"\nversion = "1"\n'
    files = {
        "pyproject.toml": pyproject,
        "uv.lock": uv_lock + 'source = { editable = "." }\n',
        ".python-version": "3.12\n",
    }
    folder = write(tmp_path / "app", {**files, "app.py": "import os\n"})
    _, report = run_check(folder, "--select", "DC208,DC121")
    assert found(report) == [("DC208", "pyproject.toml", 4), ("DC121", "pyproject.toml", 8)]
    (folder / "pyproject.toml").write_text(pyproject.replace('<3.11"', '<3.11"  # deploycheck: ignore[DC208]'))
    _, report = run_check(folder, "--select", "DC208,DC121")
    assert found(report) == [("DC121", "pyproject.toml", 8)]


def test_yaml_file(tmp_path: Path) -> None:
    folder = write(tmp_path / "app", {"app.yaml": "runtime: python38\n", "requirements.txt": "", "main.py": ""})
    _, report = run_check(folder, "--select", "DC205,DC206")
    assert {("DC205", "app.yaml", 1), ("DC206", "app.yaml", 1)} <= set(found(report))
    (folder / "app.yaml").write_text("runtime: python38  # deploycheck: ignore[DC205]\n")
    _, report = run_check(folder, "--select", "DC205,DC206")
    assert [c for c, _, _ in found(report)] == ["DC206"]


def test_dockerfile_comment_on_the_line_above(tmp_path: Path) -> None:
    dockerfile = 'FROM python:3.8-slim\nCOPY . .\nCMD ["python", "app.py"]\n'
    folder = write(tmp_path / "app", {"Dockerfile": dockerfile, "requirements.txt": "", "app.py": ""})
    _, report = run_check(folder, "--select", "DC205")
    assert found(report) == [("DC205", "Dockerfile", 1)]
    (folder / "Dockerfile").write_text("# deploycheck: ignore[DC205]\n" + dockerfile)
    _, report = run_check(folder, "--select", "DC205")
    assert found(report) == []
    # Not a comment two lines up.
    (folder / "Dockerfile").write_text("# deploycheck: ignore[DC205]\n\n" + dockerfile)
    assert found(run_check(folder, "--select", "DC205")[1]) == [("DC205", "Dockerfile", 3)]


def test_procfile_packages_txt_and_python_version(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn missing:app\n",
            "requirements.txt": "",
            ".python-version": "3.8\n",
            "packages.txt": "libgl1\nnot-a-pkg!\n",
            ".streamlit/config.toml": "",
            "streamlit_app.py": "",
        },
    )
    _, before = run_check(folder, "--select", "DC306,DC205")
    assert {("DC306", "Procfile", 1), ("DC205", ".python-version", 1)} <= set(found(before))
    (folder / "Procfile").write_text("web: gunicorn missing:app  # deploycheck: ignore[DC306]\n")
    (folder / ".python-version").write_text("3.8  # deploycheck: ignore[DC205]\n")
    _, after = run_check(folder, "--select", "DC306,DC205")
    assert found(after) == []
    _, streamlit = run_check(folder, "--select", "DC309", "--platform", "streamlit-cloud")
    assert found(streamlit) == [("DC309", "packages.txt", 2)]
    (folder / "packages.txt").write_text("libgl1\nnot-a-pkg!  # deploycheck: ignore[DC309]\n")
    assert found(run_check(folder, "--select", "DC309", "--platform", "streamlit-cloud")[1]) == []


def test_comment_styles() -> None:
    from deploycheck.report.inline import comment_style

    assert comment_style("Pipfile.lock") is None and comment_style("data/x.json") is None
    assert comment_style("Dockerfile") == "above" and comment_style("svc/api.Dockerfile") == "above"
    assert comment_style("Dockerfile.prod") == "above" and comment_style("Containerfile") == "above"
    for name in ("app.py", "requirements.txt", "pyproject.toml", "app.yaml", "Procfile", ".python-version"):
        assert comment_style(name) == "line", name
    assert comment_style("nb.ipynb") == "cell"


def _lines(folder: Path):  # type: ignore[no-untyped-def]
    from deploycheck.report.inline import LineComments

    return LineComments(Repository.at(folder))


def test_reads_stay_inside_the_repository(tmp_path: Path) -> None:
    """A path a finding names is read through the repository: a symlink out, a FIFO or a huge file is not read
    (the finding stands), and each file is read once."""
    outside = write(tmp_path / "outside", {"secret.py": "import x  # deploycheck: ignore\n"})
    folder = write(tmp_path / "repo", {"app.py": "import x\n"})
    (folder / "link.py").symlink_to(outside / "secret.py")
    os.mkfifo(folder / "fifo.py")
    lines = _lines(folder)
    assert lines(Finding("DC501", "error", "link.py", 1, "m")) == []
    assert lines(Finding("DC501", "error", "fifo.py", 1, "m")) == []
    assert lines(Finding("DC501", "error", "../outside/secret.py", 1, "m")) == []
    assert lines(Finding("DC501", "error", "app.py", 1, "m")) == ["import x"]
    assert lines(Finding("DC501", "error", "app.py", 7, "m")) == []


@pytest.mark.parametrize("text", ["{", '{"cells": 3}', '{"cells": [{"cell_type": "code", "source": 5}]}', "[]"])
def test_broken_notebooks_are_no_comment_not_a_crash(tmp_path: Path, text: str) -> None:
    folder = write(tmp_path / "repo", {"nb.ipynb": text})
    assert _lines(folder)(Finding("DC501", "error", "nb.ipynb", 1, "m", cell=1)) == []


def test_a_notebook_finding_is_shown_by_its_cell_not_a_file_line() -> None:
    """Its line counts within the cell: an annotation or `path:line` would point at the .ipynb's JSON."""
    from deploycheck.github.runner_files import annotation_lines
    from deploycheck.report import render
    from deploycheck.report.model import Report

    finding = Finding("DC501", "error", "nb.ipynb", 2, "cell 3, line 2: `import cv2`: ...", "add it", cell=3)
    report = Report(root=".", runtime={}, findings=[finding])
    (annotation,) = annotation_lines(report)
    assert annotation.startswith("::error file=nb.ipynb,title=") and "line=" not in annotation
    assert "  nb.ipynb: error DC501 cell 3, line 2:" in render.to_text(report)
    assert json.loads(render.to_json(report))["findings"][0]["cell"] == 3
    assert Report.from_json(json.loads(render.to_json(report))).findings == [finding]
