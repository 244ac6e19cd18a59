"""The provider's memory: authorization codes, refresh tokens and sign-in sessions.

All in process memory: a restart signs everybody out, as a new key would anyway.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    nonce: str | None
    username: str
    auth_time: int
    expires_at: float


@dataclass(frozen=True)
class RefreshGrant:
    client_id: str
    username: str
    scope: str
    auth_time: int
    expires_at: float
    code: str


@dataclass(frozen=True)
class SignIn:
    username: str
    auth_time: int
    expires_at: float


class CodeReused(Exception):
    """A code was presented a second time (RFC 6749 §4.1.2: revoke what it produced)."""


class GrantStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, CodeGrant] = {}
        self._used_codes: dict[str, float] = {}
        self._refresh: dict[str, RefreshGrant] = {}
        # Refresh tokens replaced by rotation, with the code their family came from.
        self._retired: dict[str, RefreshGrant] = {}
        self._sessions: dict[str, SignIn] = {}

    def _sweep(self) -> None:
        now = self._clock()
        for table in (self._codes, self._refresh, self._retired, self._sessions):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]
        for key in [k for k, until in self._used_codes.items() if until <= now]:
            del self._used_codes[key]

    def issue_code(self, grant: CodeGrant) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._sweep()
            self._codes[code] = grant
        return code

    def take_code(self, code: str) -> CodeGrant | None:
        """The grant behind ``code``, usable once; raises :class:`CodeReused` on a second try."""
        with self._lock:
            self._sweep()
            if code in self._used_codes:
                for token in [t for t, g in self._refresh.items() if g.code == code]:
                    del self._refresh[token]
                raise CodeReused
            grant = self._codes.pop(code, None)
            if grant is not None:
                self._used_codes[code] = grant.expires_at
            return grant

    def issue_refresh(self, grant: RefreshGrant) -> str:
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._refresh[token] = grant
        return token

    def refresh_grant(self, token: str) -> RefreshGrant | None:
        with self._lock:
            self._sweep()
            return self._refresh.get(token)

    def rotate_refresh(self, token: str) -> tuple[RefreshGrant, str] | None:
        """Swap ``token`` for a new one of the same grant. A retired token presented
        again revokes its whole family (OAuth 2.0 Security BCP §4.14.2): someone kept a copy."""
        with self._lock:
            self._sweep()
            grant = self._refresh.pop(token, None)
            if grant is None:
                retired = self._retired.get(token)
                if retired is not None:
                    self._revoke_family(retired.code)
                return None
            self._retired[token] = grant
            new = secrets.token_urlsafe(48)
            self._refresh[new] = grant
            return grant, new

    def revoke_refresh(self, token: str, client_id: str) -> None:
        """RFC 7009: the token and every token of its family; unknown tokens are no error."""
        with self._lock:
            grant = self._refresh.get(token) or self._retired.get(token)
            if grant is not None and grant.client_id == client_id:
                self._revoke_family(grant.code)

    def _revoke_family(self, code: str) -> None:
        for table in (self._refresh, self._retired):
            for key in [k for k, g in table.items() if g.code == code]:
                del table[key]

    def start_session(self, sign_in: SignIn) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = sign_in
        return sid

    def session(self, sid: str | None) -> SignIn | None:
        with self._lock:
            self._sweep()
            return self._sessions.get(sid) if sid else None

    def end_session(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)
