"""The lock formats deploycheck reads: a registry, with requirements.txt its only entry so far.

A format is
- an id ("requirements.txt"), which each `Lock` carries as `format`;
- `claims`: the file names it may read (the scan offers it only those);
- `is_lock`: whether a file's first lines (its first 4 KB, as text) say a tool wrote it;
- `read`: the file alone as a `Lock` (deploycheck.locks.model): pins with markers and hashes, its
  `IndexSources`, its issues, the tool and Python it names;
- `verify`: how its freshness is checked (model.RECOMPILE: lock_drift recompiles it with its own tool); ""
  for a file only the cheaper checks read (a Pipfile without its lock). The report calls a file of a
  format with a verify kind "checked", one with "" "read only", and one no format claims "not checked".

What a new format (uv.lock, pylock.toml) implements: a package beside locks/requirements with a reader
that returns `Lock` (its [[package]] entries as `Pin`s, its indexes and sources as `IndexSources`, tool
UV, `python` from requires-python), one entry here, and, if its freshness is checked another way (`uv lock
--check`), a verify kind and the check that runs it. Every check that reads pins, hashes, imports or
indexes then reads it unchanged, since they read `Lock`s only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from deploycheck.locks import conda, pdm, pipfile, poetry, pylock, tomllock, uvlock
from deploycheck.locks.model import RECOMPILE, Issue, Lock
from deploycheck.locks.requirements import header
from deploycheck.locks.requirements import lock as requirements


class Format(NamedTuple):
    id: str
    claims: Callable[[str], bool]
    is_lock: Callable[[str], bool]
    read: Callable[[bytes, Path, str], Lock]
    verify: str  # "" or PLAIN: nothing checks its freshness; the cheaper checks (pins, imports) still read it

    @property
    def checked(self) -> bool:
        """Whether deploycheck checks the file itself (its verify kind has a check), not only reads it."""
        return self.verify not in ("", PLAIN)


PLAIN = "plain"  # a list of requirements with no lock to be fresh against (a Pipfile, environment.yml)


def _requirements_name(name: str) -> bool:
    return name.endswith(".txt")


MAX_LOCK_BYTES = 32 * 1024 * 1024  # a lock file larger than this is one issue, never parsed


def unreadable(
    fmt: Format,
    path: Path,
    display: str,
    reason: str,
    fix: str = "replace it with a regular file",
    kind: str = "too-large",
) -> Lock:
    """A file of a format that could not be read (safely, or at all): a Lock with no pins and the one issue
    that says so."""
    return Lock(
        path=path,
        display=display,
        format=fmt.id,
        text="",
        pins={},
        issues=[Issue(None, f"{display} cannot be read: it {reason}", fix, kind)],
    )


REQUIREMENTS_TXT = Format(requirements.FORMAT, _requirements_name, header.compiled, requirements.read, verify=RECOMPILE)
UV_LOCK = Format(uvlock.FORMAT, uvlock.claims, uvlock.is_lock, uvlock.read, verify=uvlock.UV_LOCK)
PYLOCK_TOML = Format(pylock.FORMAT, pylock.claims, pylock.is_lock, pylock.read, verify=pylock.PYLOCK_REGEN)
PIPFILE_LOCK = Format(
    pipfile.LOCK_FORMAT, lambda n: n == "Pipfile.lock", pipfile.is_pipfile_lock, pipfile.read_lock, pipfile.VERIFY_HASH
)
PIPFILE = Format(pipfile.PIPFILE_FORMAT, lambda n: n == "Pipfile", pipfile.is_pipfile, pipfile.read_pipfile, "plain")
ENVIRONMENT_YML = Format(conda.FORMAT, lambda n: n in conda.NAMES, lambda head: False, conda.read, "plain")
POETRY_LOCK = Format(poetry.FORMAT, poetry.claims, poetry.is_lock, poetry.read, verify=tomllock.CONTENT_HASH)
PDM_LOCK = Format(pdm.FORMAT, pdm.claims, pdm.is_lock, pdm.read, verify=tomllock.CONTENT_HASH)
FORMATS = (REQUIREMENTS_TXT, UV_LOCK, PYLOCK_TOML, POETRY_LOCK, PDM_LOCK, PIPFILE_LOCK, PIPFILE, ENVIRONMENT_YML)


def claiming(name: str) -> Format | None:
    """The format that reads files of this name, if any."""
    return next((fmt for fmt in FORMATS if fmt.claims(name)), None)
