"""DC501-DC504 (checks/imports_declared.py): the whole run, from the app's files through the scan to findings,
with import names read from real wheels on a package index served over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, run_check, write
from pkgindex import Dist, IndexServer, build_index

DATA = Path(__file__).parents[1] / "data"
CORPUS = DATA / "import-corpus"
LAYOUTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
CODES = {"missing": "DC501", "transitive": "DC502", "removed": "DC503"}

# What the corpus's distributions depend on (a plain requirements.txt's dependencies are read from the index),
# as their real METADATA says, cut to the distributions the corpus knows.
REQUIRES = {
    "streamlit": ["requests", "pandas", "numpy", "altair", "pyarrow", "pydeck", "pillow", "protobuf"],
    "pandas": ["numpy"],
    "altair": ["jinja2"],
    "pydeck": ["jinja2", "numpy"],
    "flask": ["jinja2", "werkzeug", "click", "itsdangerous", "blinker"],
    "jinja2": ["markupsafe"],
    "werkzeug": ["markupsafe"],
    "celery": ["kombu"],
    "google-cloud-storage": ["google-cloud-core", "google-api-core"],
    "google-cloud-bigquery": ["google-cloud-core", "google-api-core"],
    "google-cloud-core": ["google-api-core"],
    "google-api-core": ["protobuf", "googleapis-common-protos"],
    "fastapi": ["pydantic"],
    "opencv-python-headless": ["numpy"],
    "scikit-learn": ["numpy"],
    "beautifulsoup4": [],
}
EXTRAS = {"celery": {"redis": ["redis"]}}


def _modules(entry: dict) -> dict[str, str]:
    """The wheel's files, from the real RECORD (or top_level.txt) that import-metadata.json keeps."""
    if "record" in entry:
        paths = [line.split(",", 1)[0] for line in entry["record"]]
        return {p: "" for p in paths if "dist-info/" not in p and "__pycache__" not in p and p.endswith((".py", ".so"))}
    return {f"{name.strip()}/__init__.py": "" for name in entry["top_level"].splitlines() if name.strip()}


