"""Set a few keys of one top-level block of ``site.yaml`` in place, and write the file atomically.

The author's file is edited, not re-dumped: every byte outside the values that
change stays as it was (comments, order, quoting, blank lines, line endings).
PyYAML's node marks give each value's exact span; new keys go on a line of
their own after ``client_id`` (or at the end of the block), indented like
their neighbours. The result is parsed again and compared with what was asked
for before anyone writes it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class YamlEditError(ValueError):
    """The file cannot be edited safely; the message says why."""


def scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back unchanged, else double-quoted."""
    try:
        plain_ok = value == value.strip() and yaml.safe_load(f"k: {value}\n") == {"k": value}
    except yaml.YAMLError:
        plain_ok = False
    return value if plain_ok and "#" not in value else json.dumps(value)


def _key(node: yaml.Node) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _line_end(text: str, index: int) -> int:
    """The index just past the newline that ends the line holding ``index`` (len(text) if none)."""
    end = text.find("\n", index)
    return len(text) if end == -1 else end + 1


def _last_leaf(node: yaml.Node) -> yaml.Node:
    """The last scalar of a value: new lines go after it, not after comments that follow it."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node


def _block_edits(text: str, mapping: yaml.MappingNode, values: Mapping[str, str], newline: str,
                 after: str | None) -> list[tuple[int, int, str]]:
    edits: list[tuple[int, int, str]] = []
    items = {_key(k): (k, v) for k, v in mapping.value}
    missing = []
    for key, value in values.items():
        if key not in items:
            missing.append(key)
            continue
        value_node = items[key][1]
        if not isinstance(value_node, yaml.ScalarNode):
            raise YamlEditError(f"'{key}' is not a single value, so it cannot be set")
        if value_node.value != value or value_node.tag != "tag:yaml.org,2002:str":
            edits.append((value_node.start_mark.index, value_node.end_mark.index, scalar(value)))
    if not missing:
        return edits
    if mapping.flow_style:
        close = mapping.end_mark.index - 1  # the '}'
        inserted = "".join(f", {key}: {scalar(values[key])}" for key in missing)
        return [*edits, (close, close, inserted if mapping.value else inserted[2:])]
    indent = mapping.value[0][0].start_mark.column
    anchor = _last_leaf(items[after][1] if after in items else mapping.value[-1][1])
    if getattr(anchor, "style", None) in ("|", ">"):  # a block scalar ends at the start of the line after it
        at = anchor.end_mark.index
        if at > 0 and text[at - 1] != "\n":
            at = _line_end(text, at)
    else:
        at = _line_end(text, anchor.end_mark.index)
    lines = "".join(f"{' ' * indent}{key}: {scalar(values[key])}{newline}" for key in missing)
    if at == len(text) and text and not text.endswith("\n"):
        lines = newline + lines
    return [*edits, (at, at, lines)]


def set_block_values(text: str, block: str, values: Mapping[str, str], *, after: str | None = None) -> str:
    """``text`` with ``block:``'s keys set to ``values`` (a missing block is added at the end)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise YamlEditError(f"the file is not valid YAML ({exc})") from exc
    newline = "\r\n" if "\r\n" in text else "\n"
    if root is None:
        root = yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(root, yaml.MappingNode):
        raise YamlEditError("the file is not a mapping of settings")
    found = next((v for k, v in root.value if _key(k) == block), None)
    if found is None or (isinstance(found, yaml.ScalarNode) and found.value in ("", "~", "null")):
        body = "".join(f"  {key}: {scalar(value)}{newline}" for key, value in values.items())
        if found is None:
            head = newline if text and not text.endswith("\n") else ""
            edited = f"{text}{head}{block}:{newline}{body}"
        else:  # `auth:` with nothing under it (or `auth: ~`): the explicit null goes, the keys follow
            start, end = found.start_mark.index, found.end_mark.index
            at = _line_end(text, end)
            rest_of_line = text[end:at] if text[end:at].endswith("\n") else text[end:at] + newline
            edited = text[:start].rstrip(" ") + rest_of_line + body + text[at:]
    elif isinstance(found, yaml.MappingNode):
        edited = text
        for start, end, replacement in sorted(_block_edits(text, found, values, newline, after), reverse=True):
            edited = edited[:start] + replacement + edited[end:]
    else:
        raise YamlEditError(f"'{block}' is not a mapping of settings")
    _check(text, edited, block, values)
    return edited


def _check(before: str, after: str, block: str, values: Mapping[str, str]) -> None:
    """The edit changed exactly the asked-for keys; anything else is a bug, never written."""
    old = yaml.safe_load(before) or {}
    new = yaml.safe_load(after) or {}
    expected = dict(old)
    expected[block] = {**(old.get(block) or {}), **values}
    if new != expected:
        raise YamlEditError("the edit would change more than the asked-for keys")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename, keeping its permissions; never half-written."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
