"""deploycheck.project.entrypoints: the files each platform's start command runs (issue #17, class 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write

from deploycheck.project import entrypoints
from deploycheck.repo.repository import Repository


def entries(folder: Path, app: str = ".", platform: str | None = None) -> tuple[list[str], entrypoints.Entrypoints]:
    repo = Repository.at(folder)
    found = entrypoints.find(repo.root / app, repo, platform)
    return sorted(repo.display(e.path) for e in found.entries), found


@pytest.mark.parametrize(
    ("procfile", "want"),
    [
        ("web: gunicorn app:app", ["app.py"]),
        ("web: gunicorn -w 4 -k uvicorn.workers.UvicornWorker -b 0.0.0.0:$PORT main:app", ["main.py"]),
        ("web: uvicorn main:app --host 0.0.0.0 --port $PORT --reload", ["main.py"]),
        ("web: streamlit run main.py --server.port $PORT", ["main.py", "pages/1_Chart.py"]),
        ("web: python main.py", ["main.py"]),
        ("web: python -u -m pkg", ["pkg/__init__.py", "pkg/__main__.py"]),
        ("web: waitress-serve --port=$PORT app:app", ["app.py"]),
        ("web: hypercorn main:app --bind 0.0.0.0:$PORT", ["main.py"]),
        ("web: gunicorn mysite.wsgi --log-file -", ["mysite/wsgi.py"]),
        ("web: cd sub && gunicorn app:app", ["sub/app.py"]),
        ("web: gunicorn --chdir sub app:app", ["sub/app.py"]),
        ("web: FLASK_APP=main.py flask run --host 0.0.0.0", ["main.py"]),
        ("web: flask --app main run", ["main.py"]),
        ("web: flask run", ["app.py"]),
        ("web: poetry run gunicorn app:app", ["app.py"]),
        ("web: exec uv run --no-dev uvicorn main:app", ["main.py"]),
        ("web: python -m streamlit run main.py", ["main.py", "pages/1_Chart.py"]),
        ("web: sh start.sh", ["main.py"]),
        ("web: ./start.sh", ["main.py"]),
        ("worker: celery -A tasks worker\nweb: gunicorn app:app", ["app.py", "tasks.py"]),
        ("release: python manage.py migrate\nweb: gunicorn mysite.wsgi", ["manage.py", "mysite/wsgi.py"]),
        ("web: fastapi run", ["main.py"]),
        ("web: panel serve main.py --address 0.0.0.0", ["main.py"]),
    ],
)
def test_procfile_commands(tmp_path: Path, procfile: str, want: list[str]) -> None:
    folder = write(
        tmp_path / "repo",
        {
            "Procfile": procfile + "\n",
            "app.py": "",
            "main.py": "",
            "tasks.py": "",
            "manage.py": "",
            "mysite/__init__.py": "",
            "mysite/wsgi.py": "",
            "pkg/__init__.py": "",
            "pkg/__main__.py": "",
            "pages/1_Chart.py": "",
            "sub/app.py": "",
            "start.sh": "#!/bin/sh\nset -e\nexec python main.py\n",
            "scripts/train.py": "",
        },
    )
    got, found = entries(folder)
    assert got == want and found.known, found


def test_a_command_that_cannot_be_followed_makes_the_entrypoint_unknown(tmp_path: Path) -> None:
    folder = write(tmp_path / "repo", {"Procfile": "web: $START_COMMAND\nworker: python app.py\n", "app.py": ""})
    got, found = entries(folder)
    assert got == ["app.py"] and not found.known and "variable" in found.unknown[0]
    folder = write(tmp_path / "repo2", {"Procfile": "web: sh missing.sh\n", "app.py": ""})
    assert not entries(folder)[1].known


def test_a_missing_target_is_no_entry(tmp_path: Path) -> None:
    """`gunicorn app:app` with no app.py (DC306's finding): nothing known, so every file stays judged."""
    folder = write(tmp_path / "repo", {"Procfile": "web: gunicorn app:app\n", "main.py": ""})
    got, found = entries(folder)
    assert got == [] and not found.known


@pytest.mark.parametrize(
    ("dockerfile", "want"),
    [
        (
            'FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD ["uvicorn", "main:app", "--host", "0.0.0.0"]\n',
            ["main.py"],
        ),
        ("FROM python:3.12-slim\nCMD gunicorn --bind :$PORT app:app\n", ["app.py"]),
        ('FROM python:3.12\nENTRYPOINT ["python"]\nCMD ["main.py"]\n', ["main.py"]),
        ('FROM python:3.12\nENTRYPOINT ["./start.sh"]\nCMD ["gunicorn", "app:app"]\n', ["app.py"]),
        ('FROM python:3.12\nCOPY src/ /srv\nWORKDIR /srv\nCMD ["python", "server.py"]\n', ["src/server.py"]),
        ('FROM python:3.12\nENV FLASK_APP=main.py\nCMD ["flask", "run"]\n', ["main.py"]),
        ('FROM node:20 AS web\nCMD ["node", "x.js"]\nFROM python:3.12\nCMD streamlit run \\\n  main.py\n', ["main.py"]),
    ],
)
def test_dockerfile_cmd_and_entrypoint(tmp_path: Path, dockerfile: str, want: list[str]) -> None:
    folder = write(
        tmp_path / "repo",
        {
            "Dockerfile": dockerfile,
            "app.py": "",
            "main.py": "",
            "src/server.py": "",
            "start.sh": '#!/bin/sh\npython migrate_db.py\nexec "$@"\n',
        },
    )
    got, found = entries(folder)
    assert got == want and found.known, found


def test_platform_files(tmp_path: Path) -> None:
    cases = {
        "app.yaml": ("runtime: python312\nentrypoint: gunicorn -b :$PORT api.server:app\n", ["api/server.py"]),
        "fly.toml": (
            'app = "x"\n[processes]\napp = "uvicorn main:app"\nworker = "python worker.py"\n',
            ["main.py", "worker.py"],
        ),
        "render.yaml": (
            "services:\n  - type: web\n    name: api\n    rootDir: api\n    startCommand: gunicorn server:app\n",
            ["api/server.py"],
        ),
        "railway.json": ('{"deploy": {"startCommand": "python main.py"}}', ["main.py"]),
        "railway.toml": ('[deploy]\nstartCommand = "uvicorn main:app"\n', ["main.py"]),
    }
    for name, (text, want) in cases.items():
        folder = write(
            tmp_path / name,
            {name: text, "main.py": "", "worker.py": "", "api/__init__.py": "", "api/server.py": "", "app.py": ""},
        )
        got, found = entries(folder)
        assert got == want and found.known and found.sources == [name], (name, found)


def test_app_engine_default_and_experimental_cmd(tmp_path: Path) -> None:
    folder = write(tmp_path / "gae", {"app.yaml": "runtime: python312\n", "main.py": "", "other.py": ""})
    assert entries(folder)[0] == ["main.py"]
    folder = write(tmp_path / "fly", {"fly.toml": '[experimental]\ncmd = ["python", "bot.py"]\n', "bot.py": ""})
    assert entries(folder)[0] == ["bot.py"]


def test_space_app_file_and_streamlit_pages(tmp_path: Path) -> None:
    readme = "---\ntitle: x\nsdk: streamlit\napp_file: src/ui.py\n---\n# x\n"
    folder = write(tmp_path / "space", {"README.md": readme, "src/ui.py": "", "src/pages/a.py": "", "train.py": ""})
    assert entries(folder)[0] == ["src/pages/a.py", "src/ui.py"]
    folder = write(tmp_path / "gradio", {"README.md": "---\nsdk: gradio\n---\n", "app.py": "", "train.py": ""})
    assert entries(folder)[0] == ["app.py"]


def test_streamlit_cloud_without_a_command(tmp_path: Path) -> None:
    folder = write(tmp_path / "st", {"streamlit_app.py": "", "requirements.txt": "streamlit\n"})
    got, found = entries(folder, platform="streamlit-cloud")
    assert got == [] and found.streamlit_main and not found.known


def test_an_app_in_a_subfolder_gets_only_its_own_entries(tmp_path: Path) -> None:
    render = (
        "services:\n  - type: web\n    rootDir: api\n    startCommand: uvicorn main:app\n"
        "  - type: web\n    rootDir: ui\n    startCommand: streamlit run app.py\n"
    )
    folder = write(tmp_path / "mono", {"render.yaml": render, "api/main.py": "", "ui/app.py": ""})
    assert entries(folder, "api")[0] == ["api/main.py"]
    assert entries(folder, "ui")[0] == ["ui/app.py"]


def test_hostile_commands_are_bounded(tmp_path: Path) -> None:
    """A script that calls itself, unbalanced quotes, a cd out of the repository: no crash, no hang, no entry
    outside the repository."""
    folder = write(
        tmp_path / "repo",
        {
            "Procfile": "web: sh loop.sh\nworker: python 'unbalanced\nclock: cd ../.. && python secret.py\n",
            "loop.sh": "sh loop.sh\n",
        },
    )
    write(tmp_path, {"secret.py": ""})
    got, found = entries(folder)
    assert got == [] and not found.known


def test_hostile_platform_files(tmp_path: Path) -> None:
    """A YAML bomb, a Procfile linked out of the repository, a 10,000-command Procfile, a Dockerfile of one huge
    line: each is unknown or bounded, never a crash or a read outside the repository."""
    outside = write(tmp_path / "outside", {"Procfile": "web: python stolen.py\n", "stolen.py": ""})
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    )
    folder = write(
        tmp_path / "repo",
        {"render.yaml": bomb + "services:\n  - startCommand: python app.py\n", "app.py": "", "stolen.py": ""},
    )
    (folder / "Procfile").symlink_to(outside / "Procfile")
    got, found = entries(folder)
    assert "stolen.py" not in got and not found.known and "Procfile could not be read" in found.unknown
    folder = write(tmp_path / "many", {"Procfile": "web: python app.py && " * 10_000 + "true\n", "app.py": ""})
    got, found = entries(folder)
    assert not found.known  # past the cap: not followed, so not known
    folder = write(tmp_path / "long", {"Dockerfile": "FROM python:3.12\nCMD " + "x" * 200_000 + "\n", "app.py": ""})
    got, found = entries(folder)
    assert got == [] and not found.known
