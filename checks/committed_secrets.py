"""DC307: secrets committed to the repository (`.streamlit/secrets.toml`, a `.env` with real values).

Anyone who can read the repository can read them, forks copy them, and they stay in the history after the
file is deleted. The finding names the file, the line and the key, never the value: messages are quoted
into PR comments, annotations and logs.

Which files count as committed: when the checked root is a git work tree's top, the paths in its index
(`.git/index`, read by deploycheck.repo.gitindex; git itself is not run), so a local `.env` that git does not
track, ignored or not, is not reported; without an index (a CI checkout without .git, an archive, a
subfolder of a repository) every file present is taken as committed. Templates (`.env.example`,
`.env.sample`, `.env.template`...) are not. Each value is judged too (issue #17.5): paths, booleans, numbers,
URLs without credentials, placeholders (`changeme`, `<your key>`, `${VAR}`) and empty strings are not secrets;
known key formats are, under any key; other values are when their key names a secret and they look generated.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from pathlib import Path

from deploycheck.project.apps import Project
from deploycheck.repo.repository import Repository
from deploycheck.report.model import Finding
from deploycheck.report.rules import Rule, sh
from deploycheck.runtime import platforms
from deploycheck.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

COMMITTED_SECRET = Rule("DC307", "error", "a secret is committed to the repository")
RULES = (COMMITTED_SECRET,)
SCOPE = "project"

_TEMPLATE_WORDS = ("example", "sample", "template", "dist", "default", "schema", "tpl", "skeleton", "stub")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*?)\s*$")
_SECRET_KEY = re.compile(
    r"secret|token|passw|pwd|api_?key|apikey|private|access_?key|credential|auth|dsn|database_url|db_url|"
    r"connection_?string|webhook|_key$|^key$",
    re.IGNORECASE,
)
# Formats of real credentials, whatever the key is called (prefixes documented by each vendor): AWS access key
# ids, GitHub tokens, Slack tokens and webhooks, OpenAI and Anthropic keys, Stripe live keys, Google API keys,
# GitLab and Hugging Face tokens, SendGrid keys, PEM private keys.
_KNOWN_FORMAT = re.compile(
    r"^(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|"
    r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|[sr]k_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{30,}|glpat-[A-Za-z0-9_-]{20,}|"
    r"hf_[A-Za-z0-9]{20,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})$"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|hooks\.slack\.com/services/\w|discord(?:app)?\.com/api/webhooks/\d"
)
# user:password@ in a URL; a password that is itself a placeholder (`${DB_PASSWORD}`) is not a secret.
_FAKE = re.compile(r"your|example|placeholder|dummy|[-_]here\b|x{6,}|X{6,}|(.)\1{9,}", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"://[^/\s:@]+:([^/\s@]+)@([^/\s:?#]*)")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# A query parameter: its name (read from each ? or &, runs that never overlap) and 8 characters of its value. One
# regex `[?&][\w-]*(?:key|...)[\w-]*=` backtracked quadratically over a long name without `=`.
_URL_PARAM = re.compile(r"([\w-]*)=[^&\s]{8}")
_SECRET_PARAM_NAME = re.compile(r"key|token|secret|sig|signature|password|auth", re.I)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1", "")
_PATH = re.compile(r"^(?:~?/|\.{1,2}/|[A-Za-z]:[\\/]|\\\\)|^[\w.-]+(?:/[\w. -]+)*/[\w. -]*\.[A-Za-z0-9]{1,6}$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$", re.IGNORECASE)
_BOOLEAN = {"true", "false", "yes", "no", "on", "off", "y", "n", "enabled", "disabled"}
_PLACEHOLDER = re.compile(
    r"^(?:<.*>|\[.*\]|\{\{.*\}\}|\$\{?\w*\}?|x+|\*+|\.+|-+|#.*|none|null|nil|false|true|0|1|"
    r"changeme|change[-_ ]?me|replace[-_ ]?me|todo|tbd|fixme|dummy|placeholder|secret|password|"
    r"(?:your|my|insert|put|add|enter)[-_ ].*|.*[-_ ](?:here|goes[-_ ]here)|example.*|test|testing)$",
    re.IGNORECASE,
)
_KEY_SHOWN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


def _is_env_file(name: str) -> bool:
    low = name.lower()
    if not (low == ".env" or low.startswith(".env.") or (low.endswith(".env") and len(low) > 4)):
        return False
    return not any(word in low for word in _TEMPLATE_WORDS)


def _entropy(value: str) -> float:
    """Shannon entropy in bits per character: random keys score above 3.5, words and settings well below."""
    counts = Counter(value)  # linear: a hostile value of 100,000 distinct characters stays cheap
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _random_looking(value: str, *, password: bool) -> bool:
    """A value that looks generated (a key, a token) rather than chosen (a name, a setting). A password may be
    short and chosen: under a password key, 8 characters of three kinds (lower, upper, digits, symbols) do."""
    kinds = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if password and len(value) >= 8 and kinds >= 3:
        return True
    return len(value) >= 16 and kinds >= 2 and _entropy(value) >= 3.5 and " " not in value


def _has_secret_param(value: str) -> bool:
    for start in re.finditer(r"[?&]", value):
        param = _URL_PARAM.match(value, start.end())
        if param and _SECRET_PARAM_NAME.search(param.group(1)):
            return True
    return False


def _is_secret(key: str, value: str, *, any_key: bool) -> bool:
    """Whether a value is a real secret, judged on the value as well as the key (#17.5): known key formats are,
    wherever they are; paths, booleans, numbers, URLs without credentials, placeholders and empty strings are
    not; anything else is when its key names a secret (or the file holds only secrets) and it looks generated."""
    value = value.strip().strip("\"'").strip()
    if not value or len(value) > 100_000 or _PLACEHOLDER.match(value):
        return False
    if _KNOWN_FORMAT.search(value):
        return not _FAKE.search(value)  # `sk-your-key-here`, AWS's documented AKIAIOSFODNN7EXAMPLE
    credentials = _URL_CREDENTIALS.search(value)
    if credentials:
        password, host = credentials.groups()
        return not _PLACEHOLDER.match(password) and host.lower() not in _LOCAL_HOSTS
    if _URL.match(value):
        return _has_secret_param(value)
    if value.lower() in _BOOLEAN or _NUMBER.match(value) or _PATH.match(value):
        return False
    named = bool(_SECRET_KEY.search(key))
    if not (named or any_key):
        return False
    return _random_looking(value, password=bool(re.search(r"passw|pwd", key, re.IGNORECASE)))


def _shown_key(key: str) -> str:
    return key if _KEY_SHOWN.match(key) else "a key"


def _env_secrets(text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        m = _ENV_LINE.match(line)
        if m and not line.lstrip().startswith("#") and _is_secret(m.group(1), m.group(2), any_key=False):
            found.append((number, _shown_key(m.group(1))))
    return found


MAX_DEPTH = 64  # tables and arrays in a secrets file; tomllib builds a 5,000-part dotted header without recursing


def _leaves(data: object, prefix: str = "", depth: int = 0) -> list[tuple[str, object]]:
    """(dotted key, value) of every value; ValueError past MAX_DEPTH levels."""
    if depth > MAX_DEPTH:
        raise ValueError("nested too deep")
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, f"{prefix}{key}.", depth + 1)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _leaves(value, prefix, depth + 1)]
    return [(prefix.rstrip("."), data)]


def _toml_secrets(text: str) -> list[tuple[int, str]] | str:
    """Keys with real values, each with its line; why not, when the file is not valid TOML or too deep."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return "not valid TOML"
    try:
        leaves = _leaves(data)
    except ValueError as exc:
        return str(exc)
    lines = text.splitlines()
    found = []
    for key, value in leaves:
        # Only strings can hold a key: TOML booleans, numbers and dates are settings.
        if not isinstance(value, str) or not _is_secret(key, value, any_key=True):
            continue
        last = key.rsplit(".", 1)[-1]
        number = next((n for n, line in enumerate(lines, 1) if line.lstrip().lstrip("\"'").startswith(last)), 1)
        found.append((number, _shown_key(key)))
    return found


def _candidates(folder: Path, repo: Repository) -> list[Path]:
    names = repo.listing(folder)
    found = [folder / n for n, is_dir in sorted(names.items()) if not is_dir and _is_env_file(n)]
    if names.get(".streamlit") and "secrets.toml" in repo.listing(folder / ".streamlit"):
        found.append(folder / ".streamlit" / "secrets.toml")
    return found


def _platform_of(folder: Path, project: Project) -> platforms.Platform:
    """The platform of the nearest app at or above the folder, else of the root's app; where secrets go."""
    for app in sorted(project.apps, key=lambda a: -len(a.folder.parts)):
        if folder == app.folder.resolve() or app.folder.resolve() in folder.parents:
            return app.platform_of or platforms.GENERIC
    root_app = next((a for a in project.apps if a.display == "."), None)
    return (root_app.platform_of if root_app else None) or platforms.GENERIC


def _finding(shown: str, line: int | None, what: str, platform: platforms.Platform) -> Finding:
    return COMMITTED_SECRET.finding(
        shown,
        line,
        f"{what}: anyone who can read the repository can use it, and it stays in the git history after the "
        "file is deleted",
        f"{platform.secrets_store}; then `git rm --cached {sh(shown)}`, add it to .gitignore, and "
        "rotate every value it held (revoke the old keys)",
    )


def check(project: Project, settings: Settings) -> list[Finding]:
    repo = project.repo
    seen: set[Path] = {repo.root}
    for app in project.apps:
        seen.update(repo.up(app.folder))
    tracked = repo.tracked()
    findings: list[Finding] = []
    for folder in sorted(seen):
        for path in _candidates(folder, repo):
            shown = repo.display(path)
            if tracked is not None and shown not in tracked:
                continue
            platform = _platform_of(folder, project)
            text, why = repo.read_text(path)
            toml = path.name == "secrets.toml"
            if text is None:
                if toml or why != "is missing":
                    findings.append(_finding(shown, None, f"{shown} is committed ({why}, so not inspected)", platform))
                continue
            secrets = _toml_secrets(text) if toml else _env_secrets(text)
            if isinstance(secrets, str):
                findings.append(_finding(shown, None, f"{shown} is committed ({secrets}, so not inspected)", platform))
                continue
            if not secrets:
                continue
            line, key = secrets[0]
            more = f" and {len(secrets) - 1} more" if len(secrets) > 1 else ""
            findings.append(_finding(shown, line, f"{shown} commits a value for {key} (line {line}){more}", platform))
    return findings
