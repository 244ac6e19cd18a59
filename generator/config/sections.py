"""One parser per block of ``site.yaml`` (auth, companion, menu, theme, markdown, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from atoll import yamlmarks
from atoll.config.checks import Checker, check_path, check_url, choice, group_names, seconds
from atoll.config.model import (
    DEFAULT_DEV_USERS,
    AuthConfig,
    CompanionConfig,
    DevUser,
    MarkdownConfig,
    MenuItem,
    ProtectRule,
    is_loopback_host,
)
from atoll.errors import ErrorList, SiteError
from atoll.gate.rules import PatternError, check_pattern
from atoll.theme import THEME_FOLDERS


def parse_auth(data: Any, path: str, errors: ErrorList, line: int) -> AuthConfig | None:
    if not isinstance(data, dict):
        errors.add(SiteError("'auth' must be a mapping of settings", path, line))
        return None
    c = Checker(data, path, errors, "auth: ")
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
    check_url(c, "cognito_domain", cognito_domain)
    if cognito_domain is not None:
        cognito_domain = cognito_domain.rstrip("/")
    defaults = AuthConfig(client_id="")
    paths = {}
    for key in ("redirect_path", "post_login_path", "post_logout_path"):
        paths[key] = c.text(key, getattr(defaults, key))
        check_path(c, key, paths[key])
    if not paths["redirect_path"].endswith(("/", ".html")):
        c.fail("redirect_path", f"'redirect_path' must end in '/' or '.html' (it becomes a page), "
                                f"got {paths['redirect_path']!r}", "e.g. /callback/")
    # The session cookie is only sent to the site's own origin, so the companion must live there.
    companion_url = c.text("companion_url", defaults.companion_url)
    check_path(c, "companion_url", companion_url)
    scope = c.text("scope", defaults.scope)
    if "openid" not in scope.split():
        c.fail("scope", f"'scope' must include 'openid', got {scope!r}")
    groups_claim = c.text("groups_claim")
    if groups_claim is not None and (not groups_claim.strip() or groups_claim != groups_claim.strip()):
        c.fail("groups_claim", f"'groups_claim' must be a claim name such as groups, cognito:groups or roles, "
                               f"got {groups_claim!r}")
        groups_claim = None
    users = parse_dev_users(data.get("dev_users"), c) if "dev_users" in data else DEFAULT_DEV_USERS
    protect = parse_protect(data["protect"], c) if data.get("protect") is not None else ()
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
        signed_out=choice(c, "signed_out", ("prompt", "redirect")),
        dev_token_lifetime=seconds(c, "dev_token_lifetime", defaults.dev_token_lifetime, 10, 86400),
        dev_refresh_rotation=c.get("dev_refresh_rotation", bool, False, "true or false"),
        **paths,
    )


def store_url_ok(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return len(url) > len("sqlite:///")
    parts = urlsplit(url)
    return parts.scheme in ("redis", "rediss") and bool(parts.hostname)


def parse_dev_users(value: Any, c: Checker) -> tuple[DevUser, ...]:
    if not isinstance(value, list) or not value:
        c.fail("dev_users", "'dev_users' must be a non-empty list of users")
        return DEFAULT_DEV_USERS
    users = []
    for item in value:
        if not isinstance(item, dict):
            c.fail("dev_users", f"each of 'dev_users' must be a mapping, got {item!r}")
            continue
        u = c.nested(item, "auth: dev_users: ", {"username", "password", "email", "name", "groups"})
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


def parse_protect(value: Any, c: Checker) -> tuple[ProtectRule, ...]:
    hint = "e.g. protect: [{path: /members/**}, {path: /staff/**, groups: [staff]}]"
    if not isinstance(value, list):
        c.fail("protect", f"'protect' must be a list of {{path, groups}} rules, got {value!r}", hint)
        return ()
    rules = []
    for item in value:
        if not isinstance(item, dict):
            c.fail("protect", f"each 'protect' rule must be a mapping with a 'path', got {item!r}", hint)
            continue
        r = c.nested(item, "auth: protect: ", {"path", "groups"})
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
            named = group_names(item["groups"], r, "groups")
            if not named:
                if named == ():
                    r.fail("groups", "'groups' must name at least one group (leave it out for any signed-in reader)")
                continue
            groups = named
        rules.append(ProtectRule(path=path, groups=groups, line=yamlmarks.line_of(item, "path")))
    return tuple(rules)


def parse_menu(value: Any, c: Checker) -> tuple[MenuItem, ...]:
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


def parse_theme(c: Checker, root: Path) -> Path | None:
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


def parse_image(c: Checker) -> str | None:
    image: str | None = c.text("image")
    if image is not None:
        check_url(c, "image", image, allow_path=True)
    return image


def parse_markdown(value: Any, c: Checker) -> MarkdownConfig:
    if not isinstance(value, dict):
        c.fail("markdown", "'markdown' must be a mapping, e.g. markdown: {extensions: [admonition]}")
        return MarkdownConfig()
    m = c.nested(value, "markdown: ", {"extensions"})
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


def parse_companion(value: Any, c: Checker) -> CompanionConfig:
    """The ``companion:`` block: the site's API, its database and the session store and limits."""
    if not isinstance(value, dict):
        c.fail("companion", "'companion' must be a mapping of settings")
        return CompanionConfig()
    cc = c.nested(value, "companion: ", {"api", "database", "sessions", "idle_timeout", "max_session_age"})
    api = cc.text("api")
    if api is not None and api.count(":") != 1:
        cc.fail("api", f"'api' must look like 'package.module:factory', got {api!r}")
    sessions = cc.text("sessions")
    if sessions is not None and not store_url_ok(sessions):
        cc.fail("sessions", f"'sessions' must be sqlite:///<path> or redis://host:port/db, got {sessions!r}",
                "e.g. sqlite:///.atoll/sessions.sqlite3 (relative to the site folder), "
                "sqlite:////var/lib/atoll/sessions.sqlite3 or redis://127.0.0.1:6379/0")
    defaults = CompanionConfig()
    max_age = seconds(cc, "max_session_age", defaults.max_session_age, 60, 400 * 86400)
    idle = seconds(cc, "idle_timeout", min(defaults.idle_timeout, max_age), 60, max_age)
    return CompanionConfig(api=api, database=cc.text("database"), sessions=sessions,
                           idle_timeout=idle, max_session_age=max_age)
