"""Fenced code blocks highlighted by Pygments, with one formatter and cached lexers.

Python-Markdown's ``fenced_code`` + ``codehilite`` build a new Pygments
formatter (and its style sheet) for every block, which costs more than the
highlighting itself on a typical page; this extension builds them once per
process. Output: ``<div class="highlight"><pre><code>…`` with Pygments' CSS
classes (the default theme ships ``css/pygments.css``).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# ```lang  /  ~~~ lang  /  ``` {.lang #id}   ...   ``` (closing fence as long as the opening one)
_FENCE_RE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ \t]*(?:\{(?P<attrs>[^}\n]*)\}|\.?(?P<lang>[\w#+.-]*))[ \t]*\n"
    r"(?P<code>.*?)(?<=\n)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


@lru_cache(maxsize=128)
def _lexer(lang: str) -> Lexer | None:
    try:
        return get_lexer_by_name(lang, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


def _parse_attrs(attrs: str) -> tuple[str, str]:
    """``{.python #example}`` -> ``("python", "example")``."""
    lang, ident = "", ""
    for word in attrs.split():
        if word.startswith(".") and not lang:
            lang = word[1:]
        elif word.startswith("#"):
            ident = word[1:]
    return lang, ident


def render_code(code: str, lang: str, ident: str = "") -> str:
    """One fenced block as HTML: highlighted when the language is known, escaped otherwise."""
    id_attr = f' id="{html.escape(ident)}"' if ident else ""
    lexer = _lexer(lang.lower()) if lang else None
    if lexer is None:
        cls = f' class="language-{html.escape(lang)}"' if lang else ""
        return f'<pre{id_attr}><code{cls}>{html.escape(code, quote=False)}</code></pre>'
    out = highlight(code, lexer, _FORMATTER)
    return out.replace('<div class="highlight">', f'<div class="highlight"{id_attr}>', 1) if ident else out


class _FencedCode(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "```" not in text and "~~~" not in text:
            return lines
        pieces: list[str] = []
        last = 0
        for m in _FENCE_RE.finditer(text):
            lang, ident = _parse_attrs(m.group("attrs")) if m.group("attrs") else (m.group("lang") or "", "")
            placeholder = self.md.htmlStash.store(render_code(m.group("code"), lang, ident))
            pieces += [text[last:m.start()], f"\n{placeholder}\n"]
            last = m.end()
        pieces.append(text[last:])
        return "".join(pieces).split("\n")


class FencedCodeExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # same priority as Python-Markdown's fenced_code: before html blocks are stashed
        md.preprocessors.register(_FencedCode(md), "atoll_fenced_code", 25)
