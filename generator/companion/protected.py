"""The companion's gates: protected files served to readers who qualify, and ``GET /auth/check``.

Both decide with :mod:`atoll.gate` from the protected output's manifest and
the reader's session. They fail closed: without a readable manifest every
protected request is refused (503), and a path that cannot be read safely is
refused (400). A file is found through the manifest's entry for its URL,
never by joining the request's path to the folder, and a symlink leading
out of the folder is not followed.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from atoll.gate import paths
from atoll.gate.manifest import Entry, ManifestFile, ManifestUnavailable, Match
from atoll.gate.rules import Reader, Verdict, decide
from atoll.wsgi.http import Headers, HttpError, Response, empty_response, method_not_allowed

CurrentReader = Callable[[dict[str, Any]], Reader | None]

PRIVATE: Headers = [("Cache-Control", "private, no-store"), ("Vary", "Cookie"), ("X-Content-Type-Options", "nosniff")]
REFUSED: Headers = [("Cache-Control", "no-store"), ("Vary", "Cookie"), ("X-Content-Type-Options", "nosniff")]


def _empty(status: int, headers: Headers | None = None) -> Response:
    return empty_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Vary", "Cookie"), *(headers or [])])


def unavailable() -> HttpError:
    return HttpError(503, "gate_unavailable", "protected pages cannot be served right now", [("Vary", "Cookie")])


@dataclass(frozen=True)
class _File:
    data: bytes
    etag: str
    content_type: str


def content_type(name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml",
                                            "application/xml", "application/atom+xml"):
        kind += "; charset=utf-8"
    return kind


class ProtectedFiles:
    """A protected output folder served by its manifest to the readers its rules allow."""

    def __init__(self, root: Path, current_reader: CurrentReader) -> None:
        self.root = str(root.resolve())
        self.manifest = ManifestFile(Path(self.root))
        self.current_reader = current_reader

    # ------------------------------------------------------------ decisions

    def _match(self, path: str) -> Match:
        try:
            return self.manifest.load().match(path)
        except ManifestUnavailable:
            raise unavailable() from None

    def covers_target(self, target: str) -> bool:
        """Whether a request for ``target`` (raw path) is the gate's to answer: a protected URL,
        or one it cannot decide on (a path it refuses, no readable manifest)."""
        try:
            return self.manifest.load().match(paths.from_target(target)).access is not None
        except (paths.BadPath, ManifestUnavailable):
            return True

    # ------------------------------------------------------------ protected files

    def serve(self, environ: dict[str, Any]) -> Response:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            raise method_not_allowed(["GET", "HEAD"])
        try:
            path = paths.from_path_info(_full_path(environ))
        except paths.BadPath as exc:
            raise HttpError(400, "bad_path", str(exc)) from None
        match = self._match(path)
        if match.access is None:
            raise HttpError(404, "not_found", "no protected page at this address")
        if match.url is not None and match.url != path and not path.endswith("/index.html"):
            query = environ.get("QUERY_STRING", "")
            location = quote(match.url) + (f"?{query}" if query else "")
            return _empty(301, [("Location", location)])
        reader = self.current_reader(environ)
        verdict = decide(match.access, reader)
        entry = match.entry
        if verdict is Verdict.SIGN_IN:
            return self._page(entry.prompt if entry else None, 401, "sign_in", "sign in to read this page")
        if verdict is Verdict.FORBIDDEN:
            groups = ", ".join(match.access.groups)
            return self._page(entry.forbidden if entry else None, 403, "forbidden",
                              f"this page is for members of: {groups}")
        if entry is None:  # a rule covers the URL, but no page was built there
            raise HttpError(404, "not_found", "no protected page at this address", [("Vary", "Cookie")])
        return self._file_response(entry, environ)

    def _file_response(self, entry: Entry, environ: dict[str, Any]) -> Response:
        file = self._read(entry.file)
        if file is None:
            raise HttpError(404, "not_found", "no protected page at this address", [("Vary", "Cookie")])
        headers = [*PRIVATE, ("ETag", file.etag)]
        if file.etag in _etags(environ.get("HTTP_IF_NONE_MATCH", "")):
            return Response(304, b"", headers)
        return Response(200, file.data, [("Content-Type", file.content_type), *headers])

    def _page(self, rel: str | None, status: int, code: str, message: str) -> Response:
        file = self._read(rel) if rel else None
        if file is None:
            raise HttpError(status, code, message, [("Vary", "Cookie")])
        return Response(status, file.data, [("Content-Type", file.content_type), *REFUSED])

    def _read(self, rel: str) -> _File | None:
        """A file of the protected folder, refusing any path that resolves outside it."""
        full = os.path.realpath(os.path.join(self.root, rel))
        if os.path.commonpath([full, self.root]) != self.root:
            return None
        try:
            with open(full, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
        return _File(data, etag, content_type(full))

    # ------------------------------------------------------------ GET /auth/check

    def check(self, environ: dict[str, Any]) -> Response:
        """204 / 401 / 403 for the request a reverse proxy is about to serve."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            raise method_not_allowed(["GET", "HEAD"])
        target = environ.get("HTTP_X_ORIGINAL_URI") or environ.get("HTTP_X_FORWARDED_URI")
        if not target:
            raise HttpError(400, "missing_uri", "send the original request's path in X-Original-URI "
                                                "(nginx auth_request) or X-Forwarded-Uri (Traefik, Caddy)")
        try:
            path = paths.from_target(target)
        except paths.BadPath as exc:
            raise HttpError(400, "bad_path", str(exc)) from None
        match = self._match(path)
        reader = self.current_reader(environ)
        verdict = decide(match.access, reader)
        if verdict is Verdict.SIGN_IN:
            return _empty(401)
        if verdict is Verdict.FORBIDDEN:
            return _empty(403)
        headers: Headers = []
        if reader is not None:
            headers += [("X-Atoll-User", _header_text(reader.username)),
                        ("X-Atoll-Groups", ",".join(_header_text(g) for g in reader.groups))]
        return empty_response(204, [("Vary", "Cookie"), *headers])


def _full_path(environ: dict[str, Any]) -> str:
    return str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "") or "/")


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _header_text(value: str) -> str:
    """A user-supplied name, safe as an HTTP header value (percent-encoded outside printable ASCII)."""
    return quote(value, safe=" !#$&'()*+-./:;<=>?@[]^_`{|}~")
