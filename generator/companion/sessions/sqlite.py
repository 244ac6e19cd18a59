"""Sessions in one SQLite file: the embedded default, for one machine.

WAL mode with a busy timeout, so several processes (workers) on one machine
may share the file; one connection per thread. A session's lock is a lease
in its row (owner and deadline), so it holds across processes and a crashed
holder's lease runs out by itself. Expired rows are swept at most once a
minute, when a session is created.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from atoll.companion.sessions.record import LockTimeout, Session, StoreUnavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS atoll_sessions (
    key TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    lock_owner TEXT,
    lock_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS atoll_sessions_subject ON atoll_sessions (subject);
CREATE INDEX IF NOT EXISTS atoll_sessions_expiry ON atoll_sessions (expires_at);
"""
SWEEP_INTERVAL = 60.0
T = TypeVar("T")


class SQLiteStore:
    """``sqlite:///relative/path``, ``sqlite:////absolute/path``; ``None`` keeps sessions in memory."""

    def __init__(self, path: Path | None, *, clock: Callable[[], float] = time.time,
                 lease: float = 30.0, wait: float = 15.0) -> None:
        self.path = path
        self._clock = clock
        self._lease = lease
        self._wait = wait
        self._local = threading.local()
        # In memory there is one connection, shared under a lock.
        self._memory_lock = threading.RLock()
        self._memory: sqlite3.Connection | None = None
        self._swept_at = 0.0

    # ------------------------------------------------------------ connections

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        return conn

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            if self.path is None:
                with self._memory_lock:
                    if self._memory is None:
                        self._memory = self._open()
                    return work(self._memory)
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = self._open()
            return work(conn)
        except (sqlite3.Error, OSError) as exc:
            where = self.path or "memory"
            raise StoreUnavailable(f"the session store ({where}) cannot be used: {exc}") from None

    # ------------------------------------------------------------ the interface

    def create(self, key: str, session: Session) -> None:
        now = self._clock()

        def insert(conn: sqlite3.Connection) -> None:
            if now - self._swept_at >= SWEEP_INTERVAL:
                self._swept_at = now
                conn.execute("DELETE FROM atoll_sessions WHERE expires_at <= ?", (int(now),))
            conn.execute("INSERT INTO atoll_sessions (key, subject, data, last_seen, expires_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (key, session.subject, session.data(), session.last_seen, session.expires_at))

        self._run(insert)

    def get(self, key: str) -> Session | None:
        row = self._run(lambda conn: conn.execute(
            "SELECT data, last_seen, expires_at FROM atoll_sessions WHERE key = ? AND expires_at > ?",
            (key, int(self._clock()))).fetchone())
        return Session.from_data(*row) if row else None

    def replace(self, key: str, session: Session) -> bool:
        cursor = self._run(lambda conn: conn.execute(
            "UPDATE atoll_sessions SET data = ?, last_seen = ?, expires_at = ? WHERE key = ?",
            (session.data(), session.last_seen, session.expires_at, key)))
        return bool(cursor.rowcount)

    def touch(self, key: str, last_seen: int, expires_at: int) -> None:
        self._run(lambda conn: conn.execute(
            "UPDATE atoll_sessions SET last_seen = ?, expires_at = ? WHERE key = ?", (last_seen, expires_at, key)))

    def delete(self, key: str) -> Session | None:
        def remove(conn: sqlite3.Connection) -> Any:
            return conn.execute("DELETE FROM atoll_sessions WHERE key = ? RETURNING data, last_seen, expires_at",
                                (key,)).fetchone()

        row = self._run(remove)
        return Session.from_data(*row) if row else None

    def delete_subject(self, subject: str) -> list[tuple[str, Session]]:
        rows = self._run(lambda conn: conn.execute(
            "DELETE FROM atoll_sessions WHERE subject = ? RETURNING key, data, last_seen, expires_at",
            (subject,)).fetchall())
        return [(row[0], Session.from_data(*row[1:])) for row in rows]

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + self._wait

        def acquire(conn: sqlite3.Connection) -> bool:
            now = self._clock()
            cursor = conn.execute(
                "UPDATE atoll_sessions SET lock_owner = ?, lock_until = ? WHERE key = ? AND lock_until < ?",
                (owner, now + self._lease, key, now))
            if cursor.rowcount:
                return True
            # A session that is gone has nothing to guard: the caller re-reads and finds it gone.
            return conn.execute("SELECT 1 FROM atoll_sessions WHERE key = ?", (key,)).fetchone() is None

        while not self._run(acquire):
            if time.monotonic() >= deadline:
                raise LockTimeout("another request is refreshing this session; try again")
            time.sleep(0.02)
        try:
            yield
        finally:
            self._run(lambda conn: conn.execute(
                "UPDATE atoll_sessions SET lock_owner = NULL, lock_until = 0 WHERE key = ? AND lock_owner = ?",
                (key, owner)))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._memory is not None:
            self._memory.close()
            self._memory = None
