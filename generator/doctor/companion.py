"""The companion's settings: its session secret, where sessions and the site's data live, the cookie."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from atoll.companion.settings import SECRET_ENV, SECRET_HINT, CompanionConfigError, secret_from_env
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
    """Sessions are signed cookies (nothing to reach); the site's API keeps its data in SQLite, if it has one."""
    database = site.companion.database
    if database is None:
        return ok("session-store", "sessions live in the signed cookie: there is no store to reach")
    path = Path(database) if Path(database).is_absolute() else site.root / database
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path, timeout=2) as db:
            db.execute("select count(*) from sqlite_master").fetchone()
    except (OSError, sqlite3.Error) as exc:
        return fail("session-store", f"companion.database {database} cannot be opened: {exc}",
                    f"make {path.parent} writable for the companion, or point companion.database elsewhere")
    return ok("session-store", f"companion.database {database} opens (SQLite)")


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
