"""What the deploy runs, per app: the entry files its platform files start (issue #17, class 1).

The Procfile's commands, a Dockerfile's CMD/ENTRYPOINT (exec and shell forms), app.yaml's `entrypoint` (App
Engine's default `gunicorn main:app` without one), fly.toml's [processes] and [experimental] cmd, render.yaml's
start commands, railway.json/railway.toml's deploy.startCommand, and a Hugging Face Space's app_file. Each command
is read the way its shell and server read it: `gunicorn app:app`, `uvicorn main:app`, `streamlit run x.py`,
`python x.py`, `python -m pkg`, `flask run` with FLASK_APP, waitress, hypercorn, daphne, celery -A, scripts it
calls (`sh start.sh`, read and followed, bounded). Only files of the repository are entries; a module of an
installed distribution (`python -m streamlit run`) is the program, not an entry.

Repository text is data: nothing here runs a command, every file read is capped, and a command that cannot be
followed (`$CMD`, an unreadable script) makes the entrypoint unknown rather than guessed, so that the import
checks keep judging every file (deploycheck.imports.reach).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from deploycheck.project.startcommands import (
    CAP,
    Context,
    Entry,
    Entrypoints,
    add,
    pages,
    run,
    run_any,
    run_tokens,
    split,
)
from deploycheck.repo import yamlbound
from deploycheck.repo.repository import Repository
from deploycheck.runtime import platforms
from deploycheck.runtime.which_platform import front_matter_value, space_sdk

__all__ = ["Entry", "Entrypoints", "find"]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


_PROCESS = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")


def find(app_folder: Path, repo: Repository, platform: str | None = None) -> Entrypoints:
    """The entry files of one app, from every platform file that applies to it (the nearest of each name): an app
    with a Procfile and a Dockerfile may deploy either way, so both count."""
    found = Entrypoints()
    for name, reader in _READERS:
        path = _nearest(app_folder, repo, name)
        if path is None:
            continue
        text = repo.text(path, cap=CAP)
        if text is None:
            found.unknown.append(f"{repo.display(path)} could not be read")
            continue
        before = (len(found.entries), len(found.unknown))
        reader(Context(repo, app_folder, found, repo.display(path)), path, text)
        if (len(found.entries), len(found.unknown)) != before:
            found.sources.append(repo.display(path))
    _space(app_folder, repo, found)
    # A platform file at the root may start other apps too (render.yaml's services): this app's files only.
    found.entries = [e for e in found.entries if e.path.parent == app_folder or app_folder in e.path.parents]
    table = platforms.get(platform) if platform else None
    if table is not None and table.main_file_from_dialog and not found.entries:
        found.streamlit_main = True
    found.entries = list({e.path: e for e in found.entries}.values())
    return found


def _nearest(app_folder: Path, repo: Repository, name: str) -> Path | None:
    for folder in repo.up(app_folder):
        if name in repo.listing(folder):
            return folder / name
    return None


# ------------------------------------------------------------------------------------------------ readers


def _procfile(ctx: Context, path: Path, text: str) -> None:
    base = ctx.source
    for number, line in enumerate(text.splitlines()[:500], 1):
        m = _PROCESS.match(line.strip())
        if m:
            ctx.source = f"{base}:{number}"
            run(ctx, m.group(2), path.parent)


def _dockerfile(ctx: Context, path: Path, text: str) -> None:
    """The last stage's CMD and ENTRYPOINT; COPY sources are where the image's working folder may come from."""
    instructions: list[tuple[int, str, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines()[:5000], 1):
        if not pending and line.lstrip().startswith("#"):
            continue
        if not pending:
            start = number
        pending += line.rstrip("\\ \t") + " " if line.rstrip().endswith("\\") else line
        if line.rstrip().endswith("\\"):
            continue
        word, _, rest = pending.strip().partition(" ")
        instructions.append((start, word.upper(), rest.strip()))
        pending = ""
    cmd = entry = None
    bases = [path.parent]
    for number, word, rest in instructions:
        if word == "FROM":
            cmd = entry = None
            bases = [path.parent]
        elif word == "CMD":
            cmd = (number, _exec_form(rest))
        elif word == "ENTRYPOINT":
            entry = (number, _exec_form(rest))
            cmd = None  # an ENTRYPOINT resets the CMD inherited from before it
        elif word == "ENV":
            ctx.env.update(_env_pairs(rest))
        elif word in ("COPY", "ADD") and "--from" not in rest:
            for source in (split(rest) or [])[:-1]:
                folder = path.parent / source
                if not source.startswith("-") and ctx.repo.inside(folder) and os.path.isdir(folder):
                    bases.append(folder)
    tokens: list[str] = []
    if entry is not None:
        number, tokens = entry[0], entry[1]
        if cmd is not None and _is_exec(instructions, entry[0]):
            tokens = tokens + cmd[1]
    elif cmd is not None:
        number, tokens = cmd
    if not tokens:
        return
    ctx.source = f"{ctx.source}:{number}"
    before = len(ctx.found.entries)
    for base in bases:
        run_tokens(ctx, tokens, base)
        if len(ctx.found.entries) > before:
            break  # the build context, else the first folder the image copies, holds what the command names


def _is_exec(instructions: list[tuple[int, str, str]], number: int) -> bool:
    return any(n == number and rest.startswith("[") for n, _w, rest in instructions)


def _exec_form(rest: str) -> list[str]:
    if rest.startswith("["):
        try:
            value = json.loads(rest)
        except (ValueError, RecursionError):
            return split(rest) or []
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    return ["sh", "-c", rest]


def _env_pairs(rest: str) -> dict[str, str]:
    tokens = split(rest) or []
    if len(tokens) >= 2 and "=" not in tokens[0]:
        return {tokens[0]: " ".join(tokens[1:])}
    return dict(t.split("=", 1) for t in tokens if "=" in t)


def _app_yaml(ctx: Context, path: Path, text: str) -> None:
    data = _yaml(ctx, text)
    if not isinstance(data, dict) or not str(data.get("runtime", "")).startswith("python"):
        return
    command = data.get("entrypoint")
    ctx.source = f"{ctx.source}:{_line_of(text, 'entrypoint') if command else _line_of(text, 'runtime')}"
    env = data.get("env_variables")
    if isinstance(env, dict):
        ctx.env.update({str(k): str(v) for k, v in env.items()})
    # Without an entrypoint, App Engine runs `gunicorn -b :$PORT main:app` (the Python 3 runtime's documented default).
    run(ctx, command if isinstance(command, str) else "gunicorn -b :$PORT main:app", path.parent)


def _fly_toml(ctx: Context, path: Path, text: str) -> None:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        ctx.found.unknown.append(f"{ctx.source} is not valid TOML")
        return
    commands: list[object] = []
    processes = data.get("processes")
    if isinstance(processes, dict):
        commands += processes.values()
    experimental = data.get("experimental")
    if isinstance(experimental, dict):
        commands += [experimental.get("entrypoint"), experimental.get("cmd")]
    deploy = data.get("deploy")
    if isinstance(deploy, dict):
        commands.append(deploy.get("release_command"))
    env = data.get("env")
    if isinstance(env, dict):
        ctx.env.update({str(k): str(v) for k, v in env.items()})
    base = ctx.source
    for command in commands:
        if command and isinstance(command, (str, list)):
            ctx.source = f"{base}:{_line_of(text, str(command if isinstance(command, str) else command[0]))}"
            run_any(ctx, command, path.parent)


def _render_yaml(ctx: Context, path: Path, text: str) -> None:
    data = _yaml(ctx, text)
    services = data.get("services") if isinstance(data, dict) else None
    base = ctx.source
    for service in services if isinstance(services, list) else []:
        if not isinstance(service, dict):
            continue
        root = service.get("rootDir")
        folder = path.parent / root if isinstance(root, str) and root else path.parent
        if not ctx.repo.inside(folder):
            continue
        for key in ("startCommand", "preDeployCommand", "dockerCommand"):
            command = service.get(key)
            if isinstance(command, str):
                ctx.source = f"{base}:{_line_of(text, key)}"
                run(ctx, command, folder)


def _railway_json(ctx: Context, path: Path, text: str) -> None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        ctx.found.unknown.append(f"{ctx.source} is not valid JSON")
        return
    _railway(ctx, path, text, data)


def _railway_toml(ctx: Context, path: Path, text: str) -> None:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        ctx.found.unknown.append(f"{ctx.source} is not valid TOML")
        return
    _railway(ctx, path, text, data)


def _railway(ctx: Context, path: Path, text: str, data: object) -> None:
    deploy = data.get("deploy") if isinstance(data, dict) else None
    if not isinstance(deploy, dict):
        return
    base = ctx.source
    for key in ("startCommand", "preDeployCommand"):
        command = deploy.get(key)
        if command:
            ctx.source = f"{base}:{_line_of(text, key)}"
            run_any(ctx, command, path.parent)


def _space(app_folder: Path, repo: Repository, found: Entrypoints) -> None:
    """A Hugging Face Space runs its front matter's app_file (app.py by default) from the repository root."""
    for folder in repo.up(app_folder):
        space = space_sdk(folder, repo)
        if space is None or space[0] not in ("gradio", "streamlit"):
            continue
        text = repo.text(space[1]) or ""
        value = front_matter_value(text, "app_file")
        line, name = value if value else (None, "app.py")
        shown = repo.display(space[1]) + (f":{line}" if line else "")
        add(Context(repo, app_folder, found, shown), folder / name, f"app_file: {name}")
        if space[0] == "streamlit":
            pages(Context(repo, app_folder, found, shown), folder / name, f"app_file: {name}")
        found.sources.append(repo.display(space[1]))
        return


_READERS = (
    ("Procfile", _procfile),
    ("Dockerfile", _dockerfile),
    ("Containerfile", _dockerfile),
    ("app.yaml", _app_yaml),
    ("fly.toml", _fly_toml),
    ("render.yaml", _render_yaml),
    ("railway.json", _railway_json),
    ("railway.toml", _railway_toml),
)


# ------------------------------------------------------------------------------------------------ helpers


def _yaml(ctx: Context, text: str) -> object:
    """BaseLoader (every scalar a string), after one pass over the events that stops at a nesting or an expanded
    size no platform file has: a few aliases can stand for 2**45 scalars, which str() of a value would build."""
    import yaml  # only for apps that have YAML platform files

    try:
        why = yamlbound.too_big(text)
        if why is None:
            return yaml.load(text, Loader=yaml.BaseLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    ctx.found.unknown.append(f"{ctx.source} is not YAML deploycheck reads: {why}")
    return None


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 1
