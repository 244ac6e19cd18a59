"""``site.yaml`` -> a frozen :class:`SiteConfig`, validated once at the edge.

Unknown keys are errors (a typo must not pass silently); every error names
``site.yaml`` and the line of the offending key. :mod:`~atoll.config.model`
holds the dataclasses, :mod:`~atoll.config.checks` the typed reads,
:mod:`~atoll.config.sections` one parser per block, :mod:`~atoll.config.load`
the entry points.
"""

from atoll.config.load import load_config, parse_config
from atoll.config.model import (
    CONFIG_NAME,
    DEFAULT_DEV_USERS,
    DEFAULT_EXTENSIONS,
    DEV_IDP_PORT,
    DEV_SERVER_URL,
    AuthConfig,
    CompanionConfig,
    DevUser,
    MarkdownConfig,
    MenuItem,
    ProtectRule,
    SiteConfig,
    is_loopback_host,
    normalize_base_url,
    with_base,
)
from atoll.config.sections import markdown_extension_problem

__all__ = [
    "CONFIG_NAME", "DEFAULT_DEV_USERS", "DEFAULT_EXTENSIONS", "DEV_IDP_PORT", "DEV_SERVER_URL", "AuthConfig",
    "CompanionConfig", "DevUser", "MarkdownConfig", "MenuItem", "ProtectRule", "SiteConfig", "is_loopback_host",
    "load_config", "markdown_extension_problem", "normalize_base_url", "parse_config", "with_base",
]
