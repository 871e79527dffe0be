"""Where a lock's packages come from: its index options, read once, with pip's precedence.

One vocabulary of option names (each tool's spellings map to these), and one value per lock,
`IndexSources`, that every reader uses: the pins and hashes lookups, the import check, the recompile's
choice of index and its uv fast pass, and the run's own --index-url / --extra-index-url. Each value keeps
where it was said (a file's line, the compile command, the run's settings, pip's default).

pip reads a requirements file's option lines in order, nested -r/-c files at the line that names them:
`--index-url` replaces the list of indexes read so far (so the last one wins, and extra indexes named
before it are dropped), `--extra-index-url` adds to it, `--no-index` empties it for good, `--find-links`
and `--trusted-host` add up. On a command line the last `--index-url` wins too, and every extra counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

INDEX_URL = "--index-url"
EXTRA_INDEX_URL = "--extra-index-url"
FIND_LINKS = "--find-links"
NO_INDEX = "--no-index"
TRUSTED_HOST = "--trusted-host"
UV_INDEX = "--index"  # uv: `--index [NAME=]URL`, an index searched before the default one
UV_DEFAULT_INDEX = "--default-index"  # uv: its primary index

# The options of a requirements file that say where packages come from (pip's).
INDEX_LIKE = frozenset({INDEX_URL, EXTRA_INDEX_URL, FIND_LINKS, NO_INDEX, TRUSTED_HOST})
# Options whose value is a package index URL, pip's and uv's; the primary ones replace the default index.
URL_OPTIONS = frozenset({INDEX_URL, EXTRA_INDEX_URL, UV_INDEX, UV_DEFAULT_INDEX})
PRIMARY = frozenset({INDEX_URL, UV_DEFAULT_INDEX})
# Every option an IndexSources reads.
OPTIONS = INDEX_LIKE | URL_OPTIONS
# Options that make pip take files from somewhere deploycheck does not read: a folder or page of files, or
# no index at all.
UNREAD = frozenset({NO_INDEX, FIND_LINKS})
# The options that say something about which indexes are read (a --trusted-host alone does not).
_SAYS = OPTIONS - {TRUSTED_HOST}

PYPI = "https://pypi.org/simple/"

FILE = "file"  # an option line of a requirements file (or of one it includes)
COMMAND = "command"  # the command that compiles the lock
RUN = "run"  # deploycheck's own --index-url / --extra-index-url (command line, action input, pyproject)
DEFAULT = "default"  # pip's default index


class Origin(NamedTuple):
    """Where an index option was said."""

    kind: str  # FILE | COMMAND | RUN | DEFAULT
    path: str | None = None  # the file as shown (FILE; COMMAND: the lock whose header holds the command)
    line: int | None = None  # FILE only

    def __str__(self) -> str:
        if self.kind == FILE:
            return f"{self.path}:{self.line}" if self.line else str(self.path)
        return {
            COMMAND: f"the compile command of {self.path}" if self.path else "the compile command",
            RUN: "deploycheck's --index-url / --extra-index-url",
            DEFAULT: "pip's default",
        }[self.kind]


class IndexOption(NamedTuple):
    name: str  # canonical, one of OPTIONS
    value: str  # "" for --no-index
    origin: Origin


class Said(NamedTuple):
    """A value and where it was said."""

    value: str
    origin: Origin


DEFAULT_INDEX = Said(PYPI, Origin(DEFAULT))


def index_url(name: str, value: str) -> str:
    """The URL an index option names: uv's `--index NAME=URL` names its index, the URL is what counts."""
    if name in (UV_INDEX, UV_DEFAULT_INDEX) and "=" in value and not value.startswith(("http:", "https:")):
        return value.split("=", 1)[1]
    return value


