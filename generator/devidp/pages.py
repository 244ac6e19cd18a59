"""The provider's HTML: the login form and plain message pages, every value escaped.

No script at all; the only inline CSS is a few declarations in one <style>.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from atoll.wsgi.http import Response

PAGE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
]
STYLE = ("*{box-sizing:border-box}body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;"
         "padding:0 1rem}"
         "label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;font-size:1rem}"
         ".error{color:#a00}.note{color:#666;font-size:.85rem}")


def page(title: str, body: str, status: int = 200) -> Response:
    html = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>")
    return Response(status, html.encode(), list(PAGE_HEADERS))


def login_page(action: str, params: Mapping[str, str], *, error: str | None = None,
               username: str = "") -> Response:
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (f"{message}<form method=\"post\" action=\"{escape(action)}\">{hidden}"
            f"<label for=\"username\">Username</label>"
            f"<input id=\"username\" name=\"username\" autocomplete=\"username\" required "
            f"value=\"{escape(username)}\" autofocus>"
            f"<label for=\"password\">Password</label>"
            f"<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>"
            f"<button type=\"submit\">Sign in</button></form>"
            f"<p class=\"note\">Atoll dev identity provider: for development only.</p>")
    return page("Sign in", body)


def message_page(title: str, message: str, status: int) -> Response:
    return page(title, f"<p>{escape(message)}</p>", status)
