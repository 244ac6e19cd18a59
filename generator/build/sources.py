"""Finding and reading a site's source files (content/, public/)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from atoll import chars
from atoll.build.content import UNREAD, Page, PageErrors, parse_page
from atoll.errors import BuildFailed, SiteError
from atoll.theme import shown_path, theme_dirs

CONTENT = "content"
PUBLIC = "public"


@dataclass(frozen=True)
class SourceFile:
    source: str  # relative to the site folder, e.g. "content/blog/hello.md"
    rel: str  # relative to its top folder, e.g. "blog/hello.md"
    path: str  # a plain string: pathlib's overhead shows on 10,000-page sites


def _outside(path: str, inside: str) -> str | None:
    """The real path of ``path`` when it leads outside the folder ``inside`` (already real), else None."""
    real = os.path.realpath(path)
    return None if real == inside or real.startswith(inside.rstrip(os.sep) + os.sep) else real


def _link_error(shown: str, real: str) -> SiteError:
    return SiteError(f"symbolic link to {real}, outside the site: Atoll never publishes files from outside "
                     f"the site", shown, None, "copy the file into the site, or delete the link")


def _walk(top: Path, inside: Path, *, shown: str,
          keep_hidden: tuple[str, ...] = ()) -> tuple[list[tuple[str, str]], list[SiteError]]:
    """Files under ``top`` as (relative posix path, path), sorted, skipping dot-files; and an error
    for each symbolic link (file or folder) that leads outside ``inside``. Links that stay inside
    are followed for files; linked folders are not entered."""
    found: list[tuple[str, str]] = []
    errors: list[SiteError] = []
    fence = os.path.realpath(inside)
    real_top = _outside(str(top), fence)
    if real_top is not None:
        return [], [_link_error(shown, real_top)]
    pending = [("", str(top))]
    while pending:
        rel_dir, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") and not (entry.is_dir() and name in keep_hidden):
                    continue
                rel = f"{rel_dir}{name}"
                if entry.is_symlink():
                    real = _outside(entry.path, fence)
                    if real is not None:
                        errors.append(_link_error(f"{shown}/{rel}", real))
                    elif entry.is_file():
                        found.append((rel, entry.path))
                elif entry.is_dir():
                    pending.append((f"{rel}/", entry.path))
                else:
                    found.append((rel, entry.path))
    found.sort()
    return found, errors


def discover_content(root: Path) -> tuple[list[SourceFile], list[str]]:
    """Markdown pages under content/, and notes about what was found there.
    :class:`BuildFailed` names every symbolic link that leads outside the site."""
    top = root / CONTENT
    pages: list[SourceFile] = []
    if not top.is_dir():
        return pages, []
    files, errors = _walk(top, root, shown=CONTENT)
    if errors:
        raise BuildFailed(errors)
    for rel, path in files:
        if rel.endswith(".md"):
            pages.append(SourceFile(f"{CONTENT}/{rel}", rel, path))
    return pages, []


def discover_bundles(root: Path) -> list[SourceFile]:
    """The other files under content/: each travels with the pages of its folder (a page
    bundle) and is written to the same path, ``content/guide/a.png`` -> ``guide/a.png``."""
    top = root / CONTENT
    if not top.is_dir():
        return []
    files, errors = _walk(top, root, shown=CONTENT)
    if errors:
        raise BuildFailed(errors)
    return [SourceFile(f"{CONTENT}/{rel}", rel, path) for rel, path in files if not rel.endswith(".md")]


def content_source(root: Path, name: str) -> SourceFile | None:
    """The content file ``name`` ("content/a.md") as a :class:`SourceFile`, None when it is gone;
    :class:`BuildFailed` when it is a symbolic link that leads outside the site."""
    path = root / name
    if not path.is_file():
        return None
    real = _outside(str(path), os.path.realpath(root))
    if real is not None:
        raise BuildFailed([_link_error(name, real)])
    return SourceFile(name, name[len(CONTENT) + 1:], str(path))


def discover_public(root: Path, theme: Path | None = None) -> list[SourceFile]:
    """Files to copy verbatim: the site's public/, then its theme's and the default theme's for
    names it lacks. :class:`BuildFailed` names every symbolic link that leads outside the site
    (or, for a theme outside the site's folder, outside that theme)."""
    found: dict[str, SourceFile] = {}
    errors: list[SiteError] = []
    for top in theme_dirs(root, PUBLIC, theme):
        prefix = shown_path(root, top, PUBLIC)
        files, outside = _walk(top, root if top.is_relative_to(root) else top, shown=prefix,
                               keep_hidden=(".well-known",))
        errors += outside
        for rel, path in files:
            found.setdefault(rel, SourceFile(f"{prefix}/{rel}", rel, path))
    if errors:
        raise BuildFailed(errors)
    return [found[rel] for rel in sorted(found)]


def decode_utf8(data: bytes, source: str) -> str:
    """Decode a source file, naming the line of the first bad byte on failure."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SiteError(f"file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                        source, line, "save the file as UTF-8 (or move binary files to public/)") from exc


@dataclass
class ReadResult:
    """One content file read and parsed (or found unchanged, gone, or broken)."""

    source: SourceFile
    stat: tuple[int, int] | None = None  # (size, mtime_ns)
    digest: str | None = None
    page: Page | None = None  # None when unchanged (digest == the known one) or broken
    errors: list[SiteError] = field(default_factory=list)
    gone: bool = False  # deleted since it was discovered


def text_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_source(source: SourceFile, known_digest: str | None = None) -> ReadResult:
    """Read and parse one page; skip the parse when its bytes still have ``known_digest``."""
    try:
        with open(source.path, "rb") as f:
            st = os.fstat(f.fileno())
            data = f.read()
    except FileNotFoundError:
        return ReadResult(source, gone=True)
    except OSError as exc:
        return ReadResult(source, errors=[SiteError(f"cannot read file: {exc.strerror}", source.source)])
    result = ReadResult(source, stat=(st.st_size, st.st_mtime_ns), digest=text_digest(data))
    if result.digest == known_digest:
        return result
    try:
        text = decode_utf8(data, source.source).replace("\r\n", "\n")
    except SiteError as exc:
        result.errors.append(exc)
        return result
    try:
        result.page = parse_page(source.source, source.rel, text)
    except SiteError as exc:
        result.errors.append(exc)
    except PageErrors as exc:
        result.errors.extend(exc.errors)
    forbidden = chars.forbidden_in_file(data, text)
    if forbidden is not None:
        line, char = forbidden
        result.page = None
        result.errors.append(SiteError(f"the text holds the control character {char}, which no page or feed may carry",
                                       source.source, line, chars.HINT))
    return result


def with_body(page: Page, site_root: Path) -> Page:
    """A page kept without its body (:func:`~atoll.build.content.without_body`) with it again,
    read from its file; SiteError if the file is not the one the page was read from."""
    if page.body != UNREAD:
        return page
    result = read_source(SourceFile(page.source, page.rel, os.path.join(site_root, page.source)))
    if result.page is None or result.page.meta != page.meta:
        raise SiteError("the file changed while this build ran", page.source, None, "build again")
    return result.page
