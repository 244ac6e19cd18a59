"""The companion endpoint: turns the browser's tokens into a verified, HttpOnly session.

Entry points: :func:`create_app` (the WSGI app), :func:`settings_from_site`,
:func:`load_api`, :func:`session_middleware` (put your own API behind the
session), :func:`run_companion` (production, waitress) and
``atoll.companion.wsgi:application`` (gunicorn, Lambda adapters).
"""

from atoll.companion.app import CompanionApp, create_app
from atoll.companion.middleware import USER_KEY, session_middleware
from atoll.companion.runner import run_companion
from atoll.companion.sessions import COOKIE_NAME, Sessions, SessionStore, StoreUnavailable
from atoll.companion.settings import (
    FALLBACKS_ENV,
    SECRET_ENV,
    CompanionConfigError,
    CompanionSettings,
    fallbacks_from_env,
    load_api,
    secret_from_env,
    settings_from_site,
)
from atoll.wsgi.http import WSGIApp

__all__ = [
    "COOKIE_NAME", "FALLBACKS_ENV", "SECRET_ENV", "USER_KEY", "CompanionApp", "CompanionConfigError",
    "CompanionSettings", "SessionStore", "Sessions", "StoreUnavailable", "WSGIApp", "create_app",
    "fallbacks_from_env", "load_api", "run_companion", "secret_from_env", "session_middleware",
    "settings_from_site",
]
