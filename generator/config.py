"""``site.yaml`` -> a frozen :class:`SiteConfig`, validated once at the edge.

Unknown keys are errors (a typo must not pass silently); every error names
``site.yaml`` and the line of the offending key.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from atoll import chars, yamlmarks
from atoll.errors import BuildFailed, ErrorList, SiteError
from atoll.gate.rules import PatternError, check_pattern
from atoll.theme import THEME_FOLDERS

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


# ---------------------------------------------------------------- validation


class _Checker:
    """Typed reads from a YAML mapping, collecting errors with line numbers."""

    def __init__(self, data: dict[Any, Any], path: str, errors: ErrorList, where: str) -> None:
        self.data = data
        self.path = path
        self.errors = errors
        self.where = where

    def line(self, key: str) -> int:
        return yamlmarks.line_of(self.data, key)

    def fail(self, key: str, message: str, hint: str | None = None) -> None:
        self.errors.add(SiteError(f"{self.where}{message}", self.path, self.line(key), hint))

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.fail(key, f"unknown key {key!r}", f"known keys here are: {known}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, describe: str) -> Any:
        if key not in self.data or self.data[key] is None:
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, f"{key!r} must be {describe}, got {value!r}")
            return default
        return value

    def text(self, key: str, default: str | None = None, required: bool = False) -> Any:
        if required and (key not in self.data or self.data[key] in (None, "")):
            start = self.data.line if isinstance(self.data, yamlmarks.MarkedDict) else 1
            self.errors.add(SiteError(f"{self.where}{key!r} is required", self.path, start))
            return default
        return self.get(key, str, default, "a string")


def _check_url(c: _Checker, key: str, value: str | None, *, allow_path: bool = False) -> None:
    if value is None:
        return
    if allow_path and value.startswith("/") and not value.startswith("//"):
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        what = "an absolute path or an http(s) URL" if allow_path else "an http(s) URL"
        c.fail(key, f"{key!r} must be {what}, got {value!r}")


def _check_path(c: _Checker, key: str, value: str) -> None:
    if not value.startswith("/") or value.startswith("//"):
        c.fail(key, f"{key!r} must be a path on this site starting with '/', got {value!r}")


def _parse_auth(data: Any, path: str, errors: ErrorList, line: int) -> AuthConfig | None:
    if not isinstance(data, dict):
        errors.add(SiteError("'auth' must be a mapping of settings", path, line))
        return None
    c = _Checker(data, path, errors, "auth: ")
    c.reject_unknown({f.name for f in AuthConfig.__dataclass_fields__.values()})
    client_id = c.text("client_id", required=True)
    authority = c.text("authority")
    if authority is not None:
        parts = urlsplit(authority)
        if parts.scheme == "https" and parts.netloc:
            pass
        elif parts.scheme == "http" and is_loopback_host(parts.hostname):
            pass
        else:
            c.fail("authority",
                   f"'authority' must be an https URL (http only for 127.0.0.1 or localhost), got {authority!r}",
                   "use the issuer URL of your provider, e.g. https://cognito-idp.<region>.amazonaws.com/<user-pool-id>")
        # kept exactly as written: ID tokens' `iss` must equal the issuer, trailing '/' and all
    cognito_domain = c.text("cognito_domain")
    _check_url(c, "cognito_domain", cognito_domain)
    if cognito_domain is not None:
        cognito_domain = cognito_domain.rstrip("/")
    defaults = AuthConfig(client_id="")
    paths = {}
    for key in ("redirect_path", "post_login_path", "post_logout_path"):
        paths[key] = c.text(key, getattr(defaults, key))
        _check_path(c, key, paths[key])
    if not paths["redirect_path"].endswith(("/", ".html")):
        c.fail("redirect_path", f"'redirect_path' must end in '/' or '.html' (it becomes a page), "
                                f"got {paths['redirect_path']!r}", "e.g. /callback/")
    # The session cookie is only sent to the site's own origin, so the companion must live there.
    companion_url = c.text("companion_url", defaults.companion_url)
    _check_path(c, "companion_url", companion_url)
    scope = c.text("scope", defaults.scope)
    if "openid" not in scope.split():
        c.fail("scope", f"'scope' must include 'openid', got {scope!r}")
    groups_claim = c.text("groups_claim")
    if groups_claim is not None and (not groups_claim.strip() or groups_claim != groups_claim.strip()):
        c.fail("groups_claim", f"'groups_claim' must be a claim name such as groups, cognito:groups or roles, "
                               f"got {groups_claim!r}")
        groups_claim = None
    users = _parse_dev_users(data.get("dev_users"), c) if "dev_users" in data else DEFAULT_DEV_USERS
    protect = _parse_protect(data["protect"], c) if data.get("protect") is not None else ()
    return AuthConfig(
        client_id=client_id or "",
        authority=authority,
        scope=scope,
        companion_url=companion_url,
        cognito_domain=cognito_domain,
        browser_tokens=c.get("browser_tokens", bool, False, "true or false"),
        audience=c.text("audience"),
        groups_claim=groups_claim,
        dev_users=users,
        protect=protect,
        list_protected=c.get("list_protected", bool, True, "true or false"),
        signed_out=_choice(c, "signed_out", ("prompt", "redirect")),
        dev_token_lifetime=_seconds(c, "dev_token_lifetime", defaults.dev_token_lifetime, 10, 86400),
        dev_refresh_rotation=c.get("dev_refresh_rotation", bool, False, "true or false"),
        **paths,
    )


def _seconds(c: _Checker, key: str, default: int, low: int, high: int) -> int:
    value: int = c.get(key, int, default, "a whole number of seconds")
    if not low <= value <= high:
        c.fail(key, f"{key!r} must be between {low} and {high} seconds, got {value}")
        return default
    return value


def _store_url_ok(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return len(url) > len("sqlite:///")
    parts = urlsplit(url)
    return parts.scheme in ("redis", "rediss") and bool(parts.hostname)


def _parse_dev_users(value: Any, c: _Checker) -> tuple[DevUser, ...]:
    if not isinstance(value, list) or not value:
        c.fail("dev_users", "'dev_users' must be a non-empty list of users")
        return DEFAULT_DEV_USERS
    users = []
    for item in value:
        if not isinstance(item, dict):
            c.fail("dev_users", f"each of 'dev_users' must be a mapping, got {item!r}")
            continue
        u = _Checker(item, c.path, c.errors, "auth: dev_users: ")
        u.reject_unknown({"username", "password", "email", "name", "groups"})
        username = u.text("username", required=True) or ""
        groups = u.get("groups", list, [], "a list of group names")
        if not all(isinstance(g, str) for g in groups):
            u.fail("groups", "'groups' must be a list of strings")
            groups = []
        users.append(DevUser(
            username=username,
            password=u.text("password", required=True) or "",
            email=u.text("email", f"{username}@example.com"),
            name=u.text("name", username),
            groups=tuple(groups),
        ))
    return tuple(users)


def _choice(c: _Checker, key: str, choices: tuple[str, ...]) -> str:
    value = c.text(key, choices[0])
    if value not in choices:
        c.fail(key, f"{key!r} must be one of {', '.join(choices)}, got {value!r}")
        return choices[0]
    return str(value)


def _group_names(value: Any, c: _Checker, key: str) -> tuple[str, ...] | None:
    """A list of group names, or None after reporting what is wrong."""
    if not isinstance(value, list) or not all(isinstance(g, str) and g.strip() for g in value):
        c.fail(key, f"{key!r} must be a list of group names, got {value!r}", "e.g. groups: [editors, staff]")
        return None
    return tuple(dict.fromkeys(g.strip() for g in value))


def _parse_protect(value: Any, c: _Checker) -> tuple[ProtectRule, ...]:
    hint = "e.g. protect: [{path: /members/**}, {path: /staff/**, groups: [staff]}]"
    if not isinstance(value, list):
        c.fail("protect", f"'protect' must be a list of {{path, groups}} rules, got {value!r}", hint)
        return ()
    rules = []
    for item in value:
        if not isinstance(item, dict):
            c.fail("protect", f"each 'protect' rule must be a mapping with a 'path', got {item!r}", hint)
            continue
        r = _Checker(item, c.path, c.errors, "auth: protect: ")
        r.reject_unknown({"path", "groups"})
        path = r.text("path", required=True)
        if path is None:
            continue
        try:
            check_pattern(path)
        except PatternError as exc:
            r.fail("path", str(exc), "patterns are site paths: /members/** (everything below), /a/*/ (one segment)")
            continue
        groups: tuple[str, ...] = ()
        if item.get("groups") is not None:
            named = _group_names(item["groups"], r, "groups")
            if not named:
                if named == ():
                    r.fail("groups", "'groups' must name at least one group (leave it out for any signed-in reader)")
                continue
            groups = named
        rules.append(ProtectRule(path=path, groups=groups, line=yamlmarks.line_of(item, "path")))
    return tuple(rules)


def _parse_menu(value: Any, c: _Checker) -> tuple[MenuItem, ...]:
    if not isinstance(value, list):
        c.fail("menu", "'menu' must be a list of {title, url} entries")
        return ()
    items = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"title", "url"} \
                or not all(isinstance(v, str) for v in entry.values()):
            c.fail("menu", f"each menu entry must have a 'title' and a 'url' (strings), got {entry!r}")
            continue
        items.append(MenuItem(title=entry["title"], url=entry["url"]))
    return tuple(items)


def _parse_theme(c: _Checker, root: Path) -> Path | None:
    """``theme``: a folder, relative to the site's, holding layouts/, scripts/ or public/."""
    name: str | None = c.text("theme")
    if name is None:
        return None
    folder = (root / name).resolve()
    if not any((folder / part).is_dir() for part in THEME_FOLDERS):
        c.fail("theme", f"'theme' must be a folder holding layouts/, scripts/ or public/, got {name!r}",
               "give its path relative to the folder of site.yaml")
        return None
    return folder


