"""The README's picture of a pull request comment, and the job summary's, from the real renderer (#18 item 16).

A report of a Streamlit app whose lock was made on macOS goes through the action's own comment_body and
summary_markdown, then cmark-gfm (GitHub's Markdown renderer), into an HTML page that headless Chromium
screenshots. The test fails when the committed HTML under docs/img/ is no longer what the renderer produces,
so the picture cannot go stale, and checks in Chromium's DOM that the tables, the collapsed diff and the fix
block are there and visible (the diff hidden until its <details> opens).

    .venv/bin/python tests/test_readme_picture.py     regenerates docs/img/sample-*.html and .png
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
WIDTH = 900  # about GitHub's conversation column
RUN_URL = "https://github.com/OWNER/app/actions/runs/123"

# GitHub's look, in a few rules: enough for a reader to recognise the comment.
STYLE = """body{font:14px/1.5 -apple-system,'Segoe UI','Noto Sans',Helvetica,Arial,sans-serif;color:#1f2328;
margin:0;padding:16px 24px;background:#fff}h2{font-size:1.5em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em}
h3{font-size:1.25em}code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eff1f3;
padding:.2em .4em;border-radius:6px}pre{background:#f6f8fa;padding:12px 16px;border-radius:6px;overflow:auto}
pre code{background:none;padding:0;white-space:pre}table{border-collapse:collapse;display:block;overflow:auto}
th,td{border:1px solid #d1d9e0;padding:6px 13px;vertical-align:top}tr:nth-child(2n){background:#f6f8fa}
th{font-weight:600}blockquote{margin:0;padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}
details summary{cursor:pointer}"""

# Run by Chromium: what is visible, written where --dump-dom shows it.
PROBE = """addEventListener('load',()=>{const seen=e=>{const r=e.getBoundingClientRect();
return e.checkVisibility({visibilityProperty:true})&&r.width>0&&r.height>0};const d=document.querySelector('details');
document.body.dataset.probe=JSON.stringify({tables:[...document.querySelectorAll('table')].filter(seen).length,
rows:[...document.querySelectorAll('tbody tr')].filter(seen).length,details:!!d,open:!!(d&&d.open),
summary:!!(d&&seen(d.querySelector('summary'))),diff:!!(d&&d.querySelector('pre[lang=diff]')),
diffShown:!!(d&&seen(d.querySelector('pre'))),fix:[...document.querySelectorAll('pre[lang=sh]')].filter(seen).length,
height:Math.ceil(document.documentElement.scrollHeight)})})"""


def sample_report():
    from deploycheck.locks.diff import Change
    from deploycheck.report.model import Finding, LockResult, Report

    runtime = {"python": "3.12", "source": ".python-version", "line": 1, "exact": True, "platform": "streamlit-cloud"}
    fix = (  # the drift fix command as deploycheck writes it for this lock
        'docker run --rm -v "$PWD":/src -w /src python:3.12-slim sh -c \'pip install -q pip-tools==7.6.2 '
        "&& pip-compile --strip-extras requirements.in'"
    )
    change = Change(
        "watchdog",
        "added",
        None,
        "watchdog==6.0.0",
        None,
        reason='the lock was compiled on macOS, where watchdog is not needed (sys_platform != "darwin"); installed '
        "unpinned at deploy time: pip takes whatever version is newest that day",
    )
    diff = (
        "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -98,6 +98,8 @@\n     # via streamlit\n"
        " urllib3==2.2.3\n     # via requests\n+watchdog==6.0.0\n+    # via streamlit\n"
    )
    lock = LockResult(
        "requirements.txt",
        ["requirements.in"],
        "pip-tools 7.6.2",
        "drift",
        runtime,
        tool="pip-compile",
        interpreter="/usr/bin/python3.12 (3.12.7)",
        changes=[change],
        fix_command=fix,
        diff=diff,
    )
    installs = {
        "file": "requirements.txt",
        "why": "Streamlit Community Cloud installs the first of uv.lock, Pipfile, environment.yml, requirements.txt, "
        "pyproject.toml it finds in the app's folder",
        "certain": True,
        "files": [{"path": "requirements.txt", "kind": "checked", "installed": True, "ignored": False}],
    }
    apps = [{"path": ".", "runtime": runtime, "platform": "streamlit-cloud", "installs": installs}]
    report = Report(".", runtime, [lock], apps=apps)
    report.passed = ["runtime-agreement", "dependency-files", "pins-against-target", "imports-declared"]
    report.findings += [
        Finding(
            "DC101",
            "error",
            "requirements.txt",
            None,
            "the lock is not what its sources resolve to on Python 3.12: watchdog added",
            fix,
        ),
        Finding(
            "DC307",
            "error",
            ".streamlit/secrets.toml",
            2,
            ".streamlit/secrets.toml commits a value for OPENAI_API_KEY (line 2): anyone who can read the "
            "repository can use it",
            "git rm --cached .streamlit/secrets.toml, add it to .gitignore, rotate the key, and set it in the "
            "app's Secrets settings",
        ),
    ]
    return report


def pages() -> dict[str, str]:
    """name -> the HTML page of the comment and of the job summary, as the action writes them now."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    from deploycheck.github import action, runner_files

    report = sample_report()
    markdown = {
        "sample-comment": action.comment_body(report, "", None, RUN_URL),
        "sample-summary": runner_files.summary_markdown(report, RUN_URL),
    }
    out = {}
    for name, text in markdown.items():
        body = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
        out[name] = (
            f'<!doctype html>\n<html><head><meta charset="utf-8"><style>{STYLE}</style>'
            f"<script>{PROBE}</script></head>\n<body>\n{body}</body></html>\n"
        )
    return out


def chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def _chromium(exe: str, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]
        argv += [f"--user-data-dir={profile}", "--virtual-time-budget=2000", *args, page.as_uri()]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": profile})


def probe(exe: str, page: Path) -> dict:
    done = _chromium(exe, page, f"--window-size={WIDTH},800", "--dump-dom")
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, done.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"'))


def screenshot(exe: str, page: Path, png: Path) -> dict:
    seen = probe(exe, page)
    done = _chromium(exe, page, f"--window-size={WIDTH},{seen['height']}", f"--screenshot={png}")
    assert png.exists(), done.stderr[-2000:]
    return seen


def png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_the_committed_pages_are_what_the_renderer_writes_now():
    for name, html in pages().items():
        committed = IMG / f"{name}.html"
        assert committed.exists() and committed.read_text(encoding="utf-8") == html, (
            f"docs/img/{name}.html is stale: run `.venv/bin/python tests/test_readme_picture.py` and commit docs/img"
        )


@pytest.fixture(scope="module")
def browser() -> str:
    exe = chromium()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return exe


@pytest.mark.parametrize("name", ["sample-comment", "sample-summary"])
def test_chromium_shows_the_tables_the_collapsed_diff_and_the_fix(browser, tmp_path, name):
    page = tmp_path / f"{name}.html"
    page.write_text(pages()[name], encoding="utf-8")
    png = tmp_path / f"{name}.png"
    seen = screenshot(browser, page, png)
    assert seen["tables"] == 2 and seen["rows"] == 3  # the changed package; the two findings
    assert seen["details"] and not seen["open"] and seen["summary"] and seen["diff"] and not seen["diffShown"]
    assert seen["fix"] == 1
    # The committed picture is of the same page: same width, and its height within a few lines of ours.
    width, height = png_size(png)
    committed_width, committed_height = png_size(IMG / f"{name}.png")
    assert width == committed_width == WIDTH and abs(height - committed_height) <= 60


def main() -> None:
    exe = chromium()
    if exe is None:
        sys.exit("Chromium is not installed (apt-get install chromium)")
    IMG.mkdir(parents=True, exist_ok=True)
    for name, html in pages().items():
        page = IMG / f"{name}.html"
        page.write_text(html, encoding="utf-8")
        print(name, screenshot(exe, page, IMG / f"{name}.png"))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
