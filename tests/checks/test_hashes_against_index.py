"""DC410-DC412: committed hashes against the hashes the local index publishes, in real pip-compile and uv
locks (and hand-written ones for what the tools never write)."""

from __future__ import annotations

import shutil
import socket

import pytest
from conftest import run_check, write

from deploycheck.index.client import Index


def found(report: dict) -> list[tuple[str, str, int]]:
    return sorted((f["code"], f["path"], f["line"]) for f in report["findings"] if f["code"].startswith("DC41"))


def published(index: str, name: str, version: str) -> dict[str, str]:
    """filename -> sha256 for one release, as the index publishes them."""
    with Index([index], cache_dir=None, timeout=10) as client:
        return {f.filename: f.hashes["sha256"] for f in client.project(name).release(version)}


def test_edited_hash_is_an_error_at_its_line(wrong_hash_app, index):
    code, report = run_check(wrong_hash_app, "--select", "DC4", "--index-url", index)
    lines = (wrong_hash_app / "requirements.txt").read_text().splitlines()
    pin_line = next(i for i, line in enumerate(lines, 1) if line.startswith("yankme=="))
    assert code == 1 and found(report) == [("DC410", "requirements.txt", pin_line + 1)]
    assert "0" * 64 in lines[pin_line]  # the reported line is the one holding the edited hash
    (finding,) = report["findings"]
    assert finding["severity"] == "error" and f"yankme==1.2 (line {pin_line})" in finding["message"]
    assert "--no-reuse-hashes" in finding["fix"] and "never add --reuse-hashes" in finding["fix"]


def test_correct_hashes_do_not_fire(compiled, tmp_path, index):
    folder = shutil.copytree(
        compiled("3.11", "pip-compile", "pyyaml-like\nyankme==1.2\nfastlib==1.1\n", "--generate-hashes"),
        tmp_path / "app",
    )
    (folder / ".python-version").write_text("3.11\n")
    assert "--hash=sha256:" in (folder / "requirements.txt").read_text()
    code, report = run_check(folder, "--select", "DC41", "--index-url", index)
    assert (code, found(report), report["problems"]) == (0, [], [])


def test_uv_lock_with_an_edited_hash_names_uvs_fix(compiled, tmp_path, index):
    folder = shutil.copytree(compiled("3.11", "uv", "yankme==1.2\n", "--generate-hashes"), tmp_path / "app")
    lock = folder / "requirements.txt"
    right = published(index, "yankme", "1.2")["yankme-1.2-py3-none-any.whl"]
    lock.write_text(lock.read_text().replace(right, right[::-1]))
    code, report = run_check(folder, "--select", "DC410", "--index-url", index, "--python-version", "3.11")
    (finding,) = report["findings"]
    assert code == 1 and "--upgrade-package 'yankme==1.2'" in finding["fix"] and "uv" in finding["fix"]


def test_no_hash_for_any_file_the_target_installs(tmp_path, index):
    hashes = published(index, "fastlib", "1.1")
    musl = hashes["fastlib-1.1-cp311-cp311-musllinux_1_2_x86_64.whl"]
    glibc = hashes["fastlib-1.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]
    folder = write(
        tmp_path / "app",
        {"requirements.txt": f"fastlib==1.1 \\\n    --hash=sha256:{musl}\n", ".python-version": "3.11\n"},
    )
    code, report = run_check(folder, "--select", "DC41", "--index-url", index)
    assert code == 1 and found(report) == [("DC411", "requirements.txt", 1)]
    assert "manylinux_2_17_x86_64" in report["findings"][0]["message"]
    # The musllinux hash alone is right for an alpine image.
    write(folder, {"Dockerfile": "FROM python:3.11-alpine\n"})
    (folder / ".python-version").unlink()
    assert found(run_check(folder, "--select", "DC41", "--index-url", index)[1]) == []
    # And with the manylinux hash too, right everywhere.
    write(folder, {"requirements.txt": f"fastlib==1.1 \\\n    --hash=sha256:{musl} \\\n    --hash=sha256:{glibc}\n"})
    (folder / "Dockerfile").unlink()
    assert run_check(folder, "--select", "DC41", "--index-url", index)[0] == 0


@pytest.mark.parametrize(
    ("extra", "flagged"),
    [
        ("helperlib==2.1\n", True),
        ('winonly==3.0 ; sys_platform == "win32"\n', False),  # pip skips it on Linux: no hash needed
    ],
)
def test_a_line_without_a_hash_in_a_hashed_file(tmp_path, index, extra, flagged):
    sha = published(index, "yankme", "1.2")["yankme-1.2-py3-none-any.whl"]
    folder = write(
        tmp_path / "app",
        {"requirements.txt": f"yankme==1.2 --hash=sha256:{sha}\n{extra}", ".python-version": "3.12\n"},
    )
    code, report = run_check(folder, "--select", "DC41", "--index-url", index)
    assert found(report) == ([("DC412", "requirements.txt", 2)] if flagged else [])
    assert code == (1 if flagged else 0)


def test_unreachable_index_is_not_a_hash_error(wrong_hash_app):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/simple/"
    code, report = run_check(wrong_hash_app, "--select", "DC41", "--index-url", url)
    assert code == 2 and found(report) == [] and len(report["problems"]) == 1
