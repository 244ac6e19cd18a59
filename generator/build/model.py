"""The site as the render stage sees it: :class:`SiteModel`, computed once per build."""

from __future__ import annotations

from dataclasses import dataclass, field

from atoll.build.collections import Tag, newest_public
from atoll.build.content import Page
from atoll.build.jsonblock import json_block
from atoll.build.nav import SiteNav
from atoll.build.protect import Protection
from atoll.config import SiteConfig, with_base


@dataclass(frozen=True)
class SiteModel:
    config: SiteConfig
    pages: tuple[Page, ...]  # the pages being built, sorted by source
    urls: dict[str, str]  # content-relative source -> site URL, for .md links
    posts: tuple[Page, ...]  # newest first
    tags: tuple[Tag, ...]
    layouts: dict[str, str]  # page source -> layout file name
    scripts: dict[str, str]  # script name -> output path ("_atoll/islands.1a2b.js")
    # script name -> outputs of the scripts it loads, for <link rel="modulepreload">
    preload: dict[str, tuple[str, ...]] = field(default_factory=dict)
    section_index: Page | None = None  # content/blog/index.md: title and intro of /blog/
    feed_sources: frozenset[str] = frozenset()  # posts whose HTML the feed needs
    nav: SiteNav = field(default_factory=SiteNav)  # the docs sidebars, computed once per build
    assets: dict[str, str] = field(default_factory=dict)  # output -> file, for public/ and page bundles
    protection: Protection = Protection()  # protected pages and who may read them

    @property
    def feed_posts(self) -> tuple[Page, ...]:
        """The posts the feed carries: the newest public ones."""
        return newest_public(self.posts, self.protection)

    @property
    def public_pages(self) -> tuple[Page, ...]:
        """The pages whose own content is public (the sitemap's)."""
        protected = self.protection.access
        return tuple(p for p in self.pages if p.source not in protected) if protected else self.pages

    def auth_json(self) -> str | None:
        """The auth config as it goes into each page's JSON data block."""
        auth = self.config.auth
        if auth is None:
            return None
        base = self.config.base_path
        data = {
            "authority": auth.authority,
            "client_id": auth.client_id,
            "scope": auth.scope,
            "redirect_path": with_base(base, auth.redirect_path),
            "post_login_path": with_base(base, auth.post_login_path),
            "post_logout_path": with_base(base, auth.post_logout_path),
            "companion_url": auth.companion_url,
            "cognito_domain": auth.cognito_domain,
            "browser_tokens": auth.browser_tokens,
            "base_path": base,
        }
        return json_block(data)
