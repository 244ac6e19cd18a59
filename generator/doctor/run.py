"""``atoll doctor``: every check, in the order a sign-in meets them, as one :class:`Report`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from atoll.authurls import DEV_ORIGIN, origin_of, site_urls
from atoll.cognito.aws import Cognito, CognitoError, pool_of_authority, region_of_pool
from atoll.config import DEV_SERVER_URL, SiteConfig
from atoll.doctor import appclient, companion, deployed, provider, redirects
from atoll.doctor.probe import Http, probe
from atoll.doctor.report import Finding, Report, fail, warn

SETUP_FIX = ("run `atoll cognito setup --region REGION --create-pool NAME --domain PREFIX`, or set auth.authority "
             "and auth.client_id to your provider's issuer and app client")


@dataclass(frozen=True)
class DoctorOptions:
    url: str | None = None
    dev_origins: tuple[str, ...] = ()
    profile: str | None = None


def diagnose(site: SiteConfig, options: DoctorOptions, *, environ: Mapping[str, str], http: Http = probe,
             aws: Callable[[str, str | None], Any] = lambda region, profile: Cognito(region, profile=profile)
             ) -> Report:
    """Raises ValueError for unusable options (a malformed --dev-origin or --url)."""
    if options.url is not None and not options.url.startswith(("http://", "https://")):
        raise ValueError(f"--url must be an http(s) URL, got {options.url!r}")
    auth = site.auth
    if auth is None:
        return Report(site.base_url, None, (fail("site", "site.yaml has no auth: block, so readers cannot sign in",
                                                 "add an auth: block (see Sign-in), or " + SETUP_FIX),))
    pool_id = pool_of_authority(auth.authority)
    # `atoll serve`'s URLs are checked too; unless asked for (--dev, --dev-origin), only as warnings,
    # since a site may well sign in through the dev identity provider while it is written.
    strict = bool(options.dev_origins)
    serve = DEV_ORIGIN if pool_id is not None else origin_of(DEV_SERVER_URL)  # Cognito: http on localhost only
    urls = site_urls(site, options.dev_origins or (serve,))
    findings: list[Finding] = []
    authority = auth.authority
    if authority is None:
        findings.append(fail("site", "auth.authority is not set: readers can sign in only under `atoll serve`, "
                                     "through its dev identity provider", SETUP_FIX))
        findings += [companion.secret(environ), companion.session_store(site), companion.cookie(site)]
        return Report(site.base_url, None, tuple(findings))
    found, doc = provider.discovery(authority, http)
    findings.append(found)
    if doc is not None:
        findings.append(provider.issuer(authority, doc))
    if doc is not None and found.status == "ok":
        findings.append(provider.pkce(doc, cognito=pool_id is not None))
        findings += provider.cors(doc, authority, auth.client_id, urls, http)
        findings.append(provider.jwks(doc, http, cognito=auth.is_cognito))
    if pool_id is not None and auth.cognito_domain is None:
        findings.append(fail("domain", "auth.cognito_domain is not set, so sign-out cannot use Cognito's /logout "
                                       "and readers stay signed in at Cognito",
                             "run `atoll cognito setup`, or set auth.cognito_domain to the pool's domain"))
    asked = False
    if pool_id is not None:
        try:
            findings += appclient.app_client(aws(region_of_pool(pool_id) or "", options.profile), pool_id, auth, urls)
            asked = True
        except CognitoError as exc:
            findings.append(warn("app-client", f"cannot read app client {auth.client_id} ({exc}); asked the login "
                                               "pages instead",
                                 "run the doctor with AWS credentials allowed cognito-idp:DescribeUserPoolClient"))
    if not asked and doc is not None and found.status == "ok":
        findings += redirects.callbacks(doc, auth, urls, http)
        findings += redirects.sign_outs(doc, auth, urls, http)
    findings += [companion.secret(environ), companion.session_store(site), companion.cookie(site)]
    if options.url is not None:
        reached = (provider.discovery_url(authority), *([str(doc["token_endpoint"])] if doc and
                                                        isinstance(doc.get("token_endpoint"), str) else []))
        findings += deployed.csp(options.url, reached, http)
        findings.append(deployed.companion(site, options.url, http))
    if not strict:
        dev = {u.origin for u in urls if u.dev}
        findings = [_for_serve(f) if f.origin in dev and f.status == "fail" else f for f in findings]
    return Report(site.base_url, authority, tuple(findings))


def _for_serve(finding: Finding) -> Finding:
    return replace(finding, status="warn", message=f"for atoll serve: {finding.message}",
                   fix=f"{finding.fix}; needed only to sign in through this provider from `atoll serve`")
