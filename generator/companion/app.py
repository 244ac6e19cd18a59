"""The companion WSGI app: ``/auth/session`` plus the site's API under ``/api/``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from atoll.companion.middleware import check_state_change, mount, session_middleware
from atoll.companion.protected import ProtectedFiles
from atoll.companion.provider import Fetch, Provider, ProviderUnavailable, make_fetch
from atoll.companion.session import SessionCookie, SessionTooLarge
from atoll.companion.settings import CompanionSettings
from atoll.companion.trust import IssuerMismatch
from atoll.companion.verify import Rules, TokenRejected, public_user, verify_tokens
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


class CompanionApp:
    """The WSGI app. ``clock`` and ``fetch`` are for tests; production uses the defaults."""

    def __init__(self, settings: CompanionSettings, *, api: WSGIApp | None = None,
                 clock: Callable[[], float] = time.time, fetch: Fetch | None = None) -> None:
        self.settings = settings
        self.provider = Provider(settings.issuer, fetch=fetch or make_fetch(settings.http_timeout), clock=clock,
                                 min_interval=settings.min_refetch_interval, max_age=settings.cache_max_age,
                                 require_kid=settings.cognito)
        rules = Rules(issuer=settings.issuer, client_id=settings.client_id, audience=settings.audience,
                      cognito=settings.cognito, leeway=settings.leeway, groups_claim=settings.groups_claim_name)
        cookies = SessionCookie(settings.secret, secure=settings.secure, clock=clock)
        self._session = guarded(lambda environ: session_endpoint(environ, settings, self.provider, rules, cookies))
        # shielded twice on purpose: the outer layer also covers the middleware itself.
        self._api = shielded(mount(session_middleware(api, settings, clock=clock), settings.api_prefix)) \
            if api else None
        self._missing = guarded(lambda _environ: not_found().response())
        self.protected: ProtectedFiles | None = None
        if settings.protected is not None:
            self.protected = ProtectedFiles(settings.protected, lambda environ: current_reader(cookies, environ))
            self._check = guarded(self.protected.check)
            self._files = guarded(self.protected.serve)

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


def current_reader(cookies: SessionCookie, environ: dict[str, Any]) -> Reader | None:
    """The signed-in reader as the gates see them: the one place a gate reads the session."""
    user = cookies.read(environ)
    if user is None:
        return None
    groups = user.get("groups")
    return Reader(username=str(user.get("username") or user.get("sub") or ""),
                  groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else ())


def create_app(settings: CompanionSettings, *, api: WSGIApp | None = None,
               clock: Callable[[], float] = time.time, fetch: Fetch | None = None) -> CompanionApp:
    """``/auth/session``, and ``api`` under ``settings.api_prefix`` behind the session; else JSON 404."""
    return CompanionApp(settings, api=api, clock=clock, fetch=fetch)


def session_endpoint(environ: dict[str, Any], settings: CompanionSettings, provider: Provider,
                     rules: Rules, cookies: SessionCookie) -> Response:
    method = environ.get("REQUEST_METHOD")
    if method in ("GET", "HEAD"):
        user = cookies.read(environ)
        if user is None:
            raise HttpError(401, "no_session", "not signed in", [("Vary", "Cookie")])
        return json_response(user, 200, [("Vary", "Cookie")])
    if method == "POST":
        check_state_change(environ, settings)
        return start_session(read_json_object(environ, settings.max_body), provider, rules, cookies)
    if method == "DELETE":
        check_state_change(environ, settings)
        return empty_response(204, [cookies.clear_header()])
    raise method_not_allowed(["GET", "POST", "DELETE"])


def _token(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise HttpError(400, "invalid_request", f"'{name}' must be a non-empty string")
    return value


def start_session(body: dict[str, Any], provider: Provider, rules: Rules, cookies: SessionCookie) -> Response:
    id_token, access_token = _token(body, "id_token"), _token(body, "access_token")
    expires_in = body.get("expires_in")
    # Accepted for oidc-client-ts compatibility, never trusted: the tokens' own exp decides.
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, (int, float))):
        raise HttpError(400, "invalid_request", "'expires_in' must be a number")
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
    user = public_user(identity, rules)
    try:
        cookie = cookies.set_header(user)
    except SessionTooLarge as exc:
        raise HttpError(400, "session_too_large", str(exc)) from None
    return json_response(user, 200, [cookie])
