"""Small WSGI helpers shared by the companion, the to-do API and the dev provider.

Every answer is JSON (or, for the dev provider's pages, HTML) built here, so
no code path can fall through to a server's default 500 page.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

logger = logging.getLogger("atoll.http")

MAX_BODY = 16 * 1024
Headers = list[tuple[str, str]]


class StartResponse(Protocol):
    def __call__(self, status: str, headers: Headers, exc_info: Any = ..., /) -> Any: ...


WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

JSON_HEADERS: Headers = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: Headers = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        phrase = HTTPStatus(self.status).phrase
        headers = [*self.headers, ("Content-Length", str(len(self.body)))]
        start_response(f"{self.status} {phrase}", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [self.body]


def json_response(data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(status, body, [*JSON_HEADERS, *headers])


def empty_response(status: int = 204, headers: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(status, b"", [("Cache-Control", "no-store"), *headers])


class HttpError(Exception):
    """A failure that becomes ``{"error": code, "message": message}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = list(headers)

    def response(self) -> Response:
        return json_response({"error": self.code, "message": self.message}, self.status, self.headers)


def not_found() -> HttpError:
    return HttpError(404, "not_found", "no such resource")


def method_not_allowed(allowed: Iterable[str]) -> HttpError:
    allow = ", ".join(allowed)
    return HttpError(405, "method_not_allowed", f"use one of: {allow}", [("Allow", allow)])


# ------------------------------------------------------------------ requests

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_same_origin(environ: dict[str, Any], origin: str) -> None:
    """Refuse a state-changing request whose ``Origin`` is not exactly the site's own."""
    sent = environ.get("HTTP_ORIGIN")
    if sent is None:
        raise HttpError(403, "forbidden_origin", "state-changing requests must carry an Origin header")
    if sent != origin:
        raise HttpError(403, "forbidden_origin", f"requests from origin {sent!r} are not accepted here")


def check_json_content_type(environ: dict[str, Any]) -> None:
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HttpError(415, "unsupported_media_type", "send the body as Content-Type: application/json")


def read_body(environ: dict[str, Any], limit: int = MAX_BODY) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (declared or actual)."""
    declared = environ.get("CONTENT_LENGTH") or "0"
    try:
        length = int(declared)
    except ValueError:
        raise HttpError(400, "invalid_request", "Content-Length is not a number") from None
    if length > limit:
        raise HttpError(413, "body_too_large", f"the body must be at most {limit} bytes")
    if length <= 0:
        return b""
    body = environ["wsgi.input"].read(length)
    if len(body) > limit:
        raise HttpError(413, "body_too_large", f"the body must be at most {limit} bytes")
    return bytes(body)


def read_json_object(environ: dict[str, Any], limit: int = MAX_BODY) -> dict[str, Any]:
    """Parse a JSON object body (Content-Type already checked by the caller's guard)."""
    check_json_content_type(environ)
    body = read_body(environ, limit)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise HttpError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise HttpError(400, "invalid_request", "the body must be a JSON object")
    try:
        # JSON may spell a lone surrogate ("\\ud800"); it is not text, and nothing can store or send it.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start] if isinstance(exc.object, str) else "?"
        raise HttpError(400, "invalid_json", f"the body holds a lone surrogate (U+{ord(bad):04X}), "
                                             "which is not Unicode text") from None
    return data


def guarded(app: Callable[[dict[str, Any]], Response]) -> WSGIApp:
    """Turn a ``handler(environ) -> Response`` into a WSGI app that always answers.

    ``HttpError`` becomes its JSON error. Anything else is a bug: it is logged
    by type and place only (exception messages may quote request data, and
    request data may hold tokens) and answered with a JSON 503.
    """

    def wsgi_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = app(environ)
        except HttpError as exc:
            response = exc.response()
        except Exception as exc:  # noqa: BLE001 - last resort, see docstring
            log_bug(exc)
            response = HttpError(503, "internal_error", "the server could not handle this request").response()
        return response(environ, start_response)

    return wsgi_app


def log_bug(exc: BaseException) -> None:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    logger.error("unhandled %s at %s", type(exc).__name__, where)


def shielded(app: WSGIApp) -> WSGIApp:
    """Wrap a site's own WSGI app so that an exception in it is a JSON 503, not a 500.

    The answer is buffered (these are small JSON APIs), so a failure while the
    body is produced can still replace the status line.
    """

    def wsgi_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started: list[tuple[str, Headers]] = []

        def record(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:  # noqa: ARG001
            # buffered: nothing was sent yet, so a later call simply replaces the status (PEP 3333)
            started[:] = [(status, list(headers))]
            return chunks.append

        chunks: list[bytes] = []
        try:
            result = app(environ, record)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if not started:
                raise RuntimeError("the application never called start_response")
        except Exception as exc:  # noqa: BLE001 - last resort, see docstring
            log_bug(exc)
            error = HttpError(503, "internal_error", "the server could not handle this request")
            return error.response()(environ, start_response)
        status, headers = started[0]
        start_response(status, headers)
        return chunks

    return wsgi_app
