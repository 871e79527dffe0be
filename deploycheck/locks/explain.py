"""Why each change happened and what it does at deploy time.

Causes are derived, not guessed from package names: a universal resolve (uv --universal) gives every
package the environment marker under which it is needed, and evaluating that marker for Linux (the
deploy), macOS, Apple Silicon, Windows and the Python in the lock's header tells which machine the
committed lock must have been made on.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from deploycheck.locks.diff import Change

# Packages whose releases ship Windows wheels only: pinned without a marker they break a Linux install.
WINDOWS_ONLY_BUILDS = {"pywin32", "pywinpty", "pywin32-ctypes-win", "wmi"}


def environment(python: str, system: str, machine: str = "x86_64") -> dict[str, str]:
    full = python if python.count(".") == 2 else python + ".0"
    minor = ".".join(python.split(".")[:2])
    sys_platform, os_name, platform_system = {
        "linux": ("linux", "posix", "Linux"),
        "darwin": ("darwin", "posix", "Darwin"),
        "win32": ("win32", "nt", "Windows"),
    }[system]
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": os_name,
        "platform_machine": machine,
        "platform_release": "",
        "platform_system": platform_system,
        "platform_version": "",
        "python_full_version": full,
        "platform_python_implementation": "CPython",
        "python_version": minor,
        "sys_platform": sys_platform,
    }


@dataclass
class Context:
    target_python: str
    header_python: str | None
    markers: dict[NormalizedName, str]  # from a universal resolve; absent: needed everywhere
    direct: dict[NormalizedName, SpecifierSet]  # top-level requirements of the sources
    hashes: bool  # the lock uses --generate-hashes (pip then requires a hash for every package)
    universal: bool = False  # a --universal lock is made for every platform: no machine is to blame


def applies(marker: str, python: str, system: str = "linux") -> bool:
    """Whether a pin with this marker is installed by pip on that Python and system (unreadable: yes)."""
    return _needed(marker, environment(python, system))


def _needed(marker: str, env: dict[str, str]) -> bool:
    if not marker:
        return True
    try:
        return Marker(marker).evaluate(env)
    except InvalidMarker:
        return True


def _platform_cause(marker: str, ctx: Context, needed_on_target: bool) -> str:
    """Which machine would have produced the committed side of this change."""
    if ctx.universal:
        return ""
    target = ctx.target_python
    envs = [
        ("on Apple Silicon (macOS arm64)", environment(target, "darwin", "arm64")),
        ("on macOS", environment(target, "darwin", "x86_64")),
        ("on Windows", environment(target, "win32", "AMD64")),
        ("on an ARM Linux machine", environment(target, "linux", "aarch64")),
    ]
    if ctx.header_python and ctx.header_python != target:
        envs.insert(0, (f"with Python {ctx.header_python}", environment(ctx.header_python, "linux")))
    for label, env in envs:
        if _needed(marker, env) != needed_on_target:
            # Both macOS variants disagree with Linux: say macOS, not the narrower Apple Silicon.
            if label.startswith("on Apple") and _needed(marker, environment(target, "darwin")) != needed_on_target:
                label = "on macOS"
            return label
    return ""


def explain(change: Change, ctx: Context) -> None:
    name = NormalizedName(change.name)
    marker = ctx.markers.get(name, "")
    direct = ctx.direct.get(name)
    if change.name.startswith("-"):
        change.cause = (
            "the lock carries an index option that a clean compile does not write"
            if change.kind == "removed"
            else "a clean compile writes this index option"
        )
        change.impact = "pip installs from different indexes than the sources say"
        change.severity = "warning"
    elif change.kind == "added":
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
    elif change.kind == "removed":
        made = _platform_cause(marker, ctx, needed_on_target=False) if marker else ""
        if made:
            change.cause = f"the lock was compiled {made}, where {change.name} is needed ({marker})"
        elif name not in ctx.markers and ctx.markers and direct is None:
            change.cause = "nothing in the sources needs it any more (removed from requirements.in?)"
        else:
            change.cause = "the target does not need it"
        if name in WINDOWS_ONLY_BUILDS and made == "on Windows":
            change.impact = f"fails to install on Linux: {change.name} publishes Windows builds only"
        else:
            change.impact = "installed at deploy time although the target does not need it"
            change.severity = "warning"
    else:
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
    change.reason = f"{change.cause}; {change.impact}"