def _parse_image(c: _Checker) -> str | None:
    image: str | None = c.text("image")
    if image is not None:
        _check_url(c, "image", image, allow_path=True)
    return image


def _parse_markdown(value: Any, c: _Checker) -> MarkdownConfig:
    if not isinstance(value, dict):
        c.fail("markdown", "'markdown' must be a mapping, e.g. markdown: {extensions: [admonition]}")
        return MarkdownConfig()
    m = _Checker(value, c.path, c.errors, "markdown: ")
    m.reject_unknown({"extensions"})
    if "extensions" not in value:
        return MarkdownConfig()
    entries = value["extensions"]
    if not isinstance(entries, list):
        m.fail("extensions", "'extensions' must be a list of extension names (or {name: {settings}})")
        return MarkdownConfig()
    found: list[tuple[str, dict[str, Any]]] = []
    for entry in entries:
        if isinstance(entry, str):
            name, settings = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1 and isinstance(next(iter(entry.values())) or {}, dict):
            name, settings = next(iter(entry)), dict(next(iter(entry.values())) or {})
        else:
            m.fail("extensions", f"each extension must be a name or {{name: {{settings}}}}, got {entry!r}")
            continue
        problem = markdown_extension_problem(name, settings)
        if problem:
            m.fail("extensions", f"extension {name!r}: {problem}",
                   "names are Python-Markdown's (admonition, footnotes, ...) or pymdown-extensions' "
                   "(pymdownx.tabbed, ...)")
            continue
        found.append((name, settings))
    return MarkdownConfig(extensions=tuple(found))