def _pinned_versions() -> dict[str, str]:
    versions = {}
    for path in CORPUS.rglob("requirements.txt"):
        for line in path.read_text().splitlines():
            found = re.match(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([\w.]+)", line)
            if found:
                versions[found[1].lower().replace("_", "-").replace(".", "-")] = found[2]
    return versions


def corpus_dists() -> list[Dist]:
    metadata = json.loads((DATA / "import-metadata.json").read_text())
    versions = _pinned_versions()
    return [
        Dist(
            name,
            versions.get(name, "1.0"),
            REQUIRES.get(name, []),
            extras=EXTRAS.get(name, {}),
            modules=_modules(entry),
            metadata_file=name
            in ("streamlit", "pandas", "flask"),  # some served as PEP 658 files, others read by range
        )
        for name, entry in metadata.items()
        if not name.startswith("_")
    ]


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("corpus-index")
    build_index(corpus_dists(), root)
    with IndexServer(root) as server:
        yield f"{server.url}/simple/"


@pytest.fixture
def dead_index() -> str:
    """An index URL on which nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/simple/"


def dc5(folder: Path, *args: str) -> tuple[int, dict, list[dict]]:
    code, report = run_check(folder, "--select", "DC5", *args)
    return code, report, [f for f in report["findings"] if f["code"].startswith("DC5")]


# ------------------------------------------------------------------------------------------------ corpus


@pytest.mark.parametrize("layout", LAYOUTS)
def test_corpus_layout(layout: str, corpus_index: str, tmp_path: Path) -> None:
    """The check itself, on 25 real-world-shaped layouts: exactly the expected findings, no false positive."""
    folder = shutil.copytree(CORPUS / layout, tmp_path / layout, ignore=shutil.ignore_patterns("expected.json"))
    expected = json.loads((CORPUS / layout / "expected.json").read_text())
    code, report, findings = dc5(folder, "--python-version", expected["python"], "--index-url", corpus_index)
    assert report["problems"] == [], report["problems"]
    got = sorted((f["code"], f["path"], f["line"]) for f in findings if f["code"] != "DC504")
    want = sorted(
        (CODES[f["status"]], Path(expected["app"], f["file"]).as_posix(), f["line"]) for f in expected["findings"]
    )
    assert got == want, findings
    assert len([f for f in findings if f["code"] == "DC504"]) == expected["problems"]
    errors = any(CODES[f["status"]] in ("DC501", "DC503") for f in expected["findings"])
    assert code == (1 if errors else 0)


def test_missing_and_transitive_messages(corpus_index: str, tmp_path: Path) -> None:
    folder = shutil.copytree(CORPUS / "missing-requirement", tmp_path / "app")
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    by_code = {f["code"]: f for f in findings}
    assert code == 1
    missing, transitive = by_code["DC501"], by_code["DC502"]
    assert missing["severity"] == "error" and "No module named 'openai'" in missing["message"]
    assert "requirements.txt" in missing["fix"]
    assert transitive["severity"] == "info"
    assert (
        "a dependency of streamlit" in transitive["message"]
        and "add `requests` to requirements.txt" in transitive["fix"]
    )


def test_removed_modules_name_the_successor(corpus_index: str, tmp_path: Path) -> None:
    folder = shutil.copytree(CORPUS / "removed-stdlib-313", tmp_path / "app")
    _, _, findings = dc5(folder, "--python-version", "3.13", "--index-url", corpus_index)
    messages = {f["line"]: f for f in findings}
    assert "removed from the standard library in Python 3.13" in messages[2]["message"]
    assert "email.message" in messages[2]["fix"]
    assert "Python 3.12" in messages[3]["message"] and "setuptools" in messages[3]["fix"]
    # The same app on 3.11 still has all three.
    _, _, findings = dc5(folder, "--python-version", "3.11", "--index-url", corpus_index)
    assert findings == []


def test_stdlib_only_in_newer_python(corpus_index: str, tmp_path: Path) -> None:
    folder = write(tmp_path / "app", {"requirements.txt": "flask\n", "app.py": "import tomllib\nimport flask\n"})
    code, _, findings = dc5(folder, "--python-version", "3.10", "--index-url", corpus_index)
    assert code == 1
    (finding,) = findings
    assert finding["code"] == "DC501" and "only from Python 3.11" in finding["message"]
    _, _, findings = dc5(folder, "--python-version", "3.11", "--index-url", corpus_index)
    assert findings == []


def test_fix_names_the_distribution(corpus_index: str, tmp_path: Path) -> None:
    """cv2 is named from the well-known table; a module whose own name is a project on the index is named too;
    an unknown one is not guessed."""
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "flask\n",
            "app.py": "import cv2\nimport redis\nimport nosuchthing_xyz\nimport flask\n",
        },
    )
    _, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    fixes = {f["line"]: f["fix"] for f in findings}
    assert set(fixes) == {1, 2, 3}
    assert "`opencv-python-headless`" in fixes[1]
    assert "`redis`" in fixes[2]
    assert "the distribution that provides `nosuchthing_xyz`" in fixes[3]


def test_one_finding_per_module_with_other_places(corpus_index: str, tmp_path: Path) -> None:
    files = {f"page{n}.py": "import openai\n" for n in range(6)}
    folder = write(tmp_path / "app", {"requirements.txt": "flask\n", **files})
    _, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    (finding,) = findings
    assert (
        finding["path"] == "page0.py"
        and "also imported at page1.py:1, page2.py:1, page3.py:1 and 2 more" in (finding["message"])
    )


def test_notebook_finding_names_the_cell(corpus_index: str, tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# import nothing"]},
            {"cell_type": "code", "source": ["import pandas as pd\n", "import seaborn as sns\n"]},
        ],
        "nbformat": 4,
    }
    folder = write(tmp_path / "app", {"requirements.txt": "pandas\n", "analysis.ipynb": json.dumps(notebook)})
    _, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    (finding,) = findings
    assert finding["code"] == "DC501" and finding["path"] == "analysis.ipynb"
    assert (finding["cell"], finding["line"]) == (2, 2)  # the line within the cell
    assert finding["severity"] == "info"  # #17: a notebook does not run at deploy
    assert finding["message"].startswith("cell 2, line 2: `import seaborn`")


# ------------------------------------------------------------------------------------------ locks


def test_lock_sources_are_declared_and_other_pins_transitive(app, index: str) -> None:
    """pyyaml-like installs `yaml` (read from its RECORD through the PEP 658 file); helperlib is in the lock
    only because webapp-core needs it; nothing provides `requests`."""
    folder = app(
        "3.11",
        "pip-compile",
        "webapp-core\npyyaml-like\ngoogle-cloud-storage-like\n",
        files={
            "app.py": "import yaml\nimport webapp_core\nimport helperlib\nimport requests\n"
            "from google.cloud import storage\n",
        },
    )
    code, report, findings = dc5(folder, "--index-url", index)
    assert report["problems"] == []
    got = {f["line"]: f for f in findings}
    assert set(got) == {3, 4}, findings
    assert got[3]["code"] == "DC502" and "a dependency of webapp-core" in got[3]["message"]
    assert got[3]["fix"] == "add `helperlib` to requirements.in and recompile the lock"
    assert got[4]["code"] == "DC501" and code == 1


def test_marker_excluded_pin_does_not_provide(tmp_path: Path, corpus_index: str) -> None:
    """A pin whose marker leaves the deploy's Linux out is not installed there."""
    folder = write(
        tmp_path / "app",
        {"requirements.txt": 'flask\nredis==1.0 ; sys_platform == "win32"\n', "app.py": "import redis\nimport flask\n"},
    )
    _, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [f["code"] for f in findings] == ["DC501"]


# ------------------------------------------------------------------------------------ could not check


def test_index_that_does_not_answer_is_could_not_check(tmp_path: Path, dead_index: str) -> None:
    folder = write(tmp_path / "app", {"requirements.txt": "flask\n", "app.py": "import flask\nimport openai\n"})
    code, report, findings = dc5(folder, "--python-version", "3.12", "--index-url", dead_index)
    assert code == 2 and findings == []
    (problem,) = report["problems"]
    assert "imports-declared" in problem["message"] and "did not answer" in problem["message"]


def test_no_third_party_import_needs_no_index(tmp_path: Path, dead_index: str) -> None:
    folder = write(
        tmp_path / "app",
        {"requirements.txt": "flask\n", "app.py": "import os\nfrom helpers import x\n", "helpers.py": ""},
    )
    code, report, findings = dc5(folder, "--python-version", "3.13", "--index-url", dead_index)
    assert report["problems"] == [] and findings == [] and code == 0


def test_app_without_requirements_files_is_judged_against_its_pipfile(tmp_path: Path, corpus_index: str) -> None:
    """Issue #15: an app whose only dependency file is a Pipfile (no format reads it yet) is not skipped: what the
    Pipfile names is declared, everything else is unprovided."""
    folder = write(
        tmp_path / "app", {"Pipfile": "[packages]\nflask = '*'\n", "app.py": "import flask\nimport pandas\n"}
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [(f["code"], f["path"]) for f in findings] == [("DC501", "app.py")] and code == 1
    assert "pandas" in findings[0]["message"] and "Pipfile" in findings[0]["message"]


def test_app_with_only_a_pyproject_is_judged_against_its_dependencies(tmp_path: Path, corpus_index: str) -> None:
    """Issue #15: a pyproject.toml alone (or beside a lock no format reads) is what the app declares; before #15 the
    app was not judged at all."""
    pyproject = "[project]\nname = 'x'\nversion = '1'\ndependencies = ['flask']\n"
    folder = write(tmp_path / "app", {"pyproject.toml": pyproject, "app.py": "import flask\nimport pandas\n"})
    code, report, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [(f["code"], f["path"]) for f in findings] == [("DC501", "app.py")] and code == 1
    assert "pandas" in findings[0]["message"] and "pyproject.toml" in findings[0]["message"]
    assert report["problems"] == []


# ------------------------------------------------------------------------------------ hostile input


def test_hostile_files_are_findings_not_crashes(tmp_path: Path, corpus_index: str) -> None:
    outside = write(tmp_path / "outside", {"secret.py": "import stolen_module\n"})
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "flask\n",
            "app.py": "import flask\n",
            "junk.py": "",
            "old.py": "print 'hello'\nimport urllib2\n",
            "huge.py": "",
            "nb.ipynb": "{not json",
        },
    )
    (folder / "junk.py").write_bytes(bytes(range(256)) * 10)
    (folder / "huge.py").write_bytes(b"x = 1\n" * 400_000)
    os.symlink(outside / "secret.py", folder / "link.py")
    code, report, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert report["problems"] == []
    unreadable = {f["path"]: f for f in findings if f["code"] == "DC504"}
    assert set(unreadable) == {"junk.py", "old.py", "huge.py", "nb.ipynb", "link.py"}
    assert unreadable["old.py"]["line"] == 1 and unreadable["old.py"]["severity"] == "warning"
    assert all(f["code"] == "DC504" for f in findings)  # stolen_module is never read, urllib2 never reached
    assert "stolen_module" not in json.dumps(report)
    assert code == 0


