"""What the dev identity provider knows: its issuer, the one client, allowed URLs, users."""

from __future__ import annotations

from dataclasses import dataclass

from atoll.config import DEFAULT_DEV_USERS, AuthConfig, DevUser, SiteConfig

DEFAULT_CLIENT_ID = "atoll-dev"
DEFAULT_ISSUER = "http://127.0.0.1:4322"
DEFAULT_SITE_ORIGIN = "http://127.0.0.1:4321"


@dataclass(frozen=True)
class DevIdpSettings:
    issuer: str
    client_id: str
    redirect_uris: tuple[str, ...]
    # Allowed sign-out URLs (Cognito's logout_uri, OIDC's post_logout_redirect_uri).
    logout_uris: tuple[str, ...]
    # Origins that get CORS on discovery, token, userInfo and JWKS.
    allowed_origins: tuple[str, ...]
    users: tuple[DevUser, ...] = DEFAULT_DEV_USERS
    token_lifetime: int = 3600
    # Each refresh answers a new refresh token and retires the old one (Cognito's option).
    rotate_refresh: bool = False
    code_lifetime: int = 300
    refresh_lifetime: int = 30 * 24 * 3600

    def user(self, username: str) -> DevUser | None:
        return next((u for u in self.users if u.username == username), None)


def _unique(*items: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def settings_from_site(site: SiteConfig | None, *, issuer: str = DEFAULT_ISSUER,
                       site_origin: str = DEFAULT_SITE_ORIGIN) -> DevIdpSettings:
    """Settings for ``site`` (or defaults when there is none or it has no ``auth:`` block).

    Paths are allowed both as configured and under the site's base path, since
    the built pages carry base-path-prefixed paths.
    """
    auth = site.auth if site is not None and site.auth is not None else AuthConfig(client_id=DEFAULT_CLIENT_ID)
    origin = site_origin.rstrip("/")
    base = site.base_path.rstrip("/") if site is not None else ""

    def urls(path: str) -> tuple[str, ...]:
        return _unique(origin + path, origin + base + path)

    return DevIdpSettings(
        issuer=issuer.rstrip("/"),
        client_id=auth.client_id,
        redirect_uris=urls(auth.redirect_path),
        logout_uris=_unique(*urls(auth.post_logout_path), *urls("/")),
        allowed_origins=(origin,),
        users=auth.dev_users,
        token_lifetime=auth.dev_token_lifetime,
        rotate_refresh=auth.dev_refresh_rotation,
    )
