"""A threaded WSGI server in a background thread, for tests, benches and the dev identity provider.

Production uses waitress (see ``atoll.companion.runner``); this one is
the standard library's, made threaded and quiet.
"""

from __future__ import annotations

import socketserver
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from atoll.wsgi.http import WSGIApp


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Many test clients connect at once; the default backlog of 5 drops some.
    request_queue_size = 128
    thread: threading.Thread | None = None


def start_background(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingWSGIServer, str]:
    """Serve ``app`` on ``host:port`` (0 = a free port) in a daemon thread; returns the server and its URL."""
    server = ThreadingWSGIServer((host, port), _QuietHandler)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"wsgi-{server.server_port}", daemon=True)
    server.thread = thread
    thread.start()
    return server, f"http://{host}:{server.server_port}"


def stop(server: ThreadingWSGIServer) -> None:
    server.shutdown()
    server.server_close()