# ------------------------------------------------------------------------------------------ online


@pytest.mark.online
def test_streamlit_example_against_pypi() -> None:
    """The shipped Streamlit example: its lock's real wheels provide every import; pandas is declared."""
    folder = Path(tempfile.mkdtemp(prefix="dc-online-"))
    try:
        app = shutil.copytree(ROOT / "examples" / "streamlit-app", folder / "app")
        code, report, findings = dc5(app)
        assert report["problems"] == [] and findings == [] and code == 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.online
def test_import_names_that_differ_against_pypi(tmp_path: Path) -> None:
    """sklearn, cv2, PIL, yaml, bs4, dotenv, google.cloud.storage: provided by their real wheels' RECORDs
    (opencv's 50 MB wheel read by range requests); streamlit pulls in pandas: info, not an error."""
    folder = shutil.copytree(CORPUS / "import-name-differs", tmp_path / "app")
    with (folder / "requirements.txt").open("a") as f:
        f.write("google-cloud-storage==2.18.2\nstreamlit==1.40.0\n")
    with (folder / "app.py").open("a") as f:
        f.write("from google.cloud import storage\nimport streamlit\nimport pandas\nimport openai\n")
    _, report, findings = dc5(folder, "--python-version", "3.12")
    assert report["problems"] == []
    assert sorted((f["code"], f["line"]) for f in findings) == [("DC501", 10), ("DC502", 9)], findings
    assert "a dependency of streamlit" in next(f for f in findings if f["code"] == "DC502")["message"]


