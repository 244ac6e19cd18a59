"""Characters no XML 1.0 document may hold (C0 controls but tab and newlines, lone surrogates,
U+FFFE, U+FFFF). Text with them would make ``feed.xml`` or ``sitemap.xml`` unreadable, so
the places that take text from authors refuse it, naming the character."""

from __future__ import annotations

import re
from typing import Any

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

HINT = "delete it (a YAML escape such as \"\\x01\" or \"\\ud800\" puts it there; a stray byte in the file too)"


def first_forbidden(text: str) -> int | None:
    """The index of the first character XML 1.0 forbids, or None."""
    found = _NOT_XML.search(text)
    return found.start() if found else None


def describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def forbidden_in(value: Any) -> str | None:
    """``U+0001`` for the first forbidden character in a YAML value (strings, lists, mappings), or None."""
    if isinstance(value, str):
        index = first_forbidden(value)
        return None if index is None else describe(value[index])
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return None
    for item in items:
        found = forbidden_in(item)
        if found:
            return found
    return None
