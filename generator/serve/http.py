"""The dev server's HTTP side (tornado): the built files, the companion, live reload.

- ``/livereload``: a WebSocket speaking the LiveReload protocol (official-7);
  ``/_atoll/dev/client.js`` is the page side of it, with the error overlay.
- the companion's session path and ``/api/``: the companion WSGI app, in a thread pool.
- everything else: the dev output folder, with pretty URLs, ``404.html`` and the
  same strict Content-Security-Policy a production host should send.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import tornado.httputil as httputil
import tornado.routing
import tornado.web
import tornado.websocket
import tornado.wsgi

from atoll.build.scripts import is_hashed_url
from atoll.build.sources import text_digest
from atoll.serve.hosts import AllowedHost, RefusedHost

CLIENT_JS = Path(__file__).with_name("client.js")
CLIENT_URL = "/_atoll/dev/client.js"
LIVERELOAD_PROTOCOL = "http://livereload.com/protocols/official-7"
IMMUTABLE = "public, max-age=31536000, immutable"
# A page's stylesheet links; each local one is served as <href>?v=<the file's stamp>
_STYLESHEET = re.compile(rb'<link\b[^>]*\brel="stylesheet"[^>]*>')
_LOCAL_HREF = re.compile(rb'\bhref="(/[^/"?#][^"?#]*)"')


def file_stamp(path: Path) -> str:
    """A short name for a file's version: of its path, size and modification time."""
    st = os.stat(path)
    return text_digest(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())


def versioned(uri: str | None, current: str) -> bool:
    """Whether a request's ``?v=`` names the current version of what it asks for."""
    return parse_qs(urlsplit(uri or "").query).get("v") == [current]


