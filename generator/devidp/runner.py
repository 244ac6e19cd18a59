"""``atoll idp``: the dev identity provider on its own port, loopback only."""

from __future__ import annotations

from typing import TextIO

from atoll.config import SiteConfig, is_loopback_host
from atoll.devidp.app import DevIdpApp, create_app
from atoll.devidp.settings import DEFAULT_SITE_ORIGIN, settings_from_site
from atoll.errors import StartError
from atoll.ports import listen_on
from atoll.wsgi.server import ThreadingWSGIServer, start_background, stop

DEFAULT_PORT = 4322
WARNING = "for development only: it signs in anyone who knows a dev_users password, never use it for real readers"


def start_idp(site: SiteConfig | None, *, host: str = "127.0.0.1", port: int = 0,
              site_origin: str = DEFAULT_SITE_ORIGIN) -> tuple[ThreadingWSGIServer, DevIdpApp]:
    """Bind first (``port`` 0 picks a free one), then make the app whose issuer is the bound URL.

    Raises :class:`StartError` for an address other than loopback, ``OSError`` when it cannot bind.
    """
    if not is_loopback_host(host):
        raise StartError(f"the dev identity provider listens on loopback addresses only (127.0.0.1, ::1), "
                         f"not {host}: it signs in anyone who knows a dev_users password")
    server, issuer = start_background(lambda _environ, _start_response: [], host, port)
    app = create_app(settings_from_site(site, issuer=issuer, site_origin=site_origin))
    server.set_app(app)
    return server, app


def run_idp(site: SiteConfig | None, *, log: TextIO, host: str = "127.0.0.1", port: int | None = None,
            site_origin: str = DEFAULT_SITE_ORIGIN) -> None:
    """Serve until interrupted; raises :class:`StartError` (a public address, a busy ``--port``).

    With ``port`` None it listens on 4322, or the next free port when that one is busy.
    """
    bound = listen_on(lambda p: start_idp(site, host=host, port=p, site_origin=site_origin), host, port,
                      default=DEFAULT_PORT, flag="--port", what="the dev identity provider")
    server, app = bound.listener
    s = app.settings
    users = ", ".join(f"{u.username} / {u.password}" for u in s.users)
    if bound.note:
        print(f"atoll idp: note: {bound.note}; its issuer is {s.issuer}", file=log)
    print(f"atoll idp: dev identity provider at {s.issuer} ({WARNING})\n"
          f"  client_id {s.client_id}; callback {', '.join(s.redirect_uris)}\n"
          f"  users: {users}", file=log, flush=True)
    try:
        while server.thread is not None and server.thread.is_alive():
            server.thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)
