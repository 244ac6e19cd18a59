"""The raw HTML postprocessor that finds placeholders by their prefix gives the stock output."""

from __future__ import annotations

import random

import markdown
import pytest
from markdown.util import HTML_PLACEHOLDER

from atoll.build import fastpost
from test_fastinline import stock_and_fast as inline_stock_and_fast

DOCUMENTS = [
    "<div>raw block</div>\n\ntext with <span>inline</span> html and `code`\n\n```python\nx = 1\n```",
    "para\n\n<!-- a comment -->\n\n<p>a raw paragraph</p>\n\n&copy; &amp; AT&T <b>x</b>",
    "<div markdown=\"1\">*md* in <em>html</em></div>\n\n> <kbd>Ctrl</kbd> quoted\n\n- <i>a</i>\n- b",
    "no html at all, just *words*",
]


def stock_and_fast() -> tuple[markdown.Markdown, markdown.Markdown]:
    stock, fast = inline_stock_and_fast()  # the default stack, the fast one with fastinline too
    assert fastpost.install(fast)
    assert isinstance(fast.postprocessors["raw_html"].run.__self__, fastpost.Restorer)
    return stock, fast


@pytest.mark.parametrize("text", DOCUMENTS)
def test_same_pages_as_stock(text: str) -> None:
    stock, fast = stock_and_fast()
    assert fast.convert(text) == stock.convert(text)


def test_same_restoring_as_stock_on_random_placeholders() -> None:
    """Placeholders wrapped in <p> or not, half-wrapped, numbered past the stash, and stashed HTML
    that holds placeholders itself (restored in turn), in random texts."""
    stock, fast = stock_and_fast()
    rng = random.Random(5)
    pieces = ["<p>", "</p>", "<", "p>", "x", " ", "\n", "<div>", HTML_PLACEHOLDER % 0, HTML_PLACEHOLDER % 1,
              HTML_PLACEHOLDER % 2, HTML_PLACEHOLDER % 9, HTML_PLACEHOLDER[:-1] % 1, HTML_PLACEHOLDER % ""]
    for _ in range(3_000):
        for md in (stock, fast):
            md.reset()
        blocks = ["<div>block</div>", "<b>inline</b>", f"<i>{HTML_PLACEHOLDER % 1}</i> <p>{HTML_PLACEHOLDER % 0}</p>"]
        for md in (stock, fast):
            for block in blocks:
                md.htmlStash.store(block)
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected = stock.postprocessors["raw_html"].run(text)
        assert fast.postprocessors["raw_html"].run(text) == expected, repr(text)
