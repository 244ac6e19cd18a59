"""Server-side sessions: an opaque signed id in the cookie, the session in a store.

:class:`Sessions` (``manager.py``) is what the companion uses; stores
implement :class:`SessionStore` (``record.py``): :class:`SQLiteStore` (the
embedded default) and :class:`RedisStore` (many processes and machines).
"""

from atoll.companion.sessions.grants import Grants, RefreshRefused, make_post
from atoll.companion.sessions.keys import SessionKeys
from atoll.companion.sessions.manager import COOKIE_NAME, Lookup, Policy, Sessions
from atoll.companion.sessions.record import LockTimeout, Session, SessionStore, StoreUnavailable
from atoll.companion.sessions.stores import DEFAULT_URL, BadStoreUrl, check_url, open_store

__all__ = ["COOKIE_NAME", "DEFAULT_URL", "BadStoreUrl", "Grants", "LockTimeout", "Lookup", "Policy",
           "RefreshRefused", "Session", "SessionKeys", "SessionStore", "Sessions", "StoreUnavailable",
           "check_url", "make_post", "open_store"]
