"""Output kinds and render tasks: what one HTML file of the site is made from.

:class:`Kind` is the one place the kinds are listed; the modules that treat
kinds differently (rendering, fingerprints, the sitemap) look them up in
tables keyed by it, never by comparing strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    PAGE = "page"  # a markdown page through its layout
    LISTING = "listing"  # one pager of the blog listing
    TAGS = "tags"  # the index of every tag
    TAG = "tag"  # the posts of one tag
    NOT_FOUND = "404"
    CALLBACK = "callback"  # the sign-in callback page (auth.redirect_path)
    PROMPT = "prompt"  # a protected page's sign-in prompt (its public URL, and a copy for the gates)
    FORBIDDEN = "forbidden"  # a group page's 403 page, for the gates

    @property
    def in_sitemap(self) -> bool:
        """Generated listings are in the sitemap; error and callback pages are not
        (pages are too, with their dates, but they are listed from the model)."""
        return self in _IN_SITEMAP


_IN_SITEMAP = frozenset({Kind.LISTING, Kind.TAGS, Kind.TAG})


@dataclass(frozen=True)
class Task:
    """One output file to render."""

    kind: Kind
    output: str
    url: str
    index: int = -1  # page index for PAGE, PROMPT and FORBIDDEN; pager number for LISTING
    tag: str = ""  # tag slug for TAG
