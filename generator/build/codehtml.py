"""Pygments tokens as the exact HTML Pygments' HtmlFormatter writes for Atoll's fences.

Why not HtmlFormatter itself: it takes ``(type, text)`` pairs, so the lexer's
``(index, type, text)`` stream goes through one more generator per token, and
every line goes through a stack of generators (``_format_lines``, line numbers,
``_highlight_lines``, ``_wrap_code``, ``_wrap_pre``, ``_wrap_div``) built for
options Atoll never sets (``nowrap``, ``noclasses``, ctags, line anchors, table
line numbers). No option of it, and no other Pygments formatter, writes the same
bytes without those layers. This module does only what Atoll's options
(``cssclass="highlight"``, ``wrapcode``, ``linenos="inline"``, ``linenostart``,
``hl_lines``) need, in one loop over the lexer's own stream. The class of each
token type and the wrapping markup are asked once per process from a stock
HtmlFormatter, so they are Pygments' own bytes. ``tests/test_codehtml.py``
compares every option byte for byte with ``pygments.highlight(code, lexer,
HtmlFormatter(...))``.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from io import StringIO

from pygments.formatters import HtmlFormatter
from pygments.token import Text, _TokenType

Tokens = Iterable[tuple[_TokenType, str]]
Stream = Iterable[tuple[int, _TokenType, str]]  # what get_tokens_unprocessed yields

_PROBE = "\x00"  # a text that escaping leaves as it is, found again in the output


def stock_formatter(linenums: int = 0, hl_lines: tuple[int, ...] = ()) -> HtmlFormatter[str]:
    """The HtmlFormatter whose bytes :func:`format_code` writes (the reference for the tests)."""
    if linenums:
        return HtmlFormatter(cssclass="highlight", wrapcode=True, linenos="inline",
                             linenostart=linenums, hl_lines=list(hl_lines))
    return HtmlFormatter(cssclass="highlight", wrapcode=True, hl_lines=list(hl_lines))


def _render(formatter: HtmlFormatter[str], tokens: Tokens) -> str:
    out = StringIO()
    formatter.format(tokens, out)
    return out.getvalue()


def _wrapper() -> tuple[str, str]:
    """What HtmlFormatter writes around the lines: ``<div class="highlight"><pre>…<code>`` and its end."""
    head, _, tail = _render(stock_formatter(), [(Text, _PROBE + "\n")]).partition(_PROBE + "\n")
    return head, tail


_HEAD, _TAIL = _wrapper()
_NOWRAP: HtmlFormatter[str] = HtmlFormatter(nowrap=True)
_SPANS: dict[_TokenType, str] = {}  # token type -> its '<span class="…">' opener, '' for none


def _span(ttype: _TokenType) -> str:
    opener = _render(_NOWRAP, [(ttype, _PROBE)]).partition(_PROBE)[0]
    _SPANS[ttype] = opener
    return opener


def _lines(stream: Stream) -> list[str]:
    """The highlighted lines, each ending in a newline, as HtmlFormatter's ``_format_lines`` makes them:
    a span stays open while the next token has the same class, closes at a line's end, and an
    empty piece of text opens none."""
    spans = _SPANS
    lines: list[str] = []
    line: list[str] = []
    cur = ""  # the class of the text at the end of `line`, whose span is still open
    for _, ttype, value in stream:
        span = spans.get(ttype)
        if span is None:
            span = _span(ttype)
        text = escape(value, quote=False)
        if "\n" in text:
            *done, text = text.split("\n")
            for part in done:
                if part:
                    if not line:
                        lines.append(f"{span}{part}{'</span>' if span else ''}\n")
                        continue
                    if span != cur:
                        line += ("</span>" if cur else "", span)
                        cur = span
                    line.append(part)
                if line:
                    line.append("</span>\n" if cur else "\n")
                    lines.append("".join(line))
                    line = []
                else:
                    lines.append("\n")
        if not text:
            continue
        if not line:
            line = [span, text]
            cur = span
        elif span != cur:
            line += ("</span>" if cur else "", span, text)
            cur = span
        else:
            line.append(text)
    if line:
        line.append("</span>\n" if cur else "\n")
        lines.append("".join(line))
    return lines


def format_code(stream: Stream, linenums: int = 0, hl_lines: tuple[int, ...] = ()) -> str:
    """What ``HtmlFormatter(cssclass="highlight", wrapcode=True[, linenos="inline",
    linenostart=linenums], hl_lines=hl_lines)`` writes for the tokens of a lexer's
    ``get_tokens_unprocessed`` (``(index, type, text)``: no extra layer to drop the index)."""
    lines = _lines(stream)
    if linenums:
        width = len(str(len(lines) + linenums - 1))
        lines = [f'<span class="linenos">{n:{width}d}</span>{text}'
                 for n, text in enumerate(lines, start=linenums)]
    if hl_lines:
        marked = set(hl_lines)
        lines = [f'<span class="hll">{text}</span>' if n in marked else text
                 for n, text in enumerate(lines, start=1)]
    return _HEAD + "".join(lines) + _TAIL
