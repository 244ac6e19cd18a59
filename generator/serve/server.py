"""``atoll serve``: build, serve, watch, rebuild what changed, reload open browsers.

With no ``auth.authority`` in ``site.yaml`` it also starts the embedded dev
identity provider on its own port and points the site at it, so sign-in works
with no cloud account. The server never dies on an author's mistake: a failed
rebuild is printed and shown as an overlay in the browser, and the last good
build stays served.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.ioloop

from atoll.build import cache
from atoll.build.protect import PROTECTED
from atoll.build.search import IndexStopped
from atoll.config import SiteConfig, is_loopback_host, load_config
from atoll.errors import BuildFailed, SiteError, StartError, errors_count
from atoll.ports import listen_on
from atoll.serve.http import DevState, make_app
from atoll.serve.rebuild import Changes, LiveBuilder, Rebuild
from atoll.serve.watch import Watcher

SERVE_STATE = "serve-state.pickle"
EXCERPT_LINES = 2  # source lines shown above and below an error's line
INDEX_QUIET = 1.0  # seconds without a rebuild before the search index is brought up to date


DEFAULT_PORT, DEFAULT_IDP_PORT = 4321, 4322


class ServeError(StartError):
    """A reason the dev server cannot start (busy port, bad host...), worded for the terminal."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int | None = None  # None: 4321, or the next free port if that one is busy
    idp_port: int | None = None  # None: 4322, or the next free one
    drafts: bool = True
    jobs: int | None = None
    dev_idp: bool = False  # sign in through the dev identity provider even when site.yaml names one


