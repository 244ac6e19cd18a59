"""Python-Markdown's raw HTML postprocessor, finding its placeholders by their prefix; output unchanged.

Every stashed piece of raw HTML (and every highlighted code block) is put back
into the page by a regular expression, ``<p>PLACEHOLDER</p>|PLACEHOLDER``,
whose search stops at every ``<`` of the page's HTML: a fortieth of a page's
conversion. Every match contains the placeholder's prefix and starts at it, or
three characters before it (``<p>``), so :class:`Restorer` searches with a
:class:`~atoll.build.fastinline.SkipAhead` that finds the prefix with
``str.find`` and starts the same expression there. What replaces each match
is the stock replacement: the stashed HTML, itself restored, wrapped in
``<p>`` unless it is a block, through the processor's own ``stash_to_string``
and ``isblocklevel`` (md_in_html's subclass has its own ``stash_to_string``).
"""

from __future__ import annotations

import re

import markdown
from markdown import util
from markdown.postprocessors import RawHtmlPostprocessor

from atoll.build.fastinline import SkipAhead

PREFIX = util.HTML_PLACEHOLDER.split("%s", 1)[0]
WRAPPER = "<p>"  # what the wrapped alternative begins with, before the prefix
_NUMBERED = util.HTML_PLACEHOLDER % "([0-9]+)"
PATTERN = re.compile(f"{WRAPPER}{_NUMBERED}</p>|{_NUMBERED}")  # the stock run's expression
_SEARCH = SkipAhead(PATTERN, (PREFIX,), lead=len(WRAPPER))


class Restorer:
    """The ``run`` of one raw HTML postprocessor, as the stock one restores the stash."""

    def __init__(self, processor: RawHtmlPostprocessor) -> None:
        self.processor = processor

    def run(self, text: str) -> str:
        if not self.processor.md.htmlStash.html_counter:
            return text
        return self._restore(text)

    def _restore(self, text: str) -> str:
        """What ``PATTERN.sub`` with the stock replacement makes of ``text``."""
        pieces: list[str] = []
        last = 0
        while (match := _SEARCH.search(text, last)) is not None:
            pieces += (text[last:match.start()], self._replacement(match))
            last = match.end()
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def _replacement(self, match: re.Match[str]) -> str:
        wrapped = match.group(1) is not None
        key = int(match.group(1) if wrapped else match.group(2))
        stash = self.processor.md.htmlStash
        if key >= stash.html_counter:
            return match.group(0)
        # an Element too: md_in_html's stash_to_string serialises those
        html = self.processor.stash_to_string(stash.rawHtmlBlocks[key])  # type: ignore[arg-type]
        if not wrapped or self.processor.isblocklevel(html):
            return self._restore(html)
        return self._restore(f"<p>{html}</p>")


def install(md: markdown.Markdown) -> bool:
    """Give ``md``'s raw HTML postprocessor a :class:`Restorer` run, if its class keeps the
    stock ``run``; True when it got one."""
    for processor in md.postprocessors:
        if isinstance(processor, RawHtmlPostprocessor) and type(processor).run is RawHtmlPostprocessor.run:
            processor.run = Restorer(processor).run  # type: ignore[method-assign]
            return True
    return False
