"""The doctor's HTTP: one request, no redirects followed, answers of any status kept for inspection."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from atoll.config import is_loopback_host

MAX_BODY = 1 << 20


class ProbeError(Exception):
    """Nothing usable answered (refused, timed out, not http); the message says which."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


Http = Callable[..., Answer]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any, **__: Any) -> None:
        return None


def _headers(items: Any) -> dict[str, str]:
    """Lower-case names; a repeated header's values joined with ", " (RFC 9110 §5.3)."""
    headers: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def probe(method: str, url: str, *, headers: Mapping[str, str] | None = None, body: bytes | None = None,
          timeout: float = 10.0) -> Answer:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProbeError(f"{url!r} is not an http(s) URL")
    handlers: list[Any] = [_NoRedirect()]
    if is_loopback_host(parts.hostname):
        handlers.append(urllib.request.ProxyHandler({}))  # a proxy cannot reach this machine's loopback
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))  # noqa: S310 - http(s) only, checked above
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, _headers(response.headers.items()), response.read(MAX_BODY))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, _headers(exc.headers.items()), exc.read(MAX_BODY))
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProbeError(f"{parts.scheme}://{parts.netloc} did not answer ({reason})") from None
