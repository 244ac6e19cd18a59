"""Guarded block tests give exactly the stock parser's output."""

from __future__ import annotations

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


def test_a_processor_it_does_not_know_keeps_its_own_test() -> None:
    _, fast = stock_and_fast()
    for processor in fast.parser.blockprocessors:
        known = (type(processor).__module__, type(processor).__name__) in fastblocks.NEEDS
        assert ("test" in vars(processor)) == known
