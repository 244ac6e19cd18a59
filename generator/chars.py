"""Characters no XML 1.0 document may hold (C0 controls but tab and newlines, lone surrogates,
U+FFFE, U+FFFF). Text with them would make ``feed.xml`` or ``sitemap.xml`` unreadable, so
the places that take text from authors refuse it, naming the character."""

from __future__ import annotations

import re
from typing import Any

# The complement of XML 1.0's Char production, spelled as what it excludes (much faster to search).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

HINT = "delete it (a YAML escape such as \"\\x01\" or \"\\ud800\" puts it there; a stray byte in the file too)"


def first_forbidden(text: str) -> int | None:
    """The index of the first character XML 1.0 forbids, or None."""
    found = _NOT_XML.search(text)
    return found.start() if found else None


_ALLOWED_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))


def forbidden_in_file(data: bytes, text: str) -> tuple[int, str] | None:
    """(line, ``U+000B``) of the first forbidden character of a UTF-8 file, or None.

    ``text`` is ``data`` decoded. The fast path deletes every allowed byte (a C
    loop) and looks for the two forbidden non-characters; a regular expression
    runs only to place an error. (UTF-8 that decodes holds no surrogates.)"""
    if not data.translate(None, _ALLOWED_BYTES) and (text.isascii() or ("\ufffe" not in text and "\uffff" not in text)):
        return None
    index = first_forbidden(text)
    if index is None:
        return None
    return text.count("\n", 0, index) + 1, describe(text[index])


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
