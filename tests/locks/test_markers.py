"""deploycheck/locks/markers.py: the one marker evaluator every check uses."""

from __future__ import annotations

import pytest

from deploycheck.locks import markers


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ("", True),
        ('sys_platform == "win32"', False),
        ('python_version < "3.11"', False),
        ('python_version >= "3.12" and platform_machine == "x86_64"', True),
        ("not a marker", True),  # unreadable: pip would stop on it; the syntax check reports it
        ('sys_platform ~= "linux"', True),  # pip cannot compare it either (UndefinedComparison)
        ('extra == "speed"', False),
    ],
)
def test_holds_on_the_deploy(marker, expected):
    assert markers.holds(marker, markers.environment("3.12", extra="")) is expected


def test_environment_names_the_system_and_the_full_version():
    env = markers.environment("3.11", "win32", "AMD64")
    assert (env["sys_platform"], env["os_name"], env["platform_system"]) == ("win32", "nt", "Windows")
    assert (env["python_version"], env["python_full_version"], env["platform_machine"]) == ("3.11", "3.11.0", "AMD64")
    assert "extra" not in env and markers.environment("3.12.4")["python_full_version"] == "3.12.4"
    assert markers.applies('sys_platform == "darwin"', "3.12", "darwin") and not markers.applies(
        'sys_platform == "darwin"', "3.12"
    )
