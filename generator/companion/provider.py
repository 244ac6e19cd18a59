"""What the companion learns from the identity provider: discovery, signing keys, userinfo.

Documents are cached. Refetches are rate-limited per URL (a flood of made-up
``kid`` values must not become a flood of fetches), and a failed fetch keeps
the last good copy: a provider hiccup does not sign everybody out.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import jwt

from atoll.companion.trust import IssuerMismatch, KeySet, check_issuer, parse_key_set

logger = logging.getLogger("atoll.companion")

MAX_DOCUMENT = 1 << 20
T = TypeVar("T")


class FetchError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProviderUnavailable(Exception):
    """The provider cannot be reached and nothing usable is cached (answered with 503)."""


Fetch = Callable[[str, Mapping[str, str]], Any]


class Deadline:
    """One total time limit for a fetch: at ``seconds`` every socket the fetch opened is shut
    down, which ends any blocked read however slowly the server trickles bytes."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.001, self._at - time.monotonic())

    def track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                sock.close()
        return sock

    def _cut(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        self._timer.cancel()


def _deadline_opener(deadline: Deadline, context: ssl.SSLContext) -> urllib.request.OpenerDirector:
    """urllib (proxies and all) whose sockets are cut at ``deadline``."""

    def connect(address: tuple[str, int], timeout: float | None = None,  # noqa: ARG001 - the deadline decides
                source_address: tuple[str, int] | None = None) -> socket.socket:
        return deadline.track(socket.create_connection(address, deadline.remaining(), source_address))

    def connection(base: type[http.client.HTTPConnection]) -> Callable[..., http.client.HTTPConnection]:
        def make(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
            conn = base(*args, **kwargs)
            conn._create_connection = connect  # type: ignore[attr-defined]
            return conn

        return make

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(connection(http.client.HTTPConnection), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(connection(http.client.HTTPSConnection), req, context=context)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def make_fetch(timeout: float) -> Fetch:
    """A JSON GET over http(s), all of it (connect, headers, body) within ``timeout`` seconds, size-capped."""

    context = ssl.create_default_context()

    def fetch(url: str, headers: Mapping[str, str]) -> Any:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"refusing to fetch non-http URL {url!r}")
        request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})  # noqa: S310 - http(s) only, checked above
        deadline = Deadline(timeout)
        try:
            with _deadline_opener(deadline, context).open(request, timeout=timeout) as response:
                body = response.read(MAX_DOCUMENT + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise FetchError(f"{url} answered HTTP {exc.code}", exc.code) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            if deadline.expired:
                raise FetchError(f"{url} did not answer within {timeout:g} s") from None
            raise FetchError(f"{url} could not be fetched ({type(exc).__name__})") from None
        finally:
            deadline.cancel()
        if deadline.expired:
            raise FetchError(f"{url} did not answer within {timeout:g} s")
        if len(body) > MAX_DOCUMENT:
            raise FetchError(f"{url} answered more than {MAX_DOCUMENT} bytes")
        try:
            return json.loads(body)
        except ValueError:
            raise FetchError(f"{url} did not answer JSON") from None

    return fetch


class CachedDocument(Generic[T]):
    """One JSON document, parsed, cached and refetched at most once per ``min_interval``.

    A fetch in progress never holds up a request that the cached copy can
    serve: only callers with nothing usable wait for it (and a fetch has a
    total deadline, see :func:`make_fetch`).
    """

    def __init__(self, url: str, parse: Callable[[Any], T], *, fetch: Fetch, clock: Callable[[], float],
                 min_interval: float, max_age: float) -> None:
        self.url = url
        self._parse = parse
        self._fetch = fetch
        self._clock = clock
        self._min_interval = min_interval
        self._max_age = max_age
        self._value: T | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._mismatch: IssuerMismatch | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self, lacks: Callable[[T], bool] = lambda _value: False) -> T:
        """The document; refetched (rate-limited) when stale or when ``lacks(value)``."""
        value = self._value
        if value is not None and not lacks(value):
            if self._stale() and self._may_fetch() and self._lock.acquire(blocking=False):
                try:
                    if self._stale() and self._may_fetch():
                        self._refresh()
                finally:
                    self._lock.release()
            return self._value or value
        with self._lock:
            value = self._value
            wanted = value is None or lacks(value) or self._stale()
            if wanted and self._may_fetch():
                self._refresh()
                value = self._value
        if value is None:
            if self._mismatch is not None:
                raise IssuerMismatch(self._mismatch.authority, self._mismatch.issuer)
            raise ProviderUnavailable(f"cannot fetch {self.url} and nothing is cached")
        return value

    def _stale(self) -> bool:
        return self._clock() - self._fetched_at >= self._max_age

    def _may_fetch(self) -> bool:
        return self._attempted_at is None or self._clock() - self._attempted_at >= self._min_interval

    def _refresh(self) -> None:
        self._attempted_at = self._clock()
        self.fetches += 1
        try:
            value = self._parse(self._fetch(self.url, {}))
        except IssuerMismatch as exc:
            self._mismatch = exc
            logger.error("provider document %s refused: %s", self.url, exc)
            return
        except (FetchError, ValueError) as exc:
            kept = "keeping the last good copy" if self._value is not None else "nothing cached"
            logger.warning("provider document %s not refreshed: %s (%s)", self.url, exc, kept)
            return
        self._value = value
        self._mismatch = None
        self._fetched_at = self._attempted_at


