"""DC201-DC203 through the whole CLI."""

from __future__ import annotations

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
