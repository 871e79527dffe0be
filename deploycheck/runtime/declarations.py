"""Reading each file that can say which Python an app runs on, as real repositories write them.

Every reader gets the file's text (read through the Repository: inside its boundary, regular, capped) and
returns a Declaration, a BadDeclaration (the file tries to say something a platform cannot use: the file,
the line, why, and what to write instead), or None (the file says nothing about Python). Parsing is line by
line or by a library on capped input; YAML is loaded with BaseLoader (every scalar a string, so 3.10 stays
"3.10") after counting aliases, so a billion-laughs document costs nothing.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from deploycheck.locks import poetry as poetry_python
from deploycheck.repo import safefs, yamlbound
from deploycheck.repo.repository import Repository, decode
from deploycheck.runtime import cpython
from deploycheck.runtime.versions import (
    FIX_VERSION,
    BadDeclaration,
    Declaration,
    Result,
    classify,
    image_version,
    short,
)
from deploycheck.runtime.which_platform import front_matter_value

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib


def _first_content_line(text: str) -> tuple[int, str] | None:
    for number, line in enumerate(text.splitlines(), 1):
        content = line.split("#", 1)[0].strip()
        if content:
            return number, content
    return None


def python_version_file(path: Path, text: str) -> Result:
    first = _first_content_line(text)
    if first is None:
        return BadDeclaration(path, 1, "", ".python-version is empty", FIX_VERSION)
    number, content = first
    # pyenv allows several versions on one line or several lines; the first is the one used.
    return classify(content.split()[0], path, number, content)


def runtime_txt(path: Path, text: str) -> Result:
    first = _first_content_line(text)
    if first is None:
        return BadDeclaration(path, 1, "", "runtime.txt is empty", "write `python-3.12` (or delete it)")
    number, content = first
    return classify(content, path, number)


def tool_versions(path: Path, text: str) -> Result:
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split("#", 1)[0].split()
        if parts and parts[0] == "python":
            if len(parts) < 2:
                return BadDeclaration(path, number, line.strip(), "names python without a version", FIX_VERSION)
            return classify(parts[1], path, number, line.strip())
    return None


_ARG = re.compile(r"^\s*ARG\s+(\w+)(?:=(?:\"([^\"]*)\"|'([^']*)'|(\S*)))?", re.IGNORECASE)
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE)
_PY_IMAGE = re.compile(r"^(?:(?:docker\.io/|index\.docker\.io/)?(?:library/)?)python(?::(\S+))?$", re.IGNORECASE)


def _substitute(image: str, args: dict[str, str]) -> tuple[str, str | None]:
    """${VAR}, $VAR and ${VAR:-default} from ARG defaults; the name of the first variable with no value."""
    missing: list[str] = []

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        if args.get(name):
            return args[name]
        if m.group(2) is not None:
            return m.group(2)
        missing.append(name)
        return m.group(0)

    out = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)", one, image)
    return out, (missing[0] if missing else None)


def dockerfile(path: Path, text: str) -> Result:
    """The last stage built FROM an official python image; ARG defaults fill ${VAR} templates."""
    args: dict[str, str] = {}
    found: Result = None
    for number, line in enumerate(text.splitlines(), 1):
        m = _ARG.match(line)
        if m:
            args[m.group(1)] = next((g for g in m.group(2, 3, 4) if g is not None), "")
            continue
        m = _FROM.match(line)
        if not m:
            continue
        image, missing = _substitute(m.group(1), args)
        if missing:
            if image.startswith("$") or "python" in image.lower():
                found = BadDeclaration(
                    path,
                    number,
                    short(line),
                    f"the image comes from the build argument {missing}, which has no default, so the Python "
                    "version depends on how the image is built",
                    f"give it a default: `ARG {missing}=3.12`",
                )
            continue
        im = _PY_IMAGE.match(image)
        if im:
            found = image_version(im.group(1), path, number, line)
    return found


def _yaml(path: Path, text: str) -> tuple[object, BadDeclaration | None]:
    """BaseLoader: no tags, every scalar a string. Aliases are counted first (expanding a YAML bomb is the only
    way a small YAML file costs more than its size) and the nesting bounded (repo.yamlbound: PyYAML's scanner is
    quadratic in it)."""
    import yaml  # a third of the start-up time: only for projects that have YAML files

    try:
        why = yamlbound.too_big(text, expanded=False)  # values are read, never expanded: only the nesting
        if why is not None:
            return None, BadDeclaration(
                path, None, "", f"{path.name} is not YAML deploycheck reads: {why}", "write the values out"
            )
        aliases = sum(1 for event in yaml.parse(text) if isinstance(event, yaml.AliasEvent))
        if aliases > 100:
            return None, BadDeclaration(
                path, None, "", f"uses {aliases} YAML aliases; deploycheck reads at most 100", "write the values out"
            )
        return yaml.load(text, Loader=yaml.BaseLoader), None
    except (yaml.YAMLError, RecursionError) as exc:  # RecursionError: thousands of nested brackets
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, BadDeclaration(
            path, line, "", f"{path.name} is not valid YAML ({problem})", f"fix the YAML syntax in {path.name}"
        )


def _line_of(text: str, *needles: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if all(n in line for n in needles):
            return number
    return 1


def app_yaml(path: Path, text: str) -> Result:
    data, bad = _yaml(path, text)
    if bad:
        return bad
    if not isinstance(data, dict):
        return None
    runtime = data.get("runtime")
    if not isinstance(runtime, str):
        return None
    line = _line_of(text, "runtime")
    m = re.fullmatch(r"python(\d)(\d{1,2})", runtime.strip())
    if m and m.group(1) == "2":
        return BadDeclaration(
            path,
            line,
            f"runtime: {runtime}",
            "App Engine's Python 2 runtime is past its end of life",
            "`runtime: python312`",
        )
    if m:
        return classify(f"3.{m.group(2)}", path, line, f"runtime: {runtime}")
    config = data.get("runtime_config")
    if runtime.strip() == "python" and isinstance(config, dict) and isinstance(config.get("runtime_version"), str):
        version = config["runtime_version"]
        return classify(version, path, _line_of(text, "runtime_version"), f"runtime_version: {version}")
    if runtime.startswith("python"):
        return BadDeclaration(
            path,
            line,
            f"runtime: {runtime}",
            f"{runtime!r} is not an App Engine Python runtime",
            "`runtime: python312`",
        )
    return None


def _toml(path: Path, text: str) -> tuple[dict[str, object] | None, BadDeclaration | None]:
    try:
        return tomllib.loads(text), None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        return None, BadDeclaration(
            path,
            int(m.group(1)) if m else None,
            "",
            f"{path.name} is not valid TOML ({exc})",
            f"fix the TOML syntax in {path.name}",
        )


def pipfile(path: Path, text: str) -> Result:
    data, bad = _toml(path, text)
    if bad or data is None:
        return bad
    requires = data.get("requires")
    if not isinstance(requires, dict):
        return None
    key = "python_full_version" if "python_full_version" in requires else "python_version"
    version = requires.get(key)
    if version is None:
        return None
    return classify(str(version), path, _line_of(text, key), f'[requires] {key} = "{version}"')


def pipfile_lock(path: Path, text: str) -> Result:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return BadDeclaration(path, None, "", f"Pipfile.lock is not valid JSON ({exc})", "run `pipenv lock` again")
    meta = data.get("_meta") if isinstance(data, dict) else None
    requires = meta.get("requires") if isinstance(meta, dict) else None
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        if isinstance(requires.get(key), str):
            return classify(requires[key], path, _line_of(text, key), f'"{key}": "{requires[key]}"')
    return None


def environment_yml(path: Path, text: str) -> Result:
    data, bad = _yaml(path, text)
    if bad:
        return bad
    deps = data.get("dependencies") if isinstance(data, dict) else None
    for dep in deps if isinstance(deps, list) else []:
        if not isinstance(dep, str):
            continue
        m = re.fullmatch(r"(?:conda-forge::|defaults::)?python\s*(==?)\s*(\S+?)(?:\.\*)?", dep.strip())
        if m:
            return classify(m.group(2), path, _line_of(text, "python", m.group(2)), dep.strip())
    return None


def space_readme(path: Path, text: str) -> Result:
    """A Hugging Face Space's README.md: `python_version` in its YAML front matter (absent: the default)."""
    found = front_matter_value(text, "python_version")
    if found is None:
        return None
    line, value = found
    return classify(value, path, line, f"python_version: {value}")


