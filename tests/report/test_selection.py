"""Choosing codes as ruff users do: --select / --ignore, [tool.deploycheck], per-file ignores, inline
`# deploycheck: ignore[...]`, and the action's inputs, all through one Settings builder."""

from __future__ import annotations

import pytest
from conftest import run_check, write

from deploycheck.github.action import InputError, read_inputs
from deploycheck.report.selection import Selection, inline_allows


def codes(report: dict) -> list[tuple[str, str, int | None]]:
    return [(f["code"], f["path"], f["line"]) for f in report["findings"]]


@pytest.fixture
def loose(tmp_path, index):
    """A plain requirements file with two loose lines (DC110 twice) and a stdlib name (DC301)."""
    return write(
        tmp_path / "app",
        {"requirements.txt": "helperlib>=1\nwebapp-core\n", ".python-version": "3.11\n"},
    ), index


def test_select_and_ignore_with_prefixes(loose):
    folder, index = loose
    _, everything = run_check(folder, "--index-url", index)
    assert {"DC110", "DC111"} <= {c for c, _, _ in codes(everything)}
    _, report = run_check(folder, "--index-url", index, "--select", "DC1", "--ignore", "DC110")
    assert {c for c, _, _ in codes(report)} == {"DC111"}
    _, report = run_check(folder, "--index-url", index, "--ignore", "DC1", "--select", "DC110")
    assert {c for c, _, _ in codes(report)} == {"DC110"}  # the longer prefix wins, as in ruff


def test_ignored_codes_do_not_fail_the_run(loose):
    folder, index = loose
    assert run_check(folder, "--index-url", index, "--fail-on", "warning")[0] == 1
    code, report = run_check(folder, "--index-url", index, "--fail-on", "warning", "--ignore", "DC11")
    assert code == 0 and not any(c.startswith("DC11") for c, _, _ in codes(report))


def test_pyproject_section(loose):
    folder, index = loose
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.deploycheck]\nignore = ["DC111"]\nfail-on = "warning"\n'
        'per-file-ignores = { "requirements.txt" = ["DC110"] }\n'
    )
    code, report = run_check(folder, "--index-url", index)
    assert codes(report) == [] and code == 0
    assert report["config"]["file"] == "pyproject.toml" and report["config"]["ignore"] == ["DC111"]
    # The command line wins over the file.
    code, report = run_check(folder, "--index-url", index, "--fail-on", "error", "--ignore", "DC2")
    assert "DC111" in {c for c, _, _ in codes(report)}


def test_inline_ignore_on_the_line(loose):
    folder, index = loose
    (folder / "requirements.txt").write_text("helperlib>=1  # deploycheck: ignore[DC110]\nwebapp-core\n")
    _, report = run_check(folder, "--index-url", index, "--select", "DC110")
    assert codes(report) == [("DC110", "requirements.txt", 2)]
    (folder / "requirements.txt").write_text("helperlib>=1  # deploycheck: ignore\nwebapp-core\n")
    _, report = run_check(folder, "--index-url", index, "--select", "DC110")
    assert codes(report) == [("DC110", "requirements.txt", 2)]


@pytest.mark.parametrize("args", [["--select", "DC999"], ["--ignore", "E501"], ["--select", "DC1,XX"]])
def test_unknown_code_is_exit_2_with_the_valid_ones(tmp_path, args):
    folder = write(tmp_path / "app", {"requirements.txt": "math\n"})
    code, report = run_check(folder, *args)
    assert code == 2
    (problem,) = report["problems"]
    assert "unknown code" in problem["message"] and "DC101" in problem["fix"] and "DC301" in problem["fix"]


def test_bad_config_is_exit_2_naming_the_file(tmp_path):
    folder = write(
        tmp_path / "app", {"requirements.txt": "six==1.16.0\n", "pyproject.toml": "[tool.deploycheck]\nsellect = []\n"}
    )
    from deploycheck import cli

    assert cli.main([str(folder)]) == 2


def test_action_inputs_are_the_same_options(tmp_path):
    env = {
        "GITHUB_WORKSPACE": str(tmp_path),
        "INPUT_SELECT": "DC1 DC301",
        "INPUT_IGNORE": "DC110",
        "INPUT_TIMEOUT": "90",
        "INPUT_EXTRA-INDEX-URLS": "https://a.example/simple\nhttps://b.example/simple",
        "INPUT_PER-FILE-IGNORES": "legacy/*:DC110,DC111\nold/*:DC2",
        "INPUT_FAIL-ON": "drift",
        "INPUT_PLATFORM": "heroku",
    }
    settings = read_inputs(env).settings
    assert settings.select == ["DC1", "DC301"] and settings.ignore == ["DC110"] and settings.timeout == 90
    assert settings.extra_index_urls == ["https://a.example/simple", "https://b.example/simple"]
    assert settings.per_file_ignores == {"legacy/*": ["DC110", "DC111"], "old/*": ["DC2"]}
    assert settings.fail_on == "error" and settings.platform == "heroku"
    with pytest.raises(InputError, match="timeout"):
        read_inputs({**env, "INPUT_TIMEOUT": "soon"})


def test_only_binary_is_a_ratchet(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.deploycheck]\nonly-binary = false\n")
    assert read_inputs({"GITHUB_WORKSPACE": str(tmp_path), "INPUT_ONLY-BINARY": "true"}).settings.only_binary
    (tmp_path / "pyproject.toml").write_text("[tool.deploycheck]\nonly-binary = true\n")
    assert read_inputs({"GITHUB_WORKSPACE": str(tmp_path), "INPUT_ONLY-BINARY": "false"}).settings.only_binary


def test_selection_rules():
    s = Selection(select=["DC1"], ignore=["DC11"])
    assert s.wants("DC101") and not s.wants("DC110") and not s.wants("DC301")
    assert Selection(ignore=["ALL"], select=["DC301"]).wants("DC301")
    assert not Selection(ignore=["ALL"]).wants("DC101")
    assert not Selection(select=["DC301"], ignore=["ALL"]).wants("DC101")
    assert not inline_allows("x  # deploycheck: ignore[DC110, DC2]", "DC201")
    assert inline_allows("x  # deploycheck: ignore[DC110]", "DC111")


def test_config_from_the_repository_top_for_a_subfolder(tmp_path):
    repo = write(
        tmp_path / "repo",
        {
            ".git/HEAD": "x\n",
            "pyproject.toml": '[tool.deploycheck]\nignore = ["DC301"]\n',
            "app/requirements.txt": "math\n",
            "app/.python-version": "3.12\n",
        },
    )
    code, report = run_check(repo / "app", "--select", "DC3")
    assert code == 0 and report["config"]["file"] == "pyproject.toml"


def test_config_file_that_is_a_fifo_or_a_link_out_is_refused_not_read(tmp_path):
    import os

    from deploycheck import cli

    folder = write(tmp_path / "app", {"requirements.txt": "six==1.16.0\n"})
    os.mkfifo(folder / "pyproject.toml")  # reading it would block forever
    assert cli.main([str(folder)]) == 2
    (folder / "pyproject.toml").unlink()
    secret = write(tmp_path / "outside", {"pyproject.toml": "[tool.deploycheck]\nignore = ['ALL']\n"})
    (folder / "pyproject.toml").symlink_to(secret / "pyproject.toml")
    assert cli.main([str(folder)]) == 2
