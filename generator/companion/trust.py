"""What Atoll trusts from a provider: its issuer, and which of its published keys may sign tokens.

Pure functions over the documents a provider serves, shared by the companion
(every sign-in) and by anything that checks a provider before readers do:

- :func:`check_issuer`: the discovery ``issuer`` against the configured
  ``auth.authority``. One rule, the browser's too (``scripts/protocol.js``):
  they may differ by trailing slashes only; tokens are then held to the
  discovery ``issuer`` exactly (OpenID Connect Discovery 1.0, section 4.3).
- :func:`key_problem`: why one JWKS entry cannot verify tokens (None when it can):
  an RSA signing key for RS256 of at least :data:`MIN_RSA_BITS` bits.
- :func:`parse_key_set`: a whole JWKS as a :class:`KeySet`, with the ``kid``
  rules: a token names its key by ``kid``; a token without one is accepted
  only when the set holds exactly one usable key (OpenID Connect Core 1.0,
  section 10.1), and never for Cognito, whose tokens always carry a ``kid``
  (aws-jwt-verify's rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jwt

MIN_RSA_BITS = 2048
ALGORITHM = "RS256"


class IssuerMismatch(ValueError):
    """The provider names another issuer than ``auth.authority``: a configuration mistake, not an outage."""

    def __init__(self, authority: str, issuer: object) -> None:
        super().__init__(
            f"site.yaml auth.authority is {authority!r} but the provider's discovery document names the issuer "
            f"{issuer!r}; set auth.authority to the issuer exactly")
        self.authority = authority
        self.issuer = issuer


def same_issuer(authority: str, issuer: str) -> bool:
    """The one rule: equal once trailing slashes are dropped."""
    return authority.rstrip("/") == issuer.rstrip("/")


def check_issuer(authority: str, issuer: object) -> str:
    """The issuer tokens must carry (``issuer`` itself), or :class:`IssuerMismatch`."""
    if not isinstance(issuer, str) or not issuer or not same_issuer(authority, issuer):
        raise IssuerMismatch(authority, issuer)
    return issuer


class UnknownKey(Exception):
    """No usable key of the set verifies this token; the message says why."""


def key_problem(entry: object) -> str | None:
    """Why this JWKS entry cannot verify RS256 tokens, or None when it can (``kid`` aside: see :class:`KeySet`)."""
    if not isinstance(entry, dict):
        return "is not a JSON object"
    if entry.get("kty") != "RSA":
        return f"has key type {entry.get('kty')!r}, not 'RSA'"
    if entry.get("use", "sig") != "sig":
        return f"is for use {entry.get('use')!r}, not 'sig'"
    if entry.get("alg", ALGORITHM) != ALGORITHM:
        return f"is for algorithm {entry.get('alg')!r}, not {ALGORITHM!r}"
    try:
        key = jwt.PyJWK(entry, algorithm=ALGORITHM)
    except jwt.PyJWTError as exc:
        return f"cannot be read ({exc})"
    bits = getattr(key.key, "key_size", 0)
    if bits < MIN_RSA_BITS:
        return f"is a {bits}-bit RSA key; at least {MIN_RSA_BITS} bits are required"
    return None


def describe(entry: object, index: int) -> str:
    kid = entry.get("kid") if isinstance(entry, dict) else None
    return f"key {kid!r}" if isinstance(kid, str) else f"key #{index + 1} (no kid)"


@dataclass(frozen=True)
class KeySet:
    """The usable keys of one JWKS: by ``kid``, the kid-less one (if any), and why the others were refused."""

    by_kid: dict[str, jwt.PyJWK] = field(default_factory=dict)
    # The set's only usable key, which may verify a token without `kid`; None for Cognito
    # and whenever the set holds several usable keys.
    only: jwt.PyJWK | None = None
    # "key 'abc'" -> why it was refused (refused kids are kept so a token naming one hears why).
    refused: dict[str, str] = field(default_factory=dict)
    refused_kids: dict[str, str] = field(default_factory=dict)
    kid_required: bool = False

    def find(self, kid: str | None) -> jwt.PyJWK:
        if kid is None:
            if self.kid_required:
                raise UnknownKey("has no 'kid' header (Cognito's tokens always carry one)")
            if self.only is None:
                none = "" if self.by_kid or self.refused else " (it publishes none)"
                raise UnknownKey("has no 'kid' header, which is only allowed when the provider publishes "
                                 "exactly one usable key" + none)
            return self.only
        if kid in self.by_kid:
            return self.by_kid[kid]
        if kid in self.refused_kids:
            raise UnknownKey(f"is signed with key {kid!r}, which Atoll refuses: it {self.refused_kids[kid]}")
        raise UnknownKey("is signed with a key the provider does not publish")


def parse_key_set(doc: object, *, require_kid: bool) -> KeySet:
    """A JWKS document as a :class:`KeySet`; ValueError when it is not a JWKS at all."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError("JWKS is not an object with a 'keys' list")
    usable: list[tuple[str | None, jwt.PyJWK]] = []
    refused: dict[str, str] = {}
    refused_kids: dict[str, str] = {}
    several = sum(key_problem(entry) is None for entry in doc["keys"]) > 1
    for index, entry in enumerate(doc["keys"]):
        name = describe(entry, index)
        kid: Any = entry.get("kid") if isinstance(entry, dict) else None
        if kid is not None and (not isinstance(kid, str) or not kid):
            refused[name] = "has a 'kid' that is not a non-empty string"
            continue
        problem = key_problem(entry)
        if problem is None and kid is None:
            if require_kid:
                problem = "has no 'kid' (Cognito's keys always have one)"
            elif several:
                problem = "has no 'kid', and the set holds several keys, so no token can name it"
        if problem is None and kid is not None and any(kid == other for other, _ in usable):
            problem = "repeats the kid of an earlier key"
        if problem is not None:
            refused[name] = problem
            if kid is not None:
                refused_kids.setdefault(kid, problem)
            continue
        usable.append((kid, jwt.PyJWK(entry, algorithm=ALGORITHM)))
    by_kid = {kid: key for kid, key in usable if kid is not None}
    only = usable[0][1] if len(usable) == 1 and not several and not require_kid else None
    return KeySet(by_kid=by_kid, only=only, refused=refused, refused_kids=refused_kids, kid_required=require_kid)
