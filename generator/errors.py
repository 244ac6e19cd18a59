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
    during: tuple[str, ...] = ()  # the page(s) being rendered when a layout failed

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.during:
            more = len(self.during) - 1
            text += f" (rendering {self.during[0]}" + (f" and {more} other page{'s' * (more > 1)})" if more else ")")
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def errors_count(count: int) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} error{'' if count == 1 else 's'}"


class BuildFailed(Exception):
    """A build that found one or more author mistakes; nothing was written."""

    def __init__(self, errors: Iterable[SiteError]) -> None:
        self.errors: list[SiteError] = sorted(
            _merge_repeats(errors), key=lambda e: (e.path or "", e.line or 0, e.message)
        )
        super().__init__(errors_count(len(self.errors)))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def _merge_repeats(errors: Iterable[SiteError]) -> list[SiteError]:
    """One broken layout line fails every page using it: report it once, with the pages."""
    merged: dict[tuple[object, ...], SiteError] = {}
    for error in errors:
        key = (error.path, error.line, error.message, error.hint)
        if key in merged:
            first = merged[key]
            merged[key] = SiteError(first.message, first.path, first.line, first.hint,
                                    tuple(sorted({*first.during, *error.during})))
        else:
            merged[key] = error
    return list(merged.values())


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


class StartError(Exception):
    """A server that cannot start (a busy port, a public address for the dev identity provider,
    a missing secret), worded for the terminal: the CLI prints ``atoll COMMAND: message``."""
