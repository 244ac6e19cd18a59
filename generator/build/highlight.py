"""Fenced code blocks highlighted by Pygments, with cached lexers.

Python-Markdown's ``fenced_code`` + ``codehilite`` build a new Pygments
formatter (and its style sheet) for every block, which costs more than the
highlighting itself on a typical page; this extension keeps one lexer per
language per process, lexes through :mod:`atoll.build.fastlex` and writes
HtmlFormatter's bytes with :mod:`atoll.build.codehtml`. A fence may be
indented (inside a list item, an admonition or a tab) and may carry the
options MkDocs Material users know::

    ```python title="app.py" linenums="1" hl_lines="2 3"

Output: ``<div class="code" data-lang="python">`` holding an optional
``<div class="code-head">`` (title, language) and Pygments'
``<div class="highlight"><pre><code>…`` (the default theme ships light and
dark styles in ``css/pygments.css``; its ``code.js`` adds the copy button).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import markdown
from markdown.preprocessors import Preprocessor
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from atoll.build.codehtml import format_code
from atoll.build.fastlex import stream

# ```lang opts  /  ~~~ lang  /  ``` {.lang #id}   ...   ``` (closing fence as long as the opening one,
# at the same indentation)
_FENCE_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*"
    r"(?:\{(?P<attrs>[^}\n]*)\}|\.?(?P<lang>[\w#+.-]*)(?P<opts>[^\n`]*))[ \t]*\n"
    r"(?P<code>.*?)(?<=\n)(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_OPTION_RE = re.compile(r"""([A-Za-z_]+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")
OPTIONS = ("title", "linenums", "hl_lines")


@dataclass(frozen=True)
class CodeOptions:
    lang: str = ""
    ident: str = ""
    title: str = ""
    linenums: int = 0  # first line number; 0 = no line numbers
    hl_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Problem:
    """An author mistake found while converting, located later by its text."""

    needle: str  # text on the offending line of the body
    message: str
    hint: str | None = None


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


def _lines(value: str) -> tuple[int, ...] | None:
    """``"2 4-6"`` -> ``(2, 4, 5, 6)``; None when it is not that shape."""
    found: list[int] = []
    for part in value.split():
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            return None
        found.extend(range(int(first), int(last or first) + 1))
    return tuple(found)


def parse_options(lang: str, opts: str, problems: list[Problem], line: str) -> CodeOptions:
    """The fence's ``key="value"`` options; mistakes are added to ``problems``."""
    values: dict[str, str] = {}
    rest = _OPTION_RE.sub("", opts).strip()
    if rest:
        problems.append(Problem(line, f"code block: cannot read {rest!r} after the language",
                                'options look like: ```python title="app.py" linenums="1" hl_lines="2 3"'))
    for m in _OPTION_RE.finditer(opts):
        key, value = m.group(1), next(g for g in m.groups()[1:] if g is not None)
        if key not in OPTIONS:
            problems.append(Problem(line, f"code block: unknown option {key!r}",
                                    f"known options: {', '.join(OPTIONS)}"))
        values[key] = value
    linenums = values.get("linenums", "0")
    if not linenums.isdigit():
        problems.append(Problem(line, f"code block: 'linenums' must be a line number, got {linenums!r}"))
        linenums = "0"
    hl_lines = _lines(values.get("hl_lines", ""))
    if hl_lines is None:
        problems.append(Problem(line, f"code block: 'hl_lines' must be line numbers like \"2 4-6\", "
                                      f"got {values['hl_lines']!r}"))
        hl_lines = ()
    return CodeOptions(lang=lang, title=values.get("title", ""), linenums=int(linenums), hl_lines=hl_lines)


def render_code(code: str, options: CodeOptions) -> str:
    """One fenced block as HTML: highlighted when the language is known, escaped otherwise."""
    lang = options.lang
    id_attr = f' id="{html.escape(options.ident)}"' if options.ident else ""
    lexer = _lexer(lang.lower()) if lang else None
    if lexer is None:
        cls = f' class="language-{html.escape(lang)}"' if lang else ""
        body = f'<pre><code{cls}>{html.escape(code, quote=False)}</code></pre>'
    else:
        body = format_code(stream(lexer, code), options.linenums, options.hl_lines)
    head = ""
    if options.title or lang:
        title = f'<span class="code-title">{html.escape(options.title)}</span>' if options.title else ""
        label = f'<span class="code-lang">{html.escape(lang)}</span>' if lang else ""
        head = f'<div class="code-head">{title}{label}</div>'
    data = f' data-lang="{html.escape(lang)}"' if lang else ""
    return f'<div class="code"{id_attr}{data}>{head}{body}</div>'


def _dedent(code: str, indent: str) -> str:
    if not indent:
        return code
    return "".join(line[len(indent):] if line.startswith(indent) else line.lstrip(" \t")
                   for line in code.splitlines(keepends=True))


class FencedCode(Preprocessor):
    def __init__(self, md: markdown.Markdown, problems: list[Problem]) -> None:
        super().__init__(md)
        self.problems = problems

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "```" not in text and "~~~" not in text:
            return lines
        pieces: list[str] = []
        last = 0
        for m in _FENCE_RE.finditer(text):
            indent = m.group("indent")
            if m.group("attrs"):
                lang, ident = _parse_attrs(m.group("attrs"))
                options = CodeOptions(lang=lang, ident=ident)
            else:
                first_line = text[m.start():text.index("\n", m.start())].strip()
                options = parse_options(m.group("lang") or "", m.group("opts") or "", self.problems, first_line)
            placeholder = self.md.htmlStash.store(render_code(_dedent(m.group("code"), indent), options))
            pieces += [text[last:m.start()], f"\n{indent}{placeholder}\n"]
            last = m.end()
        pieces.append(text[last:])
        return "".join(pieces).split("\n")


def register_fenced_code(md: markdown.Markdown, problems: list[Problem]) -> None:
    """Install (or replace) the fenced-code preprocessor, reporting mistakes into ``problems``."""
    # same priority as Python-Markdown's fenced_code: before html blocks are stashed
    md.preprocessors.register(FencedCode(md, problems), "atoll_fenced_code", 25)
