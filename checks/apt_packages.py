"""DC308-DC309: apt packages for the platforms that install packages.txt (Streamlit Community Cloud: at the
repository root).

`opencv-python` (the GUI build) imports libGL.so.1, which the platform's image lacks unless packages.txt
names `libgl1`: the app fails with "ImportError: libGL.so.1" at its first import. Every line of packages.txt
goes to apt-get: one name that is no Debian package (a pip name such as `pandas`, `opencv-python==4.10`, an
`apt-get install` command) fails the whole apt step, and with it the deploy.
"""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from deploycheck.locks.model import Lock
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

NEEDS_LIBGL = Rule("DC308", "error", "opencv-python without libgl1 in packages.txt")
NOT_DEBIAN = Rule("DC309", "error", "a packages.txt entry is not a Debian package name")
RULES = (NEEDS_LIBGL, NOT_DEBIAN)
SCOPE = "app"

_CAP = 64 * 1024
_MAX_REPORTED = 10  # a file of junk gets ten findings, not ten thousand
_GUI_OPENCV = ("opencv-python", "opencv-contrib-python")
# Debian policy 5.6.1: lowercase letters, digits, + - . ; two characters at least, alphanumeric first. apt also
# takes `name=version`, `name:arch` and `name/release`.
_DEBIAN = re.compile(r"^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+|/[a-z0-9.-]+)?$")
# Names that are both a Debian package and a PyPI project, listed in packages.txt on purpose.
_BOTH = {"ffmpeg", "graphviz", "cmake", "ninja", "git", "curl", "wget", "swig", "meson", "patchelf", "pkg-config"}
_COMMANDS = {"apt", "apt-get", "sudo", "pip", "pip3", "install", "conda", "brew"}


def _pins(app: App) -> dict[str, tuple[str, int]]:
    """Every package the app's requirement files name, with the first file and line that names it."""
    out: dict[str, tuple[str, int]] = {}
    for file in app.requirement_files():
        for name, pin in file.pins.items():
            out.setdefault(name, (file.display, pin.line))
    return out


def _why_not(token: str, pins: dict[str, tuple[str, int]]) -> str | None:
    if token.lower() in _COMMANDS:
        return "is a command word: packages.txt lists package names only, one per line"
    if not _DEBIAN.match(token):
        if re.search(r"[<>=!~]=|[<>]", token):
            return "is a pip requirement with a version specifier, not a Debian package"
        return "is not a Debian package name (those are lowercase letters, digits, `+`, `-` and `.`)"
    name = re.split(r"[:=/]", token, maxsplit=1)[0]
    if name not in _BOTH and canonicalize_name(name) in pins:
        return "is a pip package the app's requirements already install, not a Debian package"
    if name.startswith("opencv-") or name.endswith("-python"):
        return "is a pip package name; Debian packages for Python libraries are named python3-*"
    return None


def _read_packages(app: App) -> tuple[str | None, list[Finding]]:
    path = app.repo.up(app.folder)[-1] / "packages.txt"
    text, why = app.repo.read_text(path, cap=_CAP)
    if text is None and why != "is missing":
        return None, [
            NOT_DEBIAN.finding(
                "packages.txt",
                None,
                f"packages.txt {why}: apt-get reads it as package names, and the deploy's apt step fails",
                "write packages.txt as a small text file with one Debian package name per line",
            )
        ]
    return text, []


def check(app: App, settings: Settings) -> list[Finding]:
    plat = app.platform_of
    if plat is None or not plat.reads_packages_txt:
        return []
    text, findings = _read_packages(app)
    pins = _pins(app)
    apt: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), 1):
        for token in line.split("#", 1)[0].split():
            apt.add(re.split(r"[:=/]", token, maxsplit=1)[0])
            why = _why_not(token, pins)
            if why:
                shown = token if len(token) <= 60 else token[:57] + "..."
                findings.append(
                    NOT_DEBIAN.finding(
                        "packages.txt",
                        number,
                        f"{shown!r} {why}; apt-get cannot install it, so the deploy's apt step fails",
                        f"delete line {number} of packages.txt (pip packages belong in requirements.txt; the apt "
                        "package of a Python library is python3-<name>)",
                    )
                )
    if len(findings) > _MAX_REPORTED:
        extra = len(findings) - _MAX_REPORTED
        findings = findings[:_MAX_REPORTED]
        findings[-1].message += f" (and {extra} more entries like it, not listed)"
    has_libgl = any(name.startswith("libgl1") or name == "libgl-dev" for name in apt)
    if not has_libgl:
        findings += [_needs_libgl(plat.name, *found) for found in _gui_opencv(app, settings)]
    return findings


def _needs_libgl(platform: str, where: str, line: int, name: str, chain: list[str]) -> Finding:
    if not chain:
        return NEEDS_LIBGL.finding(
            where,
            line,
            f"{name} imports libGL.so.1, which {platform} does not have unless packages.txt installs it: "
            '`import cv2` fails with "ImportError: libGL.so.1"',
            f"use {name}-headless instead of {name} (no GUI code, no libGL), or add a line `libgl1` to "
            "packages.txt at the repository root",
        )
    pulled = " -> ".join([*chain, name])
    return NEEDS_LIBGL.finding(
        where,
        line,
        f"{pulled}: {chain[-1]} requires {name}, the GUI build, which imports libGL.so.1; {platform} does not have "
        'it unless packages.txt installs it, so `import cv2` fails with "ImportError: libGL.so.1"',
        f"add a line `libgl1` to packages.txt at the repository root ({chain[-1]} requires {name} itself, so "
        "its headless build cannot replace it)",
    )


_Found = tuple[str, int, str, list[str]]  # (file, line, GUI opencv name, the chain that pulls it in)


def _gui_opencv(app: App, settings: Settings) -> list[_Found]:
    """Each GUI opencv the app installs: a line of its own (directly, or a lock's pin with the parents its
    `# via` names), else pulled in below a plain file's lines (read from the index's metadata)."""
    for file in app.requirement_files():
        found: list[_Found] = []
        for name in _GUI_OPENCV:
            pin = file.pins.get(canonicalize_name(name))
            if pin is not None:
                parents = [v for v in pin.via if not v.startswith("-")][:1] if file.locked else []
                found.append((file.display, pin.line, name, parents))
        if found:
            return found
    for file in app.plain:
        found = _pulled_in(app, file, settings)
        if found:
            return found
    return []


MAX_CHAIN = 8


def _pulled_in(app: App, file: Lock, settings: Settings) -> list[_Found]:
    from deploycheck.index import pinned, provides

    src = pinned.sources(file, settings)
    if src.unread is not None or not src.urls or not file.pins:
        return []
    try:
        pulled = provides.look_up(file.pins, False, src.urls, src.trusted, app.runtime.python).pulled
    except Exception:  # an index that does not answer: the pins and imports checks report it
        return []
    found: list[_Found] = []
    for name in _GUI_OPENCV:
        chain: list[str] = []
        current = canonicalize_name(name)
        while current not in file.pins and current in pulled and len(chain) < MAX_CHAIN:
            current = canonicalize_name(pulled[current][0])
            chain.insert(0, str(current))
        if chain and current in file.pins:
            found.append((file.display, file.pins[current].line, name, chain))
    return found
