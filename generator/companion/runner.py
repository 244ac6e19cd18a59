"""``atoll companion``: the endpoint and the site's API under waitress, for production."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import waitress

from atoll.companion.app import create_app
from atoll.companion.settings import CompanionConfigError, load_api, secret_from_env, settings_from_site
from atoll.config import SiteConfig, is_loopback_host


def run_companion(site: SiteConfig, *, host: str = "127.0.0.1", port: int = 8000, threads: int = 8,
                  protected: Path | None = None) -> int:
    """Serve until interrupted; 1 (with a message on stderr) when the secret or the config is missing.

    Copies share nothing but ``ATOLL_SESSION_SECRET``: run as many as you like
    behind a load balancer.
    """
    try:
        secret = secret_from_env(os.environ)
        settings = settings_from_site(site, secret=secret, protected=protected)
        api = load_api(site)
    except CompanionConfigError as exc:
        print(f"atoll companion: {exc}", file=sys.stderr)
        return 1
    app = create_app(settings, api=api)
    if not settings.secure and not is_loopback_host(urlsplit(settings.origin).hostname):
        print(f"atoll companion: warning: {settings.origin} is not https, so the session cookie cannot be Secure; "
              "set base_url to the https URL readers use", file=sys.stderr)
    mounted = f" and {settings.api_prefix}" if api else ""
    print(f"atoll companion: {settings.session_path}{mounted} for {settings.origin} "
          f"(issuer {settings.issuer}) on http://{host}:{port}/", file=sys.stderr)
    print(f"atoll companion: protected pages from {settings.protected}, {settings.check_path} for reverse proxies",
          file=sys.stderr)
    waitress.serve(app, host=host, port=port, threads=threads, ident="atoll")
    return 0
