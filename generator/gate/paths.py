"""A request's path -> the one canonical path every gate decides on, or refused.

Gates see paths in different forms: a WSGI ``PATH_INFO`` (already
percent-decoded), nginx's ``X-Original-URI`` and Traefik's or Caddy's
``X-Forwarded-Uri`` (raw, with the query). Whatever the form, the result is
decoded once, its dot segments resolved the way a file server resolves them,
repeated slashes merged and backslashes read as slashes, so that no spelling
of a protected file's path reaches it without its rule. What cannot be read
safely (a NUL, a control character, ``..`` above the root, bad UTF-8) is
refused with :class:`BadPath`.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes, urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadPath(ValueError):
    """A path no gate can decide on safely; the gate refuses it."""


def from_target(target: str) -> str:
    """A raw request target (``/a%20b/?q=1``) -> its canonical path."""
    if target.startswith(("http://", "https://")):
        target = urlsplit(target).path or "/"
    path = target.split("?", 1)[0].split("#", 1)[0]
    try:
        decoded = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise BadPath("the path is not UTF-8") from None
    return canonical(decoded)


def from_path_info(path_info: str) -> str:
    """A WSGI ``PATH_INFO`` (decoded by the server, latin-1 per PEP 3333) -> its canonical path."""
    try:
        decoded = path_info.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise BadPath("the path is not UTF-8") from None
    return canonical(decoded)


def canonical(path: str) -> str:
    """Resolve ``.`` and ``..``, merge slashes, read ``\\`` as ``/``; keep a trailing slash."""
    if _CONTROL.search(path):
        raise BadPath("the path holds a control character")
    path = path.replace("\\", "/")
    if not path.startswith("/"):
        path = "/" + path
    segments: list[str] = []
    parts = path.split("/")
    for part in parts[1:]:
        if part in ("", "."):
            continue
        if part == "..":
            if not segments:
                raise BadPath("the path climbs above the site's root")
            segments.pop()
            continue
        segments.append(part)
    trailing = parts[-1] in ("", ".", "..")
    result = "/" + "/".join(segments)
    return result + "/" if trailing and segments else result


def lookup_keys(path: str) -> tuple[str, ...]:
    """The spellings of one URL a static host treats alike, most specific first:
    ``/a/index.html`` and ``/a`` both mean ``/a/``."""
    keys = [path]
    if path.endswith("/index.html"):
        keys.append(path[: -len("index.html")])
    elif not path.endswith("/"):
        keys.append(path + "/")
    return tuple(keys)
