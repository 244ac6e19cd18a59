"""The manifest of protected URLs: written by the build into the protected output, read by every gate.

``<protected output>/.atoll/manifest.json``::

    {"format": "atoll-protected", "version": 1,
     "rules": [{"path": "/members/**", "requires": [["staff"]]}],
     "urls": {"/members/notes/": {"file": "members/notes/index.html", "requires": [["staff"]],
                                  "prompt": ".atoll/prompt/members/notes/index.html",
                                  "forbidden": ".atoll/forbidden/members/notes/index.html"}}}

URLs and rule paths carry the site's base path. ``requires`` lists groups
alternatives that must all be met (``[]``: any signed-in reader). ``file``,
``prompt`` (the sign-in page, answered with 401) and ``forbidden`` (the 403
page) are relative to the protected output. Dot-folders are never served as
URLs, so the manifest and these pages are reachable only through a verdict.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atoll.gate.paths import lookup_keys
from atoll.gate.rules import Access, matches

FORMAT = "atoll-protected"
VERSION = 1
FOLDER = ".atoll"
MANIFEST_PATH = f"{FOLDER}/manifest.json"
logger = logging.getLogger("atoll.gate")


@dataclass(frozen=True)
class Entry:
    """One protected URL: its file, who may read it, and the pages shown to those who may not."""

    file: str
    access: Access
    prompt: str | None = None
    forbidden: str | None = None


@dataclass(frozen=True)
class Rule:
    path: str  # a pattern, base path included
    access: Access


@dataclass(frozen=True)
class Match:
    """What the manifest says about one canonical path."""

    access: Access | None  # None: no rule protects it
    entry: Entry | None = None  # the protected file at this URL, if any
    url: str | None = None  # the entry's own URL (``/a/`` for a request of ``/a``)


@dataclass(frozen=True)
class Manifest:
    urls: dict[str, Entry] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", {url.casefold(): (url, e) for url, e in self.urls.items()})

    def match(self, path: str) -> Match:
        """The access protecting a canonical path: its entry's and every matching rule's, combined."""
        keys = lookup_keys(path)
        folded: dict[str, tuple[str, Entry]] = self._folded  # type: ignore[attr-defined]
        found = next((folded[k.casefold()] for k in keys if k.casefold() in folded), None)
        access = found[1].access if found else None
        for rule in self.rules:
            if any(matches(rule.path, k) for k in keys):
                access = combine(access, rule.access)
        if found is None:
            return Match(access)
        return Match(access, found[1], found[0])

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT, "version": VERSION,
            "rules": [{"path": r.path, "requires": [list(n) for n in r.access.requirements]} for r in self.rules],
            "urls": {url: _entry_json(e) for url, e in sorted(self.urls.items())},
        }
        return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def combine(a: Access | None, b: Access) -> Access:
    if a is None:
        return b
    for need in b.requirements:
        a = a.tightened(need)
    return a


def _entry_json(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = {"file": entry.file, "requires": [list(n) for n in entry.access.requirements]}
    if entry.prompt:
        data["prompt"] = entry.prompt
    if entry.forbidden:
        data["forbidden"] = entry.forbidden
    return data


class ManifestError(ValueError):
    """The manifest is missing, unreadable or not what the build writes."""


def _access(value: Any, where: str) -> Access:
    if not isinstance(value, list) or not all(
            isinstance(n, list) and n and all(isinstance(g, str) and g for g in n) for n in value):
        raise ManifestError(f"{where}: 'requires' must be a list of non-empty lists of group names")
    return Access(tuple(tuple(sorted(set(n))) for n in value))


def _relative_file(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or value.startswith("/") or "\\" in value \
            or any(part in ("", ".", "..") for part in value.split("/")):
        raise ManifestError(f"{where}: must be a relative path inside the protected folder, got {value!r}")
    return value


def parse(data: bytes) -> Manifest:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ManifestError(f"not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ManifestError(f"not an Atoll manifest (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise ManifestError(f"version {doc.get('version')!r} is not {VERSION}; rebuild the site with this Atoll")
    urls_doc, rules_doc = doc.get("urls"), doc.get("rules")
    if not isinstance(urls_doc, dict) or not isinstance(rules_doc, list):
        raise ManifestError("'urls' must be an object and 'rules' a list")
    urls = {}
    for url, item in urls_doc.items():
        if not isinstance(url, str) or not url.startswith("/") or not isinstance(item, dict):
            raise ManifestError(f"urls: {url!r} must be a path mapped to an object")
        where = f"urls: {url}"
        pages = {k: _relative_file(item[k], f"{where}: {k}") for k in ("prompt", "forbidden") if item.get(k)}
        urls[url] = Entry(file=_relative_file(item.get("file"), f"{where}: file"),
                          access=_access(item.get("requires"), where), **pages)
    rules = []
    for item in rules_doc:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) or not item["path"].startswith("/"):
            raise ManifestError(f"rules: each rule needs a 'path' starting with '/', got {item!r}")
        rules.append(Rule(item["path"], _access(item.get("requires"), f"rules: {item['path']}")))
    return Manifest(urls, tuple(rules))


class ManifestUnavailable(Exception):
    """No manifest can be read: the gate refuses every protected request (fail closed)."""


class ManifestFile:
    """The manifest of a protected folder, re-read when the file changes (a deploy, a rebuild).

    A missing or broken manifest raises :class:`ManifestUnavailable` on every
    use, and is logged once each time the state changes, never served around.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / MANIFEST_PATH
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._manifest: Manifest | None = None
        self._problem: str | None = None

    def load(self) -> Manifest:
        try:
            st = os.stat(self.path)
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError as exc:
            self._fail(f"{self.path} cannot be read ({exc.strerror})")
            raise ManifestUnavailable(self._problem) from None
        if stamp == self._stamp and self._manifest is not None:
            return self._manifest
        with self._lock:
            if stamp != self._stamp or self._manifest is None:
                try:
                    manifest = parse(self.path.read_bytes())
                except (OSError, ManifestError) as exc:
                    self._manifest, self._stamp = None, None
                    self._fail(f"{self.path} is unusable: {exc}")
                    raise ManifestUnavailable(self._problem) from None
                self._manifest, self._stamp = manifest, stamp
                if self._problem is not None:
                    logger.warning("protected pages: %s is readable again; serving by its rules", self.path)
                self._problem = None
            return self._manifest

    def _fail(self, problem: str) -> None:
        if problem != self._problem:
            logger.error("protected pages refused: %s; every protected request is refused until the build "
                         "writes it again", problem)
        self._problem = problem
