"""DC35x: deployed requirements files as pip reads them. A line pip refuses fails the deploy (not ready,
exit 1); a .in pip refuses is the lock's "could not check" (exit 2): the deploy never reads it."""

from __future__ import annotations

import pytest
from conftest import run_check, write

PASTED = {
    "fence": ("```pip-requirements\nstreamlit==1.40.0\n```\n", 1),
    "pip install": ("streamlit==1.40.0\npip install pandas\n", 2),
    "conflict marker": ("<<<<<<< HEAD\nstreamlit==1.40.0\n=======\nstreamlit==1.39.0\n>>>>>>> main\n", 1),
    "no version": ("streamlit==1.40.0\nrequests==\n", 2),
}


def found(report: dict, code: str) -> list[tuple[str, int | None]]:
    return [(f["path"], f["line"]) for f in report["findings"] if f["code"] == code]


@pytest.mark.parametrize("case", sorted(PASTED))
def test_a_line_pip_refuses_makes_the_app_not_ready(tmp_path, case):
    text, line = PASTED[case]
    folder = write(tmp_path / "app", {"requirements.txt": text, ".python-version": "3.12\n"})
    code, report = run_check(folder, "--select", "DC3")
    assert code == 1 and report["outcome"] == "not-ready"
    assert ("requirements.txt", line) in found(report, "DC350")


def test_the_whole_run_says_not_ready_and_skips_the_recompile(tmp_path, index):
    folder = write(tmp_path / "app", {"requirements.txt": "```\nhelperlib==2.1\n```\n", ".python-version": "3.11\n"})
    code, report = run_check(folder, "--index-url", index)
    assert code == 1 and report["problems"] == [] and report["lockfiles"] == []


def test_utf16_from_powershell_is_a_warning_and_read_as_pip_reads_it(app, tmp_path):
    folder = app("3.11")
    lock = folder / "requirements.txt"
    text = lock.read_text()
    lock.write_bytes(text.replace("\n", "\r\n").encode("utf-16"))  # PowerShell: UTF-16 LE, BOM, CRLF
    code, report = run_check(folder, "--fix-dir", str(tmp_path / "fix"))
    assert found(report, "DC351") == [("requirements.txt", None)]
    assert not found(report, "DC350") and not found(report, "DC352")
    assert code == 0 and report["lockfiles"][0]["status"] == "in-sync"  # read as pip reads it
    assert (tmp_path / "fix" / "requirements.txt").read_bytes() == text.replace("\n", "\r\n").encode("utf-8")


def test_bytes_that_are_not_text_name_the_line(tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "requirements.txt").write_bytes(b"streamlit==1.40.0\n# caf\xe9 app\npandas==2.2.3\n")
    code, report = run_check(folder, "--select", "DC3")
    assert code == 1 and found(report, "DC352") == [("requirements.txt", 2)]


def test_a_huge_file_is_one_finding_not_a_huge_report(tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "requirements.txt").write_text("streamlit==1.40.0\n" + "x" * (6 * 1024 * 1024) + "\n")
    code, report = run_check(folder, "--select", "DC3")
    assert code == 1 and len(report["findings"]) == 1 and report["findings"][0]["code"] == "DC353"
    assert len(report["findings"][0]["message"]) < 300


def test_a_malformed_in_is_could_not_check_naming_its_line(app):
    folder = app("3.11")
    (folder / "requirements.in").write_text("webapp-core\npip install fancy\n")
    code, report = run_check(folder)
    assert code == 2 and report["drift"] is False
    error = report["lockfiles"][0]["error"]
    assert "requirements.in:2" in error["message"]
    assert not found(report, "DC350")  # the deploy does not read the .in


# Class 11 of #17: versions old pip read as legacy versions and pip >= 24.1, uv and packaging >= 22 reject.
LEGACY = {
    "trailing dot": ("supervision==0.18.0.", "0.18.0.", "supervision==0.18.0"),
    "wildcard on >=": ("pandas>=1.5.*", "1.5.*", "pandas>=1.5"),
    "trailing dot with a marker": (
        'numpy==1.26.4. ; python_version >= "3.9"',
        "1.26.4.",
        'numpy==1.26.4 ; python_version >= "3.9"',
    ),
}


@pytest.mark.parametrize("case", sorted(LEGACY))
def test_a_legacy_version_names_the_strict_parser_and_the_spelling_that_works(tmp_path, case):
    line, version, fixed = LEGACY[case]
    folder = write(tmp_path / "app", {"requirements.txt": f"streamlit==1.40.0\n{line}\n", ".python-version": "3.12\n"})
    code, report = run_check(folder, "--select", "DC3")
    assert code == 1 and found(report, "DC350") == [("requirements.txt", 2)]
    (finding,) = [f for f in report["findings"] if f["code"] == "DC350"]
    assert f"`{version}` is not a PEP 440 version" in finding["message"] and "pip 24.1" in finding["message"]
    assert f"`{fixed}`" in finding["fix"]


def test_a_legacy_version_in_an_included_file_is_found_at_its_line(tmp_path):
    """`pip install -r requirements.txt` reads base.txt too: its line fails the deploy the same way."""
    folder = write(
        tmp_path / "app",
        {
            "requirements.txt": "-r common/base.txt\nstreamlit==1.40.0\n",
            "common/base.txt": "# shared\nsupervision==0.18.0.\n",
            ".python-version": "3.12\n",
        },
    )
    code, report = run_check(folder, "--select", "DC3")
    assert code == 1 and found(report, "DC350") == [("common/base.txt", 2)]


def test_a_legacy_version_in_pyproject_dependencies(tmp_path):
    pyproject = '[project]\nname = "app"\nversion = "1.0"\n'
    pyproject += 'dependencies = [\n  "streamlit==1.40.0",\n  "supervision==0.18.0.",\n]\n'
    folder = write(tmp_path / "app", {"pyproject.toml": pyproject, ".python-version": "3.12\n", "app.py": ""})
    code, report = run_check(folder, "--select", "DC350")
    assert code == 1 and found(report, "DC350") == [("pyproject.toml", 6)]
    assert "`supervision==0.18.0`" in report["findings"][0]["fix"]


def test_strict_versions_do_not_fire(tmp_path):
    text = "supervision==0.18.0\npandas>=1.5,<3\nfoo==1.0.*\nbar===weird.\nbaz==v1.0\n"
    folder = write(tmp_path / "app", {"requirements.txt": text, ".python-version": "3.12\n"})
    code, report = run_check(folder, "--select", "DC350")
    assert (code, found(report, "DC350")) == (0, [])


def test_a_legacy_version_in_a_pipfile_the_platform_installs(tmp_path):
    pipfile = '[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\n\n[packages]\nflask = "*"\n'
    pipfile += 'supervision = "==0.18.0."\n'
    folder = write(tmp_path / "app", {"Pipfile": pipfile, ".python-version": "3.12\n", "app.py": ""})
    code, report = run_check(folder, "--select", "DC350", "--platform", "heroku")
    assert code == 1 and found(report, "DC350") == [("Pipfile", 7)]
    assert "`supervision==0.18.0`" in report["findings"][0]["fix"]
