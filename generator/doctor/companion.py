"""The companion's settings: its session secret, where sessions and the site's data live, the cookie."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from atoll.companion.sessions.record import StoreUnavailable, store_key
from atoll.companion.sessions.stores import DEFAULT_URL, BadStoreUrl, open_store
from atoll.companion.settings import SECRET_ENV, SECRET_HINT, CompanionConfigError, secret_from_env, store_url
from atoll.config import SiteConfig, is_loopback_host
from atoll.doctor.report import Finding, fail, ok, warn

MIN_DISTINCT_CHARS = 12


def secret(environ: Mapping[str, str]) -> Finding:
    try:
        value = secret_from_env(environ)
    except CompanionConfigError as exc:
        return fail("secret", f"{str(exc).split(' (')[0]} (checked in this environment)",
                    f"set {SECRET_ENV} where the companion runs, and run the doctor there ({SECRET_HINT})")
    if len(set(value)) < MIN_DISTINCT_CHARS:
        return fail("secret", f"{SECRET_ENV} uses only {len(set(value))} different characters: it can be guessed",
                    f"use a random one ({SECRET_HINT})")
    return ok("secret", f"{SECRET_ENV} is set and long enough ({len(value)} characters)")


def session_store(site: SiteConfig) -> Finding:
    """The store ``companion.sessions`` names (or the default SQLite file) opens and answers a read;
    the site's API database, if it has one, opens too."""
    url = store_url(site.companion.sessions or DEFAULT_URL, site.root)
    shown = without_password(url)
    try:
        store = open_store(url, root=site.root)
        try:
            store.get(store_key("atoll-doctor-probe"))
        finally:
            store.close()
    except (StoreUnavailable, BadStoreUrl, OSError, sqlite3.Error) as exc:
        return fail("session-store", f"the session store {shown} cannot be reached: {exc}",
                    "start the store, or set companion.sessions to one the companion can reach "
                    "(sqlite:///<path> or redis://host:port/db)")
    if url == "sqlite://":
        return warn("session-store", "sessions are kept in memory (sqlite://): one process, gone on restart",
                    "set companion.sessions to a SQLite file or a Redis URL")
    database = site.companion.database
    if database is None:
        return ok("session-store", f"the session store {shown} answers")
    path = Path(database) if Path(database).is_absolute() else site.root / database
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path, timeout=2) as db:
            db.execute("select count(*) from sqlite_master").fetchone()
    except (OSError, sqlite3.Error) as exc:
        return fail("session-store", f"companion.database {database} cannot be opened: {exc}",
                    f"make {path.parent} writable for the companion, or point companion.database elsewhere")
    return ok("session-store", f"the session store {shown} answers; companion.database {database} opens (SQLite)")


def without_password(url: str) -> str:
    """``url`` with any password replaced by ``***``, for showing on screen."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def cookie(site: SiteConfig) -> Finding:
    parts = urlsplit(site.base_url)
    if parts.scheme == "https":
        return ok("cookie", "the session cookie is __Host-atoll_session, Secure, HttpOnly, SameSite=Lax (https origin)")
    if is_loopback_host(parts.hostname):
        return warn("cookie", f"base_url is {site.base_url}: fine on this machine, but the deployed site must be "
                              "https so that its session cookie is Secure",
                    "set base_url to the https address the site is served from before deploying")
    return fail("cookie", f"base_url is {site.base_url}, plain http on a public host: the session cookie cannot be "
                          "Secure, and browsers refuse sign-in there (no crypto.subtle for PKCE)",
                "serve the site over https and set base_url to its https address")
