"""DC315-DC319: what platforms configured or installed unlike the others read (the platform table says which).

A platform configured by README.md's front matter (`front_matter_config`: Hugging Face Spaces): `app_file`
must name a file of the Space (the build fails otherwise), the Gradio/Streamlit SDKs install only
requirements.txt, and they install the SDK at `sdk_version` whatever requirements.txt pins. A platform with
`ignored_locks` (Vercel's Python runtime: poetry.lock and pdm.lock, as it re-resolves pyproject.toml with uv)
does not install from those locks, so they do not decide what it installs.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from deploycheck.locks import markers
from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.runtime import platforms, which_platform
from deploycheck.settings import Settings

APP_FILE = Rule("DC315", "error", "the Space's app_file does not exist")
STREAMLIT_SDK = Rule("DC316", "warning", "the Space uses the deprecated streamlit SDK")
NOT_READ = Rule("DC317", "error", "the Space's dependencies are in a file Spaces does not read")
LOCK_IGNORED = Rule("DC318", "warning", "Vercel ignores this lock")
SDK_VERSION = Rule("DC319", "warning", "the Space's sdk_version is not the SDK version requirements.txt pins")
RULES = (APP_FILE, STREAMLIT_SDK, NOT_READ, LOCK_IGNORED, SDK_VERSION)
SCOPE = "app"
JUDGES_INSTALLED_FILE = True  # its findings are about which file the Space installs: never lowered (pipeline)

_OTHER_FILES = ("Pipfile", "Pipfile.lock", "environment.yml", "environment.yaml", "pyproject.toml", "uv.lock")


def check(app: App, settings: Settings) -> list[Finding]:
    plat = app.platform_of
    if plat is None:
        return []
    findings = _ignored_locks(app, plat)
    if plat.front_matter_config:
        findings += _front_matter(app, plat)
    return findings


def _front_matter(app: App, plat: platforms.Platform) -> list[Finding]:
    readme = app.folder / "README.md"
    shown = app.repo.display(readme)
    text = app.repo.text(readme) or ""
    findings = []
    app_file = which_platform.front_matter_value(text, "app_file")
    if app_file is not None:
        line, value = app_file
        target = app.folder / value
        if not (value and app.repo.is_file(target)):
            findings.append(
                APP_FILE.finding(
                    shown,
                    line,
                    f"app_file names {value!r}, which is not a file of the Space: the Space fails to start",
                    "set app_file to the app's main file (relative to the repository root), e.g. `app_file: app.py`",
                )
            )
    sdk = which_platform.front_matter_value(text, "sdk")
    if sdk is not None and sdk[1] == "streamlit":
        findings.append(
            STREAMLIT_SDK.finding(
                shown,
                sdk[0],
                f"`sdk: streamlit` is deprecated on {plat.name} (removed from the configuration reference "
                "on 2025-07-14): new Streamlit Spaces use the Docker SDK with the Streamlit template",
                "switch to `sdk: docker` with a Dockerfile that runs `streamlit run` (the Streamlit template)",
            )
        )
    findings += _sdk_version(app, text, shown, sdk[1] if sdk else None)
    names = {name for name, is_dir in app.repo.listing(app.folder).items() if not is_dir}
    others = [n for n in _OTHER_FILES if n in names]
    if others and "requirements.txt" not in names:
        findings.append(
            NOT_READ.finding(
                app.repo.display(app.folder / others[0]),
                None,
                f"{plat.name} installs requirements.txt only; {', '.join(others)} is not read, so the Space "
                "starts without the app's dependencies",
                "write the app's dependencies to requirements.txt at the Space's root",
            )
        )
    return findings


def _ignored_locks(app: App, plat: platforms.Platform) -> list[Finding]:
    names = {name for name, is_dir in app.repo.listing(app.folder).items() if not is_dir}
    return [
        LOCK_IGNORED.finding(
            app.repo.display(app.folder / lock),
            None,
            f"{plat.name} ignores {lock}: it re-resolves pyproject.toml with `uv lock` at every build, "
            "so the versions deployed are not the ones locked",
            "export the lock (`uv export`/`poetry export -o requirements.txt`) or lock with uv (uv.lock is installed)",
        )
        for lock in plat.ignored_locks
        if lock in names
    ]


def _sdk_version(app: App, text: str, shown: str, sdk: str | None) -> list[Finding]:
    """The Gradio and Streamlit SDKs install the SDK at sdk_version beside requirements.txt: a different pin
    of it in requirements.txt is not what the app runs with (or the install conflicts)."""
    wanted = which_platform.front_matter_value(text, "sdk_version")
    if sdk not in ("gradio", "streamlit") or wanted is None or not wanted[1]:
        return []
    line, version = wanted
    name, env = canonicalize_name(sdk), markers.environment(app.runtime.python)
    # The line the Space's Python installs: a universal lock has one per range of Pythons.
    pins = [pin for f in app.requirement_files() for pin in f.installed(env) if pin.name == name]
    return [
        SDK_VERSION.finding(
            shown,
            line,
            f"sdk_version is {version}, but {pin.file or 'requirements.txt'} pins {sdk}=={pin.version}: the Space "
            f"installs {sdk} {version} for its SDK, so the app does not run with the version it was tested with, "
            "or the install fails on the conflict",
            f"make them agree: set `sdk_version: {pin.version}` in the README's front matter, or drop the {sdk} pin "
            "from requirements.txt",
        )
        for pin in pins[:1]
        if pin.version and Version(pin.version) != _version(version)
    ]


def _version(text: str) -> Version | None:
    try:
        return Version(text.strip("'\""))
    except InvalidVersion:
        return None
