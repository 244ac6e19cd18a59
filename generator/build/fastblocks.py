"""Cheaper block tests for Python-Markdown's block parser, with identical output.

The parser offers every block of a page to each block processor's ``test`` in
turn until one accepts it, so a paragraph of prose is searched for an
admonition, a details block, a tab, a heading, a rule, a definition, a quote
and a table before the paragraph processor takes it: a fifth of a page's
conversion on a typical blog. Each of those tests can only accept a block that
holds a particular string (``!!!`` for an admonition, ``|`` for a table); some
also accept an indented block that continues the previous one of their kind.
This module runs the parser's loop with a check in front of those tests that
declines a block holding none of the strings (and, for the continuing kinds, not
indented) without running the test, which is exactly what the test would have
concluded. The processors that take a block out to look for a definition in it
(references, footnotes, abbreviations), and put it back when there is none, are
skipped the same way.

The parser's input is normalised by a regular expression that sees every
character of a page; :class:`NormalizeWhitespace` does the same with one that
the regular expression engine can look for by its first character.

Processors are recognised by class and module; anything else keeps its own
test, so a changed or third-party processor is never skipped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it
from collections.abc import Iterable
from dataclasses import dataclass, field

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.preprocessors import NormalizeWhitespace as StockNormalizeWhitespace


@dataclass(frozen=True)
class Needs:
    """What a block must hold for a processor's test to accept it."""

    strings: tuple[str, ...] = ()  # one of these anywhere in the block
    # or, for kinds whose indented blocks continue the previous one (an admonition's body
    # after a blank line), a block that starts indented by a tab length
    indented: bool = False
    # or a line that starts, after at most three spaces, with one of these
    line_starts: tuple[str, ...] = ()
    # one search for the strings and the line starts past the first line
    pattern: re.Pattern[str] = field(init=False, repr=False)
    # how much of a block's start holds three spaces and the longest line start
    head: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        choices = [*map(re.escape, self.strings), *(r"\n {0,3}" + re.escape(s) for s in self.line_starts)]
        object.__setattr__(self, "pattern", re.compile("|".join(choices) or "(?!)"))
        object.__setattr__(self, "head", 3 + max(map(len, self.line_starts), default=0))


# (module, class) -> what its test needs; the reasons are in each test's regular expression.
NEEDS: dict[tuple[str, str], Needs] = {
    ("markdown.extensions.admonition", "AdmonitionProcessor"): Needs(("!!!",), indented=True),
    ("pymdownx.details", "DetailsProcessor"): Needs(("???",), indented=True),
    ("pymdownx.tabbed", "TabbedProcessor"): Needs(("===",), indented=True),
    ("markdown.blockprocessors", "HashHeaderProcessor"): Needs(("#",)),
    ("markdown.blockprocessors", "SetextHeaderProcessor"): Needs(("\n=", "\n-")),  # a line under the title
    ("markdown.blockprocessors", "HRProcessor"): Needs(line_starts=("-", "_", "*")),
    ("markdown.blockprocessors", "BlockQuoteProcessor"): Needs((">",)),
    ("markdown.extensions.def_list", "DefListProcessor"): Needs(line_starts=(":",)),
    ("markdown.extensions.tables", "TableProcessor"): Needs(("|",)),  # every table row has a pipe
    # these accept every block, and decline it in run() when it holds no definition
    ("markdown.blockprocessors", "ReferenceProcessor"): Needs(("]:",)),  # [id]: url
    ("markdown.extensions.footnotes", "FootnoteBlockProcessor"): Needs(("[^",)),  # [^1]: text
    ("markdown.extensions.abbr", "AbbrBlockprocessor"): Needs(("*[",)),  # *[HTML]: title
}


def _admits(needs: Needs, processor: BlockProcessor, block: str) -> bool:
    """Whether ``processor``'s test could accept ``block`` (False only when it surely would not)."""
    if needs.pattern.search(block) is not None:
        return True
    if needs.line_starts and block[:needs.head].lstrip(" ").startswith(needs.line_starts):
        return True
    return needs.indented and (block.startswith(" " * processor.tab_length)
                               or getattr(processor, "current_sibling", None) is not None)


def install(md: markdown.Markdown) -> int:
    """Run ``md``'s block parsing with the checks; returns how many processors have one.

    ``BlockParser.parseBlocks`` is replaced by the same loop over the processors, which
    also skips a known processor's test when :func:`_admits` says it cannot accept
    the block, and iterates a tuple of the processors taken once per document
    (the stock loop rebuilds the registry's list for every block). Python-Markdown's
    whitespace preprocessor is replaced by :class:`NormalizeWhitespace`.
    """
    parser = md.parser
    order: list[tuple[BlockProcessor, Needs | None]] = []

    def snapshot() -> None:
        order[:] = [(p, NEEDS.get((type(p).__module__, type(p).__name__))) for p in parser.blockprocessors]

    def parse_blocks(parent: etree.Element, blocks: list[str]) -> None:
        # BlockParser.parseBlocks' loop, plus the check
        while blocks:
            for processor, needs in order:
                if needs is not None and not _admits(needs, processor, blocks[0]):
                    continue
                if processor.test(parent, blocks[0]):
                    if processor.run(parent, blocks) is not False:
                        break

    parse_document = parser.parseDocument

    def parse_document_with_snapshot(lines: Iterable[str]) -> etree.ElementTree:
        snapshot()  # extensions may have changed the processors since the last page
        return parse_document(lines)

    snapshot()
    for item in list(md.preprocessors._priority):  # type: ignore[attr-defined]
        if type(md.preprocessors[item.name]) is StockNormalizeWhitespace:
            md.preprocessors.register(NormalizeWhitespace(md), item.name, item.priority)
    parser.parseBlocks = parse_blocks  # type: ignore[method-assign]
    parser.parseDocument = parse_document_with_snapshot  # type: ignore[method-assign]
    return sum(needs is not None for _, needs in order)


class NormalizeWhitespace(StockNormalizeWhitespace):
    r"""Python-Markdown's, with its last step's expression turned around.

    The stock ``(?<=\n) +\n`` begins with a look behind, so the engine tries it at
    every character of the page; ``\n +(?=\n)`` begins with the newline itself,
    which the engine finds with a fast scan, and it replaces the same spaces.
    """

    BLANK_LINE_SPACES = re.compile(r"\n +(?=\n)")

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        for marker in (markdown.util.STX, markdown.util.ETX):  # Markdown's own placeholder delimiters
            text = text.replace(marker, "")
        text = (text.replace("\r\n", "\n").replace("\r", "\n") + "\n\n").expandtabs(self.md.tab_length)
        return self.BLANK_LINE_SPACES.sub("\n", text).split("\n")
