"""What the companion needs to know, taken once from ``site.yaml`` (and a secret)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from atoll.companion.sessions.stores import DEFAULT_URL
from atoll.config import SiteConfig
from atoll.wsgi.http import MAX_BODY, WSGIApp

SECRET_ENV = "ATOLL_SESSION_SECRET"  # noqa: S105 - the variable's name
# Older secrets, still accepted until the sessions they signed expire (comma- or space-separated).
FALLBACKS_ENV = "ATOLL_SESSION_SECRET_FALLBACKS"
DEFAULT_IDLE_TIMEOUT = 3 * 24 * 3600
DEFAULT_MAX_SESSION_AGE = 7 * 24 * 3600
MIN_SECRET_CHARS = 32
MAX_LEEWAY = 60
SECRET_HINT = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105


class CompanionConfigError(ValueError):
    """The site or the environment cannot run a companion; the message says what to change."""


@dataclass(frozen=True)
class CompanionSettings:
    issuer: str
    client_id: str
    # The site's origin, e.g. https://example.com: the only accepted `Origin`.
    origin: str
    secret: str = field(repr=False)
    secret_fallbacks: tuple[str, ...] = field(default=(), repr=False)
    # Where sessions live (sessions/stores.py); the default keeps them in memory (tests).
    sessions: str = "sqlite://"
    idle_timeout: int = DEFAULT_IDLE_TIMEOUT
    max_session_age: int = DEFAULT_MAX_SESSION_AGE
    # Cognito's RFC 7009 endpoint (<cognito_domain>/oauth2/revoke), which its discovery does not list.
    revocation_url: str | None = None
    cognito: bool = False
    # Expected `aud` of JWT access tokens from non-Cognito providers. Unset,
    # such access tokens are confirmed at the provider's userinfo endpoint.
    audience: str | None = None
    # The claim that lists the reader's groups (auth.groups_claim); None: cognito:groups on Cognito, else groups.
    groups_claim: str | None = None
    session_path: str = "/auth/session"
    # The build's protected output: the companion serves it by its manifest, and answers
    # `GET <folder of session_path>/check` for reverse proxies. None: no protected pages.
    protected: Path | None = None
    api_prefix: str = "/api/"
    leeway: int = 30
    max_body: int = MAX_BODY
    # An unknown `kid` refetches the JWKS at most once per this many seconds.
    min_refetch_interval: float = 10.0
    cache_max_age: float = 3600.0
    http_timeout: float = 5.0

    def __post_init__(self) -> None:
        if not self.secret:
            raise CompanionConfigError("the session secret must not be empty")
        if not 0 <= self.leeway <= MAX_LEEWAY:
            raise CompanionConfigError(f"leeway must be between 0 and {MAX_LEEWAY} seconds, got {self.leeway}")
        parts = urlsplit(self.origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise CompanionConfigError(f"origin must look like https://host[:port], got {self.origin!r}")
        if not 0 < self.idle_timeout <= self.max_session_age:
            raise CompanionConfigError(f"idle_timeout must be between 1 s and max_session_age "
                                       f"({self.max_session_age} s), got {self.idle_timeout}")
        if not self.api_prefix.startswith("/") or not self.api_prefix.endswith("/"):
            raise CompanionConfigError(f"api_prefix must start and end with '/', got {self.api_prefix!r}")

    @property
    def check_path(self) -> str:
        """``/auth/check`` beside ``/auth/session``."""
        return self.session_path.rsplit("/", 1)[0] + "/check"

    @property
    def groups_claim_name(self) -> str:
        return self.groups_claim or ("cognito:groups" if self.cognito else "groups")

    @property
    def secure(self) -> bool:
        return self.origin.startswith("https://")

    @property
    def secrets(self) -> tuple[str, ...]:
        """Newest first: new sessions are signed with the first."""
        return (self.secret, *self.secret_fallbacks)


def settings_from_site(site: SiteConfig, *, secret: str, fallbacks: tuple[str, ...] = (), origin: str | None = None,
                       protected: Path | None = None) -> CompanionSettings:
    """``protected`` overrides the protected output folder (default: the site's, from site.yaml)."""
    auth = site.auth
    if auth is None:
        raise CompanionConfigError("site.yaml has no 'auth:' block, so there is no session to serve")
    if auth.authority is None:
        raise CompanionConfigError(
            "site.yaml: auth: 'authority' is not set; the companion needs the provider's issuer URL "
            "(`atoll serve` sets it to the dev identity provider by itself)")
    session_path = urlsplit(auth.companion_url).path or "/auth/session"
    c = site.companion
    return CompanionSettings(
        issuer=auth.authority, client_id=auth.client_id, origin=origin or site.origin, secret=secret,
        secret_fallbacks=fallbacks, sessions=store_url(c.sessions or DEFAULT_URL, site.root),
        idle_timeout=c.idle_timeout, max_session_age=c.max_session_age,
        revocation_url=f"{auth.cognito_domain}/oauth2/revoke" if auth.cognito_domain else None,
        cognito=auth.is_cognito, audience=auth.audience, groups_claim=auth.groups_claim,
        session_path=session_path,
        protected=(protected or site.protected_out((site.root / site.output).resolve())).resolve())


def store_url(url: str, root: Path) -> str:
    """A SQLite path relative to the site folder made absolute; other URLs as they are."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return f"sqlite:///{(root / url.removeprefix('sqlite:///')).resolve()}"
    return url


def load_api(site: SiteConfig) -> WSGIApp | None:
    """The site's API from ``companion.api`` ("module:factory"), or None.

    The site folder is put on ``sys.path`` so that a site can ship its own module.
    """
    spec = site.companion.api
    if spec is None:
        return None
    module_name, _, factory_name = spec.partition(":")
    if str(site.root) not in sys.path:
        sys.path.insert(0, str(site.root))
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError) as exc:
        raise CompanionConfigError(f"site.yaml: companion: cannot load api {spec!r}: {exc}") from exc
    database = site.root / site.companion.database if site.companion.database else None
    app: WSGIApp = factory(database=database)
    return app


def fallbacks_from_env(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The older secrets of a rotation, from ATOLL_SESSION_SECRET_FALLBACKS."""
    return tuple(s for s in environ.get(FALLBACKS_ENV, "").replace(",", " ").split() if s)


def secret_from_env(environ: Mapping[str, str]) -> str:
    secret = environ.get(SECRET_ENV, "")
    if not secret:
        raise CompanionConfigError(f"{SECRET_ENV} is not set; the companion signs sessions with it ({SECRET_HINT})")
    if len(secret) < MIN_SECRET_CHARS:
        raise CompanionConfigError(f"{SECRET_ENV} is shorter than {MIN_SECRET_CHARS} characters ({SECRET_HINT})")
    return secret
