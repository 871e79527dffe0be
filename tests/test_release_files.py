"""Release hygiene (#18 items 14, 15): action.yml and the workflows are valid against SchemaStore's schemas
(shipped with check-jsonschema), every checkout in CI keeps no token in .git/config, a release pins the image by
tag and digest and moves the major tag, and the licence and changelog are where users look for them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DIGEST = "sha256:" + "ab" * 32


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_action_yml_is_a_valid_action() -> None:
    done = check_jsonschema("vendor.github-actions", ROOT / "action.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_action_yml_is_caught(tmp_path: Path) -> None:
    """The schema check would see a mistake: an output without its description, an unknown key."""
    broken = tmp_path / "action.yml"
    broken.write_text((ROOT / "action.yml").read_text().replace("runs:\n", "runz:\n"))
    assert check_jsonschema("vendor.github-actions", broken).returncode != 0


def test_workflows_are_valid() -> None:
    done = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_checkouts_keep_no_token() -> None:
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    checkouts = [
        step
        for job in ci["jobs"].values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/checkout@")
    ]
    assert checkouts and all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


def test_action_outputs_are_declared() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(action["outputs"]) == {"outcome", "drift", "report-path", "findings", "not-checked"}
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}  # a release pins it (below)


def test_release_pins_the_image_by_tag_and_digest(tmp_path: Path) -> None:
    copy = tmp_path / "action.yml"
    shutil.copy(ROOT / "action.yml", copy)
    ref = f"ghcr.io/octo-org/deploycheck:v0.3.1@{DIGEST}"
    done = subprocess.run(
        ["bash", str(ROOT / ".github" / "scripts" / "pin-image.sh"), ref, str(copy)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(copy.read_text())["runs"]["image"] == f"docker://{ref}"
    assert check_jsonschema("vendor.github-actions", copy).returncode == 0
    # Twice, or with a reference that is not IMAGE:vX.Y.Z@sha256:…, it refuses rather than guess.
    again = subprocess.run(["bash", str(ROOT / ".github" / "scripts" / "pin-image.sh"), ref, str(copy)], text=True)
    assert again.returncode == 2
    for bad in ("ghcr.io/o/d:v0.3.1", "ghcr.io/o/d:latest@" + DIGEST, "x; rm -rf /:v1.0.0@" + DIGEST):
        shutil.copy(ROOT / "action.yml", copy)
        refused = subprocess.run(["bash", str(ROOT / ".github" / "scripts" / "pin-image.sh"), bad, str(copy)])
        assert refused.returncode == 2 and copy.read_text() == (ROOT / "action.yml").read_text()


def test_release_workflow_labels_checks_and_moves_the_major_tag() -> None:
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "org.opencontainers.image.source=$GITHUB_SERVER_URL/$GITHUB_REPOSITORY" in text
    assert "pin-image.sh" in text and "RepoDigests" in text
    assert 'major="${GITHUB_REF_NAME%%.*}"' in text  # v0.3.1 -> v0: the tag the docs tell users to use
    # The anonymous pull check comes before any tag moves.
    assert text.index("ghcr.io/token") < text.index("git tag -f")
    major = subprocess.run(
        ["bash", "-c", 'GITHUB_REF_NAME=v0.3.1; echo "${GITHUB_REF_NAME%%.*}"'], capture_output=True, text=True
    )
    assert major.stdout.strip() == "v0"


@pytest.mark.parametrize(
    "doc", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
)
def test_docs_name_the_major_tag_the_release_moves(doc: str) -> None:
    """0.x releases move v0: no document may tell users to use a tag that no release makes."""
    version = re.search(r'^__version__ = "(\d+)\.', (ROOT / "deploycheck" / "__init__.py").read_text(), re.M)
    assert version
    text = (ROOT / doc).read_text()
    tags = set(re.findall(r"deploycheck@(v\d+)\b", text))
    assert tags <= {f"v{version.group(1)}"}, f"{doc} names {tags}"


def test_licence_and_changelog() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    assert re.search(r'^license = (\{ text = )?"MIT"', (ROOT / "pyproject.toml").read_text(), re.M)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in changelog and "## [Unreleased]" in changelog


def test_actionlint_passes_the_workflows_and_catches_a_retired_runtime(tmp_path: Path) -> None:
    """.ci/run lints the workflows with actionlint; an action on the retired node20 runtime fails it."""
    actionlint = Path(sys.executable).with_name("actionlint")
    argv = [str(actionlint), "-shellcheck=", "-pyflakes=", "-no-color"]
    ours = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    done = subprocess.run([*argv, *ours], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    old = (ROOT / ".github" / "workflows" / "ci.yml").read_text().replace("checkout@v5", "checkout@v4")
    (repo / ".github" / "workflows" / "ci.yml").write_text(old)
    done = subprocess.run([*argv, ".github/workflows/ci.yml"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and 'runtime "node20" is deprecated' in done.stdout, done.stdout


def _doc_yaml_blocks() -> list[tuple[str, str]]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [
        (p.relative_to(ROOT).as_posix(), m.group(1))
        for p in docs
        for m in re.finditer(r"```ya?ml\n(.*?)```", p.read_text(encoding="utf-8"), re.S)
    ]


def test_the_workflows_the_docs_show_pass_actionlint(tmp_path: Path) -> None:
    """A reader copies the docs' workflows: each whole one passes actionlint as our own do, and every action a
    fragment uses is at a version GitHub still runs (checkout@v4 and cache@v4 run on the retired node20)."""
    blocks = _doc_yaml_blocks()
    whole = [(name, text) for name, text in blocks if re.search(r"^jobs:", text, re.M)]
    assert len(whole) >= 4, [name for name, _ in whole]  # README, cache.md, monorepo.md, security.md (two)
    refs = sorted({ref for _, text in blocks for ref in re.findall(r"uses: (actions/[\w/-]+@v\d+)", text)})
    assert "actions/cache@v5" in refs, refs
    steps = "".join(f"      - uses: {ref}\n" for ref in refs)
    fragments = f"name: refs\non: pull_request\njobs:\n  refs:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    files = []
    for i, (name, text) in enumerate([*whole, ("every action the docs use", fragments)]):
        path = repo / ".github" / "workflows" / f"doc{i}.yml"
        path.write_text(text, encoding="utf-8")
        files.append((name, path.relative_to(repo).as_posix()))
    argv = [str(Path(sys.executable).with_name("actionlint")), "-shellcheck=", "-pyflakes=", "-no-color"]
    for name, rel in files:
        done = subprocess.run([*argv, rel], cwd=repo, capture_output=True, text=True, timeout=120)
        errors = re.findall(r"^\.github/\S+:\d+:\d+: .*$", done.stdout, re.M)
        if name == "every action the docs use":  # steps without their `with:`: only the versions are judged
            errors = [e for e in errors if "missing input" not in e]
        assert not errors and done.returncode in (0, 1), f"{name}: {done.stdout}{done.stderr}"
