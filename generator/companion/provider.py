"""What the companion learns from the identity provider: discovery, signing keys, userinfo.

Documents are cached. Refetches are rate-limited per URL (a flood of made-up
``kid`` values must not become a flood of fetches), and a failed fetch keeps
the last good copy: a provider hiccup does not sign everybody out.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import jwt

logger = logging.getLogger("atoll.companion")

MAX_DOCUMENT = 1 << 20
T = TypeVar("T")


class FetchError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProviderUnavailable(Exception):
    """The provider cannot be reached and nothing usable is cached (answered with 503)."""


class UnknownKey(Exception):
    """The token names a ``kid`` that the provider's key set does not hold."""


Fetch = Callable[[str, Mapping[str, str]], Any]


def make_fetch(timeout: float) -> Fetch:
    """A JSON GET over http(s) with a timeout and a size cap."""

    def fetch(url: str, headers: Mapping[str, str]) -> Any:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"refusing to fetch non-http URL {url!r}")
        request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read(MAX_DOCUMENT + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise FetchError(f"{url} answered HTTP {exc.code}", exc.code) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            raise FetchError(f"{url} could not be fetched ({type(exc).__name__})") from None
        if len(body) > MAX_DOCUMENT:
            raise FetchError(f"{url} answered more than {MAX_DOCUMENT} bytes")
        try:
            return json.loads(body)
        except ValueError:
            raise FetchError(f"{url} did not answer JSON") from None

    return fetch


class CachedDocument(Generic[T]):
    """One JSON document, parsed, cached and refetched at most once per ``min_interval``."""

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
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self, lacks: Callable[[T], bool] = lambda value: False) -> T:
        """The document; refetched (rate-limited) when stale or when ``lacks(value)``."""
        value = self._value
        if value is not None and not lacks(value) and not self._stale():
            return value
        with self._lock:
            value = self._value
            wanted = value is None or lacks(value) or self._stale()
            if wanted and self._may_fetch():
                self._refresh()
                value = self._value
        if value is None:
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
        except (FetchError, ValueError) as exc:
            kept = "keeping the last good copy" if self._value is not None else "nothing cached"
            logger.warning("provider document %s not refreshed: %s (%s)", self.url, exc, kept)
            return
        self._value = value
        self._fetched_at = self._attempted_at


@dataclass(frozen=True)
class Discovery:
    jwks_uri: str
    userinfo_endpoint: str | None


def discovery_parser(issuer: str) -> Callable[[Any], Discovery]:
    secure = issuer.startswith("https://")

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
        if doc.get("issuer") != issuer:
            raise ValueError(f"discovery names issuer {doc.get('issuer')!r}, expected {issuer!r}")
        jwks_uri = endpoint(doc, "jwks_uri")
        if jwks_uri is None:
            raise ValueError("discovery document has no jwks_uri")
        return Discovery(jwks_uri=jwks_uri, userinfo_endpoint=endpoint(doc, "userinfo_endpoint"))

    return parse


def parse_jwks(doc: Any) -> dict[str, jwt.PyJWK]:
    """The usable RS256 signing keys of a JWKS, by ``kid``; keys for other uses are left out."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError("JWKS is not an object with a 'keys' list")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in doc["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") != "RS256" or entry.get("kty") != "RSA":
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
        except jwt.PyJWTError:
            continue
    return keys


class Provider:
    """One issuer's discovery document, key sets (one cache per JWKS URL) and userinfo."""

    def __init__(self, issuer: str, *, fetch: Fetch, clock: Callable[[], float] = time.time,
                 min_interval: float = 10.0, max_age: float = 3600.0) -> None:
        self._fetch = fetch
        self._cache_args: dict[str, Any] = {
            "fetch": fetch, "clock": clock, "min_interval": min_interval, "max_age": max_age}
        # The issuer is compared exactly (some providers' issuers end in '/'), but
        # discovery lives at <issuer without trailing slash>/.well-known/... (OIDC Discovery §4).
        self.discovery = CachedDocument(f"{issuer.rstrip('/')}/.well-known/openid-configuration",
                                        discovery_parser(issuer), **self._cache_args)
        self.key_sets: dict[str, CachedDocument[dict[str, jwt.PyJWK]]] = {}
        self._lock = threading.Lock()

    def signing_key(self, kid: str) -> jwt.PyJWK:
        jwks_uri = self.discovery.get().jwks_uri
        with self._lock:
            key_set = self.key_sets.get(jwks_uri)
            if key_set is None:
                key_set = self.key_sets[jwks_uri] = CachedDocument(jwks_uri, parse_jwks, **self._cache_args)
        keys = key_set.get(lambda found: kid not in found)
        if kid not in keys:
            raise UnknownKey(kid)
        return keys[kid]

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
