"""The companion WSGI app: ``/auth/session`` plus the site's API under ``/api/``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from atoll.companion.assemble import assemble
from atoll.companion.middleware import check_state_change, mount, session_middleware, unavailable
from atoll.companion.protected import ProtectedFiles
from atoll.companion.provider import Fetch, Provider, ProviderUnavailable
from atoll.companion.sessions import Sessions, StoreUnavailable
from atoll.companion.sessions.grants import Post
from atoll.companion.settings import CompanionSettings
from atoll.companion.trust import IssuerMismatch
from atoll.companion.verify import Rules, TokenRejected, verify_tokens
from atoll.gate.rules import Reader
from atoll.wsgi.http import (
    HttpError,
    Response,
    StartResponse,
    WSGIApp,
    empty_response,
    guarded,
    json_response,
    method_not_allowed,
    not_found,
    read_json_object,
    shielded,
)

logger = logging.getLogger("atoll.companion")

MAX_REFRESH_TOKEN_CHARS = 8 * 1024


class CompanionApp:
    """The WSGI app. ``clock``, ``fetch`` and ``post`` are for tests; production uses the defaults."""

    def __init__(self, settings: CompanionSettings, *, api: WSGIApp | None = None,
                 clock: Callable[[], float] = time.time, fetch: Fetch | None = None,
                 post: Post | None = None) -> None:
        self.settings = settings
        parts = assemble(settings, clock=clock, fetch=fetch, post=post)
        self.provider = parts.provider
        self.sessions = sessions = parts.sessions
        self._session = guarded(lambda environ: session_endpoint(environ, settings, parts.provider, parts.rules,
                                                                 sessions))
        # shielded twice on purpose: the outer layer also covers the middleware itself.
        self._api = shielded(mount(session_middleware(api, settings, sessions=sessions),
                                   settings.api_prefix)) if api else None
        self._missing = guarded(lambda _environ: not_found().response())
        self.protected: ProtectedFiles | None = None
        if settings.protected is not None:
            self.protected = ProtectedFiles(settings.protected, lambda environ: current_reader(sessions, environ))
            self._check = guarded(self.protected.check)
            self._files = guarded(self.protected.serve)

    def close(self) -> None:
        """Let go of the session store's connections."""
        self.sessions.store.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == self.settings.session_path:
            return self._session(environ, start_response)
        if self.protected is not None and path == self.settings.check_path:
            return self._check(environ, start_response)
        prefix = self.settings.api_prefix
        if self._api is not None and (path == prefix.rstrip("/") or path.startswith(prefix)):
            return self._api(environ, start_response)
        if self.protected is not None:
            return self._files(environ, start_response)
        return self._missing(environ, start_response)


def current_reader(sessions: Sessions, environ: dict[str, Any]) -> Reader | None:
    """The signed-in reader as the gates see them: the one place a gate reads the session.

    A store or provider that cannot answer is a 503: a gate that cannot decide refuses.
    """
    try:
        user = sessions.read(environ)
    except (StoreUnavailable, ProviderUnavailable) as exc:
        raise unavailable(exc) from None
    if user is None:
        return None
    groups = user.get("groups")
    return Reader(username=str(user.get("username") or user.get("sub") or ""),
                  groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else ())


def create_app(settings: CompanionSettings, *, api: WSGIApp | None = None, clock: Callable[[], float] = time.time,
               fetch: Fetch | None = None, post: Post | None = None) -> CompanionApp:
    """``/auth/session``, and ``api`` under ``settings.api_prefix`` behind the session; else JSON 404."""
    return CompanionApp(settings, api=api, clock=clock, fetch=fetch, post=post)


def session_endpoint(environ: dict[str, Any], settings: CompanionSettings, provider: Provider,
                     rules: Rules, sessions: Sessions) -> Response:
    method = environ.get("REQUEST_METHOD")
    vary = ("Vary", "Cookie")
    try:
        if method in ("GET", "HEAD"):
            # Signed out is an answer, not an error: browsers log no 4xx on every page load.
            found = sessions.lookup(environ)
            headers = [vary, sessions.clear_header()] if found.clear_cookie else [vary]
            return json_response({"user": found.user}, 200, headers)
        if method == "POST":
            check_state_change(environ, settings)
            return start_session(read_json_object(environ, settings.max_body), environ, provider, rules, sessions)
        if method == "DELETE":
            check_state_change(environ, settings)
            if parse_qs(environ.get("QUERY_STRING", "")).get("everywhere") in (["1"], ["true"]):
                ended = sessions.end_everywhere(environ)
                logger.info("signed out everywhere: %d sessions ended", ended)
            else:
                sessions.end(environ)
            return empty_response(204, [sessions.clear_header()])
    except (StoreUnavailable, ProviderUnavailable) as exc:
        raise unavailable(exc) from None
    raise method_not_allowed(["GET", "POST", "DELETE"])


def _token(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise HttpError(400, "invalid_request", f"'{name}' must be a non-empty string")
    return value


def start_session(body: dict[str, Any], environ: dict[str, Any], provider: Provider, rules: Rules,
                  sessions: Sessions) -> Response:
    id_token, access_token = _token(body, "id_token"), _token(body, "access_token")
    expires_in = body.get("expires_in")
    # Accepted for oidc-client-ts compatibility, never trusted: the tokens' own exp decides.
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, (int, float))):
        raise HttpError(400, "invalid_request", "'expires_in' must be a number")
    refresh_token = body.get("refresh_token")
    if refresh_token is not None and (not isinstance(refresh_token, str) or not refresh_token
                                      or len(refresh_token) > MAX_REFRESH_TOKEN_CHARS):
        raise HttpError(400, "invalid_request",
                        f"'refresh_token' must be a non-empty string of at most {MAX_REFRESH_TOKEN_CHARS} characters")
    try:
        identity = verify_tokens(id_token, access_token, provider, rules)
    except TokenRejected as exc:
        logger.info("session refused: %s", exc)
        raise HttpError(401, "invalid_token", str(exc)) from None
    except IssuerMismatch as exc:
        # A configuration mistake, not an outage: say so, with both strings.
        raise HttpError(502, "provider_mismatch", str(exc)) from None
    except ProviderUnavailable as exc:
        logger.warning("session refused, provider unavailable: %s", exc)
        raise HttpError(503, "provider_unavailable", "the identity provider cannot be reached; try again") from None
    user, cookie = sessions.start(identity, refresh_token, environ)
    return json_response(user, 200, [cookie])
