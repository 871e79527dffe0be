"""Which Python the app deploys on, read from the files each platform reads.

Exact declarations are looked for in the app's folder first, then in each parent up to the scanned
root; within a folder, the order below is the order of precedence. Ranges (requires-python) are used
only when no folder declares an exact version.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

# The CPython minors deploycheck's image ships; a range picks the newest of these that it allows.
SUPPORTED = ("3.9", "3.10", "3.11", "3.12", "3.13")
_VERSION = re.compile(r"(?<![\d.])(3\.\d{1,2}(?:\.\d{1,2})?)(?![\d])")


@dataclass
class Declaration:
    version: str  # "3.11" or "3.11.6"
    path: Path
    line: int
    what: str  # e.g. "FROM python:3.11-slim"

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


@dataclass
class Runtime:
    python: str  # "3.11" or "3.11.6"
    source: str  # where it came from, as shown to the user
    source_line: int | None = None
    exact: bool = True
    reason: str = ""  # why this version, when it was inferred
    conflicts: list[Declaration] = field(default_factory=list)  # exact declarations that disagree
    declaration: Declaration | None = None

    @property
    def minor(self) -> str:
        return ".".join(self.python.split(".")[:2])

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"python": self.python, "source": self.source, "exact": self.exact}
        if self.source_line:
            out["line"] = self.source_line
        if self.reason:
            out["reason"] = self.reason
        return out


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _first_version(path: Path, pattern: re.Pattern[str]) -> Declaration | None:
    for number, line in enumerate(_lines(path), 1):
        m = pattern.search(line)
        if m:
            return Declaration(m.group(1), path, number, line.strip())
    return None


def _python_version_file(path: Path) -> Declaration | None:
    for number, line in enumerate(_lines(path), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        m = re.fullmatch(r"(?:cpython-|python-?)?(3\.\d+(?:\.\d+)?)(?:[-.]\S*)?", text)
        return Declaration(m.group(1), path, number, text) if m else None
    return None


def _runtime_txt(path: Path) -> Declaration | None:
    return _first_version(path, re.compile(r"^\s*(?:python-)?(3\.\d+(?:\.\d+)?)\s*$"))


def _tool_versions(path: Path) -> Declaration | None:
    return _first_version(path, re.compile(r"^\s*python\s+(3\.\d+(?:\.\d+)?)\b"))


def _dockerfile(path: Path) -> Declaration | None:
    """The last stage built FROM an official python image; ARG defaults fill ${VAR} templates."""
    args: dict[str, str] = {}
    found = None
    for number, line in enumerate(_lines(path), 1):
        m = re.match(r"^\s*ARG\s+(\w+)=[\"']?([^\"'\s]+)", line, re.IGNORECASE)
        if m:
            args[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", line, re.IGNORECASE)
        if not m:
            continue
        image = re.sub(r"\$\{?(\w+)(?::-[^}]*)?\}?", lambda a: args.get(a.group(1), a.group(0)), m.group(1))
        im = re.match(r"^(?:(?:docker\.io/)?(?:library/)?)python:(3\.\d+(?:\.\d+)?)", image)
        if im:
            found = Declaration(im.group(1), path, number, line.strip())
    return found


def _yaml(path: Path) -> object:
    """PyYAML is imported only for the projects that have YAML files: it is a third of the start-up time."""
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None


def _app_yaml(path: Path) -> Declaration | None:
    data = _yaml(path)
    runtime = data.get("runtime") if isinstance(data, dict) else None
    m = re.fullmatch(r"python3(\d{1,2})", str(runtime or ""))
    if not m:
        return None
    line = next((n for n, text in enumerate(_lines(path), 1) if text.lstrip().startswith("runtime")), 1)
    return Declaration(f"3.{m.group(1)}", path, line, f"runtime: {runtime}")


def _pipfile(path: Path) -> Declaration | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    requires = data.get("requires", {})
    version = requires.get("python_full_version") or requires.get("python_version")
    if not isinstance(version, str) or not re.fullmatch(r"3\.\d+(\.\d+)?", version):
        return None
    line = next((n for n, t in enumerate(_lines(path), 1) if t.lstrip().startswith("python_")), 1)
    return Declaration(version, path, line, f"[requires] python = {version}")


def _environment_yml(path: Path) -> Declaration | None:
    data = _yaml(path)
    deps = data.get("dependencies", []) if isinstance(data, dict) else []
    for dep in deps if isinstance(deps, list) else []:
        m = re.fullmatch(r"python\s*==?\s*(3\.\d+(?:\.\d+)?)(?:\.\*)?", str(dep).strip())
        if m:
            line = next((n for n, t in enumerate(_lines(path), 1) if str(dep) in t), 1)
            return Declaration(m.group(1), path, line, str(dep))
    return None


# Precedence within one folder: the file the deploy actually runs on first. A Dockerfile is what a
# container platform builds; app.yaml is App Engine's; Heroku reads runtime.txt before .python-version.
READERS = (
    ("Dockerfile", _dockerfile),
    ("Containerfile", _dockerfile),
    ("app.yaml", _app_yaml),
    ("runtime.txt", _runtime_txt),
    (".python-version", _python_version_file),
    ("Pipfile", _pipfile),
    ("environment.yml", _environment_yml),
    ("environment.yaml", _environment_yml),
    (".tool-versions", _tool_versions),
)


def declarations_in(folder: Path) -> list[Declaration]:
    found = []
    for name, reader in READERS:
        path = folder / name
        if path.is_file():
            decl = reader(path)
            if decl:
                found.append(decl)
    return found


def _requires_python(folder: Path) -> tuple[SpecifierSet, Path, int] | None:
    path = folder / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        spec = data.get("project", {}).get("requires-python")
        if not isinstance(spec, str):
            return None
        line = next((n for n, t in enumerate(_lines(path), 1) if t.lstrip().startswith("requires-python")), 1)
        return SpecifierSet(spec), path, line
    except (OSError, tomllib.TOMLDecodeError, InvalidSpecifier):
        return None


def _folders(start: Path, root: Path) -> list[Path]:
    start, root = start.resolve(), root.resolve()
    folders = [start]
    while folders[-1] != root and root in folders[-1].parents:
        folders.append(folders[-1].parent)
    return folders


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def detect(app_folder: Path, root: Path, *, explicit: str | None, header_python: str | None) -> Runtime:
    if explicit:
        return Runtime(python=explicit, source="--python-version")
    for folder in _folders(app_folder, root):
        decls = declarations_in(folder)
        if decls:
            chosen = decls[0]
            conflicts = [d for d in decls[1:] if d.minor != chosen.minor]
            return Runtime(
                python=chosen.version,
                source=_display(chosen.path, root),
                source_line=chosen.line,
                conflicts=conflicts,
                declaration=chosen,
            )
    for folder in _folders(app_folder, root):
        found = _requires_python(folder)
        if not found:
            continue
        spec, path, line = found
        allowed = [v for v in SUPPORTED if spec.contains(v + ".0") or spec.contains(v + ".99")]
        if not allowed:
            continue
        pick = allowed[-1]
        reason = (
            f"inferred from requires-python {str(spec)!r}: the newest CPython it allows, as platforms "
            "that are not told a version deploy their newest; declare the exact version in "
            ".python-version to be sure"
        )
        return Runtime(python=pick, source=_display(path, root), source_line=line, exact=False, reason=reason)
    if header_python:
        return Runtime(
            python=header_python,
            source="the lock's header",
            exact=False,
            reason="no file declares the deploy Python; the lock's header says which Python compiled it",
        )
    return Runtime(
        python=SUPPORTED[-2],
        source="default",
        exact=False,
        reason=f"nothing declares a Python version; assuming {SUPPORTED[-2]}, the default of most platforms",
    )
