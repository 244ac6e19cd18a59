"""Who may read a protected URL, and the one decision every gate makes.

An :class:`Access` is a list of requirements, all of which must hold: the
reader is signed in, and for each requirement is a member of at least one
of its groups. A site rule and a page's own front matter each add one, so a
page can tighten a rule but never loosen it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


@dataclass(frozen=True)
class Access:
    """Signed in, and a member of one group of each requirement (no requirements: any signed-in reader)."""

    requirements: tuple[tuple[str, ...], ...] = ()

    def tightened(self, groups: Iterable[str]) -> Access:
        """This access plus one more requirement (an empty ``groups``: signed in, which it already needs)."""
        need = tuple(sorted(set(groups)))
        if not need or need in self.requirements:
            return self
        return Access(tuple(sorted({*self.requirements, need})))

    def unmet(self, groups: Iterable[str]) -> tuple[str, ...] | None:
        """The first requirement ``groups`` does not meet, or None when all are met."""
        have = set(groups)
        for need in self.requirements:
            if have.isdisjoint(need):
                return need
        return None

    @property
    def groups(self) -> tuple[str, ...]:
        """Every group named, for messages."""
        return tuple(sorted({g for need in self.requirements for g in need}))


class Verdict(Enum):
    PUBLIC = "public"  # no rule protects this URL
    ALLOW = "allow"  # protected, and the reader qualifies
    SIGN_IN = "sign_in"  # protected, and the reader is not signed in
    FORBIDDEN = "forbidden"  # signed in, but not in a required group


@dataclass(frozen=True)
class Reader:
    """The signed-in reader as a gate sees it."""

    username: str
    groups: tuple[str, ...] = ()


def decide(access: Access | None, reader: Reader | None) -> Verdict:
    """The verdict for one URL protected by ``access`` (None: not protected)."""
    if access is None:
        return Verdict.PUBLIC
    if reader is None:
        return Verdict.SIGN_IN
    return Verdict.ALLOW if access.unmet(reader.groups) is None else Verdict.FORBIDDEN


# ---------------------------------------------------------------- URL patterns

_PATTERN_CHARS = re.compile(r"^/[A-Za-z0-9._~!$&'()+,;=:@%/*-]*$")


class PatternError(ValueError):
    pass


def check_pattern(pattern: str) -> None:
    """Raise :class:`PatternError` saying what is wrong with a ``protect`` path pattern."""
    if not pattern.startswith("/"):
        raise PatternError(f"a protect path must start with '/', got {pattern!r}")
    if not _PATTERN_CHARS.match(pattern) or "***" in pattern:
        raise PatternError(f"a protect path may hold URL characters, '*' and '**' only, got {pattern!r}")
    if any(seg in (".", "..") for seg in pattern.split("/")):
        raise PatternError(f"a protect path cannot hold '.' or '..' segments, got {pattern!r}")


@lru_cache(maxsize=256)
def pattern_regex(pattern: str) -> re.Pattern[str]:
    """``/members/**`` matches ``/members/`` and everything below it; ``*`` matches within one
    segment. Matching ignores case, so a case-insensitive file system cannot serve around a rule."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("/**", i) and (i + 3 == len(pattern) or pattern[i + 3] == "/"):
            out.append("(?:/.*)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.IGNORECASE)


def matches(pattern: str, path: str) -> bool:
    return pattern_regex(pattern).fullmatch(path) is not None
