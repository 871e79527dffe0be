"""The one error type that means "could not check" (exit code 2)."""

from __future__ import annotations


class CheckError(Exception):
    """Input or environment that stops a check: never reported as drift.

    Carries where (path, line), what is wrong, and what the user should do.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.fix = fix

    def where(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: "
        return f"{self.path}: " if self.path else ""

    def __str__(self) -> str:
        text = self.where() + self.message
        return f"{text}\n  fix: {self.fix}" if self.fix else text
