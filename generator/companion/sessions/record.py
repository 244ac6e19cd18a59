"""What a server-side session is, and what every session store must do with it.

A store keeps :class:`Session` records under a key (the SHA-256 of the
session id the cookie carries, so a copy of the store is no list of live
cookies). Stores know nothing of tokens or cookies; the manager
(``manager.py``) decides what goes in.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import Any, Protocol


class StoreUnavailable(Exception):
    """The store cannot be reached or written (answered with a 503, never a 500)."""


class LockTimeout(StoreUnavailable):
    """Another request held the session's lock for longer than we may wait."""


@dataclass(frozen=True)
class Session:
    # The public claims of ARCHITECTURE.md's user object, without expires_at.
    user: dict[str, Any]
    # The site this session belongs to: a store shared by two sites never mixes them.
    issuer: str
    client_id: str
    created_at: int
    # When the provider's tokens expire, and when to refresh them (a little before).
    tokens_expire_at: int
    refresh_at: int
    # The provider's refresh token, encrypted (keys.py); None when the browser posted none.
    refresh_token: str | None
    last_seen: int
    # When the store may forget the session: the earliest of the absolute and idle limits
    # (and of the tokens' expiry when nothing can refresh them).
    expires_at: int

    @property
    def subject(self) -> str:
        """One reader on one site: the index that "sign out everywhere" uses."""
        return subject_key(self.issuer, self.client_id, str(self.user["sub"]))

    def data(self) -> str:
        """The fields that only change under the session's lock, as JSON."""
        fields = asdict(self)
        del fields["last_seen"], fields["expires_at"]
        return json.dumps(fields, separators=(",", ":"))

    @classmethod
    def from_data(cls, data: str, last_seen: int, expires_at: int) -> Session:
        fields = json.loads(data)
        return cls(**fields, last_seen=last_seen, expires_at=expires_at)


def subject_key(issuer: str, client_id: str, sub: str) -> str:
    return hashlib.sha256(json.dumps([issuer, client_id, sub]).encode()).hexdigest()


def store_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore(Protocol):
    """The small interface a session engine implements (SQLite and Redis here).

    Every method raises :class:`StoreUnavailable` when the engine cannot answer.
    """

    def create(self, key: str, session: Session) -> None:
        """Keep a new session until its ``expires_at``."""

    def get(self, key: str) -> Session | None:
        """The session, or None when it is unknown, deleted or past its ``expires_at``."""

    def replace(self, key: str, session: Session) -> bool:
        """Overwrite an existing session (under its lock); False when it is gone (never recreated)."""

    def touch(self, key: str, last_seen: int, expires_at: int) -> None:
        """Record activity; changes only ``last_seen`` and ``expires_at``, so it cannot undo a refresh."""

    def delete(self, key: str) -> Session | None:
        """Forget a session; the deleted one (for revoking its refresh token), or None."""

    def delete_subject(self, subject: str) -> list[tuple[str, Session]]:
        """Forget every session of one reader on one site (see :attr:`Session.subject`): (key, session) pairs."""

    def lock(self, key: str) -> AbstractContextManager[None]:
        """Hold the session's lock across processes; raises :class:`LockTimeout` when it cannot."""

    def close(self) -> None:
        """Let go of connections."""