def markdown_extension_problem(name: str, settings: dict[str, Any]) -> str | None:
    """Why Python-Markdown cannot load ``name`` with ``settings``, or None when it can."""
    import markdown  # only sites that configure extensions pay for this import here

    try:
        markdown.Markdown(extensions=[name], extension_configs={name: settings})
    except (ImportError, AttributeError):
        return "no such Python-Markdown extension is installed"
    except (KeyError, TypeError, ValueError) as exc:
        return f"bad settings ({exc})"
    return None


def parse_config(text: str, root: Path) -> SiteConfig:
    """Parse and validate ``site.yaml`` text; raise :class:`BuildFailed` on mistakes."""
    errors = ErrorList()
    try:
        data = yamlmarks.load(text)
    except yamlmarks.YamlSyntaxError as exc:
        raise BuildFailed([SiteError(f"YAML syntax error: {exc.message}", CONFIG_NAME, exc.line)]) from exc
    if data is None:
        data = yamlmarks.MarkedDict()
        data.key_lines = {}
        data.line = 1
    if not isinstance(data, dict):
        raise BuildFailed([SiteError("site.yaml must be a mapping of settings (key: value)", CONFIG_NAME, 1)])
    c = _Checker(data, CONFIG_NAME, errors, "")
    c.reject_unknown({"title", "base_url", "description", "author", "language", "output",
                      "per_page", "menu", "params", "auth", "companion", "protected_output", "theme",
                      "markdown", "search", "image"})
    for key in data:
        bad = chars.forbidden_in(data[key])
        if bad:
            c.fail(key, f"{key!r} holds the control character {bad}, which no page, feed or sitemap may carry",
                   chars.HINT)
    base_url = c.text("base_url", DEV_SERVER_URL)
    _check_url(c, "base_url", base_url)
    per_page = c.get("per_page", int, 10, "a whole number")
    if per_page < 1:
        c.fail("per_page", f"'per_page' must be at least 1, got {per_page}")
        per_page = 10
    output = c.text("output", "dist")
    protected_output = c.text("protected_output")
    if protected_output is not None and not protected_output.strip():
        c.fail("protected_output", "'protected_output' must be a folder name, got an empty string")
        protected_output = None
    auth = _parse_auth(data["auth"], CONFIG_NAME, errors, c.line("auth")) if data.get("auth") is not None else None
    companion = CompanionConfig()
    if data.get("companion") is not None:
        if isinstance(data["companion"], dict):
            cc = _Checker(data["companion"], CONFIG_NAME, errors, "companion: ")
            cc.reject_unknown({"api", "database", "sessions", "idle_timeout", "max_session_age"})
            api = cc.text("api")
            if api is not None and api.count(":") != 1:
                cc.fail("api", f"'api' must look like 'package.module:factory', got {api!r}")
            sessions = cc.text("sessions")
            if sessions is not None and not _store_url_ok(sessions):
                cc.fail("sessions", f"'sessions' must be sqlite:///<path> or redis://host:port/db, got {sessions!r}",
                        "e.g. sqlite:///.atoll/sessions.sqlite3 (relative to the site folder), "
                        "sqlite:////var/lib/atoll/sessions.sqlite3 or redis://127.0.0.1:6379/0")
            defaults = CompanionConfig()
            max_age = _seconds(cc, "max_session_age", defaults.max_session_age, 60, 400 * 86400)
            idle = _seconds(cc, "idle_timeout", min(defaults.idle_timeout, max_age), 60, max_age)
            companion = CompanionConfig(api=api, database=cc.text("database"), sessions=sessions,
                                        idle_timeout=idle, max_session_age=max_age)
        else:
            c.fail("companion", "'companion' must be a mapping of settings")
    theme = _parse_theme(c, root)
    config = SiteConfig(
        root=root,
        title=c.text("title", "", required=True),
        base_url=normalize_base_url(base_url),
        description=c.text("description", ""),
        author=c.text("author", ""),
        language=c.text("language", "en"),
        output=output,
        protected_output=protected_output,
        per_page=per_page,
        menu=_parse_menu(data["menu"], c) if data.get("menu") is not None else (),
        params=dict(c.get("params", dict, {}, "a mapping")),
        auth=auth,
        companion=companion,
        theme=theme,


        markdown=_parse_markdown(data["markdown"], c) if data.get("markdown") is not None else MarkdownConfig(),
        search=c.get("search", bool, True, "true or false"),
        image=_parse_image(c),
    )
    errors.raise_if_any()
    return config


def load_config(site_dir: Path) -> SiteConfig:
    """Read ``site_dir/site.yaml``; a folder with content/ but no site.yaml gets the defaults
    (titled after the folder), like zero-config tools."""
    path = site_dir / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        if (site_dir / "content").is_dir():
            title = site_dir.resolve().name.replace("-", " ").replace("_", " ").title() or "Site"
            return SiteConfig(root=site_dir.resolve(), title=title)
        raise BuildFailed([SiteError(
            f"no {CONFIG_NAME} in {site_dir}", CONFIG_NAME, None,
            "run `atoll new DIR` to start a site, or pass --site DIR (a folder holding site.yaml or content/)",
        )]) from exc
    except UnicodeDecodeError as exc:
        raise BuildFailed([SiteError("file is not UTF-8 text", CONFIG_NAME, None)]) from exc
    return parse_config(text, site_dir.resolve())
