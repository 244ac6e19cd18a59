"""Cognito-shaped RS256 tokens, signed with a key made fresh at every start."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from atoll.config import DevUser
from atoll.devidp.settings import DevIdpSettings


class SigningKey:
    def __init__(self) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_urlsafe(16)

    def jwks(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self._private.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def sign(self, claims: dict[str, Any]) -> str:
        # Cognito's header is just {kid, alg}: no typ.
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid, "typ": None})

    def verify(self, token: str, *, issuer: str, audience: str | None = None,
               verify_exp: bool = True) -> dict[str, Any]:
        """Claims of a token this provider signed (raises ``jwt.PyJWTError`` otherwise)."""
        claims: dict[str, Any] = jwt.decode(
            token, self._private.public_key(), algorithms=["RS256"], issuer=issuer, audience=audience,
            options={"verify_exp": verify_exp, "verify_aud": audience is not None, "require": ["exp", "sub"]})
        return claims


def subject(user: DevUser) -> str:
    """A stable Cognito-like UUID ``sub``, so a reader's data survives restarts."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"atoll-dev-user:{user.username}"))


def half_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def mint(key: SigningKey, settings: DevIdpSettings, user: DevUser, *, scope: str, auth_time: int,
         now: int, nonce: str | None) -> dict[str, str]:
    """An ID token and an access token as Cognito shapes them (claim for claim)."""
    origin_jti = str(uuid.uuid4())
    common: dict[str, Any] = {"sub": subject(user), "iss": settings.issuer, "origin_jti": origin_jti,
                              "auth_time": auth_time, "iat": now, "exp": now + settings.token_lifetime}
    groups = {"cognito:groups": list(user.groups)} if user.groups else {}
    access_token = key.sign({
        **common, **groups, "client_id": settings.client_id, "token_use": "access", "scope": scope,
        "jti": str(uuid.uuid4()), "username": user.username, "version": 2,
    })
    id_claims: dict[str, Any] = {
        **common, **groups, "at_hash": half_hash(access_token), "aud": settings.client_id, "token_use": "id",
        "cognito:username": user.username, "email": user.email, "email_verified": True, "name": user.name,
        "jti": str(uuid.uuid4()),
    }
    if nonce is not None:
        id_claims["nonce"] = nonce
    return {"id_token": key.sign(id_claims), "access_token": access_token}
