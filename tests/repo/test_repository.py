"""The Repository object: one boundary for every reader, one walker, one way to show a path."""

from __future__ import annotations

import os

import pytest
from conftest import run_check, write

from deploycheck.errors import CheckError
from deploycheck.repo import safefs
from deploycheck.repo.repository import Repository


def _git_repo(tmp_path):
    """A repository whose git top is `repo/` (a .git folder is what marks it), with the app in `repo/app`."""
    top = write(
        tmp_path / "repo",
        {
            "common/.python-version": "3.11\n",
            "common/Procfile": "web: gunicorn main:app\n",
            "app/requirements.txt": "flask==3.0.0\n",
            "app/main.py": "",
        },
    )
    (top / ".git").mkdir()
    return top


def test_the_boundary_is_the_git_top_not_the_checked_folder(tmp_path):
    top = _git_repo(tmp_path)
    repo = Repository.at(top / "app")
    assert repo.root == safefs.resolve(top / "app") and repo.boundary == safefs.resolve(top)
    assert Repository.at(top / "app", top / "app").boundary == safefs.resolve(top / "app")  # GITHUB_WORKSPACE
    plain = write(tmp_path / "plain", {"x.txt": ""})
    assert Repository.at(plain).boundary == safefs.resolve(plain)  # no repository: the folder itself


def test_app_files_linked_inside_the_repository_are_read_and_links_out_of_it_are_not(tmp_path):
    # The app-level readers (runtime declarations, the Procfile) used to take the checked folder as their
    # boundary: a link to a file elsewhere in the same repository was "outside the repository".
    top = _git_repo(tmp_path)
    app = top / "app"
    (app / ".python-version").symlink_to(top / "common" / ".python-version")
    (app / "Procfile").symlink_to(top / "common" / "Procfile")
    _, report = run_check(app, "--select", "DC2,DC306")
    assert report["runtime"]["python"] == "3.11" and report["runtime"]["source"] == ".python-version"
    assert report["findings"] == []

    outside = write(tmp_path / "elsewhere", {".python-version": "3.10\n"})
    (app / ".python-version").unlink()
    (app / ".python-version").symlink_to(outside / ".python-version")
    _, report = run_check(app, "--select", "DC204")
    (finding,) = report["findings"]
    assert finding["path"] == ".python-version" and "symlink to outside the repository" in finding["message"]
    assert report["runtime"]["python"] != "3.10"


def test_at_refuses_a_missing_folder_and_one_outside_the_boundary(tmp_path):
    with pytest.raises(CheckError, match="no such folder"):
        Repository.at(tmp_path / "missing")
    write(tmp_path / "a", {"x": ""})
    write(tmp_path / "b", {"x": ""})
    with pytest.raises(CheckError, match="outside the repository"):
        Repository.at(tmp_path / "a", tmp_path / "b")


def test_display_shows_a_link_as_itself_and_never_a_path_outside(tmp_path):
    top = _git_repo(tmp_path)
    app = top / "app"
    (app / "link.txt").symlink_to(top / "common" / "Procfile")
    repo = Repository.at(app)
    assert repo.display(app / "link.txt") == "link.txt"  # the file the user has, not its target
    assert repo.display(app) == "."
    assert repo.display(top / "common" / "Procfile") == "common/Procfile"  # in the repository, above the folder
    assert repo.display(tmp_path / "elsewhere" / "secret.txt") == "secret.txt"  # outside: the name only


def test_up_stops_at_the_root_or_the_given_top(tmp_path):
    top = _git_repo(tmp_path)
    write(top, {"app/a/b/x": ""})
    repo = Repository.at(top / "app")
    root = repo.root
    assert repo.up(root / "a" / "b") == [root / "a" / "b", root / "a", root]
    assert repo.up(root / "a", to=repo.boundary) == [root / "a", root, repo.boundary]
    assert repo.up(tmp_path) == [safefs.resolve(tmp_path)]  # outside: alone


def test_one_walker_skips_the_same_folders_for_every_caller(tmp_path):
    repo_dir = write(
        tmp_path / "r",
        {
            "a.txt": "",
            "node_modules/x.txt": "",
            ".ipynb_checkpoints/requirements-checkpoint.txt": "",
            "env/pyvenv.cfg": "",
            "env/lib/y.txt": "",
            "sub/b.txt": "",
            "sub/deeper/c.txt": "",
        },
    )
    outside = write(tmp_path / "out", {"z.txt": ""})
    os.symlink(outside, repo_dir / "linked")  # listed as a folder, never entered
    repo = Repository.at(repo_dir)
    seen = [(repo.display(folder), files) for folder, files in repo.walk(repo.root)]
    assert seen == [(".", ["a.txt"]), ("sub", ["b.txt"]), ("sub/deeper", ["c.txt"])]
    bounded = repo.walk(repo.root, max_folders=2)
    assert [repo.display(folder) for folder, _ in bounded] == [".", "sub"]
    assert bounded.stopped == repo.root / "sub" / "deeper"
    levels = [repo.display(f) for f, _ in repo.walk(repo.root, breadth_first=True, max_depth=1)]
    assert levels == [".", "sub"]


def test_reads_say_why_a_file_was_not_read(tmp_path):
    folder = write(tmp_path / "r", {"ok.txt": "fine\n", "big.txt": "x" * 100, "bin.txt": ""})
    (folder / "bin.txt").write_bytes(b"\x00\x01")
    os.mkfifo(folder / "fifo.txt")
    (folder / "out.txt").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "elsewhere.txt").write_text("secret\n")
    repo = Repository.at(folder)
    assert repo.read_text(folder / "ok.txt") == ("fine\n", "")
    assert repo.read_text(folder / "missing.txt") == (None, "is missing")
    assert repo.read_text(folder / "out.txt") == (None, "is a symlink to outside the repository")
    assert repo.read_text(folder / "fifo.txt") == (None, "is not a regular file")
    assert repo.read_text(folder / "bin.txt") == (None, "is binary, not text")
    assert repo.read_text(folder / "big.txt", cap=10) == (None, "is over the 10-byte limit for this kind of file")
    assert repo.text(folder / "out.txt") is None
