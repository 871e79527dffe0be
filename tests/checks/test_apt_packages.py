"""DC308-DC309: packages.txt for Streamlit Community Cloud."""

from __future__ import annotations

import pytest
from conftest import run_check, write

STREAMLIT = {".streamlit/config.toml": "", ".python-version": "3.12\n"}


def found(report: dict) -> list[tuple[str, str, int | None]]:
    return [(f["code"], f["path"], f["line"]) for f in report["findings"]]


def test_opencv_without_libgl1(tmp_path):
    folder = write(tmp_path / "app", {**STREAMLIT, "requirements.txt": "streamlit==1.40.0\nopencv-python==4.10.0.84\n"})
    code, report = run_check(folder, "--select", "DC308")
    assert code == 1 and found(report) == [("DC308", "requirements.txt", 2)]
    assert "opencv-python-headless" in report["findings"][0]["fix"]


@pytest.mark.parametrize(
    "files",
    [
        {"requirements.txt": "opencv-python==4.10.0.84\n", "packages.txt": "libgl1\n"},
        {"requirements.txt": "opencv-python==4.10.0.84\n", "packages.txt": "# GL for cv2\nlibgl1-mesa-dri\nlibgl1\n"},
        {"requirements.txt": "opencv-python-headless==4.10.0.84\n"},
    ],
)
def test_headless_or_libgl1_does_not_fire(tmp_path, files):
    folder = write(tmp_path / "app", {**STREAMLIT, **files})
    assert run_check(folder, "--select", "DC3")[1]["findings"] == []


def test_opencv_elsewhere_is_not_streamlits_problem(tmp_path):
    folder = write(
        tmp_path / "app",
        {"Procfile": "web: python app.py\n", "app.py": "", "requirements.txt": "opencv-python==4.10.0.84\n"},
    )
    assert run_check(folder, "--select", "DC308")[1]["findings"] == []


def test_entries_that_are_not_debian_packages(tmp_path):
    folder = write(
        tmp_path / "app",
        {
            **STREAMLIT,
            "requirements.txt": "streamlit==1.40.0\npandas==2.2.3\nffmpeg-python==0.2.0\n",
            "packages.txt": "libgl1\npandas\nopencv-python==4.10\nLibGL1\napt-get install ffmpeg\nffmpeg\n"
            "python3-dev\n",
        },
    )
    code, report = run_check(folder, "--select", "DC309")
    assert code == 1
    assert [line for _, _, line in found(report)] == [2, 3, 4, 5, 5]  # apt-get and install; ffmpeg itself is fine
    assert "pip package" in report["findings"][0]["message"]


def test_junk_packages_txt_is_one_clear_finding(tmp_path):
    folder = write(tmp_path / "app", {**STREAMLIT, "requirements.txt": "streamlit==1.40.0\n"})
    (folder / "packages.txt").write_bytes(b"\x00\xff" * 5_000_000)  # 10 MB of junk
    (finding,) = run_check(folder, "--select", "DC309")[1]["findings"]
    assert finding["path"] == "packages.txt" and "limit" in finding["message"]
    (folder / "packages.txt").write_bytes(b"\x00\xff" * 100)
    (finding,) = run_check(folder, "--select", "DC309")[1]["findings"]
    assert "binary" in finding["message"]
    (folder / "packages.txt").write_text("Bad_Name\n" * 5000)
    findings = run_check(folder, "--select", "DC309")[1]["findings"]
    assert len(findings) == 10 and "4990 more" in findings[-1]["message"]