def test_a_nested_app_is_not_the_parent_apps_code(corpus_index: str, tmp_path: Path) -> None:
    """A monorepo's root app does not own examples/x/ (an app with requirements of its own), whether or not
    that app is checked in this run (--lockfile), and a test file that does not parse is not a warning."""
    folder = write(
        tmp_path / "repo",
        {
            "requirements.txt": "flask==3.0.3\n",
            "app.py": "import flask\n",
            "examples/demo/requirements.txt": "streamlit==1.40.0\n",
            "examples/demo/app.py": "import streamlit\nimport cv2\n",
            "tests/legacy_test.py": "print 'python 2'\n",
        },
    )
    _, _, findings = dc5(
        folder, "--python-version", "3.12", "--index-url", corpus_index, "--lockfile", "requirements.txt"
    )
    assert findings == []  # the root app's code is app.py (and its tests, which are not judged)
    _, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    # examples/demo is judged once, as its own app: streamlit is declared there, cv2 is not.
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("DC501", "examples/demo/app.py", 2)]


def test_a_projects_own_dependencies_are_declared(app, index: str) -> None:
    """pip-compile annotates a pyproject.toml's own dependencies `# via name (pyproject.toml)`."""
    folder = app("3.11", "pip-compile", "pyyaml-like\n", files={"app.py": "import yaml\n"})
    lock = folder / "requirements.txt"
    lock.write_text(lock.read_text().replace("# via -r requirements.in", "# via myapp (pyproject.toml)"))
    _, _, findings = dc5(folder, "--index-url", index)
    assert findings == []


