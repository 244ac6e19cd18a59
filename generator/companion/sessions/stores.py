"""``companion.sessions`` URLs -> a session store.

    sqlite:///.atoll/sessions.sqlite3    a file, relative to the site folder
    sqlite:////var/lib/atoll/s.sqlite3   an absolute path (four slashes)
    sqlite://                            in memory: one process, gone on restart (tests)
    redis://host:6379/0                  Redis (rediss:// for TLS)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from atoll.companion.sessions.record import SessionStore

DEFAULT_URL = "sqlite:///.atoll/sessions.sqlite3"
SCHEMES = ("sqlite", "redis", "rediss")


class BadStoreUrl(ValueError):
    pass


def check_url(url: str) -> None:
    """Raise BadStoreUrl with a message an author can act on."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise BadStoreUrl(f"'sessions' must be a sqlite:/// or redis:// URL, got {url!r}")
    if scheme == "sqlite" and url != "sqlite://" and not url.startswith("sqlite:///"):
        raise BadStoreUrl(f"a SQLite store is sqlite:///relative/path or sqlite:////absolute/path, got {url!r}")


def open_store(url: str, *, root: Path, clock: Callable[[], float] = time.time) -> SessionStore:
    """The store ``url`` names; relative SQLite paths are under ``root`` (the site folder)."""
    check_url(url)
    if url.startswith("sqlite:"):
        from atoll.companion.sessions.sqlite import SQLiteStore

        if url == "sqlite://":
            return SQLiteStore(None, clock=clock)
        path = Path(url.removeprefix("sqlite:///"))
        return SQLiteStore(path if path.is_absolute() else root / path, clock=clock)
    from atoll.companion.sessions.redisstore import RedisStore

    return RedisStore(url)
