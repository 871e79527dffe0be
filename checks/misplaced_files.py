"""DC304-DC305: files the platform never reads because of their name or their folder.

A misspelled `requirement.txt`, `Requirements.txt` (Linux is case-sensitive, even when the laptop is not),
`package.txt` or `Procfile.txt` is never read: the deploy installs nothing, or starts nothing. It is reported
only when the exact name is absent from that folder, since a near-duplicate beside the real file may be on
purpose. Streamlit Community Cloud reads packages.txt and .streamlit/config.toml at the repository root only.
Only directory entries of the app's folder and its parents are read (os.scandir), never file contents.
"""

from __future__ import annotations

from pathlib import Path

from deploycheck.project import filenames
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule, sh
from deploycheck.runtime import platforms
from deploycheck.settings import Settings

MISSPELLED = Rule("DC304", "error", "a file the platform reads by its exact name is misspelled")
OUTSIDE_ROOT = Rule("DC305", "warning", "a file the platform reads at the repository root only is elsewhere")
RULES = (MISSPELLED, OUTSIDE_ROOT)
SCOPE = "app"

_EFFECT = {
    "requirements.txt": "the deploy installs none of the app's packages",
    "Procfile": "the platform finds no command to start the app",
    "packages.txt": "none of the apt packages are installed",
}


def _misspelled(app: App, plat: platforms.Platform, folder: Path, names: dict[str, bool]) -> list[Finding]:
    findings = []
    for name, is_dir in sorted(names.items()):
        target = None if is_dir else filenames.misspelling_of(name)
        if target is None or target in names or not plat.reads_exact_name(target):
            continue  # (a Dockerfile installs whatever name it copies)
        shown = app.repo.display(folder / name)
        fixed = app.repo.display(folder / target)
        case = name.lower() == target.lower()
        findings.append(
            MISSPELLED.finding(
                shown,
                None,
                f"{name!r} is not {target!r}"
                + (" (Linux file names are case-sensitive)" if case else "")
                + f": platforms read {target} by its exact name, so {_EFFECT[target]}",
                f"`git mv {sh(shown)} {sh(fixed)}`"
                + (" (on macOS or Windows, through a temporary name)" if case else ""),
            )
        )
    return findings


def _outside_root(
    app: App, plat: platforms.Platform, folder: Path, names: dict[str, bool], root_names: dict[str, bool]
) -> list[Finding]:
    findings = []
    if "packages.txt" in plat.root_only and "packages.txt" in names and not names["packages.txt"]:
        shown = app.repo.display(folder / "packages.txt")
        findings.append(
            OUTSIDE_ROOT.finding(
                shown,
                None,
                f"{plat.called} reads packages.txt at the repository root only: "
                + (
                    "the root's packages.txt is installed and this one is ignored"
                    if "packages.txt" in root_names
                    else "these apt packages are not installed, and imports that need them fail"
                ),
                f"move its lines into packages.txt at the repository root (`git mv {sh(shown)} packages.txt`)",
            )
        )
    config = ".streamlit/config.toml"
    if (
        config in plat.root_only
        and names.get(".streamlit")
        and "config.toml" in app.repo.listing(folder / ".streamlit")
    ):
        shown = app.repo.display(folder / config)
        findings.append(
            OUTSIDE_ROOT.finding(
                shown,
                None,
                f"{plat.called} runs the app from the repository root and reads .streamlit/config.toml there only: "
                "this theme and server configuration is ignored",
                "move it to .streamlit/config.toml at the repository root "
                f"(`git mv {sh(shown)} .streamlit/config.toml`)",
            )
        )
    return findings


def check(app: App, settings: Settings) -> list[Finding]:
    plat = app.platform_of or platforms.GENERIC
    chain = app.repo.up(app.folder)
    root_names = app.repo.listing(chain[-1])
    findings: list[Finding] = []
    for folder in chain:
        names = root_names if folder == chain[-1] else app.repo.listing(folder)
        findings += _misspelled(app, plat, folder, names)
        if plat.root_only and folder != chain[-1]:
            findings += _outside_root(app, plat, folder, names, root_names)
    return findings