@dataclass(frozen=True)
class IndexSources:
    """The indexes (and other places) pip takes one lock's packages from."""

    primary: Said | None = DEFAULT_INDEX  # None under --no-index
    extras: tuple[Said, ...] = ()
    find_links: tuple[Said, ...] = ()
    no_index: Origin | None = None
    trusted_hosts: tuple[Said, ...] = ()
    options: tuple[IndexOption, ...] = ()  # what was read, in order

    @classmethod
    def read(cls, options: Iterable[IndexOption]) -> IndexSources:
        """Options in the order pip reads them (a file's lines, its includes at their -r/-c line)."""
        primary: Said | None = DEFAULT_INDEX
        extras: list[Said] = []
        find_links: list[Said] = []
        trusted: list[Said] = []
        no_index: Origin | None = None
        kept: list[IndexOption] = []
        for option in options:
            if option.name not in OPTIONS:
                continue
            kept.append(option)
            if option.name == NO_INDEX:
                no_index, primary, extras = no_index or option.origin, None, []
            elif option.name in URL_OPTIONS:
                if no_index is not None:
                    continue  # pip: once --no-index, index options are ignored
                said = Said(index_url(option.name, option.value), option.origin)
                if option.name in PRIMARY:
                    primary = said
                    if option.origin.kind == FILE:
                        extras = []  # pip: a requirements file's --index-url replaces the list read so far
                else:
                    extras.append(said)
            elif option.name == FIND_LINKS:
                find_links.append(Said(option.value, option.origin))
            else:
                trusted.append(Said(option.value, option.origin))
        return cls(primary, tuple(extras), tuple(find_links), no_index, tuple(trusted), tuple(kept))

    @classmethod
    def from_argv(cls, words: list[str], origin: Origin) -> IndexSources:
        """A command's index options as words in canonical names (`--index-url URL`, `--no-index`, ...)."""
        options: list[IndexOption] = []
        i = 0
        while i < len(words):
            if words[i] == NO_INDEX:
                options.append(IndexOption(NO_INDEX, "", origin))
                i += 1
                continue
            options.append(IndexOption(words[i], words[i + 1] if i + 1 < len(words) else "", origin))
            i += 2
        return cls.read(options)

    @property
    def says(self) -> bool:
        """Whether the options name indexes (or no index) at all; a --trusted-host alone does not."""
        return any(option.name in _SAYS for option in self.options)

    @property
    def urls(self) -> tuple[str, ...]:
        """The indexes to look packages up on, primary first, each once; none under --no-index."""
        found = [*([self.primary.value] if self.primary else []), *(extra.value for extra in self.extras)]
        return tuple(dict.fromkeys(found))

    @property
    def trusted(self) -> tuple[str, ...]:
        return tuple(host.value for host in self.trusted_hosts)

    @property
    def unread(self) -> IndexOption | None:
        """The first option that makes pip take files from where deploycheck does not look (--no-index,
        --find-links): the pins of such a lock are not judged against an index."""
        return next((option for option in self.options if option.name in UNREAD), None)

    @property
    def line(self) -> int | None:
        """The first file line that names an index in effect; None when they come from elsewhere."""
        lines = [s.origin.line for s in (self.primary, *self.extras) if s is not None and s.origin.kind == FILE]
        return min((n for n in lines if n is not None), default=None)

    def said_in(self, kind: str) -> list[IndexOption]:
        return [option for option in self.options if option.origin.kind == kind]

    def argv(self, names: Iterable[str] = OPTIONS, kind: str | None = None) -> list[str]:
        """The options as words for a resolver's command line, in the order they were read."""
        wanted = set(names)
        words: list[str] = []
        for option in self.options:
            if option.name in wanted and (kind is None or option.origin.kind == kind):
                words += [option.name] if option.name == NO_INDEX else [option.name, option.value]
        return words

    def within(self, run: IndexSources) -> IndexSources:
        """As the run sees them: the run's --index-url replaces them all, its --extra-index-url adds to them."""
        if run.primary is not None and run.primary.origin.kind == RUN:
            return run
        return replace(self, extras=self.extras + run.extras, options=self.options + run.options)


def for_run(index_url: str | None, extra_index_urls: Iterable[str]) -> IndexSources:
    """deploycheck's own --index-url and --extra-index-url (command line, action inputs, pyproject.toml)."""
    origin = Origin(RUN)
    options = [IndexOption(INDEX_URL, index_url, origin)] if index_url else []
    options += [IndexOption(EXTRA_INDEX_URL, url, origin) for url in extra_index_urls]
    return IndexSources.read(options)