def mise_toml(path: Path, text: str) -> Result:
    data, bad = _toml(path, text)
    if bad or data is None:
        return bad
    tools = data.get("tools")
    value = tools.get("python") if isinstance(tools, dict) else None
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("version")
    if not isinstance(value, str):
        return None
    return classify(value, path, _line_of(text, "python"), f'python = "{value}"')


def render_yaml(path: Path, text: str) -> Result:
    data, bad = _yaml(path, text)
    if bad:
        return bad
    services = data.get("services") if isinstance(data, dict) else None
    for service in services if isinstance(services, list) else []:
        env = service.get("envVars") if isinstance(service, dict) else None
        for var in env if isinstance(env, list) else []:
            if isinstance(var, dict) and var.get("key") == "PYTHON_VERSION" and isinstance(var.get("value"), str):
                value = var["value"]
                line = _line_of(text, value)
                result = classify(value, path, line, f"PYTHON_VERSION: {value}")
                if isinstance(result, Declaration) and result.version.count(".") == 1:
                    return BadDeclaration(
                        path,
                        line,
                        f"PYTHON_VERSION: {value}",
                        "Render's PYTHON_VERSION must be a full version such as 3.13.5; a minor alone fails the build",
                        f"write the full version, e.g. `{value}.0`, or move `{value}` to .python-version",
                    )
                return result
    return None


