"""Reading a start command the way its shell and server read it, for deploycheck.project.entrypoints.

`gunicorn app:app`, `uvicorn main:app`, `streamlit run x.py`, `python x.py`, `python -m pkg`, `flask run` with
FLASK_APP, waitress, hypercorn, daphne, granian, uwsgi, celery -A, FastAPI's CLI, wrappers (`exec`, `poetry run`,
`uv run`), `cd`, `sh -c` and the scripts a command calls (read and followed, bounded, `"$@"` given the script's
arguments). Nothing is ever run: the words are data. A command that cannot be followed (`$CMD`, an unreadable
script) is recorded as unknown, never guessed.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.repo.repository import Repository

CAP = 64 * 1024  # a platform file or start script larger than this is not a config file
MAX_DEPTH = 3  # scripts calling scripts
MAX_COMMANDS = 200  # commands followed per app
MAX_WORDS = 50_000  # words of one command line once "$@" is expanded (a 64 kB script has fewer)

_APP_REF = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::[A-Za-z_][\w.]*(?:\(.*\))?)?$")
_SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "\n"}
_WRAPPERS = {"exec", "env", "nohup", "time", "ddtrace-run", "opentelemetry-instrument", "xvfb-run", "dumb-init"}
_RUNNERS = {"poetry", "uv", "pipenv", "pdm", "hatch", "rye", "newrelic-admin", "doppler", "conda"}
_SERVERS = {"gunicorn", "uvicorn", "hypercorn", "daphne", "waitress-serve", "granian", "uwsgi"}
# Options of the servers (and of python) that take no value: any other option without `=` consumes the next token.
_FLAGS = {
    "--reload", "--preload", "--factory", "--proxy-headers", "--no-proxy-headers", "--no-access-log", "--daemon",
    "-D", "--debug", "--spew", "--check-config", "--print-config", "--capture-output", "--use-colors",
    "--no-use-colors", "--no-server-header", "--no-date-header", "--enable-stdio-inheritance", "--reuse-port",
    "--http2", "--master", "--enable-threads", "--lazy-apps", "--single-interpreter", "--die-on-term",
}  # fmt: skip
_SCRIPT_SHELLS = {"sh", "bash", "dash", "zsh", "ash"}
_FASTAPI_DEFAULTS = ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "app/api.py")
_FLASK_DEFAULTS = ("wsgi.py", "app.py")


@dataclass(frozen=True)
class Entry:
    path: Path  # absolute: an existing .py file of the repository that the deploy runs or imports first
    source: str  # where the command is, e.g. "Procfile:1"
    command: str  # the command as written (shortened)


@dataclass
class Entrypoints:
    entries: list[Entry] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)  # folders commands run in: on sys.path for `-m` and servers
    sources: list[str] = field(default_factory=list)  # platform files that start something
    unknown: list[str] = field(default_factory=list)  # commands that could not be followed, each with why
    streamlit_main: bool = False  # Streamlit Community Cloud: the main file is chosen in the deploy dialog

    @property
    def known(self) -> bool:
        """Whether what the deploy runs is known: some entry file, and no command that could not be followed."""
        return bool(self.entries) and not self.unknown

    def describe(self, repo: Repository, limit: int = 3) -> str:
        shown = [f"{repo.display(e.path)} ({e.source})" for e in self.entries[:limit]]
        more = len(self.entries) - limit
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


@dataclass
class Context:
    repo: Repository
    app: Path
    found: Entrypoints
    source: str
    env: dict[str, str] = field(default_factory=dict)
    depth: int = 0
    args: list[str] = field(default_factory=list)  # a script's arguments, for its "$@"
    budget: list[int] = field(default_factory=lambda: [MAX_COMMANDS])


# ---------------------------------------------------------------------------------------------- commands


def run_any(ctx: Context, command: object, cwd: Path) -> None:
    if isinstance(command, str):
        run(ctx, command, cwd)
    elif isinstance(command, list) and all(isinstance(c, str) for c in command):
        run_tokens(ctx, list(command), cwd)


def run(ctx: Context, command: str, cwd: Path) -> None:
    words = split(command)
    if words is None:
        ctx.found.unknown.append(f"{ctx.source}: the command {command[:80]!r} could not be split into words")
        return
    run_tokens(ctx, words, cwd)


def split(command: str) -> list[str] | None:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:
        return None


def _segments(tokens: list[str]) -> Iterator[list[str]]:
    current: list[str] = []
    for token in tokens:
        if token in _SEPARATORS:
            if current:
                yield current
            current = []
        else:
            current.append(token)
    if current:
        yield current


def run_tokens(ctx: Context, tokens: list[str], cwd: Path) -> None:
    """One command line: each simple command in turn; `cd` moves the folder the next ones run in."""
    if cwd not in ctx.found.roots:
        ctx.found.roots.append(cwd)
    # `exec "$@"` in an image's entrypoint script runs the CMD it was given; counted first, since a script's
    # arguments passed on through many "$@" multiply at each level.
    expanded = sum(len(ctx.args) if token in ("$@", "$*") else 1 for token in tokens)
    if expanded > MAX_WORDS:
        ctx.found.unknown.append(f"{ctx.source}: the command expands to more than {MAX_WORDS} words")
        return
    tokens = [word for token in tokens for word in (ctx.args if token in ("$@", "$*") else [token])]
    for words in _segments(tokens):
        if not _spend(ctx):
            return
        while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
            key, _, value = words.pop(0).partition("=")
            ctx.env[key] = value
        words = _unwrap(words)
        if not words:
            continue
        if words[0] == "cd":
            target = words[1] if len(words) > 1 else ""
            if "$" in target:
                ctx.found.unknown.append(f"{ctx.source}: `cd {target}` names a folder from a variable")
                return
            if target and not target.startswith(("/", "~")):  # an image's absolute WORKDIR maps to its context
                cwd = cwd / target
                if cwd not in ctx.found.roots:
                    ctx.found.roots.append(cwd)
            continue
        _simple(ctx, words, cwd)


def _spend(ctx: Context) -> bool:
    """One simple command (a `cd` too) of the app's budget: a script of thousands of `sh a.sh;` stops here."""
    ctx.budget[0] -= 1
    if ctx.budget[0] >= 0:
        return True
    message = f"{ctx.source}: more than {MAX_COMMANDS} commands"
    if message not in ctx.found.unknown:  # every caller up the chain stops here too: say it once per file
        ctx.found.unknown.append(message)
    return False


