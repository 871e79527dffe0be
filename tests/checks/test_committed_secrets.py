"""DC307: committed secrets, reported by file, line and key; the value never appears in any output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

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


# Real-looking values of each known format, built from pieces so that secret scanners do not flag this file.
AWS_ID = "AKIA" + "Q3EGRHVT5MNZ7K2P"
GITHUB = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"
SLACK = "xoxb-" + "2716384950-1627384950123-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"
STRIPE = "sk_live_" + "51HqT2mKx9Lp3Vn7Rw4Yz8Bc"
GOOGLE = "AIza" + "SyD3k9Lm2Np7Qr5Tv8Wx1Yz4Ab6Cd0Ef3Gh"
PEM = "-----BEGIN " + "PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----"
HOOK = "https://hooks.slack.com/" + "services/T0123ABCD/B0456EFGH/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("model_path", "/app/models/best.pt"),  # #17.5: the real app's only error was a path
        ("data_dir", "./data/raw"),
        ("weights", "models/yolov8n.pt"),
        ("cache", "~/.cache/app"),
        ("api_url", "https://api.example.com/v1/predict"),
        ("feed_url", "https://example.net/feed?page=12345678&sort=newest"),
        ("search_url", "https://example.net/?keywords=a"),  # a key-ish name, a short value
        ("database_url", "postgresql://postgres:postgres@localhost:5432/app"),  # a local dev database
        ("database_url", "postgresql://app:${DB_PASSWORD}@db.internal/app"),
        ("OPENAI_API_KEY", "sk-your-key-here"),
        ("OPENAI_API_KEY", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"),  # AWS's documented example
        ("api_key", "<your api key>"),
        ("token", "xxx"),
        ("secret_key", "changeme"),
        ("auth_token", ""),
        ("auth_enabled", "true"),
        ("token_ttl", "3600"),
        ("project_id", "my-gcp-project-123"),
        ("region", "us-east-1"),
        ("title", "My Streamlit dashboard for the sales team"),
    ],
)
@pytest.mark.parametrize("where", [".streamlit/secrets.toml", ".env"])
def test_values_that_are_not_secrets_do_not_fire(tmp_path, key, value, where):
    text = f'{key} = "{value}"\n' if where.endswith(".toml") else f"{key.upper()}={value}\n"
    folder = write(tmp_path / "app", {**STREAMLIT_APP, where: text})
    code, report = run_check(folder, "--select", "DC307")
    assert (code, dc307(report)) == (0, []), value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("value", AWS_ID),  # a known format is a secret under any name
        ("gh", GITHUB),
        ("slack", SLACK),
        ("stripe", STRIPE),
        ("maps", GOOGLE),
        ("gcp_service_account", PEM),
        ("notify", HOOK),
        ("openai", TOKEN),
        ("SECRET_KEY", "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"),  # high entropy under a secret's name
        ("DB_PASSWORD", "Tr0ub4dor&3x"),
        ("database_url", f"postgresql://app:{PASSWORD}@db.example.net/app"),
        ("feed_url", "https://api.example.net/v1/feed?format=json&api_key=Zx9Yw8Vu7Ts6Rq5P"),
        ("blob_url", "https://acct.blob.core.windows.net/c/f.csv?sv=2022&sig=Zx9Yw8Vu7Ts6Rq5P"),
    ],
)
@pytest.mark.parametrize("where", [".streamlit/secrets.toml", ".env"])
def test_known_formats_and_generated_values_under_secret_names_fire(tmp_path, key, value, where):
    text = f'path = "/app/data"\n{key} = "{value}"\n' if where.endswith(".toml") else f"PATH_X=/a\n{key}={value}\n"
    folder = write(tmp_path / "app", {**STREAMLIT_APP, where: text})
    code, report = run_check(folder, "--select", "DC307")
    assert (code, dc307(report)) == (1, [(where, 2)]), value
    assert value not in json.dumps(report)


def test_a_secrets_toml_holding_only_a_path_is_not_an_error(tmp_path):
    """The #17.5 app: its secrets.toml held the model's path, which was its only error."""
    folder = write(
        tmp_path / "app", {**STREAMLIT_APP, ".streamlit/secrets.toml": '[paths]\nmodel = "models/classifier.pkl"\n'}
    )
    code, report = run_check(folder, "--select", "DC307")
    assert (code, dc307(report)) == (0, [])


def test_a_url_value_with_a_long_query_is_judged_in_linear_time():
    """`?` then 33,000 `key`s and no `=`: the query-parameter regex backtracked quadratically (4 s of CPU per
    100 kB value; a .env of such lines, in every folder, multiplied it). Run in a child with a ceiling."""
    code = (
        "import importlib\n"
        "judge = importlib.import_module('checks.committed_secrets')._is_secret\n"
        "values = ['http://x?' + 'key' * 33000, 'http://x' + '?a=' * 33000, 'http://x?' + 'k-' * 49000]\n"
        "print([judge('URL', v, any_key=True) for v in values * 8])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0 and done.stdout.strip() == str([False] * 24), done.stderr[-2000:]


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("https://hooks.example.net/x?token=abcdef123456", True),
        ("https://api.example.net/x?a=b?api_key=abcdef123456", True),
        ("https://api.example.net/x?api_key=short", False),
        ("https://api.example.net/x?page=2&sort=name", False),
        ("https://api.example.net/x?sig=abcdefgh&x=1", True),
    ],
)
def test_url_query_secrets_are_judged_as_before(value, secret):
    from checks.committed_secrets import _is_secret

    assert _is_secret("URL", value, any_key=True) is secret


def test_a_secrets_toml_nested_thousands_deep_is_not_inspected_not_a_crash(tmp_path):
    """A dotted table header of 5,000 parts is valid TOML that tomllib builds without recursion; walking its
    values recursed past the limit (RecursionError: a crash of the check)."""
    deep = "[" + ".".join(["a"] * 5000) + ']\nx = "v"\n'
    folder = write(tmp_path / "app", {"app.py": "", ".streamlit/secrets.toml": deep})
    _, report = run_check(folder, "--select", "DC307")
    (finding,) = report["findings"]
    assert finding["path"] == ".streamlit/secrets.toml" and "nested too deep, so not inspected" in finding["message"]
