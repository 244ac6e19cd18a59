"""Skipping processors a page gives nothing to do changes no byte of the output."""

from __future__ import annotations

import markdown
import pytest

from atoll.build import gates
from atoll.build.highlight import register_fenced_code
from atoll.build.markup import extension_stack
from test_fastinline import CASES

GATE_CASES = [
    "[TOC]\n\n## One\n\n### Two\n\ntext",
    "## No marker\n\ntext with [TOC] inline, not alone",
    "<div>\n[TOC]\n</div>\n\n## Head",
    "plain text, no triggers at all\n\n## Heading\n\nmore",
    "AT&T and &copy; but no tags",
    "<p>raw block</p>\n\npara",
    "```python\nx = {'a': 1}  # < & \\\\ inside code only\n```\n\nplain after",
    "para {: .cls }\n\n## H {#custom}",
    "escaped \\{ brace and \\* star",
    "Footnote[^n]\n\n[^n]: with {: .x } inside",
]


def pair() -> tuple[markdown.Markdown, markdown.Markdown]:
    def make() -> markdown.Markdown:
        extensions, configs = extension_stack()
        md = markdown.Markdown(extensions=extensions, extension_configs=configs, output_format="html")
        register_fenced_code(md, [])
        return md
    gated = make()
    gates.install(gated)
    return make(), gated


@pytest.mark.parametrize("text", CASES + GATE_CASES)
def test_same_html_and_toc_as_without_gates(text: str) -> None:
    stock, gated = pair()
    assert gated.convert(text) == stock.convert(text)
    assert gated.toc_tokens == stock.toc_tokens


def test_one_instance_over_many_pages_matches_fresh_conversions() -> None:
    stock, gated = pair()
    for text in [*GATE_CASES, *CASES, *reversed(GATE_CASES)]:
        assert gated.reset().convert(text) == stock.reset().convert(text), text


def test_the_marker_still_places_the_toc() -> None:
    _, gated = pair()
    html = gated.convert("[TOC]\n\n## One\n")
    assert '<div class="toc">' in html and 'href="#one"' in html