# ------------------------------------------------------------------------------ reachability (#17 class 1)


def test_files_the_entrypoint_does_not_reach_are_info(corpus_index: str, tmp_path: Path) -> None:
    """A Procfile gunicorn app beside a Colab notebook, a training script under scripts/ and a local test client:
    only what app.py reaches can fail the deploy; the rest is info naming what the deploy runs."""
    notebook = {"cells": [{"cell_type": "code", "source": ["import torch\n"]}], "nbformat": 4}
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn app:app\n",
            "requirements.txt": "flask\n",
            "app.py": "from flask import Flask\nfrom core import views\napp = Flask(__name__)\n",
            "core/__init__.py": "",
            "core/views.py": "from . import models\n",
            "core/models.py": "import sys\nsys.path.append('vendor')\nimport redis\nimport helper\n",
            "core/vendor/helper.py": "import yaml\n",
            "scripts/train.py": "import torch\n",
            "client.py": "import requests\nrequests.post('http://localhost:8000/predict')\n",
            "train.ipynb": json.dumps(notebook),
        },
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    got = {(f["code"], f["path"], f["severity"]) for f in findings}
    assert got == {
        ("DC501", "core/models.py", "error"),  # reached: app.py -> core -> core.views -> core.models
        ("DC501", "core/vendor/helper.py", "error"),  # reached: core.models puts vendor/ on sys.path
        ("DC501", "train.ipynb", "info"),  # torch, also imported at scripts/train.py
        ("DC501", "client.py", "info"),
    }, findings
    info = next(f for f in findings if f["path"] == "client.py")
    assert "not reached from what the deploy runs (app.py (Procfile:1))" in info["message"]
    assert "the deploy fails" not in info["message"] and "it fails where that file runs" in info["message"]
    assert "scripts/train.py:1" in next(f for f in findings if f["path"] == "train.ipynb")["message"]
    assert code == 1


def test_without_an_entrypoint_notebooks_and_scripts_are_info(corpus_index: str, tmp_path: Path) -> None:
    """No platform file: every production file is judged as before, except notebooks and scripts/ (unless a
    production file imports them)."""
    notebook = {"cells": [{"cell_type": "code", "source": ["import torch\n"]}], "nbformat": 4}
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "flask\n",
            "main.py": "import flask\nfrom scripts.shared import helper\nimport redis\n",
            "scripts/shared.py": "import openai\n",
            "scripts/train.py": "import torch\n",
            "analysis.ipynb": json.dumps(notebook),
        },
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    got = {(f["path"], f["severity"]) for f in findings}
    assert got == {
        ("main.py", "error"),
        ("scripts/shared.py", "error"),
        ("analysis.ipynb", "info"),
    }, findings  # torch: one finding, at the first place, naming scripts/train.py too
    assert "no entrypoint is known" in next(f for f in findings if f["severity"] == "info")["message"]
    assert code == 1


