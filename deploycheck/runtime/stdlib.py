"""The standard library of the deploy's Python: which top-level names it has, which it lost, and which
PyPI projects are real backports of a stdlib module.

The tables come from stdlib-list (3.6 to 3.14). Python 3.15 is not in stdlib-list 0.12: it is 3.14 with
the changes of "What's new in Python 3.15" (CPython Doc/whatsnew/3.15.rst, read 2026): sre_compile,
sre_constants and sre_parse removed (gh-135994); the new `profiling` package added (PEP 799). Its other
removals are functions and parameters, not modules. Python 3.14 removed no public module.
"""

from __future__ import annotations

from functools import cache

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from stdlib_list import stdlib_list

FIRST, LAST = 6, 15  # the 3.x minors this module answers for
_LAST_LISTED = 14  # newest minor stdlib-list 0.12 has

_ADDED_315 = frozenset({"profiling"})
_REMOVED_315 = frozenset({"sre_compile", "sre_constants", "sre_parse"})

# stdlib-list slips: 'lib' appears in its 3.9 list only (an artefact of how that list was generated;
# a repository's own lib/ package must not pass for stdlib), and `test` (CPython's own test suite, which
# slim images such as Debian's python3-minimal leave out) is listed up to 3.9 only.
_NOT_STDLIB = frozenset({"lib", "test"})

# Module -> (first 3.x minor without it, what to use instead). Sources: "What's new" of each version,
# PEP 594 (dead batteries, 3.13) and PEP 632 (distutils, 3.12).
REMOVED: dict[str, tuple[int, str]] = {
    "macpath": (8, "os.path"),
    "dummy_threading": (9, "threading"),
    "_dummy_thread": (9, "_thread"),
    "formatter": (10, "nothing: the module had no users left; format text yourself"),
    "parser": (10, "ast"),
    "symbol": (10, "token and ast"),
    "binhex": (11, "base64 or binascii"),
    "distutils": (12, "setuptools (declare it), packaging, sysconfig or shutil"),
    "imp": (12, "importlib"),
    "asynchat": (12, "asyncio"),
    "asyncore": (12, "asyncio"),
    "smtpd": (12, "aiosmtpd (PyPI)"),
    "aifc": (13, "standard-aifc (PyPI)"),
    "audioop": (13, "audioop-lts (PyPI)"),
    "cgi": (13, "email.message or multipart (PyPI); the web framework's request parsing"),
    "cgitb": (13, "traceback or faulthandler"),
    "chunk": (13, "standard-chunk (PyPI)"),
    "crypt": (13, "hashlib, bcrypt or argon2-cffi (PyPI)"),
    "imghdr": (13, "filetype or puremagic (PyPI), or Pillow's Image.open(...).format"),
    "mailcap": (13, "mimetypes"),
    "msilib": (13, "nothing in the stdlib (Windows installers only)"),
    "nis": (13, "nothing in the stdlib"),
    "nntplib": (13, "standard-nntplib (PyPI)"),
    "ossaudiodev": (13, "nothing in the stdlib"),
    "pipes": (13, "subprocess and shlex.quote"),
    "sndhdr": (13, "filetype or puremagic (PyPI)"),
    "spwd": (13, "python-pam (PyPI)"),
    "sunau": (13, "standard-sunau (PyPI)"),
    "telnetlib": (13, "telnetlib3 or Exscript (PyPI)"),
    "uu": (13, "base64"),
    "xdrlib": (13, "standard-xdrlib (PyPI)"),
    "lib2to3": (13, "LibCST or parso (PyPI)"),
    "sre_compile": (15, "re"),
    "sre_constants": (15, "re"),
    "sre_parse": (15, "re"),
}

# PyPI projects that carry a stdlib module's name, or backport one, and are real, maintained backports:
# requiring them is not the mistake DC301 means (their markers or Requires-Python keep them off the
# Pythons that have the module). Project -> what it backports.
BACKPORTS: dict[str, str] = {
    "dataclasses": "dataclasses (stdlib since 3.7; the backport installs on 3.6 only)",
    "contextvars": "contextvars (stdlib since 3.7)",
    "configparser": "configparser (tracks the newest stdlib version)",
    "importlib-metadata": "importlib.metadata (stdlib since 3.8)",
    "importlib-resources": "importlib.resources (stdlib since 3.7)",
    "typing-extensions": "typing (new typing features for older Pythons)",
    "tomli": "tomllib (stdlib since 3.11)",
    "exceptiongroup": "ExceptionGroup (builtin since 3.11)",
    "zipp": "zipfile.Path",
    "mock": "unittest.mock",
    "graphlib-backport": "graphlib (stdlib since 3.9)",
    "cached-property": "functools.cached_property (stdlib since 3.8)",
    "audioop-lts": "audioop (removed in 3.13)",
}


def minor_of(python: str) -> int:
    """3.x minor of a version string such as '3.12' or '3.12.4'; ValueError outside 3.6 .. 3.15."""
    try:
        release = Version(python.strip()).release
    except InvalidVersion:
        raise ValueError(f"not a Python version: {python!r} (expected 3.X or 3.X.Y)") from None
    if len(release) < 2 or release[0] != 3 or not FIRST <= release[1] <= LAST:
        raise ValueError(f"Python {python} is outside what deploycheck knows (3.{FIRST} to 3.{LAST})")
    return release[1]


@cache
def _stdlib(minor: int) -> frozenset[str]:
    listed = min(minor, _LAST_LISTED)
    names = {name.split(".", 1)[0] for name in stdlib_list(f"3.{listed}")}
    if minor >= 15:
        names = (names | _ADDED_315) - _REMOVED_315
    return frozenset(name for name in names if name not in _NOT_STDLIB and not name.startswith("_sysconfigdata"))


def stdlib_modules(python: str) -> frozenset[str]:
    """Top-level module and package names of the standard library of that Python (3.6 .. 3.15)."""
    return _stdlib(minor_of(python))


def is_stdlib(module: str, python: str) -> bool:
    """Whether a dotted module's top-level name is in the stdlib of that Python."""
    return module.split(".", 1)[0] in stdlib_modules(python)


def removed_in(module: str, python: str) -> tuple[int, str] | None:
    """(minor it was removed in, what to use instead) if that Python no longer has the module."""
    gone = REMOVED.get(module.split(".", 1)[0])
    if gone and minor_of(python) >= gone[0]:
        return gone
    return None


def added_in(module: str) -> int | None:
    """First 3.x minor (from 3.6) whose stdlib has the module's top-level name; None if none does."""
    top = module.split(".", 1)[0]
    return next((minor for minor in range(FIRST, LAST + 1) if top in _stdlib(minor)), None)


def is_backport_name(dist_name: str) -> bool:
    """Whether a distribution is a real backport (allowed in requirements though it shadows a stdlib name)."""
    name = canonicalize_name(dist_name)
    return name in BACKPORTS or name.startswith("backports-")
