"""Environment markers, evaluated one way everywhere: the deploy's environment, and whether a line applies.

Every check that asks "does pip install this line on the target?" asks here, so an unreadable marker, one
that compares what cannot be compared, or one that names a variable the environment lacks, counts the same
everywhere: as installed (pip would stop on it anyway, and the syntax check reports it).
"""

from __future__ import annotations

from functools import lru_cache

from packaging.markers import InvalidMarker, Marker

_PLATFORMS = {
    "linux": ("linux", "posix", "Linux"),
    "darwin": ("darwin", "posix", "Darwin"),
    "win32": ("win32", "nt", "Windows"),
}


def environment(
    python: str, system: str = "linux", machine: str = "x86_64", extra: str | None = None
) -> dict[str, str]:
    """The marker environment of CPython `python` (X.Y: X.Y.0) on `system`; `extra` for Requires-Dist lines."""
    full = python if python.count(".") == 2 else python + ".0"
    minor = ".".join(python.split(".")[:2])
    sys_platform, os_name, platform_system = _PLATFORMS[system]
    env = {
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
    if extra is not None:
        env["extra"] = extra
    return env


@lru_cache(maxsize=4096)
def _parsed(marker: str) -> Marker | None:
    try:
        return Marker(marker)
    except InvalidMarker:
        return None


def holds(marker: str | Marker | None, env: dict[str, str]) -> bool:
    """Whether pip installs a line with this marker in `env` (no marker, or an unreadable one: yes)."""
    if not marker:
        return True
    parsed = marker if isinstance(marker, Marker) else _parsed(marker)
    if parsed is None:
        return True
    try:
        return parsed.evaluate(env)
    except ValueError:  # an undefined comparison or name (UndefinedComparison, UndefinedEnvironmentName)
        return True


def applies(marker: str, python: str, system: str = "linux") -> bool:
    """Whether a pin with this marker is installed by pip on that Python and system."""
    return holds(marker, environment(python, system))
