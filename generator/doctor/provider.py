"""Checks of the provider itself: discovery, issuer, PKCE, CORS for the site's origins, signing keys."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from atoll.authurls import OriginUrls
from atoll.doctor.probe import Answer, Http, ProbeError
from atoll.doctor.report import Finding, fail, ok, warn
from atoll.doctor.rules import is_signing_candidate, issuer_matches, key_problem

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
    named = doc.get("issuer")
    if issuer_matches(named, authority):
        return ok("issuer", f"the provider's issuer is auth.authority, {authority}")
    if isinstance(named, str) and named.rstrip("/") == authority.rstrip("/"):
        return fail("issuer", f"the provider's issuer is {named}, auth.authority is {authority}: only the trailing "
                              "slash differs, and tokens carry the issuer exactly, so the companion refuses every "
                              "sign-in (readers see \"This site did not accept the sign-in\" with \"the identity provider "
                              "cannot be reached\")",
                    f"set auth.authority to {named} exactly")
    return fail("issuer", f"the discovery document names issuer {named!r}, not auth.authority ({authority})",
                f"set auth.authority to {named} if that is your provider, else {AUTHORITY_FIX}")


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
    findings = []
    for u in urls:
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
            findings.append(fail("cors", f"cannot check CORS for {u.origin}: {exc}",
                                 "make sure this machine reaches the provider"))
            continue
        if lacking:
            verb = "send" if len(lacking) > 1 else "sends"
            findings.append(fail("cors", f"{' and '.join(lacking)} {verb} no Access-Control-Allow-Origin for "
                                         f"{u.origin}, so the browser cannot complete the sign-in",
                                 f"allow the web origin {u.origin} for the app client at the provider "
                                 "(or stop the proxy in front of it from dropping CORS headers)"))
        else:
            findings.append(ok("cors", f"discovery and the token endpoint answer CORS for {u.origin}"))
    return findings


def jwks(doc: dict[str, Any], http: Http) -> Finding:
    url = str(doc.get("jwks_uri"))
    try:
        answer = http("GET", url, headers={"Accept": "application/json"})
    except ProbeError as exc:
        return fail("jwks", f"the signing keys ({url}) cannot be fetched: {exc}",
                    "the companion needs them to verify tokens: check the provider")
    keys = answer.json().get("keys") if answer.status == 200 and isinstance(answer.json(), dict) else None
    if not isinstance(keys, list):
        return fail("jwks", f"{url} answered HTTP {answer.status} without a JSON 'keys' list",
                    "the companion needs the provider's key set to verify tokens")
    candidates = [k for k in keys if is_signing_candidate(k)]
    problems = [f"key {k.get('kid') or '#' + str(i + 1)} {p}" for i, k in enumerate(candidates)
                if (p := key_problem(k)) is not None]
    kids = Counter(k.get("kid") for k in candidates if isinstance(k.get("kid"), str))
    problems += [f"kid {kid!r} names {n} keys, so a token's kid is ambiguous" for kid, n in kids.items() if n > 1]
    usable = len(candidates) - sum(1 for k in candidates if key_problem(k) is not None)
    fix = "publish RS256 keys of at least 2048 bits, each with its own kid (rotate the provider's signing key)"
    if usable == 0 or any("names" in p for p in problems):
        return fail("jwks", f"no usable signing key in {url}: " + "; ".join(problems or ["it has no RSA signing key"]),
                    fix)
    if problems:
        return warn("jwks", f"{usable} usable signing key(s); " + "; ".join(problems), fix)
    return ok("jwks", f"{usable} usable RS256 signing key{'s' if usable != 1 else ''} (>= 2048 bits, each with a kid)")
