"""conda's environment.yml as a `Lock` (deploycheck.locks.model): its `pip:` section as pins.

`dependencies` lists conda MatchSpecs (`numpy`, `numpy=1.24`, `conda-forge::numpy>=1.20`, `numpy 1.24.*`,
the `name=version=build` form `conda env export` writes) and at most one `{pip: [...]}` mapping whose lines
conda hands to pip as a requirements file. The pip lines are read by the requirements reader, each at its
own line of environment.yml, so every plain requirements check reads them unchanged. The conda packages
are not pins (their names are conda-forge's, their versions a conda solve's, which cannot be checked here:
the conda channels are not reachable from deploycheck's machines); they are kept on the `CondaLock` so that
the imports check can map them to PyPI distributions (deploycheck.locks.conda_names) and the conda check can
say that they were not resolved. The document is composed, never constructed: no tags, no alias expansion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from deploycheck.locks.model import COMPILE_AS_SOURCE, Issue, Lock
from deploycheck.locks.requirements import lock as requirements
from deploycheck.locks.requirements import reqfile
from deploycheck.repo import yamlbound

FORMAT = "environment.yml"
NAMES = ("environment.yml", "environment.yaml")
MAX_ENTRIES = 20_000  # dependencies beyond this are one issue: no real environment lists that many
_SPEC = re.compile(r"^\s*(?:([\w.\-/:]+)::)?([A-Za-z0-9_][\w.\-]*)\s*(.*?)\s*$")


class CondaPackage(NamedTuple):
    name: str  # conda's name, lower-cased
    spec: str  # the version (and build) part as written, "" when none
    channel: str  # `conda-forge::numpy`'s channel, "" when none
    line: int
    raw: str


@dataclass
class CondaLock(Lock):
    """An environment.yml: the pip section's pins, plus what only conda reads."""

    conda: list[CondaPackage] = field(default_factory=list)
    prefix: tuple[int, str] | None = None  # (line, value) of a `prefix:` line
    pip_line: int | None = None  # the line of the `pip:` key


def parse_spec(text: str, line: int) -> CondaPackage | None:
    m = _SPEC.match(text)
    if not m:
        return None
    return CondaPackage(m.group(2).lower(), m.group(3).lstrip("="), m.group(1) or "", line, text.strip())


def python_spec(env: CondaLock) -> CondaPackage | None:
    return next((p for p in env.conda if p.name == "python"), None)


def _compose(text: str) -> tuple[object, Issue | None]:
    import yaml  # only for repositories that have YAML files

    try:
        why = yamlbound.too_big(text, expanded=False)  # a composed alias is one shared node
        if why is not None:
            return None, Issue(None, f"not YAML deploycheck reads: {why}", "write the values out", "syntax")
        return yaml.compose(text, Loader=yaml.SafeLoader), None
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        return None, Issue(line, f"not valid YAML ({problem})", "fix the YAML syntax", "syntax")


def _mapping(node: object) -> dict[str, object]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _scalars(node: object) -> list[tuple[int, str]]:
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        return []
    return [(n.start_mark.line + 1, str(n.value)) for n in node.value[:MAX_ENTRIES] if isinstance(n, yaml.ScalarNode)]


def read(raw: bytes, path: Path, display: str) -> CondaLock:
    import yaml

    text = raw.decode("utf-8-sig", errors="replace")
    root, problem = _compose(text)
    env = CondaLock(path=path, display=display, format=FORMAT, text=text, pins={}, verify=COMPILE_AS_SOURCE)
    if problem is not None:
        problem.message = f"{display} is {problem.message}"
        env.issues.append(problem)
        return env
    top = _mapping(root)
    prefix = top.get("prefix")
    if isinstance(prefix, yaml.ScalarNode) and prefix.value:
        env.prefix = (prefix.start_mark.line + 1, str(prefix.value))
    deps = top.get("dependencies")
    pip_lines: list[tuple[int, str]] = []
    for node in deps.value[:MAX_ENTRIES] if isinstance(deps, yaml.SequenceNode) else []:
        if isinstance(node, yaml.ScalarNode):
            spec = parse_spec(str(node.value), node.start_mark.line + 1)
            if spec is not None:
                env.conda.append(spec)
        elif isinstance(node, yaml.MappingNode):
            pip = _mapping(node).get("pip")
            if pip is not None:
                env.pip_line = node.start_mark.line + 1
                pip_lines += _scalars(pip)
    _read_pip(env, pip_lines)
    return env


def _read_pip(env: CondaLock, lines: list[tuple[int, str]]) -> None:
    """The pip lines, each at its own line number: a text of blank lines with the entries in place."""
    if not lines:
        return
    rows = [""] * max(number for number, _ in lines)
    for number, value in lines:
        rows[number - 1] = value.replace("\n", " ")
    file = reqfile.parse_text("\n".join(rows) + "\n", env.path, env.display)
    env.pins, env.alternates, env.issues = file.pins, file.alternates, [*env.issues, *file.issues]
    env.indexes = requirements.indexes_of(file)
