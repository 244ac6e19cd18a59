"""Which pages are protected, and the manifest the gates read (pure functions over pages).

A page is protected by its front matter (``auth: required``,
``auth: {groups: [...]}``) and by every ``auth.protect`` rule its URL
matches; each adds a requirement (:class:`~atoll.gate.rules.Access`), so a
page may tighten a rule but never loosen it. Protected pages are rendered
into the protected output; their public URL gets a prompt page, and under
``.atoll/`` the protected output keeps that prompt (answered with 401), a
403 page for group pages and the manifest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from atoll.build.content import Page
from atoll.config import SiteConfig, with_base
from atoll.errors import SiteError
from atoll.gate.manifest import FOLDER, MANIFEST_PATH, Entry, Manifest, Rule
from atoll.gate.rules import Access, matches

PROMPT_FOLDER = f"{FOLDER}/prompt/"
FORBIDDEN_FOLDER = f"{FOLDER}/forbidden/"
# Outputs under this folder go to the protected output: `atoll build` moves it out of the
# staging folder at commit; the dev server keeps it in its own (never served) output.
PROTECTED = ".atoll-protected/"


def protected(output: str) -> str:
    """``members/x/index.html`` -> its place in the protected output."""
    return PROTECTED + output


def listed_in(config: SiteConfig, page: Page, protection: Protection) -> bool:
    """Whether listings and tag pages show ``page`` (protected pages by title, unless the site says not)."""
    return page not in protection or config.auth is None or config.auth.list_protected


@dataclass(frozen=True)
class Protection:
    """The access of every protected page, by source."""

    access: Mapping[str, Access] = field(default_factory=dict)

    def of(self, page: Page) -> Access | None:
        return self.access.get(page.source)

    def __contains__(self, page: object) -> bool:
        return isinstance(page, Page) and page.source in self.access

    def __bool__(self) -> bool:
        return bool(self.access)


def protect_pages(config: SiteConfig, pages: Iterable[Page]) -> tuple[Protection, list[SiteError], list[str]]:
    """The protection of each page, the errors, and a note for every ``auth.protect`` rule matching no page."""
    errors: list[SiteError] = []
    rules = config.auth.protect if config.auth is not None else ()
    used: set[int] = set()
    access: dict[str, Access] = {}
    for page in pages:
        found: Access | None = None
        for index, rule in enumerate(rules):
            if matches(rule.path, page.url):
                used.add(index)
                found = (found or Access()).tightened(rule.groups)
        if page.auth is not None:
            if config.auth is None:
                errors.append(SiteError("front matter: 'auth' protects this page, but site.yaml has no 'auth:' "
                                     "block, so no reader could sign in to read it", page.source,
                                     page.lines.get("auth"), "add an auth: block to site.yaml (see "
                                     "the docs' sign-in pages), or remove 'auth' from this page"))
                continue
            found = (found or Access()).tightened(page.groups)
        if found is not None:
            access[page.source] = found
    notes = [f"site.yaml:{rule.line}: auth: protect: {rule.path!r} matches no page (it still protects "
             f"that path at the gates)" for index, rule in enumerate(rules) if index not in used]
    return Protection(access), errors, notes


def beside_protected(outputs: Iterable[str], pages: Iterable[Page], protection: Protection) -> dict[str, Access]:
    """Files beside pages (page bundles, by output path = path under content/) that only protected
    pages sit beside: the pages of the nearest folder up that has any. Such a file is readable
    by whoever may read those pages (one access when they agree, else any signed-in reader)."""
    by_folder: dict[str, list[Page]] = {}
    for page in pages:
        by_folder.setdefault(page.rel.rpartition("/")[0], []).append(page)
    found: dict[str, Access] = {}
    for output in outputs:
        folder = output.rpartition("/")[0]
        while folder not in by_folder and folder:
            folder = folder.rpartition("/")[0]
        found_access = [protection.of(p) for p in by_folder.get(folder, [])]
        accesses = [a for a in found_access if a is not None]
        if accesses and len(accesses) == len(found_access):
            found[output] = accesses[0] if all(a == accesses[0] for a in accesses) else Access()
    return found


def prompt_output(output: str) -> str:
    return PROMPT_FOLDER + output


def forbidden_output(output: str) -> str:
    return FORBIDDEN_FOLDER + output


def needs_forbidden_page(access: Access) -> bool:
    return bool(access.requirements)


def build_manifest(config: SiteConfig, pages: Iterable[Page], protection: Protection,
                   files: Mapping[str, Access] | None = None) -> Manifest:
    """URL -> entry for every protected page (and file beside one), plus the site's rules,
    all with the site's base path in front, as requests name them."""
    base = config.base_path
    urls: dict[str, Entry] = {}
    for page in pages:
        access = protection.of(page)
        if access is None:
            continue
        urls[with_base(base, page.url)] = Entry(
            file=page.output, access=access, prompt=prompt_output(page.output),
            forbidden=forbidden_output(page.output) if needs_forbidden_page(access) else None)
    for output, access in (files or {}).items():
        urls[with_base(base, "/" + output)] = Entry(file=output, access=access)
    rules = config.auth.protect if config.auth is not None else ()
    return Manifest(urls, tuple(Rule(with_base(base, r.path), Access().tightened(r.groups)) for r in rules))


def manifest_file(config: SiteConfig, pages: Iterable[Page], protection: Protection,
                  files: Mapping[str, Access] | None = None) -> dict[str, bytes]:
    """The protected output's manifest, for sites with an ``auth:`` block (even with nothing protected:
    the gates then know that, rather than refusing everything for want of a manifest)."""
    if config.auth is None:
        return {}
    return {protected(MANIFEST_PATH): build_manifest(config, pages, protection, files).to_json()}
