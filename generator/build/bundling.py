"""Bundling: the site's client scripts, hashed. Every site gets the theme's (theme.js and
what it loads); the sign-in scripts only sites with an ``auth:`` block."""

from __future__ import annotations

from dataclasses import dataclass, field

from atoll.build.scripts import bundle, closure, load_sources
from atoll.config import SiteConfig
from atoll.errors import SiteError

REQUIRED = ("auth-hint.js", "islands.js", "callback.js")  # the entry points of sign-in pages
THEME = "theme.js"  # the theme's entry point, on every page


@dataclass(frozen=True)
class ClientScripts:
    names: dict[str, str] = field(default_factory=dict)  # script name -> output ("_atoll/islands.1a2b.js")
    preload: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> outputs it may load
    files: dict[str, bytes] = field(default_factory=dict)  # output -> bytes
    errors: tuple[SiteError, ...] = ()


def bundle_scripts(config: SiteConfig) -> ClientScripts:
    """Every script of ``scripts/`` (the site's, then the theme's); without ``auth:``, all
    but those only the sign-in entry points load."""
    try:
        bundled = bundle(load_sources(config.root, config.theme))
    except SiteError as exc:
        return ClientScripts(errors=(exc,))
    missing = []
    if THEME not in bundled:
        missing.append(SiteError(f"the theme's script is missing: scripts/{THEME}", "site.yaml", None,
                                 f"restore it from the default theme (atoll eject scripts/{THEME})"))
    if config.auth is None:
        auth_only = {name for entry in REQUIRED if entry in bundled for name in (entry, *closure(bundled, entry))}
        keep = {THEME, *closure(bundled, THEME)} if THEME in bundled else set()
        bundled = {name: s for name, s in bundled.items() if name in keep or name not in auth_only}
    else:
        missing += [SiteError(f"the auth scripts are incomplete: scripts/{name} is missing", "site.yaml", None,
                              "restore it from the default theme (atoll new)") for name in REQUIRED
                    if name not in bundled]
    return ClientScripts(
        names={s.name: s.output for s in bundled.values()},
        preload={s.name: tuple(bundled[d].output for d in closure(bundled, s.name)) for s in bundled.values()},
        files={s.output: s.data for s in bundled.values()},
        errors=tuple(missing),
    )