@dataclass
class DevState:
    """What the handlers share with the rebuild thread (touched on the IOLoop only)."""

    out: Path
    origin: str
    provider_origins: tuple[str, ...] = ()
    callback_path: str | None = None
    session_path: str | None = None  # the companion's, when it is mounted
    build: int = 0  # bumped after each successful rebuild
    errors: list[dict[str, Any]] = field(default_factory=list)
    sockets: set[ReloadSocket] = field(default_factory=set)
    # URL paths open in a browser; replaced whole, so the rebuild thread may read it
    viewed: frozenset[str] = frozenset()

    def csp(self) -> str:
        providers = " ".join(self.provider_origins)
        # 'wasm-unsafe-eval' lets Pagefind's WebAssembly run; it allows no JavaScript eval
        return ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
                f"img-src 'self' data: https:; connect-src 'self' {providers}; "
                f"form-action 'self' {providers}; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"
                ).replace("  ", " ")

    def broadcast(self, message: dict[str, Any]) -> None:
        for socket in list(self.sockets):
            socket.send(message)

    def watching(self) -> None:
        """Note which pages the open browsers show (after a socket said where it is, or closed)."""
        self.viewed = frozenset(s.path for s in self.sockets if s.path is not None)

    def _clear_errors(self) -> None:
        if self.errors:
            self.errors = []
            self.broadcast({"command": "atoll-ok"})

    def _reload(self, which: Callable[[ReloadSocket], bool], path: str, *, live_css: bool = False) -> None:
        for socket in list(self.sockets):
            if which(socket):
                socket.send({"command": "reload", "path": path, "liveCSS": live_css, "liveImg": False})

    def shown(self, urls: tuple[str, ...]) -> None:
        """The pages at ``urls`` were moved in ahead of a long rebuild: reload the browsers on them."""
        self._clear_errors()
        self._reload(lambda socket: socket.path in urls, "/")

    def reloaded(self, changed: tuple[str, ...], shown: tuple[str, ...] = ()) -> None:
        """A rebuild changed these outputs: reload the browsers (but not those :meth:`shown`
        has reloaded already, when the rest were only other pages)."""
        self.build += 1
        self._clear_errors()
        only_css = bool(changed) and all(output.endswith(".css") for output in changed)
        skip = frozenset(shown) if all(output.endswith(".html") for output in changed) else frozenset()
        self._reload(lambda socket: socket.path not in skip, changed[0] if only_css and len(changed) == 1 else "/",
                     live_css=only_css)

    def failed(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        self.broadcast({"command": "atoll-errors", "errors": errors})


class ReloadSocket(tornado.websocket.WebSocketHandler):
    def initialize(self, state: DevState) -> None:
        self.state = state
        self.path: str | None = None  # the page this browser shows, once it says (LiveReload's "info")

    def check_origin(self, origin: str) -> bool:
        return origin == self.state.origin

    def open(self, *args: str) -> None:  # noqa: ARG002
        self.state.sockets.add(self)

    def on_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        if data.get("command") == "hello":
            self.send({"command": "hello", "protocols": [LIVERELOAD_PROTOCOL], "serverName": "atoll",
                       "atollBuild": self.state.build, "atollErrors": bool(self.state.errors)})
            if self.state.errors:
                self.send({"command": "atoll-errors", "errors": self.state.errors})
        elif data.get("command") == "info" and isinstance(data.get("url"), str):
            self.path = page_path(data["url"])
            self.state.watching()

    def on_close(self) -> None:
        self.state.sockets.discard(self)
        self.state.watching()

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.write_message(json.dumps(message))
        except tornado.websocket.WebSocketClosedError:
            self.state.sockets.discard(self)


def page_path(url: str) -> str:
    """The URL path a page has in the build (``/a/b/``) from a browser's location."""
    path = unquote(urlsplit(url).path) or "/"
    return path[:-len("index.html")] if path.endswith("/index.html") else path


class ClientScript(tornado.web.RequestHandler):
    def get(self) -> None:
        data = CLIENT_JS.read_bytes()
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        fresh = versioned(self.request.uri, text_digest(data))
        self.set_header("Cache-Control", IMMUTABLE if fresh else "no-store")
        self.write(data)


class SiteFiles(tornado.web.RequestHandler):
    """The dev output folder, as a static host would serve it (plus the dev client).

    Requests the companion's gate covers (protected URLs, or any it cannot
    decide on) go to the companion instead, as a production gate would take them.
    """

    def initialize(self, state: DevState, gate: Gate | None = None) -> None:
        self.state = state
        self.gate = gate

    def prepare(self) -> None:
        if self.gate is not None and self.gate.covers(self.request.path):
            self.gate.fallback(self.request)
            self._finished = True
            self.on_finish()

    def _resolve(self, url_path: str) -> Path | None:
        root = self.state.out.resolve()
        rel = unquote(url_path).lstrip("/")
        if "\0" in rel or "\\" in rel:
            return None
        if any(part.startswith(".") and part != ".well-known" for part in rel.split("/")):
            return None  # dot-folders (the protected output among them) are never files of the site
        candidate = (root / rel).resolve()
        if candidate != root and root not in candidate.parents:
            return None  # '..', or a symlink out of the output folder
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def head(self, path: str) -> None:
        self.get(path, include_body=False)

    def get(self, path: str, include_body: bool = True) -> None:  # noqa: ARG002
        url_path = urlsplit(self.request.uri or "/").path
        file = self._resolve(url_path)
        if file is not None and file.name == "index.html" and not url_path.endswith(("/", ".html")):
            query = urlsplit(self.request.uri or "").query
            self.redirect(url_path + "/" + (f"?{query}" if query else ""), permanent=False)
            return
        status = 200
        if file is None:
            status, file = 404, self._resolve("/404.html")
        self.set_status(status)
        # A hashed script's name changes with its bytes, and a stylesheet's link with its file
        # (see _inject): a reload need not fetch them again. Whatever else may change unnamed.
        immutable = status == 200 and file is not None and (
            is_hashed_url(url_path) or versioned(self.request.uri, file_stamp(file)))
        self.set_header("Cache-Control", IMMUTABLE if immutable else "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        if file is None:
            body, ctype = self._page("<h1>Not found</h1>"), "text/html; charset=utf-8"
        else:
            body = file.read_bytes()
            ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            if file.suffix == ".html":
                body = self._inject(body)
        if ctype.startswith("text/html"):
            self.set_header("Content-Security-Policy", self.state.csp())
        if self.state.callback_path and url_path.rstrip("/") == self.state.callback_path.rstrip("/"):
            self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Content-Type", ctype)
        if include_body:
            self.write(body)

    def _inject(self, html: bytes) -> bytes:
        """The dev client added, and each local stylesheet linked by its version: a page reloaded
        after an edit then takes its unchanged stylesheets and the client from the browser's cache
        (on the benchmark site it is ready in half the time), and one whose stylesheet changed
        links the new version."""
        tag = (f'<script src="{CLIENT_URL}?v={text_digest(CLIENT_JS.read_bytes())}" data-build="{self.state.build}" '
               f'defer></script>').encode()
        head = html.find(b"</head>")
        if head < 0:
            return tag + html
        return _STYLESHEET.sub(self._versioned_link, html[:head]) + tag + html[head:]

    def _versioned_link(self, link: re.Match[bytes]) -> bytes:
        def href(match: re.Match[bytes]) -> bytes:
            file = self._resolve(match.group(1).decode("utf-8", "replace"))
            return match.group(0) if file is None else match.group(0)[:-1] + f'?v={file_stamp(file)}"'.encode()

        return _LOCAL_HREF.sub(href, link.group(0), count=1)

    def _page(self, inner: str) -> bytes:
        return self._inject(f"<!doctype html><html><head><title>Atoll dev server</title></head>"
                            f"<body>{inner}</body></html>".encode())


@dataclass(frozen=True)
class Gate:
    """Which requests the companion's gate answers (``covers(raw path)``), and the companion to ask."""

    covers: Callable[[str], bool]
    fallback: Callable[[Any], None]


def make_app(state: DevState, companion: Callable[..., Any] | None, companion_paths: list[str],
             executor: ThreadPoolExecutor, *, log: Callable[[str], None],
             hosts: Collection[str] = ()) -> tornado.web.Application:
    """The dev server's routes, answered only for allowed ``Host`` headers (see :mod:`atoll.serve.hosts`);
    ``log`` gets one line per answer an author should see (:func:`worth_logging`)."""
    def log_answer(status: int, request: httputil.HTTPServerRequest) -> None:
        if worth_logging(status, request.method or "", request.path, state.session_path):
            log(f"{status} {request.method} {request.path}")

    routes: list[Any] = [
        (r"/livereload", ReloadSocket, {"state": state}),
        (CLIENT_URL, ClientScript),
    ]
    gate = None
    if companion is not None:
        container = _Container(dated(companion), executor=executor, log_answer=log_answer)
        for path in companion_paths:
            routes.append((path, tornado.web.FallbackHandler, {"fallback": container}))
        protected = getattr(companion, "protected", None)
        if protected is not None:
            gate = Gate(protected.covers_target, container)
    routes.append((r"/(.*)", SiteFiles, {"state": state, "gate": gate}))
    guarded: list[Any] = [(AllowedHost(hosts), routes),
                          (tornado.routing.AnyMatches(), RefusedHost, {"configured": hosts})]
    return tornado.web.Application(guarded, compress_response=False, websocket_ping_interval=20,
                                   log_function=lambda handler: log_answer(handler.get_status(), handler.request))


def worth_logging(status: int, method: str, path: str, session_path: str | None) -> bool:
    """Errors and missing files, which an author wants to hear about; not the answers that are fine,
    nor the signed-out session check every page makes."""
    if status < 400:
        return False
    return not (status == 401 and method in ("GET", "HEAD") and path == session_path)


class _Container(tornado.wsgi.WSGIContainer):
    """The companion under tornado, its answers logged as the site's are (not on tornado's access log)."""

    def __init__(self, app: Callable[..., Any], *, executor: ThreadPoolExecutor,
                 log_answer: Callable[[int, httputil.HTTPServerRequest], None]) -> None:
        super().__init__(app, executor=executor)
        self._log_answer = log_answer

    def _log(self, status_code: int, request: httputil.HTTPServerRequest) -> None:
        self._log_answer(status_code, request)


def dated(app: Callable[..., Any]) -> Callable[..., Any]:
    """Add the ``Date`` header production servers send (waitress, gunicorn, API Gateway) and
    tornado's WSGI container does not: the islands read the companion's clock from it."""

    def with_date(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not any(name.lower() == "date" for name, _ in headers):
                headers = [*headers, ("Date", formatdate(usegmt=True))]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return app(environ, start)

    return with_date

