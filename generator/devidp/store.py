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
        self._sessions: dict[str, SignIn] = {}

    def _sweep(self) -> None:
        now = self._clock()
        for table in (self._codes, self._refresh, self._sessions):
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