def _unwrap(words: list[str]) -> list[str]:
    """`exec gunicorn ...`, `poetry run gunicorn ...`, `uv run --no-dev gunicorn ...`: the program they run."""
    while words:
        name = Path(words[0]).name
        if name in _WRAPPERS:
            words = words[1:]
            while words and (words[0].startswith("-") or re.match(r"^[A-Za-z_]\w*=", words[0])):
                words = words[1:]
        elif name in _RUNNERS and len(words) > 1 and words[1] in ("run", "run-program", "exec"):
            words = words[2:]
            while words and words[0].startswith("-"):
                words = words[1:]
        else:
            return words
    return words


def _simple(ctx: Context, words: list[str], cwd: Path) -> None:
    program = Path(words[0]).name
    args = words[1:]
    if program == "export":
        ctx.env.update(dict(w.split("=", 1) for w in args if "=" in w))
    elif "$" in words[0]:
        ctx.found.unknown.append(f"{ctx.source}: the program {words[0]!r} comes from a variable")
    elif re.fullmatch(r"python[\d.]*", program):
        _python(ctx, args, cwd)
    elif program in _SCRIPT_SHELLS:
        if len(args) >= 2 and args[0] == "-c":
            _nested(ctx, args[1], cwd)
        elif args and not args[0].startswith("-"):
            _script(ctx, cwd / args[0], cwd, args[1:])
    elif words[0].startswith(("./", "../")) or ("/" in words[0] and os.path.isfile(cwd / words[0])):
        _script(ctx, cwd / words[0], cwd, args)
    else:
        _program(ctx, program, args, cwd)


def _nested(ctx: Context, command: str, cwd: Path) -> None:
    if ctx.depth >= MAX_DEPTH:
        ctx.found.unknown.append(f"{ctx.source}: commands nested more than {MAX_DEPTH} deep")
        return
    ctx.depth += 1
    try:
        run(ctx, command, cwd)
    finally:
        ctx.depth -= 1


def _script(ctx: Context, path: Path, cwd: Path, args: list[str]) -> None:
    if path.suffix == ".py":
        add(ctx, path, path.name)
        return
    # The depth first: a script is read and split only when it will be followed.
    text = ctx.repo.text(path, cap=CAP) if ctx.depth < MAX_DEPTH and ctx.repo.inside(path) else None
    if text is None:
        why = "could not be read" if ctx.depth < MAX_DEPTH else f"is nested more than {MAX_DEPTH} scripts deep"
        message = f"{ctx.source}: the script {ctx.repo.display(path)} {why}"
        if message not in ctx.found.unknown:  # a script naming itself thousands of times: said once
            ctx.found.unknown.append(message)
        return
    if text.startswith("#!") and "python" in text.split("\n", 1)[0]:
        add(ctx, path, path.name)  # a Python script without the .py suffix
        return
    words: list[str] = []
    for line in text.replace("\\\n", " ").splitlines()[:2000]:
        # Line by line (a comment or an unbalanced quote ends at its line), `;` between: a `cd` still carries on.
        words += [*(split(line) or []), ";"]
    source, outer = ctx.source, ctx.args
    ctx.source, ctx.args = ctx.repo.display(path), args
    ctx.depth += 1
    try:
        run_tokens(ctx, words, cwd)
    finally:
        ctx.depth -= 1
        ctx.source, ctx.args = source, outer


def _python(ctx: Context, args: list[str], cwd: Path) -> None:
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-m" and i + 1 < len(args):
            module = args[i + 1]
            if _module(ctx, module, cwd, f"python -m {module}"):
                return
            _program(ctx, module.split(".")[0], args[i + 2 :], cwd)  # python -m gunicorn/streamlit/flask ...
            return
        if arg == "-c" and i + 1 < len(args):
            return  # inline code: imports only what it says, and that is not a file here
        if arg in ("-X", "-W"):
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        add(ctx, cwd / arg, f"python {arg}")
        return


