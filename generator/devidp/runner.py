"""``atoll idp``: the dev identity provider on its own port, loopback only."""

from __future__ import annotations

import sys

from atoll.config import SiteConfig, is_loopback_host
from atoll.devidp.app import DevIdpApp, create_app
from atoll.devidp.settings import DEFAULT_SITE_ORIGIN, settings_from_site
from atoll.wsgi.server import ThreadingWSGIServer, start_background, stop

WARNING = "for development only: it signs in anyone who knows a dev_users password, never use it for real readers"


def start_idp(site: SiteConfig | None, *, host: str = "127.0.0.1", port: int = 0,
              site_origin: str = DEFAULT_SITE_ORIGIN) -> tuple[ThreadingWSGIServer, DevIdpApp]:
    """Bind first (``port`` 0 picks a free one), then make the app whose issuer is the bound URL."""
    if not is_loopback_host(host):
        raise ValueError(f"the dev identity provider binds to loopback addresses only, not {host!r}")
    server, issuer = start_background(lambda _environ, _start_response: [], host, port)
    app = create_app(settings_from_site(site, issuer=issuer, site_origin=site_origin))
    server.set_app(app)
    return server, app


def run_idp(site: SiteConfig | None, *, host: str = "127.0.0.1", port: int = 4322,
            site_origin: str = DEFAULT_SITE_ORIGIN) -> int:
    """Serve until interrupted. Returns 1 with a message for a non-loopback host or a busy port."""
    try:
        server, app = start_idp(site, host=host, port=port, site_origin=site_origin)
    except (ValueError, OSError) as exc:
        print(f"atoll idp: {exc}", file=sys.stderr)
        return 1
    s = app.settings
    users = ", ".join(f"{u.username} / {u.password}" for u in s.users)
    print(f"atoll idp: dev identity provider at {s.issuer} ({WARNING})\n"
          f"  client_id {s.client_id}; callback {', '.join(s.redirect_uris)}\n"
          f"  users: {users}", file=sys.stderr)
    try:
        while server.thread is not None and server.thread.is_alive():
            server.thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)
    return 0
