"""YAML loading (``yaml.safe_load`` semantics) that remembers where each key was.

Mappings come back as :class:`MarkedDict`, a plain ``dict`` that also knows the
1-based line of each of its keys, so errors can point at the right line.
"""

from __future__ import annotations

from typing import Any

import yaml

try:  # the C loader is several times faster; fall back where libyaml is missing
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class MarkedDict(dict[Any, Any]):
    """A dict with ``line`` (where the mapping starts) and ``key_lines``."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class _MarkedLoader(_BaseLoader):  # type: ignore[misc]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    result = MarkedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                "found an unhashable key", key_node.start_mark,
            ) from exc
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """Dates like 2026-13-45 look like timestamps but are not; keep the text so the
    caller can say which key holds an impossible date."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_MarkedLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def line_of(data: Any, key: Any, default: int = 1) -> int:
    """The line of ``key`` in a mapping that came from :func:`load` (``default`` otherwise)."""
    return data.line_of(key) if isinstance(data, MarkedDict) else default


class YamlSyntaxError(ValueError):
    """A YAML error with the 1-based line it happened on (relative to the text)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load(text: str) -> Any:
    """Parse ``text`` like ``yaml.safe_load``; raise :class:`YamlSyntaxError`."""
    try:
        return yaml.load(text, Loader=_MarkedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        # An unclosed [ or quote is noticed far below it; the context mark is where it began.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark is not None:
            problem = f"{problem} ({exc.context} that starts on this line)"
        raise YamlSyntaxError(problem, line) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), 1) from exc
