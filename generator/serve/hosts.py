"""Which ``Host`` headers the dev server answers: a DNS-rebinding guard, like Vite's ``allowedHosts``.

A page on an attacker's domain that re-points its name at 127.0.0.1 can make
the reader's browser fetch the dev server as "same origin", drafts and all; its
requests then carry the attacker's host name. So only ``localhost`` (and
``*.localhost``), IP addresses (which no rebinding uses) and the hosts the
author configured (``--host``, the host of ``base_url``) are answered; any other
``Host`` gets a 403 that says why.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from typing import Any

import tornado.httputil
import tornado.routing
import tornado.web


def host_allowed(host_name: str, configured: Collection[str]) -> bool:
    """``host_name``: the ``Host`` header without its port, e.g. ``localhost`` or ``[::1]``."""
    name = host_name.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return name in {c.lower() for c in configured if c}
    return True


class AllowedHost(tornado.routing.Matcher):
    def __init__(self, configured: Collection[str]) -> None:
        self.configured = tuple(configured)

    def match(self, request: tornado.httputil.HTTPServerRequest) -> dict[str, Any] | None:
        return {} if host_allowed(request.host_name, self.configured) else None


class RefusedHost(tornado.web.RequestHandler):
    def initialize(self, configured: Collection[str]) -> None:
        self.configured = tuple(c for c in configured if c)

    def prepare(self) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        also = "".join(f", {c}" for c in self.configured)
        self.finish(f"Blocked request: this dev server does not answer the host {self.request.host_name!r}.\n"
                    f"It answers localhost, IP addresses{also} (a guard against DNS rebinding);\n"
                    f"start it with --host {self.request.host_name} to use that name.\n")