def _program(ctx: Context, program: str, args: list[str], cwd: Path) -> None:
    positional = _positional(args)
    if program == "streamlit" and positional[:1] == ["run"] and len(positional) > 1:
        target = cwd / positional[1]
        add(ctx, target, f"streamlit run {positional[1]}")
        pages(ctx, target, f"streamlit run {positional[1]}")
    elif program in _SERVERS:
        _server(ctx, program, args, cwd)
    elif program == "flask":
        _flask(ctx, args, cwd)
    elif program == "fastapi":
        files = [p for p in positional[1:] if p.endswith(".py")] or list(_FASTAPI_DEFAULTS)
        for name in files:
            if os.path.isfile(cwd / name):
                add(ctx, cwd / name, f"fastapi {' '.join(positional[:1])}")
                break
    elif program == "celery":
        app = _option(args, ("-A", "--app"))
        if app:
            _module(ctx, app.split(":")[0], cwd, f"celery -A {app}")
    else:  # panel serve app.py, gradio app.py, chainlit run app.py, manage.py-less scripts...
        for arg in positional:
            if arg.endswith(".py") and "$" not in arg:
                add(ctx, cwd / arg, f"{program} {arg}")


def _server(ctx: Context, program: str, args: list[str], cwd: Path) -> None:
    chdir = _option(args, ("--chdir", "--app-dir"))
    if chdir and "$" not in chdir and not chdir.startswith(("/", "~")):
        cwd = cwd / chdir
        ctx.found.roots.append(cwd)
    for name in ("-c", "--config", "--wsgi-file"):
        value = _option(args, (name,))
        if value and value.endswith(".py"):
            add(ctx, cwd / value, f"{program} {name} {value}")
    if program == "gunicorn" and os.path.isfile(cwd / "gunicorn.conf.py"):
        add(ctx, cwd / "gunicorn.conf.py", "gunicorn (its default config file)")
    refs = [_option(args, ("--module",)) or "", *_positional(args)]
    for ref in refs:
        m = _APP_REF.match(ref)
        if m and "$" not in ref:
            _module(ctx, m.group(1), cwd, f"{program} {ref}")


def _flask(ctx: Context, args: list[str], cwd: Path) -> None:
    """`flask --app x run`, FLASK_APP from the command, the image's ENV or .flaskenv, else wsgi.py or app.py."""
    app = _option(args, ("--app", "-A")) or ctx.env.get("FLASK_APP")
    if not app:
        dotenv = ctx.repo.text(cwd / ".flaskenv", cap=CAP) if ctx.repo.inside(cwd / ".flaskenv") else None
        for line in (dotenv or "").splitlines():
            if line.strip().startswith("FLASK_APP="):
                app = line.split("=", 1)[1].strip().strip("\"'")
    if app:
        name = app.split(":")[0]
        if name.endswith(".py"):
            add(ctx, cwd / name, f"flask (FLASK_APP={app})")
        else:
            _module(ctx, name, cwd, f"flask (FLASK_APP={app})")
        return
    for name in _FLASK_DEFAULTS:
        if os.path.isfile(cwd / name):
            add(ctx, cwd / name, f"flask run ({name}, Flask's default)")
            return


def _option(args: list[str], names: tuple[str, ...]) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _positional(args: list[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg and arg not in _FLAGS and len(arg) > 1
        else:
            out.append(arg)
    return out


# --------------------------------------------------------------------------------------------- resolving


def _module(ctx: Context, dotted: str, cwd: Path, command: str) -> bool:
    """A dotted module of the repository, from the folder the command runs in (then src/, the app, the root)."""
    parts = dotted.split(".")
    if not all(p.isidentifier() for p in parts):
        return False
    for base in dict.fromkeys([cwd, cwd / "src", ctx.app, ctx.app / "src", ctx.repo.root, ctx.repo.root / "src"]):
        folder = base.joinpath(*parts)
        for candidate in (folder.with_name(parts[-1] + ".py"), folder / "__init__.py", folder / "__main__.py"):
            if ctx.repo.inside(candidate) and os.path.isfile(candidate):
                add(ctx, candidate, command)
                if (
                    candidate.name == "__init__.py"
                    and os.path.isfile(folder / "__main__.py")
                    and command.startswith("py")
                ):
                    add(ctx, folder / "__main__.py", command)
                return True
    return False


def add(ctx: Context, path: Path, command: str) -> None:
    if path.suffix in (".py", "") and ctx.repo.inside(path) and os.path.isfile(path):
        ctx.found.entries.append(Entry(path, ctx.source, command[:120]))


def pages(ctx: Context, main: Path, command: str) -> None:
    """Streamlit runs every .py of pages/ beside the main file as a page of the app."""
    pages = main.parent / "pages"
    if not ctx.repo.inside(pages) or not os.path.isdir(pages):
        return
    for name, is_dir in sorted(ctx.repo.listing(pages).items())[:500]:
        if not is_dir and name.endswith(".py"):
            add(ctx, pages / name, f"{command} (a page)")
