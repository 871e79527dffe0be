"""DC304-DC305: misspelled files and Streamlit's root-only files in a subfolder."""

from __future__ import annotations

import os

import pytest
from conftest import run_check, write


def found(report: dict) -> list[tuple[str, str]]:
    return sorted((f["code"], f["path"]) for f in report["findings"])


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("requirement.txt", "requirements.txt"),
        ("requierements.txt", "requirements.txt"),
        ("Requirements.txt", "requirements.txt"),
        ("requirements.txt.txt", "requirements.txt"),  # Windows hid the extension
        ("Procfile.txt", "Procfile"),
        ("procfile", "Procfile"),
    ],
)
def test_a_misspelled_file_alone_is_an_error(tmp_path, name, meant):
    files = {name: "web: gunicorn app:app\n" if meant == "Procfile" else "flask==3.0.0\n", "app.py": ""}
    if meant == "Procfile":
        files["requirements.txt"] = "flask==3.0.0\n"
    folder = write(tmp_path / "app", files)
    code, report = run_check(folder, "--select", "DC304")
    assert code == 1 and found(report) == [("DC304", name)]
    assert f"`git mv {name} {meant}`" in report["findings"][0]["fix"]


def test_a_repository_with_only_a_misspelled_requirements_file_is_not_ready_rather_than_uncheckable(tmp_path):
    folder = write(tmp_path / "app", {"Requirements.txt": "streamlit==1.40.0\n", "streamlit_app.py": ""})
    code, report = run_check(folder, "--select", "DC3")
    assert code == 1 and report["problems"] == []
    assert "case-sensitive" in report["findings"][0]["message"]


def test_package_txt_only_on_streamlit(tmp_path):
    folder = write(
        tmp_path / "app", {".streamlit/config.toml": "", "requirements.txt": "x==1\n", "package.txt": "libgl1\n"}
    )
    assert found(run_check(folder, "--select", "DC304")[1]) == [("DC304", "package.txt")]
    assert run_check(folder, "--select", "DC304", "--platform", "heroku")[1]["findings"] == []


@pytest.mark.parametrize("platform", ["streamlit-cloud", "docker", "hf-spaces"])
def test_procfile_txt_only_where_a_procfile_starts_the_app(tmp_path, platform):
    """Streamlit Community Cloud runs the main file chosen in its dialog, a Docker image its CMD, a Space its
    front matter's app_file: none reads a Procfile, so a misspelled one stops nothing there (examples/troubled-app,
    a Streamlit app, had an error saying "the platform finds no command to start the app")."""
    folder = write(
        tmp_path / "app",
        {"Procfile.txt": "web: streamlit run app.py\n", "requirements.txt": "streamlit==1.40.0\n", "app.py": ""},
    )
    assert run_check(folder, "--select", "DC304", "--platform", platform)[1]["findings"] == []
    assert found(run_check(folder, "--select", "DC304", "--platform", "heroku")[1]) == [("DC304", "Procfile.txt")]


@pytest.mark.parametrize(
    "files",
    [
        {"requirements.txt": "x==1\n", "requirement.txt": "x==1\n"},  # the real one is there: maybe on purpose
        {
            "requirements.txt": "x==1\n",
            "requirements-dev.txt": "pytest\n",
            "dev-requirements.txt": "",
            "requirements.in": "",
        },
        {"requirements.txt": "x==1\n", "Procfile": "web: python app.py\n", "app.py": "", "Procfile.dev": "web: x\n"},
        {"requirements.txt": "x==1\n", "README.txt": "", "runtime.txt": "python-3.12\n", "constraints.txt": ""},
        {"requirements.txt": "x==1\n", "requirement.txt/": ""},  # a folder of that name is not a file
        {
            "Dockerfile": "FROM python:3.12\nCOPY requirement.txt .\n",
            "requirement.txt": "x==1\n",
        },  # the image copies it
    ],
)
def test_real_names_and_variants_do_not_fire(tmp_path, files):
    folder = tmp_path / "app"
    for name, text in files.items():
        if name.endswith("/"):
            (folder / name).mkdir(parents=True)
        else:
            write(folder, {name: text})
    assert run_check(folder, "--select", "DC304")[1]["findings"] == []


def test_streamlit_root_only_files_in_a_subfolder(tmp_path):
    folder = write(
        tmp_path / "repo",
        {
            "dashboard/requirements.txt": "streamlit==1.40.0\n",
            "dashboard/streamlit_app.py": "",
            "dashboard/packages.txt": "libgl1\n",
            "dashboard/.streamlit/config.toml": "[theme]\n",
            "README.md": "",
        },
    )
    code, report = run_check(folder, "--select", "DC305")
    assert found(report) == [("DC305", "dashboard/.streamlit/config.toml"), ("DC305", "dashboard/packages.txt")]
    assert code == 0  # warnings
    write(folder, {"packages.txt": "libgl1\n", ".streamlit/config.toml": "[theme]\n"})
    (folder / "dashboard" / ".streamlit" / "config.toml").unlink()
    (finding,) = run_check(folder, "--select", "DC305")[1]["findings"]
    assert "the root's packages.txt is installed and this one is ignored" in finding["message"]


def test_root_files_at_the_root_and_other_platforms_do_not_fire(tmp_path):
    folder = write(
        tmp_path / "repo",
        {"requirements.txt": "streamlit==1.40.0\n", "packages.txt": "libgl1\n", ".streamlit/config.toml": ""},
    )
    assert run_check(folder, "--select", "DC305")[1]["findings"] == []
    sub = write(
        tmp_path / "heroku",
        {
            "Procfile": "web: python api/app.py\n",
            "api/app.py": "",
            "api/requirements.txt": "x==1\n",
            "api/packages.txt": "",
        },
    )
    assert run_check(sub, "--select", "DC305")[1]["findings"] == []


def test_a_fifo_and_a_symlink_with_misspelled_names_are_named_not_read(tmp_path):
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0\n")
    folder = write(tmp_path / "app", {"app.py": "", "Procfile": "web: python app.py\n"})
    (folder / "requirement.txt").symlink_to(outside)
    os.mkfifo(folder / "Requirements.txt")
    _, report = run_check(folder, "--select", "DC304")
    assert found(report) == [("DC304", "Requirements.txt"), ("DC304", "requirement.txt")]
    assert "root:x" not in str(report)
