"""Guarded block tests give exactly the stock parser's output."""

from __future__ import annotations

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
