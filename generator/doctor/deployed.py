"""``--url``: the deployed site's Content-Security-Policy lets its scripts run and reach the provider,
and the companion answers on the site's own origin."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from atoll.authurls import origin_of
from atoll.config import SiteConfig
from atoll.doctor.probe import Http, ProbeError
from atoll.doctor.report import Finding, fail, ok, warn

SCRIPT_SRC = re.compile(r"""<script\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
FALLBACKS = {"script-src-elem": ("script-src-elem", "script-src", "default-src"),
             "connect-src": ("connect-src", "default-src")}


def parse_csp(header: str) -> list[dict[str, list[str]]]:
    """Each policy (a header may carry several, comma-separated; all of them apply) as directive -> sources."""
    policies = []
    for policy in header.split(","):
        directives: dict[str, list[str]] = {}
        for part in policy.split(";"):
            words = part.split()
            if words and words[0].lower() not in directives:  # a repeated directive is ignored (CSP 3 §2.2)
                directives[words[0].lower()] = words[1:]
        policies.append(directives)
    return policies


def _source_allows(source: str, url: str, page_origin: str) -> bool:
    target = urlsplit(url)
    s = source.lower()
    if s == "*":
        return target.scheme in ("http", "https")
    if s == "'self'":
        return origin_of(url) == page_origin
    if s.endswith(":") and "/" not in s:
        return target.scheme == s[:-1] or (s == "http:" and target.scheme == "https")
    if s.startswith("'"):
        return False  # nonces, hashes, 'none', 'strict-dynamic'
    scheme, _, rest = s.rpartition("://")
    if scheme and scheme != target.scheme and not (scheme == "http" and target.scheme == "https"):
        return False
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    default_port = {"http": "80", "https": "443"}.get(target.scheme, "")
    if port and port != "*" and port != str(target.port or default_port):
        return False
    if not port and target.port not in (None, int(default_port or 0)):
        return False
    name = target.hostname or ""
    host_ok = name.endswith(host[1:]) and name != host[2:] if host.startswith("*.") else name == host
    return bool(host_ok and (not path or target.path.startswith("/" + path)))


def allows(policies: list[dict[str, list[str]]], directive: str, url: str, page_origin: str) -> bool:
    for policy in policies:
        sources = next((policy[d] for d in FALLBACKS[directive] if d in policy), None)
        if sources is not None and not any(_source_allows(s, url, page_origin) for s in sources):
            return False
    return True


def csp(page_url: str, provider_urls: tuple[str, ...], http: Http) -> list[Finding]:
    try:
        answer = http("GET", page_url, headers={"Accept": "text/html"})
    except ProbeError as exc:
        return [fail("csp", f"{page_url} cannot be fetched: {exc}", "check --url")]
    if answer.status != 200:
        return [fail("csp", f"{page_url} answered HTTP {answer.status}", "check --url: it must be a page of the site")]
    page_origin = origin_of(page_url)
    header = answer.header("Content-Security-Policy")
    if not header:
        return [warn("csp", f"{page_url} sends no Content-Security-Policy: nothing blocks its scripts, and nothing "
                            "blocks injected ones either",
                     "send Content-Security-Policy: script-src 'self'; connect-src 'self' "
                     + " ".join(sorted({origin_of(u) for u in provider_urls})) + " (see Deploying)")]
    policies = parse_csp(header)
    scripts = [urljoin(page_url, src) for src in SCRIPT_SRC.findall(answer.body.decode("utf-8", "replace"))]
    blocked = [s for s in scripts if not allows(policies, "script-src-elem", s, page_origin)]
    unreachable = sorted({origin_of(u) for u in provider_urls if not allows(policies, "connect-src", u, page_origin)})
    findings = []
    if blocked:
        findings.append(fail("csp", f"the Content-Security-Policy blocks the page's scripts: {', '.join(blocked)}",
                             "allow them with script-src 'self' (Atoll's scripts are files under /_atoll/)"))
    if unreachable:
        findings.append(fail("csp", "the Content-Security-Policy's connect-src blocks the provider: "
                                    + ", ".join(unreachable), f"add {' '.join(unreachable)} to connect-src"))
    if not findings:
        findings.append(ok("csp", f"the Content-Security-Policy allows the page's {len(scripts)} script(s) and "
                                  "connections to the provider"))
    return findings


def companion(site: SiteConfig, page_url: str, http: Http) -> Finding:
    companion_url = site.auth.companion_url if site.auth else "/auth/session"
    url = urljoin(origin_of(page_url), companion_url)
    try:
        answer = http("GET", url, headers={"Accept": "application/json"})
    except ProbeError as exc:
        return fail("companion", f"{url} cannot be fetched: {exc}", "run the companion on the site's origin")
    body = answer.json()
    if answer.status in (200, 401) and isinstance(body, dict):
        return ok("companion", f"the companion answers at {url}")
    return fail("companion", f"{url} answered HTTP {answer.status}{'' if isinstance(body, dict) else ', not JSON'}: "
                             "the companion is not there",
                f"route {companion_url} on the site's origin to `atoll companion` (see Deploying)")
