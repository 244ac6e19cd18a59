"""Guarded block tests give exactly the stock parser's output."""

from __future__ import annotations

import random
import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it

import markdown
import pytest

from atoll.build import fastblocks
from atoll.build.markup import extension_stack

CASES = {
    "prose": "Just a paragraph of words.\n\nAnd another one, with: a colon > and a pipe | too.",
    "admonition": '!!! note "Title"\n    Body *text*.\n\n    Second paragraph of the body.\n\nAfter.',
    "admonition in list": "- item\n\n    !!! tip\n        Inside the item.\n\n            Code in it.\n\n- next",
    "nested admonitions": ("!!! warning\n    Outer.\n\n    !!! danger\n        Inner.\n\n        More inner.\n\n"
                           "    Outer again."),
    "details": '??? question "Open me"\n    Hidden.\n\n    Still hidden.\n\n???+ info\n    Open.',
    "tabs": '=== "One"\n    First.\n\n    More first.\n\n=== "Two"\n    Second.\n\n        indented code',
    "tabs in list": '1. step\n\n    === "A"\n        a\n\n    === "B"\n        b\n\n2. next',
    "headings": "# One\n\nText\n\n## Two ##\n\nTitle\n=====\n\nSub\n---\n\n###### Six\n\nnot # a heading",
    "rules": "a\n\n---\n\n* * *\n\n___\n\n- - -\n\nb",
    "quote": "> quoted *text*\n> more\n\n> > nested\n\nafter > not a quote",
    "deflist": "Term\n:   Definition\n\n    Continued.\n\nOther\n: Short",
    "table": "| a | b |\n|---|:-:|\n| 1 | 2 |\n\nx | y\n--|--\n1 | 2\n\n| single |\n| --- |\n| col |",
    "indented code": "Para\n\n    code block\n    more\n\nAfter.",
    "lists": "- a\n- b\n\n    continued b\n\n1. one\n2. two\n    * nested\n\n        deep",
    "references": ('[a]: https://example.org\n[b]: <https://example.net> "T"\n\nUse [a] and [b][].\n\n'
                   "Text then\n   [c]: /c (title)\n\n[c] and [d]\n\nno [e]: here"),
    "footnotes": "Text[^1] and[^n].\n\n[^1]: One.\n[^n]: Two\n    continued.\n\n   [^x]: indented\n\nnot [^y]: one",
    "abbreviations": "*[HTML]: Hyper Text\n\nThe HTML spec.\n\nText\n*[CSS]: Sheets\nCSS here, not *[X]: this",
    "rules at line starts": "a\n\n   ***\n\n  - - -\n\n _ _ _\n\ntext\n   ---\n\n    ---\n\nx - - - y",
    "definitions at line starts": "Term\n   :  Def\n\nT2\n : D2\n\n:   Loose\n\nnot: a definition\n    : indented",
    "blank lines with spaces": "a\n   \n\t\nb  \n  \n\n    code\n    \n    more\r\n\r\nend \n \n",
    "mixed": "Intro.\n\n!!! note\n    A | B\n    --|--\n    1 | 2\n\n> quote\n\n=== \"T\"\n    # Heading\n\n---",
}


def stock_and_fast() -> tuple[markdown.Markdown, markdown.Markdown]:
    extensions, configs = extension_stack()
    stock = markdown.Markdown(extensions=extensions, extension_configs=configs)
    fast = markdown.Markdown(extensions=extensions, extension_configs=configs)
    assert fastblocks.install(fast) == len(fastblocks.NEEDS), "a known block processor was not found"
    return stock, fast


@pytest.mark.parametrize("name", CASES)
def test_same_output_as_stock(name: str) -> None:
    stock, fast = stock_and_fast()
    assert fast.convert(CASES[name]) == stock.convert(CASES[name])


def test_same_output_on_one_long_document() -> None:
    stock, fast = stock_and_fast()
    text = "\n\n".join(list(CASES.values()) * 2)
    assert fast.reset().convert(text) == stock.reset().convert(text)


def test_whitespace_is_normalised_as_stock_does() -> None:
    from markdown.preprocessors import NormalizeWhitespace

    stock, fast = stock_and_fast()
    assert type(fast.preprocessors["normalize_whitespace"]) is fastblocks.NormalizeWhitespace
    stock_step, fast_step = NormalizeWhitespace(stock), fast.preprocessors["normalize_whitespace"]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice("\n\n  \tab\r\x02\x03") for _ in range(rng.randint(0, 16)))
        assert fast_step.run(text.split("\n")) == stock_step.run(text.split("\n")), repr(text)


def test_a_processor_added_later_is_used() -> None:
    from markdown.blockprocessors import BlockProcessor

    class Shout(BlockProcessor):
        def test(self, parent, block):  # type: ignore[no-untyped-def]
            return block.startswith("!shout ")

        def run(self, parent, blocks):  # type: ignore[no-untyped-def]
            etree.SubElement(parent, "strong").text = blocks.pop(0)[7:].upper()

    stock, fast = stock_and_fast()
    fast.convert("a page before the processor exists")
    for md in (stock, fast):
        md.parser.blockprocessors.register(Shout(md.parser), "shout", 200)
    text = "!shout hello\n\nplain\n\n> !shout quoted"
    assert "<strong>HELLO</strong>" in fast.reset().convert(text)
    assert fast.reset().convert(text) == stock.reset().convert(text)
