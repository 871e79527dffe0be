"""DC510: a library the code names in a string (a parser, an engine, a database driver) that nothing installs.

`BeautifulSoup(html, "lxml")`, `pd.read_excel("data.xlsx")`, `df.to_parquet(...)`, `create_engine(
"postgresql://...")`, `matplotlib.use("QtAgg")`: the library loads by name when the call runs, so no import statement
shows it and DC501 cannot see it (issue #17, class 13). The calls and what each needs are deploycheck.imports.named's
table; what the deploy installs is DC501's installed set (deploycheck.imports.requirements, the modules read from
the pinned releases' wheels on the index). Reported at the call's line:

- error: the call is in code the deploy runs (deploycheck.imports.reach), it says exactly what it loads, it is not
  inside try/except ImportError, and every requirement's modules could be read, so the library is provably absent;
- warning: in code the deploy runs, but the need is a default that the call may override (an Excel file whose
  name is not a literal; a GUI backend), or the call is guarded, or some requirement could not be read;
- info: in a file the deploy does not run.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from deploycheck.project.apps import App
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule
from deploycheck.settings import Settings

if TYPE_CHECKING:
    from deploycheck.imports.named import Need
    from deploycheck.imports.reach import Reach
    from deploycheck.imports.requirements import Indexes, Requirements

NAMED = Rule("DC510", "error", "a library named in a string that no requirement installs")
RULES = (NAMED,)
SCOPE = "app"
BACKGROUND = True  # reads the package index only, starts no subprocess

MAX_FINDINGS = 50


def check(app: App, settings: Settings) -> list[Finding]:
    from deploycheck.imports import collect, named, reach, requirements
    from deploycheck.project import entrypoints

    if app.runtime.no_python:
        return []  # the image runs no Python: nothing here is loaded at deploy
    minor = app.runtime.minor
    found: list[tuple[str, Need]] = []
    for _path, file in collect.python_files(app.folder, app.repo, exclude=app.nested):
        if collect.kind_of_file(file.split("/")) != "production":
            continue
        try:
            source = _source(app, file)
            found += [(file, need) for need in named.needs(source)] if source else []
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # DC504 reports a file that does not parse
    if not found:
        return []
    reqs = requirements.requirements(app, minor)
    where = requirements.indexes(settings, reqs)
    if where.unread is not None:
        return []  # installs from no index: what its packages provide is not known here (DC505 says so)
    absent, unread = _absent(reqs, found, where, minor)
    found = [(file, need) for file, need in found if all(a in absent for a in need.needs)]
    if not found:
        return []
    # What the deploy runs decides the severity: the import graph is read only when there is something to say.
    scan = collect.collect(app.folder, app.repo, python=minor, exclude=app.nested)
    reached = reach.reach(scan, entrypoints.find(app.folder, app.repo, app.platform), app.repo, app.folder)
    findings = [_finding(file, need, reqs, reached, unread) for file, need in found]
    return [f for f in findings if f is not None][:MAX_FINDINGS]


def _source(app: App, file: str) -> str | None:
    from deploycheck.imports.collect import MAX_FILE_BYTES
    from deploycheck.imports.parse import decode_source
    from deploycheck.repo import safefs

    try:
        return decode_source(app.repo.read_bytes(app.repo.root / file, cap=MAX_FILE_BYTES))
    except (OSError, safefs.UnsafePath, safefs.TooLarge):
        return None


def _absent(
    reqs: Requirements, found: list[tuple[str, Need]], where: Indexes, minor: str
) -> tuple[set[tuple[str, ...]], list[str]]:
    """The alternatives whose modules are not all installed (each alternative is a set of modules, all needed),
    and the installed distributions whose modules could not be read."""
    from deploycheck.imports import providers
    from deploycheck.imports.classify import Import
    from deploycheck.imports.collect import ImportScan
    from deploycheck.index import provides

    modules = sorted({m for _f, need in found for alt in need.needs for m in alt})
    looked = provides.look_up(reqs.pins, reqs.locked, where.urls, where.trusted, minor)
    transitive = set(reqs.pins) - reqs.declared if reqs.locked else set(looked.pulled) - reqs.declared
    provided = {d: m for d, m in looked.provided.items() if d in reqs.declared or d in transitive}
    imports = [Import("", 0, module, None, "production") for module in modules]
    verdicts = providers.resolve(
        ImportScan(imports, frozenset()),
        python=minor,
        provided=provided,
        declared=reqs.declared,
        transitive=transitive,
    )
    installed = {v.imp.module for v in verdicts if v.status in ("declared", "transitive")}
    alternatives = {alt for _f, need in found for alt in need.needs}
    return {alt for alt in alternatives if not set(alt) <= installed}, reqs.unread(looked.provided)


def _finding(file: str, need: Need, reqs: Requirements, reached: Reach, unread: list[str]) -> Finding | None:
    from deploycheck.imports.named import DISTRIBUTION

    if all(len(alt) == 1 for alt in need.needs):
        wanted = " or ".join(DISTRIBUTION.get(alt[0], alt[0]) for alt in need.needs)
    else:
        wanted = " or ".join(" and ".join(DISTRIBUTION.get(m, m) for m in alt) for alt in need.needs)
    first = need.needs[0]
    add = " ".join(f"`{DISTRIBUTION.get(m, m)}`" for m in first)
    judged = reached.judged(file)
    sure = need.certain and not need.guarded and not unread
    severity = "error" if judged and sure else "warning" if judged else "info"
    message = (
        f"`{need.what}` loads {wanted} by name when it runs, and no requirement in {reqs.declared_in} installs "
        f"{'it' if len(need.needs) == 1 and len(first) == 1 else 'them'}: the call raises ImportError when it runs"
    )
    if not need.certain:
        message += " (this is the library's default for such a call: an argument may choose another)"
    if need.guarded:
        message += " (inside try/except ImportError: the author expected it may fail)"
    if unread and judged:
        message += f" (unless {', '.join(unread[:3])}, whose files could not be read on the index, installs it)"
    if not judged:
        message += f"; {reached.why_not(file)}"
    target = PurePosixPath(reqs.fix_target).name if "/" in reqs.fix_target else reqs.fix_target
    return NAMED.finding(file, need.line, message, f"add {add} to {target}", severity=severity)
