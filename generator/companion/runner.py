"""``atoll companion``: the endpoint and the site's API under waitress, for production."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import waitress.server

from atoll.companion.app import create_app
from atoll.companion.settings import (
    CompanionConfigError,
    fallbacks_from_env,
    load_api,
    secret_from_env,
    settings_from_site,
)
from atoll.config import SiteConfig, is_loopback_host
from atoll.errors import StartError
from atoll.ports import listen_error


def run_companion(site: SiteConfig, *, log: TextIO, host: str = "127.0.0.1", port: int = 8000, threads: int = 8,
                  protected: Path | None = None) -> None:
    """Serve until interrupted; raises :class:`StartError` (no good secret, a bad config, a busy port).

    Copies share ``ATOLL_SESSION_SECRET`` and the session store: with a Redis
    store, run as many as you like behind a load balancer.
    """
    try:
        secret = secret_from_env(os.environ)
        settings = settings_from_site(site, secret=secret, fallbacks=fallbacks_from_env(os.environ),
                                      protected=protected)
        api = load_api(site)
    except CompanionConfigError as exc:
        raise StartError(str(exc)) from exc
    app = create_app(settings, api=api)
    logging.basicConfig()  # waitress reports dropped connections and full queues through logging
    try:
        server = waitress.server.create_server(app, host=host, port=port, threads=threads, ident="atoll")
    except OSError as exc:
        raise listen_error(host, port, "--port", exc) from exc
    if not settings.secure and not is_loopback_host(urlsplit(settings.origin).hostname):
        print(f"atoll companion: warning: {settings.origin} is not https, so the session cookie cannot be Secure; "
              "set base_url to the https URL readers use", file=log)
    mounted = f" and {settings.api_prefix}" if api else ""
    print(f"atoll companion: {settings.session_path}{mounted} for {settings.origin} "
          f"(issuer {settings.issuer}) on http://{host}:{port}/", file=log)
    print(f"atoll companion: protected pages from {settings.protected}, {settings.check_path} for reverse proxies",
          file=log, flush=True)
    server.run()  # until Ctrl-C, which waitress turns into a clean shutdown
