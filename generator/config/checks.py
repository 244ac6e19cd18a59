"""Typed reads from a YAML mapping that collect errors with ``site.yaml`` line numbers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from atoll import yamlmarks
from atoll.errors import ErrorList, SiteError


class Checker:
    """Typed reads from a YAML mapping, collecting errors with line numbers."""

    def __init__(self, data: dict[Any, Any], path: str, errors: ErrorList, where: str) -> None:
        self.data = data
        self.path = path
        self.errors = errors
        self.where = where

    def line(self, key: str) -> int:
        return yamlmarks.line_of(self.data, key)

    def fail(self, key: str, message: str, hint: str | None = None) -> None:
        self.errors.add(SiteError(f"{self.where}{message}", self.path, self.line(key), hint))

    def nested(self, data: dict[Any, Any], where: str, allowed: set[str]) -> Checker:
        """A checker for a mapping inside this one (same file, same error list), its unknown keys reported."""
        child = Checker(data, self.path, self.errors, where)
        child.reject_unknown(allowed)
        return child

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.fail(key, f"unknown key {key!r}", f"known keys here are: {known}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, describe: str) -> Any:
        if key not in self.data or self.data[key] is None:
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, f"{key!r} must be {describe}, got {value!r}")
            return default
        return value

    def text(self, key: str, default: str | None = None, required: bool = False) -> Any:
        if required and (key not in self.data or self.data[key] in (None, "")):
            start = self.data.line if isinstance(self.data, yamlmarks.MarkedDict) else 1
            self.errors.add(SiteError(f"{self.where}{key!r} is required", self.path, start))
            return default
        return self.get(key, str, default, "a string")


def check_url(c: Checker, key: str, value: str | None, *, allow_path: bool = False) -> None:
    if value is None:
        return
    if allow_path and value.startswith("/") and not value.startswith("//"):
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        what = "an absolute path or an http(s) URL" if allow_path else "an http(s) URL"
        c.fail(key, f"{key!r} must be {what}, got {value!r}")


def check_path(c: Checker, key: str, value: str) -> None:
    if not value.startswith("/") or value.startswith("//"):
        c.fail(key, f"{key!r} must be a path on this site starting with '/', got {value!r}")


def seconds(c: Checker, key: str, default: int, low: int, high: int) -> int:
    value: int = c.get(key, int, default, "a whole number of seconds")
    if not low <= value <= high:
        c.fail(key, f"{key!r} must be between {low} and {high} seconds, got {value}")
        return default
    return value


def choice(c: Checker, key: str, choices: tuple[str, ...]) -> str:
    value = c.text(key, choices[0])
    if value not in choices:
        c.fail(key, f"{key!r} must be one of {', '.join(choices)}, got {value!r}")
        return choices[0]
    return str(value)


def group_names(value: Any, c: Checker, key: str) -> tuple[str, ...] | None:
    """A list of group names, or None after reporting what is wrong."""
    if not isinstance(value, list) or not all(isinstance(g, str) and g.strip() for g in value):
        c.fail(key, f"{key!r} must be a list of group names, got {value!r}", "e.g. groups: [editors, staff]")
        return None
    return tuple(dict.fromkeys(g.strip() for g in value))
