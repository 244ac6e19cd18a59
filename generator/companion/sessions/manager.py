"""Server-side sessions: the cookie carries an opaque signed id, the store holds the rest.

:meth:`Sessions.read` is the one answer to "who is the user of this
request?" (the session endpoint, the API middleware and page gates all ask
it). It refreshes the provider's tokens when they are about to expire, under
the session's lock, so concurrent requests never refresh twice or lose a
rotated refresh token.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.utils import formatdate
from typing import Any

from atoll.companion.provider import Provider, ProviderUnavailable
from atoll.companion.sessions.grants import Grants, RefreshRefused
from atoll.companion.sessions.keys import CannotDecrypt, SessionKeys
from atoll.companion.sessions.record import Session, SessionStore, store_key, subject_key
from atoll.companion.verify import Identity, Rules, TokenRejected, public_user, verify_tokens

logger = logging.getLogger("atoll.companion")

COOKIE_NAME = "atoll_session"
# A write per request would make every GET a write: activity is recorded at most this often.
TOUCH_EVERY = 60


@dataclass(frozen=True)
class Policy:
    """How long sessions last (seconds)."""

    idle_timeout: int
    max_age: int
    # Refresh when the tokens have less than this left (a quarter of their lifetime when shorter).
    refresh_margin: int = 60


@dataclass(frozen=True)
class Lookup:
    """The user of a request (None: signed out) and whether its cookie should be cleared."""

    user: dict[str, Any] | None
    clear_cookie: bool = False


class Sessions:
    def __init__(self, store: SessionStore, keys: SessionKeys, *, issuer: str, client_id: str, secure: bool,
                 policy: Policy, provider: Provider, rules: Rules, grants: Grants,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._keys = keys
        self.issuer = issuer
        self.client_id = client_id
        self.secure = secure
        self.cookie_name = f"__Host-{COOKIE_NAME}" if secure else COOKIE_NAME
        self.policy = policy
        self._provider = provider
        self._rules = rules
        self.grants = grants
        self._clock = clock

    # ------------------------------------------------------------ reading

    def read(self, environ: dict[str, Any]) -> dict[str, Any] | None:
        """The signed-in user of this request, or None."""
        return self.lookup(environ).user

    def lookup(self, environ: dict[str, Any]) -> Lookup:
        """Like :meth:`read`, also saying whether a cookie was sent that names no live session.

        Raises StoreUnavailable, and ProviderUnavailable when expired tokens
        cannot be refreshed because the provider is down (both are 503s).
        """
        values = self._cookie_values(environ)
        if not values:
            return Lookup(None)
        for value in values:
            session_id = self._keys.unsign(value)
            if session_id is None:
                continue
            key = store_key(session_id)
            session = self.store.get(key)
            if session is None or not self._belongs_here(session):
                continue
            user = self._current(key, session)
            if user is not None:
                return Lookup(user)
        return Lookup(None, clear_cookie=True)

    def _cookie_values(self, environ: dict[str, Any]) -> list[str]:
        values = []
        for part in str(environ.get("HTTP_COOKIE", "")).split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.cookie_name and value:
                values.append(value)
        return values

    def _belongs_here(self, session: Session) -> bool:
        return session.issuer == self.issuer and session.client_id == self.client_id

    def _current(self, key: str, session: Session) -> dict[str, Any] | None:
        now = int(self._clock())
        if session.expires_at <= now:
            self._end(key)
            return None
        if session.refresh_at <= now:
            if session.refresh_token is None:
                if session.tokens_expire_at > now:
                    return self._user(session)
                self._end(key)
                return None
            refreshed = self._refresh(key)
            if refreshed is None:
                return None
            session = refreshed
        elif now - session.last_seen >= min(TOUCH_EVERY, self.policy.idle_timeout // 10 or 1):
            session = replace(session, last_seen=now, expires_at=self._expiry(session.created_at, now,
                                                                                 session.refresh_token,
                                                                                 session.tokens_expire_at))
            self.store.touch(key, session.last_seen, session.expires_at)
        return self._user(session)

    def _user(self, session: Session) -> dict[str, Any]:
        return {**session.user, "expires_at": session.expires_at}

    def _expiry(self, created_at: int, last_seen: int, refresh_token: str | None, tokens_expire_at: int) -> int:
        end = min(created_at + self.policy.max_age, last_seen + self.policy.idle_timeout)
        return end if refresh_token is not None else min(end, tokens_expire_at)

    # ------------------------------------------------------------ refreshing

    def _refresh(self, key: str) -> Session | None:
        with self.store.lock(key):
            session = self.store.get(key)  # another request may have refreshed it meanwhile
            now = int(self._clock())
            if session is None:
                return None
            if session.refresh_at > now:
                return session
            try:
                if session.refresh_token is None:
                    raise CannotDecrypt("the session has no refresh token")
                refresh_token = self._keys.decrypt(session.refresh_token, bound_to=key)
            except CannotDecrypt as exc:
                logger.info("session ended: %s", exc)
                self._end(key, revoke=False)
                return None
            try:
                grant = self.grants.refresh(refresh_token)
                identity = verify_tokens(grant.id_token, grant.access_token, self._provider, self._rules)
                if identity.id_claims["sub"] != session.user["sub"]:
                    raise TokenRejected("the refreshed tokens name another subject")
            except (RefreshRefused, TokenRejected) as exc:
                logger.info("session ended, refresh failed: %s", exc)
                self._end(key, revoke=False)
                return None
            except ProviderUnavailable:
                if session.tokens_expire_at > now:
                    logger.warning("token refresh postponed: the provider cannot be reached")
                    return session
                raise
            token = grant.refresh_token or refresh_token
            updated = self._record(identity, token, key, created_at=session.created_at, now=now)
            if not self.store.replace(key, updated):
                return None  # signed out while we refreshed
            return updated

    # ------------------------------------------------------------ starting and ending

    def _record(self, identity: Identity, refresh_token: str | None, key: str, *, created_at: int,
                now: int) -> Session:
        user = public_user(identity, self._rules)
        del user["expires_at"]
        sealed = self._keys.encrypt(refresh_token, bound_to=key) if refresh_token else None
        # Refresh a minute before the tokens expire, or a quarter of their lifetime for short ones.
        issued = identity.id_claims.get("iat")
        lifetime = identity.expires_at - (int(issued) if isinstance(issued, (int, float)) else now)
        margin = min(self.policy.refresh_margin, max(1, lifetime // 4))
        return Session(user=user, issuer=self.issuer, client_id=self.client_id, created_at=created_at,
                       tokens_expire_at=identity.expires_at, refresh_at=identity.expires_at - margin,
                       refresh_token=sealed, last_seen=now,
                       expires_at=self._expiry(created_at, now, sealed, identity.expires_at))

    def start(self, identity: Identity, refresh_token: str | None,
              environ: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, str]]:
        """A new session for verified tokens: the user and its ``Set-Cookie``.

        A session the request already had is ended first (no session fixation,
        and its refresh token is revoked).
        """
        self.end(environ)
        session_id = secrets.token_urlsafe(32)
        key = store_key(session_id)
        now = int(self._clock())
        session = self._record(identity, refresh_token, key, created_at=now, now=now)
        self.store.create(key, session)
        return self._user(session), self._cookie(self._keys.sign(session_id), session.expires_at - now,
                                                 session.expires_at)

    def end(self, environ: dict[str, Any]) -> None:
        """Delete the request's session from the store and revoke its refresh token."""
        for value in self._cookie_values(environ):
            session_id = self._keys.unsign(value)
            if session_id is not None:
                self._end(store_key(session_id))

    def end_everywhere(self, environ: dict[str, Any]) -> int:
        """End every session of this request's reader on this site; how many ended (0: not signed in)."""
        user = self.read(environ)
        if user is None:
            return 0
        ended = self.store.delete_subject(subject_key(self.issuer, self.client_id, str(user["sub"])))
        for key, session in ended:
            self._revoke(session, key)
        return len(ended)

    def _end(self, key: str, *, revoke: bool = True) -> None:
        session = self.store.delete(key)
        if session is not None and revoke:
            self._revoke(session, key)

    def _revoke(self, session: Session, key: str) -> None:
        if session.refresh_token is None:
            return
        try:
            self.grants.revoke(self._keys.decrypt(session.refresh_token, bound_to=key))
        except CannotDecrypt as exc:
            logger.info("refresh token not revoked: %s", exc)

    # ------------------------------------------------------------ the cookie

    def _cookie(self, value: str, max_age: int, expires: float) -> tuple[str, str]:
        parts = [f"{self.cookie_name}={value}", "Path=/", f"Max-Age={max(0, max_age)}",
                 f"Expires={formatdate(expires, usegmt=True)}", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return ("Set-Cookie", "; ".join(parts))

    def clear_header(self) -> tuple[str, str]:
        return self._cookie("", 0, 0)
