"""Python-Markdown processors skipped on pages that lack what they act on; output unchanged.

Several processors walk every element of every page looking for something
most pages do not have: ``{: attribute lists }``, backslash escapes to undo,
a ``[TOC]`` marker, raw HTML. A survey of the page's text (after fenced code
is taken out, so a ``{`` or ``<`` inside code does not count) says which of
those the page can contain; a processor whose trigger is absent is skipped,
which is exactly what running it would have amounted to.

Also: ``Markdown.is_block_level`` searches a 59-item list on every call (about
260 calls a page); here it is a set lookup with the same answers.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it
from collections.abc import Callable
from typing import Any

import markdown
from markdown.preprocessors import Preprocessor

# what each gated processor needs in the page's text to do anything at all
NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("treeprocessors", "attr_list"): ("{",),  # `{: .class }` and `{#id}`
    ("treeprocessors", "unescape"): ("\\",),  # undoes the placeholders of backslash escapes
    ("preprocessors", "html_block"): ("<", "&"),  # raw HTML blocks (md_in_html's extractor)
}
TOC_MARKER = "[TOC]"
SURVEYED = ("{", "\\", "<", "&", TOC_MARKER)
# after fenced code (25, which stashes code blocks), before the raw HTML extractor (20)
SURVEY_PRIORITY = 24


class _Survey(Preprocessor):
    """Notes which triggers the page's text contains; changes nothing."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.present: frozenset[str] = frozenset(SURVEYED)  # until a page is surveyed: run everything

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        self.present = frozenset(t for t in SURVEYED if t in text)
        return lines


def _gated(run: Callable[[Any], Any], survey: _Survey, needs: tuple[str, ...], *,
           preprocessor: bool) -> Callable[[Any], Any]:
    def gated_run(arg: Any) -> Any:
        if survey.present.isdisjoint(needs):
            # skipped: a preprocessor hands its lines on as they were; a treeprocessor
            # returning None leaves the tree in place
            return arg if preprocessor else None
        return run(arg)
    return gated_run


def _gate_toc(toc: Any, survey: _Survey) -> None:
    """Without a marker the toc's own HTML (``md.toc``, which Atoll never uses) is not built;
    the headings' ids, permalinks and ``toc_tokens`` are as always."""
    if getattr(toc, "marker", None) != TOC_MARKER:
        return
    build_div, replace_marker = toc.build_toc_div, toc.replace_marker

    def build_toc_div(toc_list: list[Any]) -> etree.Element:
        return build_div(toc_list) if TOC_MARKER in survey.present else etree.Element("div")

    def gated_replace_marker(root: etree.Element, elem: etree.Element) -> None:
        if TOC_MARKER in survey.present:
            replace_marker(root, elem)

    toc.build_toc_div, toc.replace_marker = build_toc_div, gated_replace_marker


def _set_block_level(md: markdown.Markdown) -> None:
    block_level = frozenset(md.block_level_elements)
    cache: dict[str, bool] = {}

    def is_block_level(tag: Any) -> bool:
        if not isinstance(tag, str):
            return False
        known = cache.get(tag)
        if known is None:
            known = cache[tag] = tag.lower().rstrip("/") in block_level
        return known

    md.is_block_level = is_block_level  # type: ignore[method-assign]


def install(md: markdown.Markdown) -> None:
    """Gate ``md``'s processors (call once, after every extension is registered)."""
    survey = _Survey(md)
    md.preprocessors.register(survey, "atoll_survey", SURVEY_PRIORITY)
    for (registry_name, name), needs in NEEDS.items():
        registry = getattr(md, registry_name)
        if name in registry:
            processor = registry[name]
            processor.run = _gated(processor.run, survey, needs, preprocessor=registry_name == "preprocessors")
    if "toc" in md.treeprocessors:
        _gate_toc(md.treeprocessors["toc"], survey)
    _set_block_level(md)
