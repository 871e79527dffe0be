"""DC306: Procfile commands that name files or modules the repository does not have."""

from __future__ import annotations

import os

import pytest
from conftest import run_check, write

BASE = {"requirements.txt": "gunicorn==23.0.0\nflask==3.0.0\nstreamlit==1.40.0\n", ".python-version": "3.12\n"}


def dc306(report: dict) -> list[tuple[str, int | None]]:
    return [(f["path"], f["line"]) for f in report["findings"] if f["code"] == "DC306"]


@pytest.mark.parametrize(
    ("procfile", "files", "missing"),
    [
        ("web: gunicorn app:app\n", {"main.py": ""}, "app"),
        ("web: streamlit run app.py --server.port=$PORT\n", {"main.py": ""}, "app.py"),
        (
            "release: python manage.py migrate\nweb: gunicorn mysite.wsgi:application\n",
            {"manage.py": ""},
            "mysite/wsgi",
        ),
        ("web: cd src && uvicorn main:app --host 0.0.0.0 --port $PORT\n", {"main.py": ""}, "src/main"),
        ("web: gunicorn --chdir backend api:app\n", {"api.py": ""}, "backend/api"),
        ("worker: bash scripts/start.sh\n", {}, "scripts/start.sh"),
    ],
)
def test_a_missing_target_is_an_error_on_its_line(tmp_path, procfile, files, missing):
    folder = write(tmp_path / "app", {**BASE, "Procfile": procfile, **files})
    code, report = run_check(folder, "--select", "DC306")
    assert code == 1 and len(dc306(report)) == 1
    (finding,) = report["findings"]
    assert finding["line"] == procfile.count("\n") and missing in finding["message"]


@pytest.mark.parametrize(
    ("procfile", "files"),
    [
        ("web: gunicorn app:app\n", {"app.py": ""}),
        ("web: gunicorn mysite.wsgi:application --log-file -\n", {"mysite/wsgi.py": ""}),
        ("web: gunicorn -k uvicorn.workers.UvicornWorker -b 0.0.0.0:$PORT api:create_app()\n", {"api/__init__.py": ""}),
        ("web: cd src && streamlit run app.py\n", {"src/app.py": ""}),
        ("web: gunicorn --chdir $APP_DIR app:app\n", {}),  # decided at run time: not judged
        ("web: gunicorn flask:Flask\n", {}),  # a module the requirements install
        ("web: sh -c 'streamlit run missing.py'\n", {}),  # quoted shell: not parsed further
        ("web: python -m http.server $PORT\n", {}),
        ("# comment\n\nweb: bin/start-nginx\n", {}),
    ],
)
def test_present_or_unknowable_targets_do_not_fire(tmp_path, procfile, files):
    folder = write(tmp_path / "app", {**BASE, "Procfile": procfile, **files})
    assert run_check(folder, "--select", "DC306")[1]["findings"] == []


def test_the_root_procfile_of_a_subfolder_app(tmp_path):
    folder = write(tmp_path / "repo", {"Procfile": "web: gunicorn api.main:app\n", "api/requirements.txt": "x==1\n"})
    _, report = run_check(folder, "--select", "DC306")
    assert dc306(report) == [("Procfile", 1)]
    write(folder, {"api/main.py": ""})
    assert run_check(folder, "--select", "DC306")[1]["findings"] == []


def test_hostile_procfiles_are_findings_not_crashes(tmp_path):
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:/root:/bin/bash\n")
    cases = {"link": lambda p: p.symlink_to(outside), "fifo": os.mkfifo}
    for name, make in cases.items():
        folder = write(tmp_path / name, BASE)
        make(folder / "Procfile")
        _, report = run_check(folder, "--select", "DC306")
        assert dc306(report) == [("Procfile", None)] and "root:x" not in str(report)
    junk = write(tmp_path / "junk", BASE)
    (junk / "Procfile").write_bytes(b"\x00\x9f\xff" * 1000)
    assert "binary" in run_check(junk, "--select", "DC306")[1]["findings"][0]["message"]
    big = write(tmp_path / "big", {**BASE, "Procfile": "web: python missing.py\n" * 500_000})  # 12 MB
    assert "limit" in run_check(big, "--select", "DC306")[1]["findings"][0]["message"]
    many = write(tmp_path / "many", {**BASE, "Procfile": "".join(f"p{i}: python m{i}.py\n" for i in range(2000))})
    assert len(run_check(many, "--select", "DC306")[1]["findings"]) == 20  # bounded output
    quotes = write(tmp_path / "quotes", {**BASE, "Procfile": "web: gunicorn 'app:app\n"})
    assert run_check(quotes, "--select", "DC306")[1]["findings"] == []
