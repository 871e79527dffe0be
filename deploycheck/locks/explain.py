"""Why each change happened and what it does at deploy time.

Causes are derived, not guessed from package names: a universal resolve (uv --universal) gives every
package the environment marker under which it is needed, and evaluating that marker for Linux (the
deploy), macOS, Apple Silicon, Windows and the Python in the lock's header tells which machine the
committed lock must have been made on.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from deploycheck.locks.change import Change
from deploycheck.locks.markers import environment, holds

# Packages whose releases ship Windows wheels only: pinned without a marker they break a Linux install.
WINDOWS_ONLY_BUILDS = {"pywin32", "pywinpty", "pywin32-ctypes-win", "wmi"}


@dataclass
class Context:
    target_python: str
    header_python: str | None
    markers: dict[NormalizedName, str]  # from a universal resolve; absent: needed everywhere
    direct: dict[NormalizedName, SpecifierSet]  # top-level requirements of the sources
    hashes: bool  # the lock uses --generate-hashes (pip then requires a hash for every package)
    universal: bool = False  # a --universal lock is made for every platform: no machine is to blame
    target_full: str = ""  # the interpreter that resolved (3.11.7): markers on python_full_version read it
    made_for: str | None = None  # uv's --python-version X.Y in the lock's command, which uv reads as X.Y.0

    @property
    def full(self) -> str:
        return self.target_full or self.target_python


def _platform_cause(marker: str, ctx: Context, needed_on_target: bool) -> str:
    """Which machine would have produced the committed side of this change."""
    if ctx.universal:
        return ""
    target = ctx.full
    envs = [
        ("on Apple Silicon (macOS arm64)", environment(target, "darwin", "arm64")),
        ("on macOS", environment(target, "darwin", "x86_64")),
        ("on Windows", environment(target, "win32", "AMD64")),
        ("on an ARM Linux machine", environment(target, "linux", "aarch64")),
    ]
    if ctx.header_python and ctx.header_python != ctx.target_python:
        envs.insert(0, (f"with Python {ctx.header_python}", environment(ctx.header_python, "linux")))
    if ctx.made_for and f"{ctx.made_for}.0" != target:
        said = f"for Python {ctx.made_for}.0 (uv reads --python-version {ctx.made_for} as {ctx.made_for}.0)"
        envs.insert(0, (said, environment(ctx.made_for, "linux")))
    if holds(marker, environment(target, "linux")) != needed_on_target:
        return ""  # the marker says the same on the deploy's own interpreter: no machine made the difference
    for label, env in envs:
        if holds(marker, env) != needed_on_target:
            # Both macOS variants disagree with Linux: say macOS, not the narrower Apple Silicon.
            if label.startswith("on Apple") and holds(marker, environment(target, "darwin")) != needed_on_target:
                label = "on macOS"
            return label
    return ""


def explain(change: Change, ctx: Context) -> None:
    name = NormalizedName(change.name)
    marker = ctx.markers.get(name, "")
    direct = ctx.direct.get(name)
    if change.name.startswith("-"):
        _index_option(change)
    elif change.kind == "added":
        _added(change, ctx, marker, direct)
    elif change.kind == "removed":
        _removed(change, ctx, name, marker, direct)
    else:
        _changed(change, ctx, direct)
    change.reason = f"{change.cause}; {change.impact}"


def _index_option(change: Change) -> None:
    change.cause = (
        "the lock carries an index option that a clean compile does not write"
        if change.kind == "removed"
        else "a clean compile writes this index option"
    )
    change.impact = "pip installs from different indexes than the sources say"
    change.severity = "warning"


def _added(change: Change, ctx: Context, marker: str, direct: SpecifierSet | None) -> None:
    made = _platform_cause(marker, ctx, needed_on_target=True)
    if direct is not None and not made:
        change.cause = "requirements.in lists it, but the lock was not recompiled"
    elif made:
        change.cause = f"the lock was compiled {made}, where {change.name} is not needed ({marker})"
    else:
        change.cause = "a requirement now needs it, but the lock was not recompiled"
    if direct is not None and change.via and all(v.startswith("-r") for v in change.via):
        change.impact = "not installed at deploy time: requirements.txt does not list it"
    elif ctx.hashes:
        change.impact = "the deploy's install fails: with hashes, pip requires every package to be pinned"
    else:
        change.impact = "installed unpinned at deploy time: pip takes whatever version is newest that day"


def _removed(change: Change, ctx: Context, name: NormalizedName, marker: str, direct: SpecifierSet | None) -> None:
    made = _platform_cause(marker, ctx, needed_on_target=False) if marker else ""
    if made:
        change.cause = f"the lock was compiled {made}, where {change.name} is needed ({marker})"
    elif name not in ctx.markers and ctx.markers and direct is None:
        change.cause = "nothing in the sources needs it any more (removed from requirements.in?)"
    else:
        change.cause = "the target does not need it"
    if name in WINDOWS_ONLY_BUILDS and made == "on Windows":
        change.impact = f"fails to install on Linux: {change.name} publishes Windows builds only"
    elif change.before_marker and not made and not holds(change.before_marker, environment(ctx.full)):
        change.impact = f"not installed on the deploy either: its marker is false on Python {ctx.full}"
        change.severity, change.elsewhere = "warning", True
    else:
        change.impact = "installed at deploy time although the target does not need it"
        change.severity, change.elsewhere = "warning", bool(made)


def _changed(change: Change, ctx: Context, direct: SpecifierSet | None) -> None:
    if "version" in change.fields:
        excluded = (
            direct is not None
            and change.before_version is not None
            and direct
            and not direct.contains(Version(change.before_version), prereleases=True)
        )
        if excluded:
            change.cause = f"requirements.in now asks for {change.name}{direct}; the lock was not recompiled"
        elif ctx.header_python and ctx.header_python != ctx.target_python:
            change.cause = (
                f"the lock was compiled with Python {ctx.header_python}; "
                f"Python {ctx.target_python} resolves another version"
            )
        else:
            change.cause = "the pin is not what the sources resolve to (edited by hand, or a source changed)"
        change.impact = f"the deploy installs {change.before} where the sources resolve to {change.after}"
    elif "hashes" in change.fields:
        change.cause = "the lock's hashes are not those of the files on the index (edited by hand?)"
        change.impact = "`pip install --require-hashes` fails, or installs files nobody reviewed"
    else:
        change.cause = f"requirements.in changed its {' and '.join(change.fields)}"
        change.impact = "the deploy installs it differently than the sources say"
