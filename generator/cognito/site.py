"""The site side of ``atoll cognito``: which pool the site names, its URLs, and the site.yaml edit.

``site.yaml`` is written last, atomically, and only when every provider step
succeeded; the new text is validated as a site config before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from atoll.authurls import OriginUrls, site_urls
from atoll.cognito.aws import Cognito, CognitoError, pool_of_authority, region_of_pool
from atoll.cognito.setup import PENDING, SetupOptions, setup
from atoll.config import CONFIG_NAME, AuthConfig, SiteConfig, is_loopback_host, load_config, parse_config
from atoll.yamledit import YamlEditError, set_block_values, write_atomically

SITE_KEYS = ("authority", "client_id", "cognito_domain")


@dataclass(frozen=True)
class PoolChoice:
    region: str | None
    pool_id: str | None


def read_site(site_dir: Path) -> SiteConfig:
    if not (site_dir / CONFIG_NAME).is_file():
        raise CognitoError(f"there is no {CONFIG_NAME} in {site_dir}: pass --site DIR (a folder holding site.yaml)")
    return load_config(site_dir)  # a broken site.yaml raises BuildFailed, reported with file and line


def choose_pool(site: SiteConfig, region: str | None, pool_id: str | None) -> PoolChoice:
    """``--pool-id`` wins; else the pool of the site's Cognito ``authority``. The region follows the pool."""
    pool_id = pool_id or pool_of_authority(site.auth.authority if site.auth else None)
    return PoolChoice(region=region or (region_of_pool(pool_id) if pool_id else None), pool_id=pool_id)


def require_pool(choice: PoolChoice) -> str:
    if choice.pool_id is None:
        raise CognitoError("say which user pool: --pool-id ID (or set auth.authority to the pool's issuer URL)")
    return choice.pool_id


def check_origins(urls: tuple[OriginUrls, ...]) -> None:
    """Cognito accepts http callback URLs on localhost only: refuse before asking AWS."""
    for url in urls:
        parts = urlsplit(url.origin)
        if parts.scheme == "http" and parts.hostname != "localhost":
            where = "--dev-origin" if url.dev else "site.yaml's base_url"
            more = f" ({parts.hostname} is not localhost to Cognito)" if is_loopback_host(parts.hostname) else ""
            raise CognitoError(f"{where} is {url.origin}, and Cognito accepts plain-http URLs only on "
                               f"localhost{more}: set base_url to the https address the site is served from, "
                               "and add --dev for `atoll serve --host localhost`")


def run_setup(site_dir: Path, options: SetupOptions, *, region: str | None, profile: str | None,
              dev_origins: tuple[str, ...]) -> list[str]:
    """The whole command; the lines to print. Raises :class:`CognitoError` with nothing written."""
    site = read_site(site_dir)
    auth = site.auth or AuthConfig(client_id="")
    choice = choose_pool(site, region, options.pool_id)
    if options.create_pool is None:
        options = replace(options, pool_id=require_pool(choice))
    try:
        urls = site_urls(replace(site, auth=auth), dev_origins)
    except ValueError as exc:
        raise CognitoError(f"--dev-origin: {exc}") from None
    check_origins(urls)
    aws = Cognito(choice.region, profile=profile)
    options = replace(options, site_client_id=auth.client_id or None)
    result = setup(aws, options, urls, auth.scope)
    lines = [f"Cognito in {aws.region}:", *(f"  {a}" for a in result.actions)]
    current = {key: getattr(auth, key) for key in SITE_KEYS}
    changed = {k: v for k, v in result.values.items() if current.get(k) != v}
    if not result.actions and not changed:
        return [f"Nothing to change: the user pool, its app client and {CONFIG_NAME} already match "
                f"({', '.join(u.callback for u in urls)})."]
    if not result.actions:
        lines.append("  nothing to change")
    if changed:
        lines.append(f"{CONFIG_NAME} (auth:):")
        lines += [f"  {'would set' if options.dry_run else 'set'} {k}: {v}" for k, v in changed.items()]
        if not options.dry_run and PENDING not in changed.values():
            write_values(site_dir, result.values)
    else:
        lines.append(f"{CONFIG_NAME}: already has authority, client_id and cognito_domain")
    if options.dry_run:
        lines.append("Dry run: nothing was changed.")
    return lines


def write_values(site_dir: Path, values: dict[str, str]) -> None:
    path = site_dir / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    try:
        edited = set_block_values(text, "auth", values, after="client_id")
    except YamlEditError as exc:
        raise CognitoError(f"{CONFIG_NAME}: cannot set {', '.join(values)} ({exc}); set them by hand: "
                           + ", ".join(f"{k}: {v}" for k, v in values.items())) from None
    parse_config(edited, site_dir.resolve())  # never write a file that would not load
    write_atomically(path, edited)
