"""The frozen settings of a site (:class:`SiteConfig` and its parts) and the URL helpers they use."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CONFIG_NAME = "site.yaml"
DEV_IDP_PORT = 4322
DEV_SERVER_URL = "http://127.0.0.1:4321/"


@dataclass(frozen=True)
class DevUser:
    """A reader the embedded dev identity provider lets sign in."""

    username: str
    password: str
    email: str
    name: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProtectRule:
    """One ``auth.protect`` entry: pages whose URL matches ``path`` are for signed-in readers
    (members of one of ``groups``, when given)."""

    path: str  # site-relative, e.g. "/members/**"
    groups: tuple[str, ...] = ()
    line: int | None = None  # in site.yaml, for the warning of a rule matching no page


DEFAULT_DEV_USERS = (
    DevUser(username="reader", password="atoll-dev", email="reader@example.com",  # noqa: S106 - the documented dev user
            name="Dev Reader", groups=("readers",)),
)


@dataclass(frozen=True)
class AuthConfig:
    """The ``auth:`` block: how the site's readers sign in."""

    client_id: str
    # The OIDC issuer. None means "no provider configured": `atoll serve` then
    # starts the embedded dev identity provider and points the site at it.
    authority: str | None = None
    scope: str = "openid email profile"
    redirect_path: str = "/callback/"
    post_login_path: str = "/"
    post_logout_path: str = "/"
    companion_url: str = "/auth/session"
    # Cognito's hosted-UI domain, e.g. https://myapp.auth.eu-west-1.amazoncognito.com
    cognito_domain: str | None = None
    # Keep raw tokens in sessionStorage after the companion accepted them.
    browser_tokens: bool = False
    # Expected `aud` of JWT access tokens from non-Cognito providers.
    audience: str | None = None
    # The claim that lists the reader's groups; None: cognito:groups on Cognito, else groups.
    groups_claim: str | None = None
    dev_users: tuple[DevUser, ...] = DEFAULT_DEV_USERS
    # Sections for signed-in readers only (front matter `auth:` protects single pages).
    protect: tuple[ProtectRule, ...] = ()
    # Listings and tag pages show protected pages by title, marked members-only; false leaves them out.
    list_protected: bool = True
    # What a signed-out reader of a protected page gets: "prompt" (its title and a sign-in button)
    # or "redirect" (the same page, which starts the sign-in at once, one time per page and tab).
    signed_out: str = "prompt"
    # The dev identity provider's token lifetime (seconds): shorten it to watch
    # a session outlive its tokens; and whether it rotates refresh tokens.
    dev_token_lifetime: int = 3600
    dev_refresh_rotation: bool = False

    @property
    def is_cognito(self) -> bool:
        """Cognito-shaped tokens (`token_use`, `client_id` in access tokens)."""
        if self.cognito_domain:
            return True
        host = urlsplit(self.authority or "").hostname or ""
        return host.startswith("cognito-idp.") and host.endswith(".amazonaws.com")


@dataclass(frozen=True)
class CompanionConfig:
    """The ``companion:`` block: what the companion endpoint serves beside /auth/session."""

    # "module:callable" returning a WSGI app for /api/ (called with database=Path|None)
    api: str | None = None
    # SQLite file for the API, relative to the site folder
    database: str | None = None
    # Where sessions live: sqlite:///<path> (default .atoll/sessions.sqlite3) or redis://host:port/db
    sessions: str | None = None
    # Seconds: a session ends after this long without a request, and this long after sign-in at most.
    idle_timeout: int = 3 * 24 * 3600
    max_session_age: int = 7 * 24 * 3600


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str


# The authoring extensions every site gets unless its site.yaml lists its own
# (`markdown: {extensions: [...]}`); tables, attr_list, md_in_html, toc and
# fenced code are always on, the theme relies on them.
DEFAULT_EXTENSIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("admonition", {}),
    ("pymdownx.details", {}),
    ("footnotes", {"BACKLINK_TITLE": "Back to the text of footnote %d"}),
    ("def_list", {}),
    ("abbr", {}),
    ("pymdownx.tasklist", {"custom_checkbox": True}),
    ("pymdownx.tabbed", {"alternate_style": True}),
    ("pymdownx.keys", {}),
    ("pymdownx.smartsymbols", {}),
    ("pymdownx.mark", {}),
)


@dataclass(frozen=True)
class MarkdownConfig:
    """The ``markdown:`` block: which Python-Markdown extensions pages are written with."""

    extensions: tuple[tuple[str, dict[str, Any]], ...] = DEFAULT_EXTENSIONS


@dataclass(frozen=True)
class SiteConfig:
    """A site: its folder and its validated ``site.yaml``."""

    root: Path
    title: str
    base_url: str = DEV_SERVER_URL
    description: str = ""
    author: str = ""
    language: str = "en"
    output: str = "dist"
    # Where protected pages go; None: the public output's path with "-protected" appended.
    protected_output: str | None = None
    per_page: int = 10
    menu: tuple[MenuItem, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    auth: AuthConfig | None = None
    companion: CompanionConfig = CompanionConfig()
    # a folder whose layouts/, scripts/ and public/ fill in for names the site's own
    # folders lack, before the default theme does
    theme: Path | None = None
    markdown: MarkdownConfig = MarkdownConfig()
    search: bool = True  # build a Pagefind index and show the header search box
    image: str | None = None  # the default social card image (a site path or URL)

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``, always starting and ending with '/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def with_base_url(self, base_url: str) -> SiteConfig:
        return replace(self, base_url=normalize_base_url(base_url))

    def with_dev_provider(self, url: str) -> SiteConfig:
        """A copy signing in through the embedded dev identity provider at ``url``
        (Cognito-shaped, so it also plays the hosted-UI domain)."""
        if self.auth is None:
            raise ValueError("with_dev_provider() needs a site with an auth: block")
        return replace(self, auth=replace(self.auth, authority=url, cognito_domain=url))

    def protected_out(self, out: Path) -> Path:
        """The protected output folder for the public output ``out`` (``dist`` -> ``dist-protected``)."""
        if self.protected_output is not None:
            return (self.root / self.protected_output).resolve()
        return out.with_name(out.name + "-protected")

    def site_path(self, name: str) -> Path:
        return self.root / name


def with_base(base: str, path: str) -> str:
    """A site path under a base (a base path or a whole base URL, ending in '/'):
    ``/css/site.css`` under ``/docs/`` -> ``/docs/css/site.css``. Full URLs pass as they are."""
    if "://" in path or path.startswith("//"):
        return path
    return base + path.lstrip("/")


def normalize_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def is_loopback_host(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