def listening_socket(host: str, port: int) -> socket.socket:
    """A non-blocking socket listening on host:port (``OSError`` when it cannot)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def public_host_message(host: str) -> str:
    return (f"--host {host} would serve the site to other devices, but the dev identity provider listens on "
            "this machine only (it signs in anyone who knows a dev_users password), so nobody could sign in "
            "from them\n"
            "  hint: serve on 127.0.0.1 to sign in here; to preview on a phone, set auth.authority to a real "
            "provider (whose sign-in needs the site on https) and leave out --dev-idp")


def error_payload(error: SiteError, site_root: Path) -> dict[str, Any]:
    """One build error for the browser overlay: where, what, and the lines around it."""
    excerpt = []
    if error.path and error.line and not error.path.startswith("("):
        try:
            lines = (site_root / error.path).read_text(encoding="utf-8", errors="replace").split("\n")
        except OSError:
            lines = []
        first = max(1, error.line - EXCERPT_LINES)
        for number in range(first, min(len(lines), error.line + EXCERPT_LINES) + 1):
            excerpt.append({"number": number, "text": lines[number - 1]})
    text = str(error)
    return {"location": error.location, "line": error.line, "message": text.split("\n")[0].removeprefix(
        f"{error.location}: "), "hint": error.hint, "excerpt": excerpt, "path": error.path}


class DevServer:
    """Everything ``atoll serve`` runs: builder, watcher, HTTP server, companion, dev IdP."""

    def __init__(self, site_root: Path, options: ServeOptions, *, log: TextIO) -> None:
        self.site_root = site_root.resolve()
        self.options = options
        self.log = log
        self.origin = f"http://{options.host}:{options.port or DEFAULT_PORT}"  # the port used, once bound
        self.idp_server: Any = None
        self.idp_url: str | None = None
        self.loop: tornado.ioloop.IOLoop | None = None
        self.watcher: Watcher | None = None
        self.http_server: tornado.httpserver.HTTPServer | None = None
        self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="atoll-companion")
        self.builder = LiveBuilder(self.site_root, cache.serve_output(self.site_root), configure=self.configure,
                                   drafts=options.drafts, jobs=options.jobs)
        self.state = DevState(out=self.builder.out, origin=self.origin)
        self._index_wanted = threading.Event()
        self._indexer: threading.Thread | None = None

    def say(self, text: str) -> None:
        print(text, file=self.log, flush=True)

    def configure(self, config: SiteConfig) -> SiteConfig:
        """The site as the dev server builds it: served from its own origin, and
        signing in through the dev identity provider when no provider is set."""
        config = config.with_base_url(self.origin + "/")
        if config.auth is not None and self.idp_url and (config.auth.authority is None or self.options.dev_idp):
            config = config.with_dev_provider(self.idp_url)
        return config

    # ------------------------------------------------------------ start-up

    def start(self) -> None:
        """Bind, start the providers and the first build; raises :class:`ServeError`."""
        bound = listen_on(lambda port: listening_socket(self.options.host, port), self.options.host,
                          self.options.port, default=DEFAULT_PORT, flag="--port", what="the site")
        sockets = [bound.listener]
        self.origin = self.state.origin = f"http://{self.options.host}:{bound.port}"
        try:
            config = load_config(self.site_root)
        except BuildFailed as exc:
            for s in sockets:
                s.close()
            raise ServeError("site.yaml has errors; fix them and start again:\n" + str(exc)) from exc
        try:
            companion = self._start_auth(config)
        except StartError:
            for s in sockets:
                s.close()
            raise
        if bound.note:
            extra = ""
            if config.auth is not None and self.idp_url is None:  # a real provider knows the callback URL
                extra = f"; your provider must accept {self.origin}{config.auth.redirect_path} as a callback URL"
            self.say(f"note: {bound.note}{extra}")
        state, notes = cache.load(self.site_root, SERVE_STATE)
        for note in notes:
            self.say(f"note: {note}")
        self.builder.resume(state)
        self._initial_build()
        threading.Thread(target=self.builder.warm_up, name="atoll-warm-up", daemon=True).start()
        app = make_app(self.state, companion, self._companion_paths(config), self.executor, log=self.say,
                       hosts=(self.options.host, urlsplit(config.base_url).hostname or ""))
        self.http_server = tornado.httpserver.HTTPServer(app, xheaders=False)
        self.http_server.add_sockets(sockets)
        self._indexer = threading.Thread(target=self._index_in_thread, name="atoll-search-index", daemon=True)
        self._indexer.start()
        if self.builder.index_due:
            self._index_wanted.set()
        self.watcher = Watcher(self.site_root, self._rebuild_in_thread, config.theme)
        self.watcher.start()
        watched = ", ".join("/".join(folder) + "/" for folder in self.watcher.folders)
        self.say(f"Serving {self.origin}/ ({'drafts shown' if self.options.drafts else 'drafts hidden'}); "
                 f"watching {watched} and site.yaml. Ctrl-C stops.")

    def _start_auth(self, config: SiteConfig) -> Any:
        if config.auth is None:
            return None
        from atoll import companion as companion_pkg

        if config.auth.authority is None or self.options.dev_idp:
            from atoll.devidp import start_idp

            host = self.options.host
            if not is_loopback_host(host):
                raise ServeError(public_host_message(host))
            bound = listen_on(lambda port: start_idp(config, host=host, port=port, site_origin=self.origin), host,
                              self.options.idp_port, default=DEFAULT_IDP_PORT, flag="--idp-port",
                              what="the dev identity provider")
            if bound.note:
                self.say(f"note: {bound.note}")
            self.idp_server, idp = bound.listener
            self.idp_url = idp.settings.issuer
            users = ", ".join(f"{u.username} / {u.password}" for u in idp.settings.users)
            self.say(f"Dev identity provider at {self.idp_url} (development only; users: {users})")
        configured = self.configure(config)
        assert configured.auth is not None and configured.auth.authority is not None  # noqa: S101 - configure() set it
        providers = {self._origin_of(configured.auth.authority)}
        if configured.auth.cognito_domain:
            providers.add(self._origin_of(configured.auth.cognito_domain))
        self.state.provider_origins = tuple(sorted(providers))
        self.state.callback_path = configured.auth.redirect_path
        self.state.session_path = urlsplit(configured.auth.companion_url).path or "/auth/session"
        secret = self._dev_secret()
        try:
            # The dev build keeps its protected output inside its own (dot-folder, never served) output.
            settings = companion_pkg.settings_from_site(configured, secret=secret, origin=self.origin,
                                                        protected=self.builder.out / PROTECTED)
            api = companion_pkg.load_api(configured)
        except companion_pkg.CompanionConfigError as exc:
            raise ServeError(f"companion: {exc}") from exc
        self.say(f"Sessions in {settings.sessions}, signed with .atoll/session-secret "
                 "(set ATOLL_SESSION_SECRET in production)")
        return companion_pkg.create_app(settings, api=api)

    def _dev_secret(self) -> str:
        """A random secret kept in .atoll/session-secret, so sessions survive a restart of ``serve``."""
        path = self.site_root / cache.CACHE_DIR / "session-secret"
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError:
            secret = ""
        if len(secret) < 32:
            secret = secrets.token_urlsafe(32)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(secret + "\n")
            except OSError as exc:
                self.say(f"note: session secret not kept ({exc}); sessions end when serve stops")
        return secret

    @staticmethod
    def _origin_of(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    @staticmethod
    def _companion_paths(config: SiteConfig) -> list[str]:
        if config.auth is None:
            return []
        session = urlsplit(config.auth.companion_url).path or "/auth/session"
        return [session, r"/api/.*"] if session.startswith("/") else [r"/api/.*"]

    def _initial_build(self) -> None:
        """Every page, before serving; the search index follows in the background (on a big site
        Pagefind takes as long as the pages did, and the author need not wait for it)."""
        started = time.perf_counter()
        result = self._try_rebuild(None, index=False)
        if result is not None:
            reused = result.total - result.rendered
            detail = f" ({reused} unchanged since the last session)" if reused else ""
            later = "; the search index follows" if self.builder.index_due else ""
            self.say(f"Built {result.total} pages{detail} in {time.perf_counter() - started:.2f} s{later}")

    # ------------------------------------------------------------ rebuilds

    def _report_failure(self, exc: BuildFailed) -> None:
        self.say(str(exc) + f"\nBuild failed: {errors_count(len(exc.errors))}; still serving the last good build.")
        payload = [error_payload(e, self.site_root) for e in exc.errors]
        if self.loop is not None:
            self.loop.add_callback(self.state.failed, payload)
        else:
            self.state.errors = payload

    def _try_rebuild(self, changes: Changes | None, *, index: bool = True, viewed: frozenset[str] = frozenset(),
                     shown: Callable[[tuple[str, ...]], None] | None = None) -> Rebuild | None:
        """A rebuild, or None after reporting why it failed; never raises."""
        try:
            return self.builder.rebuild(changes, index=index, viewed=viewed, shown=shown)
        except BuildFailed as exc:
            self._report_failure(exc)
        except SiteError as exc:
            self._report_failure(BuildFailed([exc]))
        except Exception as exc:  # noqa: BLE001 - a bug must not take the author's server down
            self.say(f"atoll serve: internal error during rebuild ({type(exc).__name__}: {exc}); "
                     "still serving the last good build")
        finally:
            for note in self.builder.take_notes():
                self.say(f"note: {note}")
        return None

    def _rebuild_in_thread(self, changes: Changes) -> None:
        """Called by the watcher (its own thread) after each quiet burst of changes."""
        loop = self.loop

        def shown(urls: tuple[str, ...]) -> None:
            self.say(f"Updated {', '.join(urls)} first (open in a browser); rendering the other pages")
            if loop is not None:
                loop.add_callback(self.state.shown, urls)

        result = self._try_rebuild(changes, index=False, viewed=self.state.viewed, shown=shown)
        if result is None:
            return
        if result.changed or self.state.errors:
            self.say(f"Rebuilt {result.rendered} of {result.total} pages in {result.seconds * 1000:.0f} ms")
            if loop is not None:
                loop.add_callback(self.state.reloaded, result.changed, result.shown)
        if self.builder.index_due:
            self._index_wanted.set()

    def _index_in_thread(self) -> None:
        """The search index, brought up to date after the browsers reloaded (Pagefind reads
        every page: on a big site it takes seconds); one run covers any rebuilds before it.
        It waits for :data:`INDEX_QUIET` without a rebuild, so that saves in quick succession
        (an editor's autosave) do not each start a run that the next rebuild competes with."""
        while not self.builder.closing.is_set():
            self._index_wanted.wait()
            self._index_wanted.clear()
            while self._index_wanted.wait(INDEX_QUIET) and not self.builder.closing.is_set():
                self._index_wanted.clear()  # another rebuild meanwhile: wait again
            if self.builder.closing.is_set():
                return
            try:
                self.builder.refresh_index()
            except IndexStopped:
                return
            except BuildFailed as exc:
                self.say(str(exc) + "\nThe search index is behind until the next rebuild.")
            except Exception as exc:  # noqa: BLE001 - a bug must not take the author's server down
                self.say(f"atoll serve: internal error while indexing ({type(exc).__name__}: {exc})")

    # ------------------------------------------------------------ running

    def run(self) -> None:
        """Serve until Ctrl-C (or :meth:`stop`)."""
        asyncio.run(self._serve_forever())

    async def _serve_forever(self) -> None:
        self.loop = tornado.ioloop.IOLoop.current()
        self._stopped = asyncio.Event()
        if threading.current_thread() is threading.main_thread():
            # `kill` (SIGTERM) stops as Ctrl-C does, so the session is saved for the next start;
            # through the loop, which wakes its selector for it
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self._stopped.set)
        try:
            self.start()
            await self._stopped.wait()
        finally:
            if self.http_server is not None:
                self.http_server.stop()
                await self.http_server.close_all_connections()

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.add_callback(self._stopped.set)

    def close(self) -> None:
        # A search index run is given up: Pagefind must not outlive the server (on a big site
        # it runs for half a minute, with gigabytes of memory, writing where nobody reads).
        self.builder.closing.set()
        self._index_wanted.set()
        if self._indexer is not None:
            self._indexer.join(timeout=10)
        if self.watcher is not None:
            self.watcher.stop()
            with self.builder.lock:  # the next start reuses what this session rendered
                if self.builder.state.output is not None:
                    cache.save(self.site_root, self.builder.session_state(), SERVE_STATE)
        if self.idp_server is not None:
            from atoll.wsgi.server import stop

            stop(self.idp_server)
        self.executor.shutdown(wait=False, cancel_futures=True)


def serve(site_root: Path, options: ServeOptions, *, log: TextIO) -> None:
    """The ``atoll serve`` command: returns after Ctrl-C or SIGTERM; raises :class:`ServeError`
    when it cannot start. Status lines go to ``log``."""
    server = DevServer(site_root, options, log=log)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
