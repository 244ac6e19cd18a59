"""The callback and sign-out URLs a site sends its provider, for each origin it is served from.

They must match the provider's allowed URLs byte for byte: the origin, the
base path of ``base_url`` and ``auth.redirect_path`` with its trailing slash,
exactly as the build puts them into the pages (ARCHITECTURE.md). Under
``atoll serve`` the base path is ``/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from atoll.config import SiteConfig, with_base

# `atoll serve --host localhost`: Cognito allows plain http only on localhost.
DEV_ORIGIN = "http://localhost:4321"


@dataclass(frozen=True)
class OriginUrls:
    origin: str
    callback: str
    sign_out: str
    dev: bool = False


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def normalize_origin(url: str) -> str:
    """``http://localhost:4321/`` -> ``http://localhost:4321``; raises ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise ValueError(f"an origin looks like http://localhost:4321, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def site_urls(config: SiteConfig, dev_origins: tuple[str, ...] = ()) -> tuple[OriginUrls, ...]:
    """The production origin's URLs (from ``base_url``), then each development origin's."""
    auth = config.auth
    if auth is None:
        return ()
    production = OriginUrls(
        origin=config.origin,
        callback=config.origin + with_base(config.base_path, auth.redirect_path),
        sign_out=config.origin + with_base(config.base_path, auth.post_logout_path),
    )
    urls = [production]
    for origin in dev_origins:
        dev = normalize_origin(origin)
        if all(u.origin != dev for u in urls):
            urls.append(OriginUrls(origin=dev, callback=dev + auth.redirect_path, sign_out=dev + auth.post_logout_path,
                                   dev=True))
    return tuple(urls)
