"""Checks of the provider itself: discovery, issuer, PKCE, CORS for the site's origins, signing keys."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from atoll.authurls import OriginUrls
from atoll.companion.trust import IssuerMismatch, check_issuer, describe, parse_key_set
from atoll.doctor.probe import Answer, Http, ProbeError
from atoll.doctor.report import Finding, about, fail, ok, warn

AUTHORITY_FIX = ("set auth.authority to your provider's issuer URL; for Cognito that is "
                 "https://cognito-idp.<region>.amazonaws.com/<user pool id>, with the pool's own region")


def discovery_url(authority: str) -> str:
    return f"{authority.rstrip('/')}/.well-known/openid-configuration"


def discovery(authority: str, http: Http) -> tuple[Finding, dict[str, Any] | None]:
    url = discovery_url(authority)
    try:
        answer = http("GET", url, headers={"Accept": "application/json"})
    except ProbeError as exc:
        return fail("discovery", f"{url} cannot be fetched: {exc}", AUTHORITY_FIX), None
    if answer.status != 200:
        return fail("discovery", f"{url} answered HTTP {answer.status}, not the discovery document",
                    AUTHORITY_FIX), None
    doc = answer.json()
    if not isinstance(doc, dict):
        return fail("discovery", f"{url} did not answer a JSON object", AUTHORITY_FIX), None
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not isinstance(doc.get(k), str)]
    if missing:
        return fail("discovery", f"the discovery document has no {', '.join(missing)}",
                    "point auth.authority at an OpenID Connect provider that publishes them"), doc
    return ok("discovery", f"{url} answers"), doc


def issuer(authority: str, doc: dict[str, Any]) -> Finding:
    """The companion's own rule (companion/trust.py): equal up to trailing slashes."""
    named = doc.get("issuer")
    try:
        check_issuer(authority, named)
    except IssuerMismatch:
        return fail("issuer", f"the discovery document names the issuer {named!r}, not auth.authority "
                              f"({authority}): the companion refuses every sign-in (readers see \"This site did "
                              "not accept the sign-in\")",
                    f"set auth.authority to {named} if that is your provider, else {AUTHORITY_FIX}")
    if named != authority:
        return warn("issuer", f"the provider's issuer is {named}, auth.authority is {authority}: only the trailing "
                              "slash differs, which Atoll tolerates (tokens are held to the issuer)",
                    f"set auth.authority to {named} exactly")
    return ok("issuer", f"the provider's issuer is auth.authority, {authority}")


def pkce(doc: dict[str, Any], *, cognito: bool) -> Finding:
    methods = doc.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" in methods:
        return ok("pkce", "PKCE with S256 is supported")
    if isinstance(methods, list):
        return fail("pkce", f"the provider offers PKCE methods {methods}, without S256, the only one Atoll sends",
                    "turn on PKCE with S256 at the provider (plain is not safe)")
    if cognito:
        return ok("pkce", "Cognito supports PKCE with S256 (its discovery does not list it)")
    return warn("pkce", "the discovery document does not list code_challenge_methods_supported; the sign-in "
                        "check below sends S256 and shows whether it is accepted")


def _allows(answer: Answer, origin: str) -> bool:
    return answer.header("Access-Control-Allow-Origin") in (origin, "*")


def cors(doc: dict[str, Any], authority: str, client_id: str, urls: tuple[OriginUrls, ...],
         http: Http) -> list[Finding]:
    """The browser fetches discovery and posts to the token endpoint from the site's page: both need CORS."""
    return [about(u.origin, _cors(doc, authority, client_id, u, http)) for u in urls]


def _cors(doc: dict[str, Any], authority: str, client_id: str, u: OriginUrls, http: Http) -> Finding:
    lacking = []
    try:
        if not _allows(http("GET", discovery_url(authority), headers={"Origin": u.origin}), u.origin):
            lacking.append("the discovery document")
        form = {"grant_type": "authorization_code", "code": "atoll-doctor-probe", "client_id": client_id,
                "redirect_uri": u.callback, "code_verifier": "atoll-doctor-probe-" + "v" * 30}
        answer = http("POST", doc["token_endpoint"], body=urlencode(form).encode(),
                      headers={"Origin": u.origin, "Accept": "application/json",
                               "Content-Type": "application/x-www-form-urlencoded"})
        if not _allows(answer, u.origin):
            lacking.append(f"the token endpoint ({doc['token_endpoint']})")
    except ProbeError as exc:
        return fail("cors", f"cannot check CORS for {u.origin}: {exc}", "make sure this machine reaches the provider")
    if lacking:
        verb = "send" if len(lacking) > 1 else "sends"
        return fail("cors", f"{' and '.join(lacking)} {verb} no Access-Control-Allow-Origin for "
                            f"{u.origin}, so the browser cannot complete the sign-in",
                    f"allow the web origin {u.origin} for the app client at the provider "
                    "(or stop the proxy in front of it from dropping CORS headers)")
    return ok("cors", f"discovery and the token endpoint answer CORS for {u.origin}")


def is_signing_candidate(jwk: Any) -> bool:
    """An RSA key meant for signatures: others (EC keys, encryption keys) are simply not used, not wrong."""
    return isinstance(jwk, dict) and jwk.get("kty") == "RSA" and jwk.get("use", "sig") == "sig"


def jwks(doc: dict[str, Any], http: Http, *, cognito: bool) -> Finding:
    """The key set as the companion reads it (companion/trust.py), each refused RSA signing key named."""
    url = str(doc.get("jwks_uri"))
    try:
        answer = http("GET", url, headers={"Accept": "application/json"})
    except ProbeError as exc:
        return fail("jwks", f"the signing keys ({url}) cannot be fetched: {exc}",
                    "the companion needs them to verify tokens: check the provider")
    try:
        keys = parse_key_set(answer.json() if answer.status == 200 else None, require_kid=cognito)
    except ValueError:
        return fail("jwks", f"{url} answered HTTP {answer.status} without a JSON 'keys' list",
                    "the companion needs the provider's key set to verify tokens")
    entries = answer.json()["keys"]
    names = {describe(entry, i) for i, entry in enumerate(entries) if is_signing_candidate(entry)}
    problems = [f"{name} {why}" for name, why in keys.refused.items() if name in names]
    usable = len(keys.by_kid) or (1 if keys.only is not None else 0)
    fix = "publish RS256 keys of at least 2048 bits, each with its own kid (rotate the provider's signing key)"
    if usable == 0:
        return fail("jwks", f"no usable signing key in {url}: " + "; ".join(problems or ["it has no RSA signing key"]),
                    fix)
    if problems:
        return warn("jwks", f"{usable} usable signing key(s); refused: " + "; ".join(problems), fix)
    return ok("jwks", f"{usable} usable RS256 signing key{'s' if usable != 1 else ''} (>= 2048 bits)")