def requires_python(path: Path, text: str) -> tuple[SpecifierSet, int] | BadDeclaration | None:
    data, bad = _toml(path, text)
    if bad or data is None:
        return bad
    project = data.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(spec, str):
        return None
    line = _line_of(text, "requires-python")
    try:
        parsed = SpecifierSet(spec)
    except InvalidSpecifier:
        return BadDeclaration(
            path, line, spec, f"requires-python {spec!r} is not a version specifier", "write e.g. `>=3.10`"
        )
    if not any(parsed.contains(f"{m}.{p}") for m in cpython.MINORS for p in (0, 99)):
        return BadDeclaration(
            path,
            line,
            f'requires-python = "{spec}"',
            f"requires-python {spec!r} allows no CPython release (3.6 to {max(cpython.MINORS, key=_minor_key)})",
            "write the range the app supports, e.g. `>=3.10`",
        )
    return parsed, line


def python_range(path: Path, text: str) -> tuple[SpecifierSet, int, str] | BadDeclaration | None:
    """The project's Python range and how the file says it: `[project] requires-python`, else Poetry's
    `[tool.poetry.dependencies] python` (`^3.10`, `>=3.9,<3.13`, `~3.10 || ^3.12`), which is a range too (#17.7)."""
    found = requires_python(path, text)
    if found is not None:
        return (
            found if isinstance(found, BadDeclaration) else (found[0], found[1], f"requires-python {str(found[0])!r}")
        )
    data, _ = _toml(path, text)
    tool = data.get("tool") if data else None
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    constraint = deps.get("python") if isinstance(deps, dict) else None
    if not isinstance(constraint, str) or len(constraint) > 200:
        return None
    line = next(
        (n for n, raw in enumerate(text.splitlines(), 1) if re.match(r"\s*python\s*=", raw)), 1
    )  # the first `python =` key: [tool.poetry.dependencies] is where Poetry projects keep it
    allowed = [m for m in cpython.MINORS if any(poetry_python.python_admits(constraint, f"{m}.{p}") for p in (0, 99))]
    if not allowed:
        if poetry_python.python_admits(constraint, "3.0") is None:
            return None  # unreadable: the hash-lock check (DC209) reports what Poetry makes of it
        return BadDeclaration(
            path,
            line,
            f"python = {constraint!r}"[:80],
            f"Poetry's python constraint {constraint!r} allows no CPython release (3.6 to "
            f"{max(cpython.MINORS, key=_minor_key)})",
            "write the range the app supports, e.g. `^3.10`",
        )
    # The allowed minors as one specifier (Poetry's `||` has no PEP 440 spelling): the span, minus the gaps.
    lo, hi = allowed[0], allowed[-1]
    gaps = [m for m in cpython.MINORS if _minor_key(lo) < _minor_key(m) < _minor_key(hi) and m not in allowed]
    upper = f"<3.{_minor_key(hi) + 1}" if hi != max(cpython.MINORS, key=_minor_key) else ""
    spec = SpecifierSet(",".join([f">={lo}", *(f"!={m}.*" for m in gaps), *([upper] if upper else [])]))
    return spec, line, f"Poetry's python = {constraint!r}"


def _minor_key(minor: str) -> int:
    return int(minor.split(".")[1])


Reader = Callable[[Path, str], Result]
READERS: dict[str, Reader] = {
    "Dockerfile": dockerfile,
    "Containerfile": dockerfile,
    "app.yaml": app_yaml,
    "render.yaml": render_yaml,
    "runtime.txt": runtime_txt,
    ".python-version": python_version_file,
    "Pipfile": pipfile,
    "Pipfile.lock": pipfile_lock,
    "environment.yml": environment_yml,
    "environment.yaml": environment_yml,
    ".tool-versions": tool_versions,
    "mise.toml": mise_toml,
    "README.md": space_readme,  # read only for platforms that list it (Hugging Face Spaces)
}


def read(path: Path, repo: Repository, reader: Reader) -> Result:
    """One declaration file through the bounded reader; a file that cannot be read safely is unusable."""
    try:
        data = repo.read(path)
    except FileNotFoundError:
        return None
    except safefs.UnsafePath as exc:
        return BadDeclaration(
            path, None, "", f"{path.name} {exc.reason}", f"make {path.name} a small regular file in the repo"
        )
    except OSError as exc:
        return BadDeclaration(path, None, "", f"{path.name} cannot be read ({exc.strerror})", "check its permissions")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return BadDeclaration(path, None, "", f"{path.name} is binary, not text", f"write {path.name} as text")
    return reader(path, decode(data))
