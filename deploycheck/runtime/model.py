"""What runtime detection found for an app (Runtime), and the constants it judges by."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from deploycheck.runtime import cpython
from deploycheck.runtime.lockpython import LockPython
from deploycheck.runtime.versions import BadDeclaration, Declaration

if TYPE_CHECKING:
    from deploycheck.runtime.recommend import Recommendation

# The CPython minors deploycheck's image ships (uv installs what the base lacks).
SUPPORTED = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
# Declared by old apps; pip-tools 7.6 does not run on them, uv resolves for them with --python-version.
OLDER_THAN_PIP_TOOLS = ("3.6", "3.7", "3.8")
# With no platform known and nothing declared: the default of Heroku and Render for new apps since 2026
# (Railway 3.13, Streamlit Community Cloud 3.12 are their own tables' defaults).
GENERIC_DEFAULT = "3.14"
# Precedence within one folder when the platform is unknown: the file the deploy most likely runs on first.
# A Dockerfile is what a container platform builds; app.yaml is App Engine's; Heroku reads runtime.txt
# before .python-version.
GENERIC_ORDER = (
    "Dockerfile",
    "Containerfile",
    "app.yaml",
    "runtime.txt",
    ".python-version",
    "Pipfile",
    "environment.yml",
    "environment.yaml",
    ".tool-versions",
    "mise.toml",
    "Pipfile.lock",
)


@dataclass
class Runtime:
    python: str  # "3.11" or "3.11.6"
    source: str  # where it came from, as shown to the user (a path, "--python-version", "default")
    source_line: int | None = None
    exact: bool = True
    reason: str = ""  # why this version, when it was inferred
    conflicts: list[Declaration] = field(default_factory=list)  # exact declarations that disagree
    declaration: Declaration | None = None
    unusable: list[BadDeclaration] = field(default_factory=list)  # declarations that exist but say nothing usable
    inferred: list[Declaration] = field(default_factory=list)  # weaker hints found (issue #8.10)
    ignored: list[Declaration] = field(default_factory=list)  # declarations the platform does not read
    platform: str | None = None  # platforms.PLATFORMS id, when one was given or inferred
    platform_reason: str = ""
    platform_evidence: Path | None = None
    platform_alternatives: tuple[str, ...] = ()  # other platforms the evidence fits: its rules are not errors
    lock_python: LockPython | None = None
    notes: list[str] = field(default_factory=list)  # e.g. the lock looks made for another Python
    no_python: str = ""  # why the deploy runs no Python at all (a Dockerfile building a Go or Node image)
    recommended: Recommendation | None = None  # the one version every runtime fix points at (issue #17.17)

    @property
    def platform_doubt(self) -> str:
        """Said beside a finding lowered because the platform is a guess (empty when it is not)."""
        return f"lowered from error: {self.platform_guess}" if self.platform_alternatives else ""

    @property
    def platform_guess(self) -> str:
        """Said beside a finding that holds only on the guessed platform (empty when the platform is certain)."""
        if not self.platform_alternatives:
            return ""
        names = " or ".join(f"`--platform {p}`" for p in (self.platform, *self.platform_alternatives))
        return (
            f"the platform is a guess ({self.platform_reason.removeprefix('inferred: ')}), which fits "
            f"{', '.join(self.platform_alternatives)} too; {names} settles it"
        )

    @property
    def minor(self) -> str:
        return cpython.minor_of(self.python)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"python": self.python, "source": self.source, "exact": self.exact}
        if self.source_line:
            out["line"] = self.source_line
        if self.reason:
            out["reason"] = self.reason
        if self.platform:
            out["platform"] = self.platform
        if self.platform_alternatives:
            out["platform_alternatives"] = list(self.platform_alternatives)
        if self.notes:
            out["notes"] = list(self.notes)
        if self.no_python:
            out["no_python"] = self.no_python
        if self.recommended is not None:
            out["recommended"] = self.recommended.to_json()
        return out