def test_the_entry_file_counts_even_with_a_main_guard(corpus_index: str, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "worker: python scripts/bot.py\n",
            "requirements.txt": "flask\n",
            "scripts/bot.py": "import flask\nif __name__ == '__main__':\n    import telegram\n",
        },
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [(f["path"], f["line"], f["severity"]) for f in findings] == [("scripts/bot.py", 3, "error")]
    assert code == 1


def test_django_settings_and_installed_apps_are_reached(corpus_index: str, tmp_path: Path) -> None:
    """gunicorn mysite.wsgi: settings by DJANGO_SETTINGS_MODULE's string, the installed app's package whole (its
    admin.py is imported by Django, not by any import statement), and importlib.import_module with a literal."""
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn mysite.wsgi\n",
            "requirements.txt": "flask\n",
            "mysite/__init__.py": "",
            "mysite/wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
            "mysite/settings.py": "INSTALLED_APPS = ['polls.apps.PollsConfig']\n",
            "polls/__init__.py": "",
            "polls/apps.py": "",
            "polls/admin.py": "import importlib\nplugin = importlib.import_module('plugins.extra')\n",
            "plugins/__init__.py": "",
            "plugins/extra.py": "import redis\n",
            "tools/seed.py": "import faker\n",
        },
    )
    _, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    got = {(f["path"], f["severity"]) for f in findings}
    assert got == {("plugins/extra.py", "error"), ("tools/seed.py", "info")}, findings


def test_streamlit_cloud_main_files_and_pages(corpus_index: str, tmp_path: Path) -> None:
    """Streamlit Community Cloud's main file is chosen in the deploy dialog: the files that import streamlit and
    their pages/ are what runs; a training script beside them is not."""
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "streamlit\n",
            "streamlit_app.py": "import streamlit as st\nfrom lib.charts import draw\n",
            "app.py": "import plotly_express\nfrom ui import run\n",  # streamlit only through ui.py
            "ui.py": "import streamlit as st\n",
            "lib/charts.py": "import plotly\n",
            "pages/1_Map.py": "import folium\n",
            "train.py": "import torch\n",
        },
    )
    _, _, findings = dc5(
        folder, "--python-version", "3.12", "--index-url", corpus_index, "--platform", "streamlit-cloud"
    )
    got = {(f["path"], f["severity"]) for f in findings if f["code"] == "DC501"}
    assert got == {
        ("lib/charts.py", "error"),
        ("pages/1_Map.py", "error"),
        ("app.py", "error"),
        ("train.py", "info"),
    }, findings


# ------------------------------------------------------------------ declared but unread, stale locks (#17 2, 3)


def test_a_declared_requirement_without_metadata_is_not_missing(corpus_index: str, tmp_path: Path) -> None:
    """#17 class 2: opencv-python-headless==99.0 is not on the index (DC404 says so); `import cv2` is that
    requirement's (the well-known import name), never "no requirement installs cv2"."""
    folder = write(
        tmp_path / "app",
        {"requirements.txt": "flask\nopencv-python-headless==99.0\n", "app.py": "import flask\nimport cv2\n"},
    )
    code, report, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert report["problems"] == [] and findings == [] and code == 0


