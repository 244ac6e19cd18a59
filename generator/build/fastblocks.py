"""Cheaper block tests for Python-Markdown's block parser, with identical output.

The parser offers every block of a page to each block processor's ``test`` in
turn until one accepts it, so a paragraph of prose is searched for an
admonition, a details block, a tab, a heading, a rule, a definition, a quote
and a table before the paragraph processor takes it: a fifth of a page's
conversion on a typical blog. Each of those tests can only accept a block that
holds a particular string (``!!!`` for an admonition, ``|`` for a table); some
also accept an indented block that continues the previous one of their kind.
This module puts a check in front of those tests that declines a block holding
none of the strings (and, for the continuing kinds, not indented) without
running the test, which is exactly what the test would have concluded.

Processors are recognised by class and module; anything else keeps its own
test, so a changed or third-party processor is never skipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from markdown.blockprocessors import BlockProcessor


@dataclass(frozen=True)
class Needs:
    """What a block must hold for a processor's test to accept it."""

    strings: tuple[str, ...]  # one of these anywhere in the block
    # or, for kinds whose indented blocks continue the previous one (an admonition's body
    # after a blank line), a block that starts indented by a tab length
    indented: bool = False


# (module, class) -> what its test needs; the reasons are in each test's regular expression.
NEEDS: dict[tuple[str, str], Needs] = {
    ("markdown.extensions.admonition", "AdmonitionProcessor"): Needs(("!!!",), indented=True),
    ("pymdownx.details", "DetailsProcessor"): Needs(("???",), indented=True),
    ("pymdownx.tabbed", "TabbedProcessor"): Needs(("===",), indented=True),
    ("markdown.blockprocessors", "HashHeaderProcessor"): Needs(("#",)),
    ("markdown.blockprocessors", "SetextHeaderProcessor"): Needs(("\n=", "\n-")),  # a line under the title
    ("markdown.blockprocessors", "HRProcessor"): Needs(("-", "_", "*")),
    ("markdown.blockprocessors", "BlockQuoteProcessor"): Needs((">",)),
    ("markdown.extensions.def_list", "DefListProcessor"): Needs((":",)),
    ("markdown.extensions.tables", "TableProcessor"): Needs(("|",)),  # every table row has a pipe
}


def _guarded(processor: BlockProcessor, needs: Needs) -> Callable[[etree.Element, str], bool]:
    test = processor.test
    strings = needs.strings
    indent = " " * processor.tab_length

    def guarded_test(parent: etree.Element, block: str) -> bool:
        for string in strings:
            if string in block:
                return test(parent, block)
        if needs.indented and (block.startswith(indent) or getattr(processor, "current_sibling", None) is not None):
            return test(parent, block)
        return False

    return guarded_test


def install(md: markdown.Markdown) -> int:
    """Guard the tests of ``md``'s known block processors; returns how many were guarded."""
    guarded = 0
    for processor in md.parser.blockprocessors:
        needs = NEEDS.get((type(processor).__module__, type(processor).__name__))
        if needs is not None and "test" not in vars(processor):
            processor.test = _guarded(processor, needs)  # type: ignore[method-assign,assignment]
            guarded += 1
    return guarded
