"""The tools that write locks, named once: every comparison of a lock's tool uses these constants."""

from __future__ import annotations

PIP_COMPILE = "pip-compile"  # pip-tools' compiler
UV = "uv"  # `uv pip compile`
TOOLS = (PIP_COMPILE, UV)
# Tools whose locks record a hash of their sources (checked by comparing it, never recompiled).
POETRY = "poetry"
PDM = "pdm"
PIP_TOOLS = "pip-tools"  # the --resolver choice that names pip-compile by its package

# pip-compile leaves these out unless --allow-unsafe, as comments under a fixed heading; uv pins them.
UNSAFE = frozenset({"pip", "setuptools", "distribute"})


def command_prefix(tool: str) -> list[str]:
    """The words that start the tool's compile command."""
    return ["uv", "pip", "compile"] if tool == UV else [PIP_COMPILE]


PIPENV = "pipenv"  # `pipenv lock` writes Pipfile.lock (not a compile command: its freshness is a hash)
