"""Reading ``site.yaml``: :func:`load_config` for a folder, :func:`parse_config` for its text."""

from __future__ import annotations

from pathlib import Path

from atoll import chars, yamlmarks
from atoll.config.checks import Checker, check_url
from atoll.config.model import (
    CONFIG_NAME,
    DEV_SERVER_URL,
    CompanionConfig,
    MarkdownConfig,
    SiteConfig,
    normalize_base_url,
)
from atoll.config.sections import (
    parse_auth,
    parse_companion,
    parse_image,
    parse_markdown,
    parse_menu,
    parse_theme,
)
from atoll.errors import BuildFailed, ErrorList, SiteError


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
    c = Checker(data, CONFIG_NAME, errors, "")
    c.reject_unknown({"title", "base_url", "description", "author", "language", "output",
                      "per_page", "menu", "params", "auth", "companion", "protected_output", "theme",
                      "markdown", "search", "image"})
    for key in data:
        bad = chars.forbidden_in(data[key])
        if bad:
            c.fail(key, f"{key!r} holds the control character {bad}, which no page, feed or sitemap may carry",
                   chars.HINT)
    base_url = c.text("base_url", DEV_SERVER_URL)
    check_url(c, "base_url", base_url)
    per_page = c.get("per_page", int, 10, "a whole number")
    if per_page < 1:
        c.fail("per_page", f"'per_page' must be at least 1, got {per_page}")
        per_page = 10
    output = c.text("output", "dist")
    protected_output = c.text("protected_output")
    if protected_output is not None and not protected_output.strip():
        c.fail("protected_output", "'protected_output' must be a folder name, got an empty string")
        protected_output = None
    auth = parse_auth(data["auth"], CONFIG_NAME, errors, c.line("auth")) if data.get("auth") is not None else None
    companion = parse_companion(data["companion"], c) if data.get("companion") is not None else CompanionConfig()
    theme = parse_theme(c, root)
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
        menu=parse_menu(data["menu"], c) if data.get("menu") is not None else (),
        params=dict(c.get("params", dict, {}, "a mapping")),
        auth=auth,
        companion=companion,
        theme=theme,
        markdown=parse_markdown(data["markdown"], c) if data.get("markdown") is not None else MarkdownConfig(),
        search=c.get("search", bool, True, "true or false"),
        image=parse_image(c),
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
