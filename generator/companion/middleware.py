"""Put a site's own WSGI API behind the companion's session.

    from atoll.companion import session_middleware

    api = session_middleware(my_wsgi_app, settings)          # 401 without a session
    api = session_middleware(my_wsgi_app, settings, required=False)

The wrapped app finds the verified user (ARCHITECTURE.md's user object) in
``environ["atoll.user"]`` (None for anonymous calls when not required).
State-changing calls must come from the site's origin with a JSON content
type, bodies are capped, and an exception in the app is a JSON 503.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from atoll.companion.provider import ProviderUnavailable
from atoll.companion.sessions import Sessions, StoreUnavailable
from atoll.companion.settings import CompanionSettings
from atoll.wsgi.http import (
    STATE_CHANGING,
    HttpError,
    StartResponse,
    WSGIApp,
    check_json_content_type,
    check_same_origin,
    read_body,
    shielded,
)

logger = logging.getLogger("atoll.companion")

USER_KEY = "atoll.user"


def check_state_change(environ: dict[str, Any], settings: CompanionSettings) -> None:
    """Origin exactly the site's, then a JSON content type (CSRF and login-CSRF defence)."""
    check_same_origin(environ, settings.origin)
    check_json_content_type(environ)


def unavailable(exc: StoreUnavailable | ProviderUnavailable) -> HttpError:
    """The 503 for a store or provider that cannot answer (the details go to the log)."""
    logger.warning("session unavailable: %s", exc)
    if isinstance(exc, StoreUnavailable):
        return HttpError(503, "session_store_unavailable",
                         "the session store cannot be reached; try again in a moment")
    return HttpError(503, "provider_unavailable", "the identity provider cannot be reached; try again")


def session_middleware(app: WSGIApp, settings: CompanionSettings, *, required: bool = True,
                       sessions: Sessions | None = None, clock: Callable[[], float] = time.time) -> WSGIApp:
    """``sessions`` shares the companion's; without it, one is made from ``settings`` (same store)."""
    if sessions is None:
        from atoll.companion.assemble import assemble

        sessions = assemble(settings, clock=clock).sessions
    inner = shielded(app)

    def middleware(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            if environ.get("REQUEST_METHOD") in STATE_CHANGING:
                check_state_change(environ, settings)
            body = read_body(environ, settings.max_body)
            try:
                found = sessions.lookup(environ)
            except (StoreUnavailable, ProviderUnavailable) as exc:
                raise unavailable(exc) from None
            if found.user is None and required:
                headers = [sessions.clear_header()] if found.clear_cookie else []
                raise HttpError(401, "no_session", "sign in first", headers)
        except HttpError as exc:
            return exc.response()(environ, start_response)
        environ = {**environ, USER_KEY: found.user, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return inner(environ, start_response)

    return middleware


def mount(app: WSGIApp, prefix: str) -> WSGIApp:
    """Serve ``app`` under ``prefix`` ("/api/"): it sees PATH_INFO without the prefix."""
    script = prefix.rstrip("/")

    def mounted(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        shifted = {**environ, "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + script,
                   "PATH_INFO": path[len(script):]}
        return app(shifted, start_response)

    return mounted
