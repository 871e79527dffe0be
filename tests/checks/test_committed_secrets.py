"""DC307: committed secrets, reported by file, line and key; the value never appears in any output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from conftest import run_check, write

from deploycheck.github import runner_files
from deploycheck.report import render
from deploycheck.report.model import Report

TOKEN = "sk-proj-Zq8v3LmN4pQ7rT2wX9yB6cD1eF5gH0jK"
PASSWORD = "hunter2-Correct-Horse-Battery"
STREAMLIT_APP = {"requirements.txt": "streamlit==1.40.0\n", ".python-version": "3.12\n", "streamlit_app.py": ""}


def dc307(report: dict) -> list[tuple[str, int | None]]:
    return sorted((f["path"], f["line"]) for f in report["findings"] if f["code"] == "DC307")


def test_secrets_toml_and_env_fire_with_file_line_and_key(tmp_path):
    folder = write(
        tmp_path / "app",
        {
            **STREAMLIT_APP,
            ".streamlit/secrets.toml": f'# database\n[connections.db]\nurl = "postgresql://app:{PASSWORD}@db/app"\n',
            ".env": f"# keys\nDEBUG=1\nexport OPENAI_API_KEY='{TOKEN}'\n",
        },
    )
    code, report = run_check(folder, "--select", "DC307")
    assert code == 1
    assert dc307(report) == [(".env", 3), (".streamlit/secrets.toml", 3)]
    env = next(f for f in report["findings"] if f["path"] == ".env")
    assert "OPENAI_API_KEY" in env["message"] and "DEBUG" not in env["message"]
    assert "Settings > Secrets" in env["fix"] and "git rm --cached .env" in env["fix"]  # Streamlit's own place


@pytest.mark.parametrize(
    ("files", "platform_words"),
    [
        ({"Procfile": "web: gunicorn app:app\n", "app.py": ""}, "heroku config:set"),
        ({"fly.toml": 'app = "x"\n', "Dockerfile": "FROM python:3.12-slim\n"}, "fly secrets set"),
    ],
)
def test_fix_names_the_platforms_secret_store(tmp_path, files, platform_words):
    folder = write(tmp_path / "app", {"requirements.txt": "flask==3.0.0\n", ".env": f"API_TOKEN={TOKEN}\n", **files})
    _, report = run_check(folder, "--select", "DC307")
    (finding,) = report["findings"]
    assert platform_words in finding["fix"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".env.example", f"OPENAI_API_KEY={TOKEN}\n"),  # templates never count
        (".env.sample", "SECRET_KEY=changeme\n"),
        (".env.template", "API_TOKEN=<your token>\n"),
        (".env", "OPENAI_API_KEY=\nSECRET_KEY=changeme\nDB_PASSWORD=${DB_PASSWORD}\nAPI_TOKEN=your-token-here\n"),
        (".env", "DEBUG=1\nPORT=8000\nLOG_LEVEL=info\n"),  # values, but nothing secret
        (".streamlit/secrets.toml", '# fill in on share.streamlit.io\n[connections.db]\nurl = ""\n'),
        (".streamlit/config.toml", '[theme]\nbase = "dark"\n'),
        ("env.py", f"TOKEN = '{TOKEN}'\n"),  # not a .env file: another check's business
    ],
)
def test_templates_placeholders_and_harmless_values_do_not_fire(tmp_path, name, text):
    folder = write(tmp_path / "app", {**STREAMLIT_APP, name: text})
    code, report = run_check(folder, "--select", "DC307")
    assert (code, dc307(report)) == (0, [])


def test_the_value_appears_in_no_output(app, index, tmp_path):
    # A drifting lock too, so that the fix dir has content: a lock compiled on 3.11, deployed on 3.9.
    folder = app(
        "3.11",
        runtime="3.9",
        files={
            ".streamlit/secrets.toml": f'OPENAI_API_KEY = "{TOKEN}"\n[db]\npassword = "{PASSWORD}"\n',
            ".env.production": f"STRIPE_SECRET={PASSWORD}\nGITHUB_TOKEN={TOKEN}\n",
        },
    )
    from entrypoint import main

    outputs: list[str] = []
    reports: dict[str, str] = {}
    for fmt in ("text", "json", "markdown"):
        out = tmp_path / f"report.{fmt}"
        fix_dir = tmp_path / f"fix-{fmt}"
        argv = [str(folder), "--format", fmt, "--output", str(out), "--fix-dir", str(fix_dir), "--index-url", index]
        assert main(argv) == 1
        reports[fmt] = out.read_text()
        fixes = [p.read_text() for p in fix_dir.rglob("*") if p.is_file()]
        assert fixes  # the drift's fix was written, and is grepped too
        outputs += fixes
    outputs += reports.values()
    report = Report.from_json(json.loads(reports["json"]))
    assert len([f for f in report.findings if f.code == "DC307"]) == 2 and report.drift
    outputs += ["\n".join(runner_files.annotation_lines(report)), render.to_markdown(report), render.to_text(report)]
    joined = "\n".join(outputs)
    assert "OPENAI_API_KEY" in joined and "STRIPE_SECRET" in joined  # the keys are named...
    for secret in (TOKEN, PASSWORD, TOKEN[:12], PASSWORD[:10]):
        assert secret not in joined  # ...their values never


def test_annotation_and_markdown_show_file_and_line(tmp_path):
    folder = write(tmp_path / "app", {**STREAMLIT_APP, ".env": f"\nAPI_KEY={TOKEN}\n"})
    _, data = run_check(folder, "--select", "DC307")
    report = Report.from_json(data)
    (line,) = runner_files.annotation_lines(report, prefix="web/")
    assert line.startswith("::error file=web/.env,line=2,title=deploycheck DC307::")
    assert ".env" in render.to_markdown(report) and "DC307" in render.to_markdown(report)


def test_unreadable_binary_and_huge_files_are_findings_without_content(tmp_path):
    outside = tmp_path / "outside.env"
    outside.write_text(f"API_KEY={TOKEN}\n")
    folder = write(tmp_path / "app", STREAMLIT_APP)
    (folder / ".env").symlink_to(outside)
    (folder / ".env.local").write_bytes(b"\x00\xff" * 500 + TOKEN.encode())
    (folder / ".env.production").write_text("X=1\n" * 3_000_000)  # 12 MB
    os.mkfifo(folder / ".env.staging")  # would hang a naive reader
    (folder / ".streamlit").mkdir()
    (folder / ".streamlit" / "secrets.toml").write_text('this is = not [toml\npassword = "' + PASSWORD + '"\n')
    code, report = run_check(folder, "--select", "DC307")
    assert code == 1
    by_path = {f["path"]: f["message"] for f in report["findings"]}
    assert "symlink to outside the repository" in by_path[".env"]
    assert "binary" in by_path[".env.local"]
    assert "limit" in by_path[".env.production"]
    assert "not a regular file" in by_path[".env.staging"]
    assert "not valid TOML" in by_path[".streamlit/secrets.toml"]
    assert TOKEN not in str(report) and PASSWORD not in str(report)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to make a real index")
@pytest.mark.parametrize("index_version", ["2", "4"])
def test_in_a_git_work_tree_only_tracked_files_count(tmp_path, index_version):
    folder = write(
        tmp_path / "app",
        {**STREAMLIT_APP, ".gitignore": ".env\n", ".env": f"API_KEY={TOKEN}\n", "sub/.env": f"API_KEY={TOKEN}\n"},
    )
    write(folder, {".streamlit/secrets.toml": f'token = "{TOKEN}"\n'})

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, timeout=60)

    git("init", "-q")
    git("add", "requirements.txt", ".gitignore", ".streamlit/secrets.toml")  # .env: ignored; sub/.env: untracked
    git("update-index", "--index-version", index_version)
    _, report = run_check(folder, "--select", "DC307")
    assert dc307(report) == [(".streamlit/secrets.toml", 1)]
    git("add", "-f", ".env")  # forced past .gitignore: committed after all
    _, report = run_check(folder, "--select", "DC307")
    assert dc307(report) == [(".env", 1), (".streamlit/secrets.toml", 1)]
