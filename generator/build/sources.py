"""Finding and reading a site's source files (content/, public/)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from atoll.build.content import Page, PageErrors, parse_page
from atoll.errors import SiteError
from atoll.theme import theme_dirs

CONTENT = "content"
PUBLIC = "public"


@dataclass(frozen=True)
class SourceFile:
    source: str  # relative to the site folder, e.g. "content/blog/hello.md"
    rel: str  # relative to its top folder, e.g. "blog/hello.md"
    path: str  # a plain string: pathlib's overhead shows on 10,000-page sites


def _walk(top: Path, *, keep_hidden: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Files under ``top`` as (relative posix path, path), sorted, skipping dot-files."""
    found: list[tuple[str, str]] = []
    root = str(top)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") or d in keep_hidden)
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for name in filenames:
            if name.startswith("."):
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            found.append((rel, os.path.join(dirpath, name)))
    found.sort()
    return found


def discover_content(root: Path) -> tuple[list[SourceFile], list[str]]:
    """Markdown pages under content/, and notes about other files found there."""
    top = root / CONTENT
    pages: list[SourceFile] = []
    notes: list[str] = []
    if not top.is_dir():
        return pages, notes
    for rel, path in _walk(top):
        if rel.endswith(".md"):
            pages.append(SourceFile(f"{CONTENT}/{rel}", rel, path))
        else:
            notes.append(f"{CONTENT}/{rel}: ignored (only .md files are pages; put images and "
                         f"other files in {PUBLIC}/)")
    return pages, notes


def discover_public(root: Path) -> list[SourceFile]:
    """Files to copy verbatim: the site's public/, then the default theme's for names it lacks."""
    found: dict[str, SourceFile] = {}
    for index, top in enumerate(theme_dirs(root, PUBLIC)):
        own = index == 0 and top.resolve().is_relative_to(root.resolve())
        for rel, path in _walk(top, keep_hidden=(".well-known",)):
            shown = f"{PUBLIC}/{rel}" if own else f"(default theme) {PUBLIC}/{rel}"
            found.setdefault(rel, SourceFile(shown, rel, path))
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
        result.page = parse_page(source.source, source.rel, text)
    except SiteError as exc:
        result.errors.append(exc)
    except PageErrors as exc:
        result.errors.extend(exc.errors)
    return result
