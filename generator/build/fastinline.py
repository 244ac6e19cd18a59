"""A faster drop-in for Python-Markdown's inline processor, with identical output.

Python-Markdown tries each of its ~15 inline patterns on every text node, and
the Python-level bookkeeping of those tries, not the regex searches, is where
a third of a page's conversion time goes. Most patterns need one particular
character to match (a link needs '[', code needs '`'), and most text nodes
contain few of those characters, so this processor skips a pattern when its
trigger character is absent — exactly what trying it would have concluded.

Every inline processor of the stack gets this treatment: Python-Markdown's own,
and the second one pymdownx.smartsymbols runs over the whole tree again with its
nine patterns (which, untriggered, cost as much as all the others together).

The regular expressions of code spans and links begin with a look behind, so
the engine tries them at every character of a text that holds a backtick or a
bracket: most of the time that all the inline patterns spend searching. Every
match of the one begins with a backtick or a backslash, of the other with a
bracket, so :class:`SkipAhead` starts their searches at the first of those, and
the engine yields the very matches it would have.

It reaches into name-mangled internals of ``markdown.treeprocessors``; if those
ever change, :func:`install` leaves the stock processors in place.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import markdown
from markdown import inlinepatterns, util
from markdown.treeprocessors import InlineProcessor

# registered name -> (class it must be, strings one of which any match contains)
TRIGGERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "backtick": ("BacktickInlineProcessor", ("`",)),
    "escape": ("EscapeInlineProcessor", ("\\",)),
    "footnote": ("FootnoteInlineProcessor", ("[^",)),
    "reference": ("ReferenceInlineProcessor", ("[",)),
    "link": ("LinkInlineProcessor", ("](",)),  # the link's "(" follows its closing "]"
    "image_link": ("ImageInlineProcessor", ("![",)),
    "image_reference": ("ImageReferenceInlineProcessor", ("![",)),
    "short_reference": ("ShortReferenceInlineProcessor", ("[",)),
    "short_image_ref": ("ShortImageReferenceInlineProcessor", ("![",)),
    "autolink": ("AutolinkInlineProcessor", ("<",)),
    "automail": ("AutomailInlineProcessor", ("<",)),
    "linebreak": ("SubstituteTagInlineProcessor", ("  \n",)),
    "html": ("HtmlInlineProcessor", ("<",)),
    "entity": ("HtmlInlineProcessor", ("&",)),
    "em_strong": ("AsteriskProcessor", ("*",)),
    "em_strong2": ("UnderscoreProcessor", ("_",)),
    "not_strong": ("SimpleTextInlineProcessor", ("*", "_")),
    # pymdownx.keys: ++ctrl+alt++; the early pattern also takes runs of escaped backslashes
    "keys": ("KeysPattern", ("++",)),
    "keys-custom": ("KeysPattern", ("++", "\\")),
    # pymdownx.smartsymbols, in its own inline processor
    "smart-trademark": ("SmartSymbolsPattern", ("(tm)",)),
    "smart-copyright": ("SmartSymbolsPattern", ("(c)",)),
    "smart-registered": ("SmartSymbolsPattern", ("(r)",)),
    "smart-plus-minus": ("SmartSymbolsPattern", ("+/-",)),
    "smart-arrows": ("SmartSymbolsPattern", ("--",)),  # <--, -->, <-->
    "smart-not-equal": ("SmartSymbolsPattern", ("=/=",)),
    "smart-fractions": ("SmartSymbolsPattern", tuple(
        "1/4 1/2 3/4 1/3 2/3 1/5 2/5 3/5 4/5 1/6 5/6 1/8 3/8 5/8 7/8".split())),
    # 1st, 22nd, 103rd, 4th, 11th-13th: a digit and the suffix
    "smart-ordinal-numbers": ("SmartSymbolsPattern", tuple(
        "1st 2nd 3rd 0th 1th 2th 3th 4th 5th 6th 7th 8th 9th".split())),
    "smart-care-of": ("SmartSymbolsPattern", ("c/o",)),
}
# Python-Markdown 3.11 handles both delimiters in one processor
TRIGGERS_ALT = {"em_strong": ("DelimiterProcessor", ("*", "_"))}
# Reference links resolve only against the document's reference definitions: with none
# defined, every try of these patterns leaves the text as it was.
NEEDS_REFERENCES = frozenset({"reference", "short_reference", "image_reference", "short_image_ref"})
NO_REFERENCES = "\x00no references"  # a pseudo-trigger that is never present


# registered name -> (class it must be, its stock expression, the strings every match starts with)
SKIP_AHEAD: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "backtick": ("BacktickInlineProcessor", inlinepatterns.BACKTICK_RE, ("`", "\\")),
    # these begin with a look behind for a "!", that would make them an image
    "link": ("LinkInlineProcessor", inlinepatterns.LINK_RE, ("[",)),
    "reference": ("ReferenceInlineProcessor", inlinepatterns.REFERENCE_RE, ("[",)),
    "short_reference": ("ShortReferenceInlineProcessor", inlinepatterns.REFERENCE_RE, ("[",)),
}


class SkipAhead:
    """A compiled expression whose searches start where a match can: at the first of ``starts``
    in the text, or ``lead`` characters before it when matches may begin that far ahead of it.

    The engine's look behind still sees the text before that point, so the matches are
    the same as the expression's own from the start asked for.
    """

    def __init__(self, regex: re.Pattern[str], starts: tuple[str, ...], lead: int = 0) -> None:
        self.regex, self.starts, self.lead = regex, starts, lead

    def _from(self, string: str, pos: int) -> int:
        """Where to search from, or -1 when no match can start at or after ``pos``."""
        first = -1
        for start in self.starts:
            at = string.find(start, pos)
            if at >= 0 and (first < 0 or at < first):
                first = at
        return max(pos, first - self.lead) if first >= 0 else -1

    def finditer(self, string: str, pos: int = 0) -> Iterator[re.Match[str]]:
        begin = self._from(string, pos)
        return self.regex.finditer(string, begin) if begin >= 0 else iter(())

    def search(self, string: str, pos: int = 0) -> re.Match[str] | None:
        begin = self._from(string, pos)
        return self.regex.search(string, begin) if begin >= 0 else None

    def __getattr__(self, name: str) -> Any:  # pattern, flags, match... as the expression has them
        return getattr(self.regex, name)


def skip_ahead(patterns: util.Registry[Any]) -> int:
    """Give the known patterns among ``patterns`` a :class:`SkipAhead` search; how many got one."""
    count = 0
    for item in patterns._priority:  # type: ignore[attr-defined]
        known, pattern = SKIP_AHEAD.get(item.name), patterns[item.name]
        regex = getattr(pattern, "compiled_re", None)
        if (known is not None and type(pattern).__name__ == known[0] and isinstance(regex, re.Pattern)
                and regex.pattern == known[1]):
            pattern.compiled_re = SkipAhead(regex, known[2])
            count += 1
    return count


def _delimiter_tokens(pattern: object) -> frozenset[str] | None:
    """The tokens of a pymdownx delimiter processor (mark's ==, caret's ^^, tilde's ~~...): its
    regular expression is their alternation, so any match contains one of them."""
    tokens = getattr(pattern, "tokens", None)
    if type(pattern).__name__ != "DelimiterProcessor" or not isinstance(tokens, list) or not tokens:
        return None
    if not all(isinstance(token, str) and token for token in tokens):
        return None
    return frozenset(tokens)


@dataclass(frozen=True)
class _Triggers:
    """One processor's trigger tables (by pattern index; None: always try it) and the triggers
    looked for in a text."""

    with_references: list[frozenset[str] | None]
    without_references: list[frozenset[str] | None]
    strings: tuple[str, ...]  # every trigger of the tables (NO_REFERENCES apart: it is never present)
    any_of: re.Pattern[str]  # finds any of ``strings``
    # by pattern index: whether that pattern and every later one has triggers
    triggered_from: list[bool]

    def table(self, references: bool) -> list[frozenset[str] | None]:
        return self.with_references if references else self.without_references


class TriggeredInlineProcessor(InlineProcessor):
    _prepared: _Triggers | None = None

    def _trigger_table(self, *, references: bool) -> list[frozenset[str] | None]:
        patterns = self.inlinePatterns
        table: list[frozenset[str] | None] = [None] * len(patterns)
        for index in range(len(patterns)):
            pattern = patterns[index]  # (indexing sorts the registry by priority first)
            name = patterns._priority[index].name  # type: ignore[attr-defined]
            kind = type(pattern).__name__
            for known in (TRIGGERS.get(name), TRIGGERS_ALT.get(name)):
                if known is not None and known[0] == kind:
                    table[index] = frozenset(known[1])
                    if not references and name in NEEDS_REFERENCES:
                        table[index] = frozenset({NO_REFERENCES})
            if table[index] is None:
                table[index] = _delimiter_tokens(pattern)
        return table

    def _triggers(self) -> _Triggers:
        # worked out on first use: an extension sets the patterns after the processor is made
        if self._prepared is None:
            with_references = self._trigger_table(references=True)
            strings = tuple(sorted({t for triggers in with_references if triggers is not None for t in triggers}))
            triggered_from = [None not in with_references[index:] for index in range(len(with_references) + 1)]
            self._prepared = _Triggers(with_references, self._trigger_table(references=False), strings,
                                       re.compile("|".join(re.escape(t) for t in strings) or "(?!)"),
                                       triggered_from)
        return self._prepared

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        # When every pattern has triggers and no text of the tree holds one, the stock pass
        # would only take each text apart and put it back: skip it (smartsymbols' pass, on
        # most pages).
        if None not in self._triggers().table(bool(self.md.references)) and not self._mentions_a_trigger(tree):
            return tree
        return super().run(tree, ancestors)

    def _mentions_a_trigger(self, tree: etree.Element) -> bool:
        # every text and tail below the root (comments' too), which is all that run() reads
        return self._triggers().any_of.search("\x00".join(tree.itertext())) is not None

    def _InlineProcessor__handleInline(self, data: str, pattern_index: int = 0) -> str:  # noqa: N802 - overrides it
        # Same loop as InlineProcessor.__handleInline, plus the trigger check.
        if isinstance(data, util.AtomicString):
            return data
        prepared = self._triggers()
        triggers = prepared.table(bool(self.md.references))
        # Matches only ever replace text by placeholders (\x02…\x03, whose only trigger
        # characters are digits, which no pattern can match there, and no trigger is formed
        # where a placeholder meets the text around it), so the triggers present now are,
        # for every pattern, a superset of those it could match later: checking against
        # this one set can skip a pattern only when trying it would fail.
        if prepared.any_of.search(data) is None:  # most texts: one search instead of one per trigger
            if prepared.triggered_from[min(pattern_index, len(prepared.triggered_from) - 1)]:
                return data
            present: set[str] = set()
        else:
            present = {t for t in prepared.strings if t in data}
        patterns = self.inlinePatterns
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        count = len(patterns)
        while pattern_index < count:
            needs = triggers[pattern_index]
            if needs is not None and needs.isdisjoint(present):
                pattern_index += 1
                start = 0  # as a failed try of the pattern would have left it
                continue
            data, matched, start = apply(patterns[pattern_index], data, pattern_index, start)
            if not matched:
                pattern_index += 1
        return data

    def _InlineProcessor__processPlaceholders(  # noqa: N802 - overrides it
            self, data: str | None, parent: etree.Element, isText: bool = True,  # noqa: N803 - its name
    ) -> list[tuple[etree.Element, list[str]]]:
        # A text that holds no placeholder (most do not) is only added to the parent's text or
        # tail, as the stock loop would after finding none; an atomic one stays atomic.
        if data and self._InlineProcessor__placeholder_prefix not in data:  # type: ignore[attr-defined]
            if isText:
                parent.text = parent.text + data if parent.text else data
            else:
                parent.tail = parent.tail + data if parent.tail else data
            return []
        stock: list[tuple[etree.Element, list[str]]] = super()._InlineProcessor__processPlaceholders(  # type: ignore[misc]
            data, parent, isText)
        return stock


def install(md: markdown.Markdown) -> bool:
    """Replace ``md``'s inline processors (Python-Markdown's own and any an extension added)
    if the internals are as expected; True when Python-Markdown's own was replaced."""
    if not all(hasattr(InlineProcessor, n) for n in ("_InlineProcessor__applyPattern",
                                                     "_InlineProcessor__handleInline",
                                                     "_InlineProcessor__processPlaceholders")):
        return False
    replaced = False
    for item in list(md.treeprocessors._priority):  # type: ignore[attr-defined]
        stock = md.treeprocessors[item.name]
        if type(stock) is not InlineProcessor:
            continue
        fast = TriggeredInlineProcessor(md)
        fast.inlinePatterns = stock.inlinePatterns  # smartsymbols' processor has its own patterns
        skip_ahead(fast.inlinePatterns)
        md.treeprocessors.register(fast, item.name, item.priority)
        replaced = replaced or item.name == "inline"
    return replaced
