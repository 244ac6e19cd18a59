"""Verify the browser's ID and access tokens: the checks of aws-jwt-verify, with PyJWT.

No signature code here: PyJWT (with ``cryptography``) checks signatures and the
registered claims; this module only chooses what to require.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import jwt

from atoll.companion import profile
from atoll.companion.profile import lacks_profile
from atoll.companion.provider import Provider, ProviderUnavailable
from atoll.companion.trust import UnknownKey

logger = logging.getLogger("atoll.companion")

ALGORITHMS = ["RS256"]
# A compact JWS: base64url parts and dots (RFC 7515, section 7.1).
JWS_CHARS = re.compile(r"[A-Za-z0-9_\-.]+")
# A bearer token's characters (RFC 6750, section 2.1: b64token).
BEARER_CHARS = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
MAX_TOKEN_CHARS = 8 * 1024


class TokenRejected(Exception):
    """A token failed a check; the message names the check, never the token."""


@dataclass(frozen=True)
class Rules:
    issuer: str
    client_id: str
    # Expected `aud` of JWT access tokens from non-Cognito providers.
    audience: str | None
    cognito: bool
    leeway: int
    # The claim that lists the reader's groups: cognito:groups, groups, roles...
    groups_claim: str = "groups"


@dataclass(frozen=True)
class Identity:
    id_claims: dict[str, Any]
    access_claims: dict[str, Any]
    userinfo: dict[str, Any]
    expires_at: int


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def unverified_header(token: str, kind: str) -> dict[str, Any]:
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRejected(f"{kind} token is larger than {MAX_TOKEN_CHARS} characters")
    if not looks_like_jwt(token) or not JWS_CHARS.fullmatch(token):
        raise TokenRejected(f"{kind} token is not a JWT (three dot-separated base64url parts)")
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRejected(f"{kind} token has a malformed header") from None


def decode(token: str, kind: str, provider: Provider, rules: Rules, *, audience: str | None,
           required: list[str]) -> dict[str, Any]:
    header = unverified_header(token, kind)
    if header.get("alg") not in ALGORITHMS:
        raise TokenRejected(f"{kind} token algorithm {header.get('alg')!r} is not allowed (RS256 only)")
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise TokenRejected(f"{kind} token has a 'kid' header that is not a non-empty string")
    try:
        key = provider.signing_key(kid)
    except UnknownKey as exc:
        raise TokenRejected(f"{kind} token {exc}") from None
    issuer = provider.issuer
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=ALGORITHMS, audience=audience, issuer=issuer,
            leeway=rules.leeway, options={"require": required})
    except jwt.ExpiredSignatureError:
        raise TokenRejected(f"{kind} token has expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenRejected(f"{kind} token is not valid yet (nbf/iat in the future)") from None
    except jwt.InvalidIssuerError:
        raise TokenRejected(f"{kind} token was not issued by {issuer}") from None
    except jwt.InvalidAudienceError:
        raise TokenRejected(f"{kind} token audience is not {audience or 'absent'}") from None
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRejected(f"{kind} token lacks the {exc.claim!r} claim") from None
    except jwt.InvalidSignatureError:
        raise TokenRejected(f"{kind} token signature is invalid") from None
    except jwt.PyJWTError:
        raise TokenRejected(f"{kind} token is malformed") from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenRejected(f"{kind} token has no subject")
    expected_use = "id" if kind == "ID" else "access"
    if (rules.cognito or "token_use" in claims) and claims.get("token_use") != expected_use:
        raise TokenRejected(f"{kind} token has token_use {claims.get('token_use')!r}, expected {expected_use!r}")
    return claims


def verify_id_token(token: str, provider: Provider, rules: Rules) -> dict[str, Any]:
    claims = decode(token, "ID", provider, rules, audience=rules.client_id,
                    required=["exp", "iat", "iss", "sub", "aud"])
    aud = claims["aud"]
    if "azp" in claims and claims["azp"] != rules.client_id:
        raise TokenRejected("ID token azp is not this site's client_id")
    if isinstance(aud, list) and len(aud) > 1 and "azp" not in claims:
        raise TokenRejected("ID token has several audiences but no azp")
    return claims


def verify_access_token(token: str, provider: Provider, rules: Rules) -> dict[str, Any]:
    if rules.cognito:
        # Cognito access tokens carry `client_id` and no `aud`; PyJWT rejects
        # an `aud` when no audience is expected.
        claims = decode(token, "access", provider, rules, audience=None, required=["exp", "iss", "sub"])
        if claims.get("client_id") != rules.client_id:
            raise TokenRejected("access token client_id is not this site's client_id")
        return claims
    if rules.audience is None:  # settings require one for a non-Cognito provider; refuse if not
        raise TokenRejected("no audience is configured for access tokens")
    return decode(token, "access", provider, rules, audience=rules.audience, required=["exp", "iss", "sub", "aud"])


def verify_tokens(id_token: str, access_token: str, provider: Provider, rules: Rules) -> Identity:
    """Both tokens verified and tied to one subject; the session may last until the earliest ``exp``.

    A JWT access token is verified locally when we know what it must look like
    (Cognito, or a configured ``auth.audience``). Otherwise, and for opaque
    access tokens, the session rests on the verified ID token and the access
    token is confirmed at the provider's userinfo endpoint (same ``sub``).
    Either way, when the tokens lack a claim the site shows (name, email, the
    groups claim), userinfo is asked for it (OpenID Connect Core 5.4).
    """
    id_claims = verify_id_token(id_token, provider, rules)
    expiry = [int(id_claims["exp"])]
    access_claims: dict[str, Any] = {}
    userinfo: dict[str, Any] = {}
    if len(access_token) > MAX_TOKEN_CHARS:
        raise TokenRejected(f"access token is larger than {MAX_TOKEN_CHARS} characters")
    if not BEARER_CHARS.fullmatch(access_token):
        raise TokenRejected("access token holds characters no bearer token has (RFC 6750 b64token)")
    if rules.cognito or (rules.audience is not None and looks_like_jwt(access_token)):
        access_claims = verify_access_token(access_token, provider, rules)
        expiry.append(int(access_claims["exp"]))
        if access_claims["sub"] != id_claims["sub"]:
            raise TokenRejected("the ID token and the access token name different subjects")
        groups_claim = None if rules.cognito else rules.groups_claim  # Cognito releases groups in tokens only
        info = optional_userinfo(access_token, provider) \
            if lacks_profile([id_claims, access_claims], groups_claim) else None
    else:
        if not provider.has_userinfo:
            raise TokenRejected(
                "the provider's discovery document names no userinfo_endpoint, so this access token cannot be "
                "confirmed; if the provider issues JWT access tokens, set auth.audience to their 'aud'")
        info = provider.userinfo(access_token)
        if info is None:
            raise TokenRejected("the provider's userinfo endpoint did not accept the access token")
    if info is not None:
        # Core 5.3.2: userinfo whose sub is not the ID token's must not be used.
        if info.get("sub") != id_claims["sub"]:
            raise TokenRejected("the ID token and the provider's userinfo name different subjects")
        userinfo = info
    return Identity(id_claims=id_claims, access_claims=access_claims, userinfo=userinfo, expires_at=min(expiry))


def optional_userinfo(access_token: str, provider: Provider) -> dict[str, Any] | None:
    """Userinfo for claims the verified tokens lack; None (logged) when the provider will not say."""
    try:
        info = provider.userinfo(access_token)
    except ProviderUnavailable as exc:
        logger.warning("userinfo not reached, the profile has only the tokens' claims: %s", exc)
        return None
    if info is None:
        logger.info("userinfo gave nothing for this access token, the profile has only the tokens' claims")
    return info


def public_user(identity: Identity, rules: Rules) -> dict[str, Any]:
    """The claims a site needs, in the shape of ARCHITECTURE.md's user object."""
    return profile.public_user([identity.id_claims, identity.access_claims, identity.userinfo],
                               sub=identity.id_claims["sub"], groups_claim=rules.groups_claim,
                               expires_at=identity.expires_at)