@dataclass(frozen=True)
class Discovery:
    # Exactly as the provider writes it: the `iss` every token must carry.
    issuer: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_endpoint: str | None = None
    # RFC 7009; Cognito lists none (its /oauth2/revoke is configured instead).
    revocation_endpoint: str | None = None


def discovery_parser(authority: str) -> Callable[[Any], Discovery]:
    secure = authority.startswith("https://")

    def endpoint(doc: dict[str, Any], key: str) -> str | None:
        url = doc.get(key)
        if url is None:
            return None
        if not isinstance(url, str) or urlsplit(url).scheme not in (("https",) if secure else ("http", "https")):
            raise ValueError(f"discovery: {key} must be an {'https' if secure else 'http(s)'} URL")
        return url

    def parse(doc: Any) -> Discovery:
        if not isinstance(doc, dict):
            raise ValueError("discovery document is not a JSON object")
        issuer = check_issuer(authority, doc.get("issuer"))
        jwks_uri = endpoint(doc, "jwks_uri")
        if jwks_uri is None:
            raise ValueError("discovery document has no jwks_uri")
        return Discovery(issuer=issuer, jwks_uri=jwks_uri, userinfo_endpoint=endpoint(doc, "userinfo_endpoint"),
                         token_endpoint=endpoint(doc, "token_endpoint"),
                         revocation_endpoint=endpoint(doc, "revocation_endpoint"))

    return parse


def key_set_parser(url: str, *, require_kid: bool) -> Callable[[Any], KeySet]:
    """:func:`parse_key_set`, logging each refused key (once per fetch) so the author learns why."""

    def parse(doc: Any) -> KeySet:
        keys = parse_key_set(doc, require_kid=require_kid)
        for name, why in keys.refused.items():
            logger.warning("JWKS %s: %s refused: it %s", url, name, why)
        return keys

    return parse


class Provider:
    """One issuer's discovery document, key sets (one cache per JWKS URL) and userinfo."""

    def __init__(self, authority: str, *, fetch: Fetch, clock: Callable[[], float] = time.time,
                 min_interval: float = 10.0, max_age: float = 3600.0, require_kid: bool = False) -> None:
        self._fetch = fetch
        self._require_kid = require_kid
        self._cache_args: dict[str, Any] = {
            "fetch": fetch, "clock": clock, "min_interval": min_interval, "max_age": max_age}
        # Discovery lives at <authority without trailing slash>/.well-known/... (OIDC Discovery 4.1).
        self.discovery = CachedDocument(f"{authority.rstrip('/')}/.well-known/openid-configuration",
                                        discovery_parser(authority), **self._cache_args)
        self.key_sets: dict[str, CachedDocument[KeySet]] = {}
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        """The issuer as the provider's discovery document writes it."""
        return self.discovery.get().issuer

    def signing_key(self, kid: str | None) -> jwt.PyJWK:
        """The key that verifies a token with this ``kid`` header (None: none); :class:`UnknownKey` says why not."""
        jwks_uri = self.discovery.get().jwks_uri
        with self._lock:
            key_set = self.key_sets.get(jwks_uri)
            if key_set is None:
                key_set = self.key_sets[jwks_uri] = CachedDocument(
                    jwks_uri, key_set_parser(jwks_uri, require_kid=self._require_kid), **self._cache_args)
        keys = key_set.get(lambda found: kid is not None and kid not in found.by_kid and kid not in found.refused_kids)
        return keys.find(kid)

    @property
    def has_userinfo(self) -> bool:
        return self.discovery.get().userinfo_endpoint is not None

    def userinfo(self, access_token: str) -> dict[str, Any] | None:
        """The provider's userinfo for ``access_token``; None when the provider refuses the token."""
        endpoint = self.discovery.get().userinfo_endpoint
        if endpoint is None:
            return None
        try:
            info = self._fetch(endpoint, {"Authorization": f"Bearer {access_token}"})
        except FetchError as exc:
            if exc.status in (400, 401, 403):
                return None
            raise ProviderUnavailable(str(exc)) from None
        return info if isinstance(info, dict) else None
