"""Running the dev server in-process for tests, on free loopback ports."""

from __future__ import annotations

import io
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from atoll.serve.server import DevServer, ServeOptions


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_PORTS = random.Random()


def free_port() -> int:
    """A loopback port nothing listens on, below the kernel's ephemeral range: a port the
    kernel handed out (bind to 0) may be taken again by any outgoing connection (a browser's,
    a provider's) before the server the test starts binds it."""
    top = _ephemeral_low()
    for _ in range(200):
        port = _PORTS.randrange(max(1024, top - 12_000), top)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dev_server(site: Path, **options: object) -> Iterator[DevServer]:
    """A started :class:`DevServer` (its log in ``server.log.getvalue()``); stopped on exit."""
    opts = ServeOptions(**{"port": free_port(), "idp_port": free_port(), **options})  # type: ignore[arg-type]
    log = io.StringIO()
    server = DevServer(site, opts, log=log)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while "Serving http" not in log.getvalue():
        if failure:
            raise failure[0]
        assert time.monotonic() < deadline, log.getvalue()
        time.sleep(0.02)
    server.log_text = log  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=10)
        server.close()


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
