"""A faster drop-in for Python-Markdown's inline processor, with identical output.

Python-Markdown tries each of its ~15 inline patterns on every text node, and
the Python-level bookkeeping of those tries, not the regex searches, is where
a third of a page's conversion time goes. Most patterns need one particular
character to match (a link needs '[', code needs '`'), and most text nodes
contain few of those characters, so this processor skips a pattern when its
trigger character is absent — exactly what trying it would have concluded.

It reaches into name-mangled internals of ``markdown.treeprocessors``; if those
ever change, :func:`install` leaves the stock processor in place.
"""

from __future__ import annotations

import markdown
from markdown import util
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
}
# Python-Markdown 3.11 handles both delimiters in one processor
TRIGGERS_ALT = {"em_strong": ("DelimiterProcessor", ("*", "_"))}
# Reference links resolve only against the document's reference definitions: with none
# defined, every try of these patterns leaves the text as it was.
NEEDS_REFERENCES = frozenset({"reference", "short_reference", "image_reference", "short_image_ref"})
NO_REFERENCES = "\x00no references"  # a pseudo-trigger that is never present

ALL_TRIGGERS = tuple(sorted({t for _, ts in [*TRIGGERS.values(), *TRIGGERS_ALT.values()] for t in ts}))


class TriggeredInlineProcessor(InlineProcessor):
    _triggers: list[frozenset[str] | None] | None = None
    _without_references: list[frozenset[str] | None] | None = None

    def _trigger_table(self, *, references: bool) -> list[frozenset[str] | None]:
        table: list[frozenset[str] | None] = [None] * len(self.inlinePatterns)
        for name in set(TRIGGERS) | set(TRIGGERS_ALT):
            if name not in self.inlinePatterns:
                continue
            index = self.inlinePatterns.get_index_for_name(name)
            kind = type(self.inlinePatterns[index]).__name__
            for known in (TRIGGERS.get(name), TRIGGERS_ALT.get(name)):
                if known is not None and known[0] == kind:
                    table[index] = frozenset(known[1])
                    if not references and name in NEEDS_REFERENCES:
                        table[index] = frozenset({NO_REFERENCES})
        return table

    def _table(self) -> list[frozenset[str] | None]:
        if self.md.references:
            if self._triggers is None:
                self._triggers = self._trigger_table(references=True)
            return self._triggers
        if self._without_references is None:
            self._without_references = self._trigger_table(references=False)
        return self._without_references

    def _InlineProcessor__handleInline(self, data: str, pattern_index: int = 0) -> str:  # noqa: N802 - overrides it
        # Same loop as InlineProcessor.__handleInline, plus the trigger check.
        if isinstance(data, util.AtomicString):
            return data
        triggers = self._table()
        # Matches only ever replace text by placeholders (\x02…\x03, no trigger characters,
        # and no trigger is formed where a placeholder meets the text around it), so the
        # triggers present now are a superset of those present later: checking against
        # this one set can skip a pattern only when trying it would fail.
        present = {t for t in ALL_TRIGGERS if t in data}
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


def install(md: markdown.Markdown) -> bool:
    """Replace ``md``'s inline processor if the internals are as expected."""
    if not all(hasattr(InlineProcessor, n) for n in ("_InlineProcessor__applyPattern",
                                                     "_InlineProcessor__handleInline")):
        return False
    if type(md.treeprocessors["inline"]) is not InlineProcessor:
        return False
    priority = next(item.priority for item in md.treeprocessors._priority  # type: ignore[attr-defined]
                    if item.name == "inline")
    md.treeprocessors.register(TriggeredInlineProcessor(md), "inline", priority)
    return True
