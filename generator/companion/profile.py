"""The reader as the site sees them: ARCHITECTURE.md's user object, from verified claims.

Claims come from the ID token first, then the access token, then userinfo
(OpenID Connect Core 5.4 lets a provider release claims at userinfo only).
The name shown is chosen as a person would choose it, by the same rule as
``scripts/profile.js`` (``displayName``): ``name``; ``given_name`` and
``family_name``; ``preferred_username``; ``email``; a username that is not a
UUID (a Cognito pool that signs in by email makes ``cognito:username`` one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

MAX_TEXT = 256
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
USERNAME_CLAIMS = ("cognito:username", "username")
# What the companion looks for at userinfo when the tokens lack it (besides the groups claim).
PROFILE_CLAIMS = ("name", "email")

Claims = Mapping[str, Any]


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:MAX_TEXT]
    return None


def first_text(sources: Sequence[Claims], claim: str) -> str | None:
    for source in sources:
        found = _text(source.get(claim))
        if found:
            return found
    return None


def _person_username(sources: Sequence[Claims]) -> str | None:
    for claim in USERNAME_CLAIMS:
        found = first_text(sources, claim)
        if found and not UUID.fullmatch(found):
            return found
    return None


def display_name(sources: Sequence[Claims]) -> str | None:
    """The name to show for this reader, or None when the claims hold none worth showing."""
    given = " ".join(part for part in (first_text(sources, "given_name"), first_text(sources, "family_name"))
                     if part)
    return (first_text(sources, "name") or _text(given) or first_text(sources, "preferred_username")
            or first_text(sources, "email") or _person_username(sources))


def username(sources: Sequence[Claims]) -> str | None:
    """The reader's login name: the most readable one, a UUID only when there is nothing else."""
    return (first_text(sources, "preferred_username") or _person_username(sources)
            or next((u for u in (first_text(sources, c) for c in USERNAME_CLAIMS) if u), None))


def groups(sources: Sequence[Claims], claim: str) -> list[str]:
    """The union, in order, of the groups every source lists under ``claim`` (a list, or one string)."""
    found: dict[str, None] = {}
    for source in sources:
        value = source.get(claim)
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for name in names:
            if isinstance(name, str) and name:
                found.setdefault(name[:MAX_TEXT], None)
    return list(found)


def lacks_profile(sources: Sequence[Claims], groups_claim: str | None) -> bool:
    """True when a claim the site shows (name, email, and the groups claim when asked) is in no source."""
    wanted = (*PROFILE_CLAIMS, *((groups_claim,) if groups_claim else ()))
    return any(all(source.get(claim) in (None, "", []) for source in sources) for claim in wanted)


def public_user(sources: Sequence[Claims], *, sub: str, groups_claim: str, expires_at: int) -> dict[str, Any]:
    """``{sub, username, email, name, groups, expires_at}``: the claims a site needs, nothing more."""
    return {
        "sub": sub,
        "username": username(sources) or sub,
        "email": first_text(sources, "email"),
        "name": display_name(sources),
        "groups": groups(sources, groups_claim),
        "expires_at": expires_at,
    }
