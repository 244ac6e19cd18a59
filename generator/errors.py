"""Errors an author can cause, formatted for people: ``path:line: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(eq=False)
class SiteError(Exception):
    """One mistake in a site's sources.

    ``path`` is shown as given (callers pass it relative to the site folder,
    with forward slashes); ``line`` is 1-based; ``hint`` says what to change.
    """

    message: str
    path: str | None = None
    line: int | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class BuildFailed(Exception):
    """A build that found one or more author mistakes; nothing was written."""

    def __init__(self, errors: Iterable[SiteError]) -> None:
        self.errors: list[SiteError] = sorted(
            errors, key=lambda e: (e.path or "", e.line or 0, e.message)
        )
        super().__init__(f"{len(self.errors)} error(s)")

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ErrorList:
    """Collects errors so a stage can report all of them, not just the first."""

    def __init__(self) -> None:
        self.errors: list[SiteError] = []

    def add(self, error: SiteError) -> None:
        self.errors.append(error)

    def extend(self, errors: Iterable[SiteError]) -> None:
        self.errors.extend(errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise BuildFailed(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)
