"""The two rules the doctor shares with the companion's token checks.

An ``authority`` is the issuer exactly (ID tokens carry it byte for byte, so a
trailing slash matters), and a JWKS key is usable when the companion can
verify RS256 signatures with it.
"""

from __future__ import annotations

from typing import Any

import jwt

MIN_RSA_BITS = 2048


def issuer_matches(issuer: Any, authority: str) -> bool:
    return isinstance(issuer, str) and issuer == authority


def is_signing_candidate(jwk: Any) -> bool:
    """An RSA key meant for signatures (others, e.g. encryption keys, are simply not used)."""
    return isinstance(jwk, dict) and jwk.get("kty") == "RSA" and jwk.get("use", "sig") == "sig"


def key_problem(jwk: dict[str, Any]) -> str | None:
    """Why an RSA signing key of a JWKS cannot verify the site's tokens; None when it can."""
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        return "has no kid (tokens name their key by kid, so a key without one is never found)"
    if jwk.get("alg", "RS256") != "RS256":
        return f"is for {jwk.get('alg')!r}, and only RS256 is accepted"
    try:
        key = jwt.PyJWK(jwk, algorithm="RS256")
    except jwt.PyJWTError as exc:
        return f"cannot be read as an RSA public key ({exc})"
    bits = int(getattr(key.key, "key_size", 0))
    if bits < MIN_RSA_BITS:
        return f"is only {bits} bits long; at least {MIN_RSA_BITS} are needed"
    return None
