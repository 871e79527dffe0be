"""One pass over a YAML file's events before it is loaded, shared by every reader of repository YAML (platform
files, runtime declarations, environment.yml): PyYAML's scanner is quadratic in nesting (48 s on a 60 kB
render.yaml of brackets), and a few aliases can stand for 2**45 values that loading and str() would build.
The pass stops at a nesting or an expanded size that no real file of these kinds has."""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64  # platform files, declarations and conda environments are a few levels deep
MAX_NODES = 100_000  # scalars and collections once every alias is expanded


def too_big(text: str, *, expanded: bool = True) -> str | None:
    """Why the text is not loaded (nested too deep; too large once its aliases are expanded, unless the caller
    never expands them: a loaded alias is one shared object), or None. YAML errors propagate: the caller
    reports them as it reports a failed load."""
    import yaml  # only for repositories that have YAML files

    return _walk(yaml, text, MAX_NODES if expanded else None)


def _walk(yaml: Any, text: str, max_nodes: int | None) -> str | None:
    sizes: dict[str, int] = {}  # anchor -> expanded size of its node
    stack: list[list[Any]] = [[None, 0]]  # [anchor, expanded size so far] per open collection
    for event in yaml.parse(text):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} deep"
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        stack[-1][1] += size
        if max_nodes is not None and stack[-1][1] > max_nodes:
            return "too large once expanded"
    return None
