"""``/oauth2/authorize`` and ``/oauth2/token``: the authorization code flow with PKCE, as Cognito runs it.

@see https://www.rfc-editor.org/rfc/rfc6749#section-4.1 and https://www.rfc-editor.org/rfc/rfc7636
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from atoll.devidp.pages import login_page, message_page
from atoll.devidp.settings import DevIdpSettings
from atoll.devidp.store import CodeGrant, CodeReused, GrantStore, RefreshGrant, SignIn
from atoll.devidp.tokens import SigningKey, mint
from atoll.wsgi.http import HttpError, Response, json_response, read_body

KNOWN_SCOPES = {"openid", "email", "profile", "phone", "aws.cognito.signin.user.admin"}
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
                    "code_challenge", "code_challenge_method")
PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
SESSION_COOKIE = "atoll_idp_session"
MAX_PARAM = 2048


class OAuthError(HttpError):
    """An RFC 6749 §5.2 error: ``{"error", "error_description"}``."""

    def response(self) -> Response:
        return json_response({"error": self.code, "error_description": self.message}, self.status,
                             [("Pragma", "no-cache"), *self.headers])


def form_params(environ: dict[str, Any]) -> dict[str, str]:
    """An urlencoded body; each parameter at most once (RFC 6749 §3.2)."""
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise OAuthError(400, "invalid_request", "send the parameters as application/x-www-form-urlencoded")
    try:
        parsed = parse_qs(read_body(environ).decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "the body is not UTF-8") from None
    return single_values(parsed)


def single_values(parsed: Mapping[str, list[str]]) -> dict[str, str]:
    repeated = [name for name, values in parsed.items() if len(values) > 1]
    if repeated:
        raise OAuthError(400, "invalid_request", f"parameter {repeated[0]!r} is given more than once")
    return {name: values[0] for name, values in parsed.items()}


def redirect(uri: str, params: Mapping[str, str | None], headers: list[tuple[str, str]] | None = None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    location = f"{uri}{'&' if '?' in uri else '?'}{query}" if query else uri
    return Response(302, b"", [("Location", location), ("Cache-Control", "no-store"), *(headers or [])])


def session_cookie(value: str, max_age: int) -> tuple[str, str]:
    return ("Set-Cookie", f"{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax")


def session_id(environ: dict[str, Any]) -> str | None:
    for part in str(environ.get("HTTP_COOKIE", "")).split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value
    return None


class Authorize:
    def __init__(self, settings: DevIdpSettings, store: GrantStore) -> None:
        self.settings = settings
        self.store = store

    def handle(self, environ: dict[str, Any], params: dict[str, str], *, posted: bool) -> Response:
        s = self.settings
        if any(len(v) > MAX_PARAM for v in params.values()):
            return message_page("Sign-in error", "a parameter is too long", 400)
        # Until client and redirect_uri are known good, errors are shown, never redirected (RFC 6749 §4.1.2.1).
        if params.get("client_id") != s.client_id:
            return message_page("Sign-in error", "unknown client_id", 400)
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in s.redirect_uris:
            allowed = ", ".join(s.redirect_uris)
            return message_page("Sign-in error", f"redirect_mismatch: {redirect_uri!r} is not an allowed callback URL "
                                                 f"(allowed: {allowed})", 400)
        state = params.get("state")

        def fail(error: str, description: str) -> Response:
            return redirect(redirect_uri, {"error": error, "error_description": description, "state": state})

        if params.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be code")
        scope = params.get("scope") or "openid email profile"
        if not set(scope.split()) <= KNOWN_SCOPES:
            return fail("invalid_scope", "unknown scope")
        if params.get("code_challenge_method") != "S256" or not PKCE_VALUE.fullmatch(params.get("code_challenge", "")):
            return fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
        request = {k: params[k] for k in AUTHORIZE_PARAMS if k in params}
        request["scope"] = scope
        prompt = params.get("prompt", "")
        if posted:
            return self._login(params, request, redirect_uri)
        sign_in = self.store.session(session_id(environ))
        if sign_in is not None and prompt != "login" and s.user(sign_in.username) is not None:
            return self._grant(request, redirect_uri, sign_in)
        if prompt == "none":
            return fail("login_required", "no sign-in session")
        if params.get("login_failed") == "1":
            return login_page("/oauth2/authorize", request, error="Incorrect username or password.",
                              username=params.get("username", ""))
        return login_page("/oauth2/authorize", request)

    def _login(self, params: dict[str, str], request: dict[str, str],
               redirect_uri: str) -> Response:
        username, password = params.get("username", ""), params.get("password", "")
        user = self.settings.user(username)
        if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
            # Post/Redirect/Get, as hosted login pages do: Back never lands on a form resubmission.
            query = urlencode({**request, "login_failed": "1", "username": username[:MAX_PARAM]})
            return Response(303, b"", [("Location", f"/oauth2/authorize?{query}"), ("Cache-Control", "no-store"),
                                       ("Content-Type", "text/plain; charset=utf-8")])
        sign_in = SignIn(username=user.username, auth_time=int(time.time()),
                         expires_at=time.time() + self.settings.refresh_lifetime)
        sid = self.store.start_session(sign_in)
        return self._grant(request, redirect_uri, sign_in, [session_cookie(sid, self.settings.refresh_lifetime)])

    def _grant(self, request: dict[str, str], redirect_uri: str, sign_in: SignIn,
               headers: list[tuple[str, str]] | None = None) -> Response:
        code = self.store.issue_code(CodeGrant(
            client_id=self.settings.client_id, redirect_uri=redirect_uri, code_challenge=request["code_challenge"],
            scope=request["scope"], nonce=request.get("nonce"), username=sign_in.username,
            auth_time=sign_in.auth_time, expires_at=time.time() + self.settings.code_lifetime))
        return redirect(redirect_uri, {"code": code, "state": request.get("state")}, headers)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class Token:
    def __init__(self, settings: DevIdpSettings, store: GrantStore, key: SigningKey) -> None:
        self.settings = settings
        self.store = store
        self.key = key

    def handle(self, environ: dict[str, Any]) -> Response:
        params = form_params(environ)
        client_id = params.get("client_id")
        if client_id is None:
            raise OAuthError(400, "invalid_request", "client_id is required")
        if client_id != self.settings.client_id:
            raise OAuthError(401, "invalid_client", "unknown client_id")
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            return self._code(params)
        if grant_type == "refresh_token":
            return self._refresh(params)
        raise OAuthError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")

    def _code(self, params: dict[str, str]) -> Response:
        for name in ("code", "redirect_uri", "code_verifier"):
            if not params.get(name):
                raise OAuthError(400, "invalid_request", f"{name} is required")
        if not PKCE_VALUE.fullmatch(params["code_verifier"]):
            raise OAuthError(400, "invalid_request", "code_verifier must be 43-128 unreserved characters")
        try:
            grant = self.store.take_code(params["code"])
        except CodeReused:
            raise OAuthError(400, "invalid_grant", "the code was already used; tokens issued for it are revoked") \
                from None
        if grant is None or grant.expires_at <= time.time():
            raise OAuthError(400, "invalid_grant", "the code is unknown or expired")
        if grant.client_id != params["client_id"]:
            raise OAuthError(400, "invalid_grant", "the code was issued to another client")
        if grant.redirect_uri != params["redirect_uri"]:
            raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
        if not hmac.compare_digest(s256(params["code_verifier"]), grant.code_challenge):
            raise OAuthError(400, "invalid_grant", "code_verifier does not match the code_challenge")
        refresh = self.store.issue_refresh(RefreshGrant(
            client_id=grant.client_id, username=grant.username, scope=grant.scope, auth_time=grant.auth_time,
            expires_at=time.time() + self.settings.refresh_lifetime, code=params["code"]))
        return self._tokens(grant.username, grant.scope, grant.auth_time, grant.nonce, refresh)

    def _refresh(self, params: dict[str, str]) -> Response:
        token = params.get("refresh_token", "")
        grant = self.store.refresh_grant(token)
        if grant is None or grant.client_id != params["client_id"]:
            if self.settings.rotate_refresh:
                self.store.rotate_refresh(token)  # a retired token revokes its family
            raise OAuthError(400, "invalid_grant", "the refresh token is unknown, revoked or expired")
        rotated = None
        if self.settings.rotate_refresh:
            swapped = self.store.rotate_refresh(token)
            if swapped is None:  # a concurrent refresh rotated it first
                raise OAuthError(400, "invalid_grant", "the refresh token is unknown, revoked or expired")
            rotated = swapped[1]
        return self._tokens(grant.username, grant.scope, grant.auth_time, None, rotated)

    def revoke(self, environ: dict[str, Any]) -> Response:
        """RFC 7009 revocation, as Cognito's ``/oauth2/revoke``: 200 whether or not the token was known."""
        params = form_params(environ)
        if params.get("client_id") != self.settings.client_id:
            raise OAuthError(401, "invalid_client", "unknown client_id")
        if not params.get("token"):
            raise OAuthError(400, "invalid_request", "token is required")
        self.store.revoke_refresh(params["token"], params["client_id"])
        return Response(200, b"", [("Cache-Control", "no-store")])

    def _tokens(self, username: str, scope: str, auth_time: int, nonce: str | None,
                refresh: str | None) -> Response:
        user = self.settings.user(username)
        if user is None:
            raise OAuthError(400, "invalid_grant", "the user no longer exists")
        tokens: dict[str, Any] = mint(self.key, self.settings, user, scope=scope, auth_time=auth_time,
                                      now=int(time.time()), nonce=nonce)
        if refresh is not None:
            tokens["refresh_token"] = refresh
        tokens.update(expires_in=self.settings.token_lifetime, token_type="Bearer")  # noqa: S106 - not a secret
        return json_response(tokens, 200, [("Pragma", "no-cache")])
