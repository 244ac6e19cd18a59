"""The dev identity provider's WSGI app: Cognito's hosted login, for development and tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

import jwt

from atoll.devidp.oauth import (
    Authorize,
    OAuthError,
    Token,
    form_params,
    redirect,
    session_cookie,
    session_id,
    single_values,
)
from atoll.devidp.pages import message_page
from atoll.devidp.settings import DevIdpSettings
from atoll.devidp.store import GrantStore
from atoll.devidp.tokens import SigningKey
from atoll.wsgi.http import (
    HttpError,
    Response,
    StartResponse,
    empty_response,
    guarded,
    json_response,
    method_not_allowed,
    not_found,
)

# Endpoints a browser on the site's origin calls with fetch(); authorize and logout are navigations.
CORS_PATHS = {"/.well-known/openid-configuration", "/.well-known/jwks.json", "/oauth2/token", "/oauth2/userInfo"}


class DevIdpApp:
    def __init__(self, settings: DevIdpSettings) -> None:
        self.settings = settings
        self.key = SigningKey()
        self.store = GrantStore()
        self._authorize = Authorize(settings, self.store)
        self._token = Token(settings, self.store, self.key)
        self._handle = guarded(self.route)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        origin = environ.get("HTTP_ORIGIN")
        cors = path in CORS_PATHS and origin in self.settings.allowed_origins

        def with_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if path in CORS_PATHS:
                headers = [*headers, ("Vary", "Origin")]
            if cors:
                headers = [*headers, ("Access-Control-Allow-Origin", str(origin))]
            return start_response(status, headers, exc_info)

        if environ.get("REQUEST_METHOD") == "OPTIONS" and path in CORS_PATHS:
            return self._preflight(cors)(environ, with_cors)
        return self._handle(environ, with_cors)

    def _preflight(self, allowed: bool) -> Response:
        if not allowed:
            return HttpError(403, "forbidden_origin", "this origin may not call the provider").response()
        return empty_response(204, [("Access-Control-Allow-Methods", "GET, POST"),
                                    ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
                                    ("Access-Control-Max-Age", "600")])

    def route(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        query = single_values(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        get = method in ("GET", "HEAD")
        if path == "/.well-known/openid-configuration" and get:
            return json_response(self.discovery())
        if path == "/.well-known/jwks.json" and get:
            return json_response(self.key.jwks())
        if path == "/oauth2/authorize" and (get or method == "POST"):
            params = {**query, **form_params(environ)} if method == "POST" else query
            return self._authorize.handle(environ, params, posted=method == "POST")
        if path == "/oauth2/token":
            if method != "POST":
                raise method_not_allowed(["POST"])
            return self._token.handle(environ)
        if path == "/oauth2/revoke":
            if method != "POST":
                raise method_not_allowed(["POST"])
            return self._token.revoke(environ)
        if path == "/oauth2/userInfo" and (get or method == "POST"):
            return self.userinfo(environ)
        if path == "/logout" and get:
            return self.cognito_logout(environ, query)
        if path == "/oauth2/logout" and (get or method == "POST"):
            return self.end_session(environ, {**query, **form_params(environ)} if method == "POST" else query)
        if path in CORS_PATHS or path in ("/oauth2/authorize", "/logout", "/oauth2/logout"):
            raise method_not_allowed(["GET", "POST"])
        raise not_found()

    def discovery(self) -> dict[str, Any]:
        issuer = self.settings.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth2/authorize",
            "token_endpoint": f"{issuer}/oauth2/token",
            "userinfo_endpoint": f"{issuer}/oauth2/userInfo",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "end_session_endpoint": f"{issuer}/oauth2/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile", "phone"],
            "token_endpoint_auth_methods_supported": ["none"],
            "claims_supported": ["sub", "email", "email_verified", "name", "cognito:username", "cognito:groups"],
        }

    def userinfo(self, environ: dict[str, Any]) -> Response:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        challenge = [("WWW-Authenticate", 'Bearer error="invalid_token"')]
        try:
            if scheme.lower() != "bearer" or not token:
                raise jwt.InvalidTokenError
            claims = self.key.verify(token, issuer=self.settings.issuer)
        except jwt.PyJWTError:
            raise OAuthError(401, "invalid_token", "a valid access token is required", challenge) from None
        user = self.settings.user(str(claims.get("username", "")))
        if claims.get("token_use") != "access" or claims.get("client_id") != self.settings.client_id \
                or "openid" not in str(claims.get("scope", "")).split() or user is None:
            raise OAuthError(401, "invalid_token", "the access token does not grant userInfo", challenge)
        # Cognito answers email_verified as a string.
        return json_response({"sub": claims["sub"], "email_verified": "true", "email": user.email,
                              "name": user.name, "username": user.username})

    def _signed_out(self, environ: dict[str, Any]) -> tuple[str, str]:
        self.store.end_session(session_id(environ))
        return session_cookie("", 0)

    def cognito_logout(self, environ: dict[str, Any], params: dict[str, str]) -> Response:
        """Cognito's ``/logout?client_id=…&logout_uri=…`` (or ``&redirect_uri=…&response_type=code``)."""
        if params.get("client_id") != self.settings.client_id:
            return message_page("Sign-out error", "unknown client_id", 400)
        if "logout_uri" in params:
            if params["logout_uri"] not in self.settings.logout_uris:
                return message_page("Sign-out error", "logout_uri is not an allowed sign-out URL", 400)
            return redirect(params["logout_uri"], {}, [self._signed_out(environ)])
        if params.get("redirect_uri") in self.settings.redirect_uris and params.get("response_type") == "code":
            return redirect(f"{self.settings.issuer}/oauth2/authorize", params, [self._signed_out(environ)])
        return message_page("Sign-out error", "logout_uri is required", 400)

    def end_session(self, environ: dict[str, Any], params: dict[str, str]) -> Response:
        """OpenID Connect RP-Initiated Logout 1.0, §2."""
        client_id = params.get("client_id")
        if client_id is not None and client_id != self.settings.client_id:
            return message_page("Sign-out error", "unknown client_id", 400)
        hint = params.get("id_token_hint")
        if hint is not None:
            try:
                self.key.verify(hint, issuer=self.settings.issuer, audience=self.settings.client_id,
                                verify_exp=False)
            except jwt.PyJWTError:
                return message_page("Sign-out error", "id_token_hint is not a token this provider issued", 400)
        target = params.get("post_logout_redirect_uri")
        if target is None:
            page = message_page("Signed out", "You are signed out of the dev identity provider.", 200)
            page.headers.append(self._signed_out(environ))
            return page
        if hint is None and client_id is None:
            return message_page("Sign-out error", "post_logout_redirect_uri needs id_token_hint or client_id", 400)
        if target not in self.settings.logout_uris:
            return message_page("Sign-out error", "post_logout_redirect_uri is not an allowed sign-out URL", 400)
        return redirect(target, {"state": params.get("state")}, [self._signed_out(environ)])


def create_app(settings: DevIdpSettings) -> DevIdpApp:
    """A provider with a fresh RSA key and random ``kid``."""
    return DevIdpApp(settings)
