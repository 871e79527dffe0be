"""One name and one default per option, everywhere a user meets it (#18 item 11): the command line's parser,
`[tool.deploycheck]` in pyproject.toml, the action's inputs (action.yml) and docs/usage.md."""

from __future__ import annotations

import argparse
import re

import pytest
import yaml
from conftest import ROOT

from deploycheck import cli
from deploycheck.errors import CheckError
from deploycheck.settings import OPTIONS, Settings, build

# Inputs only the action has: where to look, and how to publish.
ACTION_ONLY = {"working-directory", "github-token", "comment", "status-context", "comment-header", "report"}


def _flags() -> dict[str, argparse.Action]:
    return {flag: action for action in cli.parser()._actions for flag in action.option_strings}


def _inputs() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"]


def test_every_option_has_its_name_on_the_command_line_and_in_the_action():
    flags, inputs = _flags(), _inputs()
    for option in OPTIONS:
        for spelling in (option.name, *option.aliases):
            assert f"--{spelling}" in flags, f"--{spelling} is missing from the command line"
            assert flags[f"--{spelling}"].dest == option.name.replace("-", "_")
        assert option.name in inputs, f"action.yml has no input {option.name}"
    assert set(inputs) - ACTION_ONLY == {o.name for o in OPTIONS}, "an action input that is no option"


def test_the_epilog_names_every_option_that_is_not_in_the_configuration():
    """The epilog says which options pyproject.toml cannot set: exactly the parser's options that are no Option."""
    in_config = {f"--{s}" for o in OPTIONS for s in (o.name, *o.aliases)}
    only = {f for f in _flags() if f.startswith("--") and f not in in_config} - {"--help"}
    epilog = cli.parser().epilog or ""
    named = set(re.findall(r"--[a-z][a-z-]*", epilog.split("Every option except", 1)[1].split("can also")[0]))
    assert named == only


def test_metavars_say_what_to_give():
    for action in cli.parser()._actions:
        if action.option_strings and action.nargs != 0 and not action.choices:
            assert action.metavar not in (None, "VALUE"), action.option_strings


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: o.name)
def test_one_default_said_everywhere(option):
    """The help, the action input's description and docs/usage.md say the same default."""
    help_text = _flags()[f"--{option.name}"].help or ""
    assert help_text.endswith(f"(default: {option.default})")
    description = " ".join(str(_inputs()[option.name]["description"]).split())
    assert f"Default, {option.default}." in description
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    row = next((line for line in usage.splitlines() if re.match(rf"\| `--{option.name}[` ]", line)), None)
    assert row is not None, f"docs/usage.md has no row for --{option.name}"
    assert f"| {option.default} |" in row


def test_fail_on_drift_is_error_and_error_is_the_default(tmp_path):
    assert build({}, root=tmp_path).fail_on == "error"
    assert build({"fail-on": "drift"}, root=tmp_path).fail_on == "error"


def test_pyproject_takes_the_plural_and_the_singular_once(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.deploycheck]\nextra-index-url = ["https://a.example/simple"]\n')
    assert build({}, root=tmp_path).extra_index_urls == ["https://a.example/simple"]
    (tmp_path / "pyproject.toml").write_text('[tool.deploycheck]\nlockfiles = ["requirements.txt"]\n')
    assert build({}, root=tmp_path).lockfiles == ["requirements.txt"]
    (tmp_path / "pyproject.toml").write_text('[tool.deploycheck]\nlockfile = ["a.txt"]\nlockfiles = ["b.txt"]\n')
    with pytest.raises(CheckError, match="twice"):
        build({}, root=tmp_path)


def test_both_spellings_on_the_command_line(tmp_path):
    settings = cli.settings_from([str(tmp_path), "--lockfiles", "a.txt", "--lockfile", "b.txt,c.txt"])
    assert settings.lockfiles == ["a.txt", "b.txt", "c.txt"]
    settings = cli.settings_from([str(tmp_path), "--extra-index-urls", "https://x.example/simple"])
    assert settings.extra_index_urls == ["https://x.example/simple"]


SAMPLE = {"str": '"3.12"', "float": "60", "bool": "true", "list": '["a"]', "mapping": '{ "legacy/*" = ["DC110"] }'}


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: o.name)
def test_every_option_is_taken_from_pyproject_under_its_name(option, tmp_path):
    other = next((c for c in option.choices if c not in (option.default, "drift")), "")  # not the default
    value = f'"{other}"' if option.kind == "choice" else SAMPLE[option.kind]
    if option.name == "index-url":
        value = '"https://index.example/simple"'
    (tmp_path / "pyproject.toml").write_text(f"[tool.deploycheck]\n{option.name} = {value}\n")
    settings, attribute = build({}, root=tmp_path), option.name.replace("-", "_")
    assert list(settings.config) == [option.name]
    assert getattr(settings, attribute) != getattr(Settings(), attribute), "the value was not taken"


def test_usage_names_every_command_line_only_option_and_format():
    """docs/usage.md's table of command-line-only options has a row for each, and its --format row names every
    format the parser takes (it listed text, json and markdown after github and sarif had shipped)."""
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    rows = {m.group(1): line for line in usage.splitlines() if (m := re.match(r"\| `(-{1,2}[a-z-]+)", line))}
    for flag in cli.CLI_ONLY:
        assert flag in rows or any(f"`{flag}`" in line for line in rows.values()), f"usage.md has no row for {flag}"
    for name in cli.FORMATS:
        assert name in rows["--format"], f"docs/usage.md's --format row does not name {name}"


def _action_doc_rows() -> dict[str, str]:
    text = (ROOT / "docs" / "action.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z-]+)` \|.*$", text, re.M)}


def test_the_action_page_has_a_row_for_every_input_and_output_and_says_each_default():
    """docs/action.md is the action's reference: a row per input of action.yml with the same default as the
    command line's option (or action.yml's own default for the action-only inputs), and a row per output."""
    rows, action = _action_doc_rows(), yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    defaults = {o.name: o.default for o in OPTIONS}
    for name, spec in action["inputs"].items():
        assert name in rows, f"docs/action.md has no row for the input {name}"
        default = defaults.get(name, spec.get("default") or "empty")
        assert re.search(rf"^\| `{name}` \| `?{re.escape(str(default))}`? \|", rows[name]), (name, rows[name])
    for name in action["outputs"]:
        assert name in rows, f"docs/action.md has no row for the output {name}"
    assert set(rows) == set(action["inputs"]) | set(action["outputs"]), "a row for something action.yml lacks"
