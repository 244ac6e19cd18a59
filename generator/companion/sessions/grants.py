"""The companion's own calls to the provider: the refresh grant and token revocation.

Both as a public client (``client_id``, no secret), as Cognito's app clients
for browser sign-in are.

@see https://www.rfc-editor.org/rfc/rfc6749#section-6 (refresh) and
     https://www.rfc-editor.org/rfc/rfc7009 (revocation)
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from atoll.companion.provider import MAX_DOCUMENT, Provider, ProviderUnavailable

logger = logging.getLogger("atoll.companion")

# (url, form) -> (status, parsed JSON body or None)
Post = Callable[[str, Mapping[str, str]], tuple[int, Any]]


class RefreshRefused(Exception):
    """The provider will not refresh (revoked, expired, another client's token): the session ends."""


@dataclass(frozen=True)
class Refreshed:
    id_token: str
    access_token: str
    # Set when the provider rotates refresh tokens: it replaces the old one.
    refresh_token: str | None


def make_post(timeout: float) -> Post:
    """A form POST over http(s) with a timeout and a size cap; network trouble is ProviderUnavailable."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(url: str, form: Mapping[str, str]) -> tuple[int, Any]:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ProviderUnavailable(f"refusing to post to non-http URL {url!r}")
        request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST", headers={  # noqa: S310 - http(s) only, checked above
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        try:
            with opener.open(request, timeout=timeout) as response:
                status, body = response.status, response.read(MAX_DOCUMENT + 1)
        except urllib.error.HTTPError as exc:
            with exc:
                status, body = exc.code, exc.read(MAX_DOCUMENT + 1)
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            raise ProviderUnavailable(f"{url} could not be reached ({type(exc).__name__})") from None
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, None

    return post


class Grants:
    def __init__(self, provider: Provider, client_id: str, post: Post, *,
                 revocation_url: str | None = None) -> None:
        self._provider = provider
        self._client_id = client_id
        self._post = post
        self._revocation_url = revocation_url

    def refresh(self, refresh_token: str) -> Refreshed:
        """New tokens for ``refresh_token``; raises RefreshRefused or ProviderUnavailable."""
        endpoint = self._provider.discovery.get().token_endpoint
        if endpoint is None:
            raise RefreshRefused("the provider's discovery document lists no token_endpoint")
        status, body = self._post(endpoint, {"grant_type": "refresh_token", "client_id": self._client_id,
                                             "refresh_token": refresh_token})
        if status >= 500 or status == 429:
            raise ProviderUnavailable(f"{endpoint} answered HTTP {status} to a refresh")
        if status != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise RefreshRefused(f"the provider refused the refresh (HTTP {status}, {error or 'no error code'})")
        id_token, access_token = body.get("id_token"), body.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise RefreshRefused("the provider's refresh answer lacks an id_token or an access_token")
        rotated = body.get("refresh_token")
        return Refreshed(id_token, access_token, rotated if isinstance(rotated, str) and rotated else None)

    def revoke(self, refresh_token: str) -> bool:
        """Revoke at the provider (RFC 7009); a failure is logged, never raised: sign-out goes on."""
        try:
            endpoint = self._revocation_url or self._provider.discovery.get().revocation_endpoint
            if endpoint is None:
                logger.info("refresh token not revoked: the provider has no revocation_endpoint")
                return False
            status, body = self._post(endpoint, {"token": refresh_token, "token_type_hint": "refresh_token",
                                                 "client_id": self._client_id})
        except ProviderUnavailable as exc:
            logger.warning("refresh token not revoked: %s", exc)
            return False
        if status != 200:
            error = body.get("error") if isinstance(body, dict) else None
            logger.warning("refresh token not revoked: %s answered HTTP %s (%s)", endpoint, status, error)
            return False
        return True
