"""The trigger-skipping inline processor gives exactly the stock processor's output."""

from __future__ import annotations

import html
import random
import re
import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it

import markdown
import pytest

from atoll.build import fastinline
from atoll.build.markup import extension_stack

CASES = [
    "plain words only",
    "*em* **strong** ***both*** _u_ __uu__ ___uuu___ * not em * snake_case_word",
    "`code` ``co`de`` \\`not code\\` \\\\`code after escaped backslash`",
    "[link](http://x.y 'title') [ref][r] [r] ![img](a.png) ![ref img][r] ![r]\n\n[r]: http://r.example",
    "<http://auto.link> <mail@example.com> <span>inline *html*</span> <!-- comment -->",
    "&amp; &copy; &#169; &#xA9; & alone AT&T",
    "line one  \nline two with hard break\nand soft",
    "Footnote[^1] and [^missing]\n\n[^1]: The *note*.",
    "*[HTML]: Hyper Text\n\nHTML abbr",
    "nested [*em in link*](u) and *[link in em](u)* and `[not a link](u)`",
    "unicode café 日本語 🚀 with *emphasis* and [링크](u)",
    "| a | *b* |\n|---|---|\n| `c` | [d](e) |",
    "Term *x*\n: Def [y](z)\n",
    "{: #id } para\n\n## Heading *em* {: .cls }",
    "<div markdown=\"1\">*inside* [html](block)</div>",
    "\\* \\_ \\[ \\] \\! \\< \\& backslash escapes",
    "trailing backslash \\\nand ** unbalanced * markers _ everywhere __",
    "[undefined][ref] [also undefined] ![img ref][none] with no definitions at all",
    "[text] (space before the parenthesis) [a [nested](x) b](y) [](empty) []() ![](i.png)",
    "bracket]( alone and [open only and ](",
    "(c) (tm) (r) (C) +/- =/= c/o 1/2 3/4 7/8 11/2 1/22 1st 2nd 3rd 4th 11th 12th 13th 21st 101st 0th 1th",
    "arrows <-- --> <--> <---> ---> and a -- dash, 2nd**bold** `1st` [3rd](x) *4th*th 5`code`th",
    "keys ++ctrl+alt+del++ ++\"custom\"++ \\\\++x++ +plus+ and ==marked *em* text== a == b = c",
    "digits next to placeholders: `x`1st **2**nd [1](u)st 1/`2` (`c`) c/`o`",
]


def stock_and_fast() -> tuple[markdown.Markdown, markdown.Markdown]:
    extensions, configs = extension_stack()
    stock = markdown.Markdown(extensions=extensions, extension_configs=configs)
    fast = markdown.Markdown(extensions=extensions, extension_configs=configs)
    assert fastinline.install(fast), "Python-Markdown internals changed: the fast path is off"
    return stock, fast


def test_every_inline_processor_of_the_stack_is_replaced() -> None:
    _, fast = stock_and_fast()
    kinds = {item.name: type(fast.treeprocessors[item.name]) for item in fast.treeprocessors._priority}
    assert kinds["inline"] is fastinline.TriggeredInlineProcessor
    assert kinds["smart-symbols"] is fastinline.TriggeredInlineProcessor  # pymdownx.smartsymbols' own


@pytest.mark.parametrize("text", CASES)
def test_same_output_as_stock(text: str) -> None:
    stock, fast = stock_and_fast()
    assert fast.convert(text) == stock.convert(text)


# One construct per text, so that a missing trigger for any of them shows.
ALONE = ["(c)", "(tm)", "(r)", "+/-", "-->", "<--", "<-->", "=/=", "c/o",
         *"1/4 1/2 3/4 1/3 2/3 1/5 2/5 3/5 4/5 1/6 5/6 1/8 3/8 5/8 7/8".split(),
         *"1st 2nd 3rd 4th 5th 6th 7th 8th 9th 10th 11th 12th 13th 21st".split(),
         "++ctrl++", "++ctrl+alt++", "==mark==", "\\\\++x++", "*em*", "_em_", "`code`", "[a](b)", "![a](b)",
         "<http://a.b>", "&copy;", "a  \nb", "\\*"]


@pytest.mark.parametrize("construct", ALONE)
def test_same_output_for_each_construct_alone(construct: str) -> None:
    stock, fast = stock_and_fast()
    text = f"Before {construct} after."
    assert fast.convert(text) == stock.convert(text)
    assert stock.reset().convert(text) != f"<p>{html.escape(text, quote=False)}</p>"  # it is not plain text


def test_same_output_on_a_long_mixed_document() -> None:
    stock, fast = stock_and_fast()
    text = "\n\n".join(CASES * 3)
    assert fast.reset().convert(text) == stock.reset().convert(text)


@pytest.mark.parametrize(("name", "alphabet"), [("backtick", "``\\\\ab"), ("link", "[[!!]b"),
                                               ("reference", "[!]a"), ("short_reference", "[!a")])
def test_searches_start_from_the_first_character_a_match_can_begin_with(name: str, alphabet: str) -> None:
    _, fast = stock_and_fast()
    regex = fast.inlinePatterns[name].compiled_re
    assert isinstance(regex, fastinline.SkipAhead)
    stock = re.compile(regex.pattern, regex.flags)
    rng = random.Random(3)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        pos = rng.randint(0, len(text))
        expected = [(m.span(), m.groups()) for m in stock.finditer(text, pos)]
        assert [(m.span(), m.groups()) for m in regex.finditer(text, pos)] == expected, (text, pos)
        found = regex.search(text, pos)
        assert (found and (found.span(), found.groups())) == (expected[0] if expected else None), (text, pos)


@pytest.mark.parametrize("text", ["`a` \\`b` \\\\`c` \\\\\\`d` ``e`f``", "\\\\\\\\`x`", "`unclosed and \\\\"])
def test_code_spans_and_escaped_backslashes_as_stock(text: str) -> None:
    stock, fast = stock_and_fast()
    assert fast.convert(text) == stock.convert(text)


@pytest.mark.parametrize("is_text", [True, False])
@pytest.mark.parametrize("before", [None, "", "already "])
@pytest.mark.parametrize("atomic", [False, True])
def test_a_text_without_placeholders_joins_its_parent_as_stock_does(is_text: bool, before: str | None,
                                                                     atomic: bool) -> None:
    from markdown.treeprocessors import InlineProcessor
    from markdown.util import AtomicString

    _, fast = stock_and_fast()
    processor = fast.treeprocessors["inline"]
    processor.stashed_nodes, processor.ancestors = {}, []
    data = AtomicString("plain words") if atomic else "plain words"
    results = []
    for method in (InlineProcessor._InlineProcessor__processPlaceholders,  # type: ignore[attr-defined]
                   type(processor)._InlineProcessor__processPlaceholders):
        parent = etree.Element("p")
        parent.text = parent.tail = before
        children = method(processor, data, parent, is_text)
        value = parent.text if is_text else parent.tail
        results.append((children, value, type(value), parent.tail if is_text else parent.text))
    assert results[0] == results[1]
