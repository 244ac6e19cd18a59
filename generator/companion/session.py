"""The session cookie: the verified user's public claims, signed, never a token."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_NAME = "atoll_session"
# Browsers drop cookies past 4096 bytes; stay well under with the attributes.
MAX_COOKIE_VALUE = 3800


class SessionTooLarge(Exception):
    pass


class SessionCookie:
    """Reads and writes ``atoll_session`` (``__Host-atoll_session`` on https)."""

    def __init__(self, secret: str, *, secure: bool, clock: Callable[[], float] = time.time) -> None:
        self._serializer = URLSafeSerializer(secret, salt="atoll.session",
                                             signer_kwargs={"digest_method": hashlib.sha256})
        self.secure = secure
        self.name = f"__Host-{COOKIE_NAME}" if secure else COOKIE_NAME
        self._clock = clock

    def set_header(self, user: dict[str, Any]) -> tuple[str, str]:
        """``Set-Cookie`` for ``user``; it expires at ``user["expires_at"]``."""
        value = self._serializer.dumps(user)
        if len(value) > MAX_COOKIE_VALUE:
            raise SessionTooLarge(f"the session would be {len(value)} bytes, more than a cookie can hold")
        max_age = max(0, int(user["expires_at"] - self._clock()))
        return ("Set-Cookie", self._format(value, max_age, user["expires_at"]))

    def clear_header(self) -> tuple[str, str]:
        return ("Set-Cookie", self._format("", 0, 0))

    def _format(self, value: str, max_age: int, expires: float) -> str:
        parts = [f"{self.name}={value}", "Path=/", f"Max-Age={max_age}",
                 f"Expires={formatdate(expires, usegmt=True)}", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    def read(self, environ: dict[str, Any]) -> dict[str, Any] | None:
        """The user of a valid, unexpired cookie; None for no, tampered, foreign or expired cookies."""
        for part in environ.get("HTTP_COOKIE", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name != self.name or not value:
                continue
            try:
                user = self._serializer.loads(value)
            except BadSignature:
                continue
            if isinstance(user, dict) and isinstance(user.get("expires_at"), int) \
                    and user["expires_at"] > self._clock():
                return user
        return None
