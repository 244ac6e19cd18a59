"""Sessions in Redis: one store for any number of companion processes and machines.

A session is a hash ``atoll:session:<key>`` (``data``, ``last_seen``,
``expires_at``) that Redis itself expires at ``expires_at``, so nothing needs
sweeping. ``atoll:subject:<subject>`` lists one reader's sessions for "sign
out everywhere" (members whose hash has expired are skipped). A session's
lock is redis-py's ``Lock`` (``SET NX PX`` with a token, released only by its
holder), so it holds across machines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import redis

from atoll.companion.sessions.record import LockTimeout, Session, StoreUnavailable

PREFIX = "atoll:"
T = TypeVar("T")

# Write only to a session that still exists: a refresh finishing after a
# sign-out must not bring the session back.
UPDATE_IF_PRESENT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return 1
"""


class RedisStore:
    """``redis://host:port/db`` (``rediss://`` for TLS, ``redis://:password@host...``)."""

    def __init__(self, url: str, *, lease: float = 30.0, wait: float = 15.0, timeout: float = 2.0) -> None:
        self.url = url
        self._client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30)
        self._update = self._client.register_script(UPDATE_IF_PRESENT)
        self._lease = lease
        self._wait = wait

    def _run(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except redis.RedisError as exc:
            raise StoreUnavailable(f"the session store ({self._where()}) cannot be used: {exc}") from None

    def _where(self) -> str:
        kwargs = self._client.connection_pool.connection_kwargs
        return f"redis at {kwargs.get('host', '?')}:{kwargs.get('port', '?')}"

    @staticmethod
    def _session_key(key: str) -> str:
        return f"{PREFIX}session:{key}"

    @staticmethod
    def _subject_key(subject: str) -> str:
        return f"{PREFIX}subject:{subject}"

    @staticmethod
    def _decode(fields: Any) -> Session | None:
        if not fields or b"data" not in fields:
            return None
        return Session.from_data(fields[b"data"].decode(), int(fields[b"last_seen"]), int(fields[b"expires_at"]))

    def create(self, key: str, session: Session) -> None:
        name, subject = self._session_key(key), self._subject_key(session.subject)

        def write() -> None:
            pipe = self._client.pipeline(transaction=True)
            pipe.hset(name, mapping={"data": session.data(), "last_seen": session.last_seen,
                                     "expires_at": session.expires_at})
            pipe.expireat(name, session.expires_at)
            pipe.sadd(subject, key)
            # The index lives as long as the longest session in it.
            pipe.expireat(subject, session.expires_at, gt=True)
            pipe.expireat(subject, session.expires_at, nx=True)
            pipe.execute()

        self._run(write)

    def get(self, key: str) -> Session | None:
        return self._decode(self._run(lambda: self._client.hgetall(self._session_key(key))))

    def replace(self, key: str, session: Session) -> bool:
        done = self._run(lambda: self._update(keys=[self._session_key(key)], args=[
            session.expires_at, "data", session.data(), "last_seen", session.last_seen,
            "expires_at", session.expires_at]))
        return bool(done)

    def touch(self, key: str, last_seen: int, expires_at: int) -> None:
        self._run(lambda: self._update(keys=[self._session_key(key)], args=[
            expires_at, "last_seen", last_seen, "expires_at", expires_at]))

    def delete(self, key: str) -> Session | None:
        name = self._session_key(key)

        def remove() -> Any:
            pipe = self._client.pipeline(transaction=True)
            pipe.hgetall(name)
            pipe.delete(name)
            return pipe.execute()[0]

        session = self._decode(self._run(remove))
        if session is not None:
            self._run(lambda: self._client.srem(self._subject_key(session.subject), key))
        return session

    def delete_subject(self, subject: str) -> list[tuple[str, Session]]:
        index = self._subject_key(subject)
        keys: Any = self._run(lambda: self._client.smembers(index))
        ended = []
        for key in keys:
            session = self.delete(key.decode())
            if session is not None:
                ended.append((key.decode(), session))
        self._run(lambda: self._client.delete(index))
        return ended

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        lock = self._client.lock(f"{PREFIX}lock:{key}", timeout=self._lease, sleep=0.02,
                                 blocking_timeout=self._wait)
        if not self._run(lock.acquire):
            raise LockTimeout("another request is refreshing this session; try again")
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.RedisError:
                pass  # the lease ran out or Redis went away: the lock frees itself

    def close(self) -> None:
        self._client.close()
