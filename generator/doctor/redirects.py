"""Whether the provider accepts the site's callback and sign-out URLs, asked the harmless way.

An authorization request is sent as the site would send it (code flow, PKCE
S256, state, nonce) without following any redirect: a provider that accepts
the ``redirect_uri`` shows its login page (or redirects to it, or back to the
callback); one that does not answers with an error page or an ``/error``
redirect. No one signs in and nothing changes at the provider. Sign-out is
asked the same way, at Cognito's ``/logout`` or the ``end_session_endpoint``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from atoll.authurls import OriginUrls
from atoll.config import AuthConfig
from atoll.doctor.probe import Answer, Http, ProbeError
from atoll.doctor.report import Finding, about, fail, ok, warn

ERROR_CODE = re.compile(r"\b(redirect_mismatch|invalid_redirect_uri|invalid_client|unauthorized_client|"
                        r"invalid_scope|invalid_request|unsupported_response_type|access_denied|"
                        r"post_logout_redirect_uri[\w ]*)\b")
FIX_HINT = {
    "unauthorized_client": "allow the authorization code grant for the app client",
    "invalid_scope": "allow the scopes in auth.scope for the app client",
    "unsupported_response_type": "allow the authorization code grant (response_type=code) for the app client",
    "invalid_client": "check auth.client_id: the provider does not know it",
}


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    # The provider's error, when it gave one (accepted URL but a refused request, or the reason for refusing).
    error: str | None = None


def _error_in(answer: Answer) -> str | None:
    body = answer.json()
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    match = ERROR_CODE.search(answer.body[:20000].decode("utf-8", "replace"))
    return match.group(1) if match else None


def verdict(answer: Answer, target: str) -> Verdict:
    """Did the provider take ``target`` (the callback or sign-out URL) as one of its allowed URLs?"""
    if 300 <= answer.status < 400:
        location = answer.header("Location") or ""
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        if location.split("?", 1)[0] == target.split("?", 1)[0]:
            return Verdict(True, query.get("error"))
        if "error" in query:  # Cognito: /error?error=redirect_mismatch
            return Verdict(False, query["error"])
        return Verdict(True)  # on to the login page (or a confirmation page)
    if 200 <= answer.status < 300:
        return Verdict(True)
    return Verdict(False, _error_in(answer) or f"HTTP {answer.status}")


def _challenge() -> str:
    verifier = secrets.token_urlsafe(48)
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _ask(http: Http, endpoint: str, params: dict[str, str], check: str, url: str) -> Answer | Finding:
    """GET ``endpoint`` with ``params`` added to its query; a failing finding when nothing answers."""
    try:
        return http("GET", f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}")
    except ProbeError as exc:
        return fail(check, f"cannot ask the provider about {url}: {exc}", "make sure this machine reaches the provider")


def callbacks(doc: dict[str, Any], auth: AuthConfig, urls: tuple[OriginUrls, ...], http: Http) -> list[Finding]:
    return [about(u.origin, _callback(doc, auth, u, http)) for u in urls]


def _callback(doc: dict[str, Any], auth: AuthConfig, u: OriginUrls, http: Http) -> Finding:
    params = {"response_type": "code", "client_id": auth.client_id, "redirect_uri": u.callback,
              "scope": auth.scope, "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
              "code_challenge": _challenge(), "code_challenge_method": "S256"}
    answer = _ask(http, str(doc["authorization_endpoint"]), params, "callback", u.callback)
    if isinstance(answer, Finding):
        return answer
    v = verdict(answer, u.callback)
    if v.accepted and v.error is None:
        return ok("callback", f"the provider accepts the callback URL {u.callback}")
    if v.accepted:
        return fail("callback", f"the provider accepts {u.callback} but refuses the sign-in: {v.error}",
                    FIX_HINT.get(v.error or "", "allow what the error names for the app client"))
    return fail("callback", f"the provider does not accept the callback URL {u.callback} ({v.error})",
                f"add {u.callback} to the app client's allowed redirect (callback) URLs, "
                "exactly, trailing slash included" + _dev_hint(u))


def sign_outs(doc: dict[str, Any], auth: AuthConfig, urls: tuple[OriginUrls, ...], http: Http) -> list[Finding]:
    if auth.cognito_domain:
        endpoint, name = f"{auth.cognito_domain}/logout", "logout_uri"
    elif isinstance(doc.get("end_session_endpoint"), str):
        endpoint, name = str(doc["end_session_endpoint"]), "post_logout_redirect_uri"
    else:
        return [warn("sign-out", "the provider has no end_session_endpoint: signing out ends the site's session "
                                 "but not the reader's session at the provider")]
    return [about(u.origin, _sign_out(endpoint, {"client_id": auth.client_id, name: u.sign_out}, u, http))
            for u in urls]


def _sign_out(endpoint: str, params: dict[str, str], u: OriginUrls, http: Http) -> Finding:
    answer = _ask(http, endpoint, params, "sign-out", u.sign_out)
    if isinstance(answer, Finding):
        return answer
    if verdict(answer, u.sign_out).accepted:
        return ok("sign-out", f"the provider accepts the sign-out URL {u.sign_out}")
    return fail("sign-out", f"the provider does not accept the sign-out URL {u.sign_out} "
                            f"({verdict(answer, u.sign_out).error})",
                f"add {u.sign_out} to the app client's allowed sign-out (post-logout) URLs" + _dev_hint(u))


def _dev_hint(u: OriginUrls) -> str:
    return "; for atoll serve, run `atoll serve --host localhost`" if u.dev else ""