def test_an_import_no_readable_requirement_provides_names_the_unread_ones(corpus_index: str, tmp_path: Path) -> None:
    """A requirement whose files cannot be read may provide a module of any name: the import is a warning that
    names it, never an error saying no requirement installs it."""
    folder = write(
        tmp_path / "app",
        {"requirements.txt": "flask\nacme-widgets==1.0\n", "app.py": "import flask\nimport widgetry\n"},
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    (finding,) = findings
    assert finding["code"] == "DC501" and finding["severity"] == "warning", finding
    assert "no requirement in" not in finding["message"] and "acme-widgets" in finding["message"]
    assert code == 0


LOCK_WITHOUT_DOTENV = """#
# This file is autogenerated by pip-compile with Python 3.12
# by the following command:
#
#    pip-compile requirements.in
#
flask==1.0
    # via -r requirements.in
"""


def test_a_stale_lock_is_not_a_missing_requirement(corpus_index: str, tmp_path: Path) -> None:
    """#17 class 3: requirements.in lists python-dotenv, the stale lock does not (DC101's finding). The import
    finding says the lock lacks it and needs a recompile, never "add python-dotenv to requirements.in"."""
    folder = write(
        tmp_path / "app",
        {
            "requirements.in": "flask\npython-dotenv\n",
            "requirements.txt": LOCK_WITHOUT_DOTENV,
            "app.py": "import flask\nfrom dotenv import load_dotenv\n",
        },
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    (finding,) = findings
    assert finding["code"] == "DC501" and finding["severity"] == "warning", finding
    assert "requirements.in lists python-dotenv" in finding["message"] and "recompile" in finding["fix"]
    assert "add `python-dotenv`" not in finding["fix"]
    assert code == 0


def test_a_local_path_requirement_provides_the_modules_in_its_folder(corpus_index: str, tmp_path: Path) -> None:
    """`-e ./libs/core` installs the package in libs/core (a src layout, named corelib, not core): importing it
    is declared, though libs/core is an app of its own whose files the app's scan leaves out."""
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: python app.py\n",
            "requirements.txt": "flask\n",
            "libs/core/pyproject.toml": '[project]\nname = "corelib"\nversion = "1.0"\ndependencies = ["flask"]\n',
            "libs/core/src/corelib/__init__.py": "import flask\n",
            "app.py": "import flask\nfrom corelib import dumps\n",
        },
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [(f["code"], f["line"]) for f in findings] == [("DC501", 2)] and code == 1  # nothing installs it
    (folder / "requirements.txt").write_text("-e ./libs/core\nflask\n")
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert findings == [] and code == 0


def test_a_main_guard_in_a_module_the_server_imports_does_not_run_at_deploy(corpus_index: str, tmp_path: Path) -> None:
    """gunicorn imports service/app.py as service.app: its `if __name__ == "__main__":` block never runs there,
    so a debugging import in it is info. Run as a script (`python service/app.py`), the same block is an error."""
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: gunicorn service.app:app\n",
            "requirements.txt": "flask\n",
            "service/__init__.py": "",
            "service/app.py": "import flask\napp = flask.Flask('x')\nif __name__ == '__main__':\n    import telegram\n",
        },
    )
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [(f["line"], f["severity"]) for f in findings] == [(4, "info")] and code == 0
    assert '`if __name__ == "__main__":`' in findings[0]["message"]
    (folder / "Procfile").write_text("web: python service/app.py\n")
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [(f["line"], f["severity"]) for f in findings] == [(4, "error")] and code == 1


def test_module_names_are_not_listed_through_a_link_out_of_the_repository(corpus_index: str, tmp_path: Path) -> None:
    """A src/ (the app's, or a local path requirement's) that is a link to a folder outside the repository: its
    names are not listed, so a module there is nothing the repository provides."""
    outside = write(tmp_path / "outside", {"secretmod.py": "", "othermod/__init__.py": ""})
    folder = write(
        tmp_path / "app",
        {
            "Procfile": "web: python app.py\n",
            "requirements.txt": "-e ./libs/core\nflask\n",
            "libs/core/pyproject.toml": '[project]\nname = "corelib"\nversion = "1.0"\n',
            "app.py": "import flask\nimport secretmod\nimport othermod\n",
        },
    )
    (folder / "src").symlink_to(outside, target_is_directory=True)
    (folder / "libs/core/src").symlink_to(outside, target_is_directory=True)
    code, _, findings = dc5(folder, "--python-version", "3.12", "--index-url", corpus_index)
    assert [(f["code"], f["line"]) for f in findings] == [("DC501", 2), ("DC501", 3)] and code == 1
