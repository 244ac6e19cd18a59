"""Cognito: the callback and sign-out URLs, grant, scopes and secret, read from the app client itself."""

from __future__ import annotations

from atoll.authurls import OriginUrls
from atoll.cognito import plan
from atoll.cognito.aws import Cognito, CognitoError, NotFoundError, domain_url
from atoll.config import AuthConfig
from atoll.doctor.report import Finding, about, fail, ok

SETUP_FIX = "run `atoll cognito setup{dev}` (it adds what is missing), or add it under the app client's login pages"


def _near(url: str, registered: list[str]) -> str:
    """A registered URL that differs from ``url`` only by its trailing slash, said as a hint."""
    for other in registered:
        if other.rstrip("/") == url.rstrip("/") and other != url:
            return f"; {other} is registered, and the trailing slash must match"
    return ""


def app_client(aws: Cognito, pool_id: str, auth: AuthConfig, urls: tuple[OriginUrls, ...]) -> list[Finding]:
    """Raises :class:`CognitoError` when AWS cannot be asked (the caller falls back to probing)."""
    try:
        client = aws.call("describe_user_pool_client", UserPoolId=pool_id, ClientId=auth.client_id)["UserPoolClient"]
    except NotFoundError:
        return [fail("app-client", f"the user pool {pool_id} has no app client {auth.client_id!r} (auth.client_id)",
                     "run `atoll cognito setup`, or copy the client ID from the pool's App clients page")]
    findings: list[Finding] = []
    dev = " --dev" if any(u.dev for u in urls) else ""
    for key, what, check, attr in (("CallbackURLs", "callback", "callback", "callback"),
                                   ("LogoutURLs", "sign-out", "sign-out", "sign_out")):
        registered = [str(v) for v in client.get(key) or []]
        for u in urls:
            url = getattr(u, attr)
            if url in registered:
                found = ok(check, f"app client {auth.client_id} allows the {what} URL {url}")
            else:
                found = fail(check, f"app client {auth.client_id} does not allow the {what} URL {url}"
                                    f"{_near(url, registered)} (Cognito answers redirect_mismatch)",
                             SETUP_FIX.format(dev=dev))
            findings.append(about(u.origin, found))
    need = plan.needs(urls, auth.scope)
    others = [p for p in plan.client_problems(client, need) if "URL" not in p]
    if others:
        findings.append(fail("app-client", f"app client {auth.client_id}: " + "; ".join(others),
                             SETUP_FIX.format(dev=dev)))
    else:
        findings.append(ok("app-client", f"app client {auth.client_id} is public (no secret), with the code "
                                         f"grant and the scopes {' '.join(need.scopes)}"))
    findings.append(_domain(aws, pool_id, auth))
    return findings


def _domain(aws: Cognito, pool_id: str, auth: AuthConfig) -> Finding:
    try:
        pool = aws.call("describe_user_pool", UserPoolId=pool_id)["UserPool"]
    except NotFoundError:
        raise CognitoError(f"there is no user pool {pool_id} in {aws.region}") from None
    url = domain_url(aws.region, pool.get("Domain"), pool.get("CustomDomain"))
    if url is None:
        return fail("domain", f"the user pool {pool_id} has no domain, so it has no login pages",
                    "run `atoll cognito setup --domain PREFIX`")
    if auth.cognito_domain != url:
        return fail("domain", f"auth.cognito_domain is {auth.cognito_domain!r}, the pool's domain is {url}",
                    f"set auth.cognito_domain: {url}")
    return ok("domain", f"auth.cognito_domain is the pool's domain, {url}")
