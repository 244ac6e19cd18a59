"""Highlighted code is byte for byte what stock Pygments writes, for every fence option.

The reference is ``pygments.highlight(code, lexer, HtmlFormatter(...))`` with the
options the fence options stand for; the snippets are the repository's own files
(Python, JavaScript, shell, HTML, CSS, YAML, JSON, TOML), code blocks of the docs,
hand-written Rust and Go, and seeded random mixes of every language's pieces
(quotes left open, ``<&>``, tabs, CRLF, blank lines, non-ASCII text), lexed by
many lexers, including ones that were not written for them.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer, RegexLexer
from pygments.lexers import get_lexer_by_name

from atoll.build import fastlex
from atoll.build.codehtml import format_code
from atoll.build.content import parse_page
from atoll.build.highlight import CodeOptions, render_code
from atoll.build.markup import LinkTable, MarkupRenderer

ROOT = Path(__file__).resolve().parents[1]
CHUNK_LINES = 40
MAX_CHUNKS = 12  # per language, to keep the test quick

# (linenums, hl_lines) pairs as fences write them: none, numbers from 1, from 7 (the width grows at 10),
# from 98 (at 100), marked lines inside and past the end, marks without numbers
OPTIONS = [(0, ()), (1, ()), (1, (2, 3)), (7, (1, 4, 99)), (98, (2,)), (0, (1, 3))]

RUST = '''use std::collections::HashMap;

/// Counts words; `<` and `&` in docs.
#[derive(Debug, Clone)]
pub struct Counter<'a> { words: HashMap<&'a str, usize> }

impl<'a> Counter<'a> {
    pub fn add(&mut self, text: &'a str) -> usize {
        for w in text.split_whitespace() { *self.words.entry(w).or_insert(0) += 1; }
        let r#raw = r#"a "raw" string"#; let c = b'x'; let n = 0x_ff_u8 as f64 * 1e-3;
        self.words.len() // done
    }
}
fn main() { println!("{:?}", Counter { words: HashMap::new() }); /* block */ }
'''
GO = '''package main

import (
\t"fmt"
\t"strings"
)

// Greeter says hello & more <b>.
type Greeter interface{ Greet(name string) (string, error) }

func main() {
\tnames := []string{"a", `raw\\n`, 'x' + ""}
\tfor i, n := range names {
\t\tif i > 0x1F && n != "" { fmt.Printf("%d %s\\n", i, strings.ToUpper(n)) }
\t}
\tgo func() { defer close(ch) }()
\tvar f float64 = 1.5e3; _ = f
}
'''

FILES = {
    "python": ["generator/build/*.py", "generator/config/*.py", "tests/test_markup.py"],
    "js": ["scripts/*.js"],
    "bash": ["tools/*.sh"],
    "html": ["layouts/*.html", "layouts/partials/*.html"],
    "css": ["public/css/*.css"],
    "yaml": ["site.yaml", "tests/sites*/*/site.yaml"],
    "json": ["tests/cases/*.json", "tests/peers/package.json"],
    "toml": ["pyproject.toml"],
}

# pieces the random snippets are made of: every language's, mixed into every other's
PIECES = [
    "def f(x, *a, **k):\n", "    return x<<2 & 0xFF  # note\n", '"""doc\n string"""\n', "f'{x!r:>10}'", "@dec\n",
    "class A(B, metaclass=M):\n", "lambda: None", "async with a as b:\n", "'unterminated", '"also', "\\\n",
    "function g(a) { return a ?? `t ${a}`; }\n", "const re = /a[b-c]+\\/d/gi;\n", "=> ", "/* c */", "// c\n",
    "if [ -n \"$X\" ]; then echo ${Y:-z} | grep -E 'a|b' > /dev/null 2>&1; fi\n", "$(( 1 + 2 ))", "#!/bin/sh\n",
    "<div class=\"a\" data-x='1'>&amp; <b>bold</b></div>\n", "<!-- c -->", "<script>let a=1</script>",
    "a:hover > .b::before { color: #fff !important; margin: 0 -1px; }\n", "@media (max-width: 40em) {",
    '{"key": [1, 2.5e-3, true, null, "s\\u00e9"]}\n', "key: value\nlist:\n  - a # c\n  - 'b'\n", "--- |\n  text\n",
    "fn main() { let x: &str = \"s\"; }\n", "func (r *T) M() error { return nil }\n", "[table]\nk = 1\n",
    "\t", "  ", "\n", "\n\n", "\r\n", "\r", "é—😀 ", "<&>", "\"'", "\\", "{", "}", "(", ")", "[", "]", "#", "%", "`",
    "SELECT * FROM t WHERE a = 'x';\n", "0b1010 1_000 .5 5. 1e10 0o17 ", "x = y if z else w\n",
]
CROSS_LEXERS = ["python", "pycon", "js", "typescript", "bash", "console", "html", "xml", "css", "scss", "json",
                "yaml", "toml", "rust", "go", "c", "cpp", "java", "ruby", "php", "sql", "diff", "ini", "make",
                "docker", "markdown", "html+jinja", "text", "rst", "lua"]


def lexer(lang: str) -> Lexer:
    return get_lexer_by_name(lang, stripnl=False, ensurenl=True)


def chunks(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return ["".join(lines[i:i + CHUNK_LINES]) for i in range(0, len(lines), CHUNK_LINES)]


def real_snippets() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = [("rust", RUST), ("go", GO)]
    for lang, patterns in FILES.items():
        pieces = [c for p in patterns for f in sorted(ROOT.glob(p)) for c in chunks(f.read_text("utf-8"))]
        assert pieces, f"no {lang} files found for the test"
        found += [(lang, c) for c in pieces[:MAX_CHUNKS]]
    fence = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
    for page in sorted((ROOT / "content").rglob("*.md")):
        found += [(m.group(1), m.group(2)) for m in fence.finditer(page.read_text("utf-8"))]
    return found


def random_snippets(count: int = 40) -> list[str]:
    rng = random.Random(14)
    snippets = ["", "\n", "x", "\n\n\nlead and trail\n\n", "no newline at the end"]
    for _ in range(count):
        snippets.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))))
    return snippets


def reference(code: str, lang: str, linenums: int, hl_lines: tuple[int, ...]) -> str:
    """What stock Pygments writes for a fence with these options."""
    options: dict[str, object] = {"cssclass": "highlight", "wrapcode": True, "hl_lines": list(hl_lines)}
    if linenums:
        options |= {"linenos": "inline", "linenostart": linenums}
    return highlight(code, lexer(lang), HtmlFormatter(**options))


def ours(code: str, lang: str, linenums: int, hl_lines: tuple[int, ...]) -> str:
    return format_code(fastlex.stream(lexer(lang), code), linenums, hl_lines)


REAL = real_snippets()


@pytest.mark.parametrize("lang", sorted({lang for lang, _ in REAL}))
def test_real_code_is_highlighted_as_pygments_does_with_every_option(lang: str) -> None:
    snippets = [code for name, code in REAL if name == lang]
    for code in snippets:
        for linenums, hl_lines in OPTIONS:
            assert ours(code, lang, linenums, hl_lines) == reference(code, lang, linenums, hl_lines), \
                f"{lang} linenums={linenums} hl_lines={hl_lines}:\n{code}"


@pytest.mark.parametrize("lang", CROSS_LEXERS)
def test_random_code_in_any_lexer_is_highlighted_as_pygments_does(lang: str) -> None:
    for code in random_snippets():
        for linenums, hl_lines in OPTIONS[1:3]:
            assert ours(code, lang, linenums, hl_lines) == reference(code, lang, linenums, hl_lines), repr(code)


@pytest.mark.parametrize("lang", CROSS_LEXERS)
def test_the_quick_lexer_loop_gives_pygments_tokens(lang: str) -> None:
    lex = lexer(lang)
    texts = [code for _, code in REAL[::3]] + random_snippets(30)
    for code in texts:
        text = lex._preprocess_lexer_input(code)  # type: ignore[attr-defined]
        if fastlex.handles(lex):
            assert list(fastlex.tokens(lex, text)) == list(lex.get_tokens_unprocessed(text)), repr(code)  # type: ignore[arg-type]
        assert [(t, v) for _, t, v in fastlex.stream(lex, code)] == list(lex.get_tokens(code))


def test_lexers_with_their_own_loop_or_filters_keep_it() -> None:
    assert fastlex.handles(lexer("python")) and not fastlex.handles(lexer("console"))
    filtered = get_lexer_by_name("python", stripnl=False, ensurenl=True)
    filtered.add_filter("keywordcase", case="upper")
    code = "def f():\n    return None\n"
    assert [(t, v) for _, t, v in fastlex.stream(filtered, code)] == list(filtered.get_tokens(code))
    assert "DEF" in "".join(v for _, _, v in fastlex.stream(filtered, code))


@pytest.mark.parametrize(("regex", "starts", "not_starts"), [
    (r"def\b", "d", "e"),
    (r"[a-c]x|#", "ab#", "dx"),
    (r"\s*#", "# \t", "x"),  # may start with a space or with what follows it
    (r"(?=x)xy", "x", "y"),
    (r"^(?=\s|/|<!--)", " /<", "a"),  # matches nothing, but only before one of these
    (r"(?i)def", "dD", "e"),
    (r"(?i)k|s", "kK\u212asS\u017f", "x"),  # case folding as re does it: the Kelvin sign, the long s
    (r"[^a]", "b", "a"),
    (r"\d+", "7", "x"),
])
def test_a_rule_is_tried_only_where_it_can_start(regex: str, starts: str, not_starts: str) -> None:
    tests = fastlex.first_tests(re.compile(regex).match)
    assert tests is not None
    assert all(any(t(ch) for t in tests) for ch in starts)
    assert not any(any(t(ch) for t in tests) for ch in not_starts)


@pytest.mark.parametrize("regex", [r"", r"a*", r"(?=a?)", r"(a)?\1b", r".x", r"(?:x|)"])
def test_rules_the_analysis_is_not_sure_of_are_tried_everywhere(regex: str) -> None:
    assert fastlex.first_tests(re.compile(regex).match) is None


def test_every_lexer_state_keeps_its_rules_in_order() -> None:
    lex = lexer("python")
    assert isinstance(lex, RegexLexer)
    for state in fastlex._states(lex).values():
        for ch in "d #'\"\n(é":
            subset = state.for_char(ch)
            assert subset == [rule for rule in state.rules if rule in subset]


def test_fence_options_wrap_pygments_output_unchanged() -> None:
    code = "def f(a):\n    return a < 1\n"
    body = reference(code, "python", 3, (2,))
    html = render_code(code, CodeOptions(lang="python", ident="ex", title="app.py", linenums=3, hl_lines=(2,)))
    assert html == (f'<div class="code" id="ex" data-lang="python"><div class="code-head">'
                    f'<span class="code-title">app.py</span><span class="code-lang">python</span></div>{body}</div>')
    unknown = render_code("<b>\n", CodeOptions(lang="nosuchlang"))
    assert '<pre><code class="language-nosuchlang">&lt;b&gt;\n</code></pre>' in unknown


def test_fences_in_a_page_carry_pygments_bytes() -> None:
    code = "echo \"$HOME\" > out.txt\nls -la\n"
    indented = "".join(f"    {line}" for line in code.splitlines(keepends=True))
    body = (f'```bash title="run.sh" linenums="1" hl_lines="2"\n{code}```\n\n'
            f'``` {{.bash #sh}}\n{code}```\n\n- item\n\n    ```bash\n{indented}    ```\n')
    page = parse_page("content/a.md", "a.md", f"---\ntitle: T\n---\n{body}")
    out = MarkupRenderer().render(page, LinkTable({"a.md": "/a/"}))
    assert not out.errors
    assert reference(code, "bash", 1, (2,)) in out.html
    assert out.html.count(reference(code, "bash", 0, ())) == 2


def test_without_the_regex_parser_lexers_run_pygments_own_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastlex, "_parser", None)
    lex = lexer("python")
    assert not fastlex.handles(lex)
    code = "def f(a):\n    return a < 'b'\n"
    assert format_code(fastlex.stream(lex, code)) == reference(code, "python", 0, ())
