"""Pygments' RegexLexer loop, trying at each position only the rules that can match there.

A RegexLexer state is an ordered list of regular expressions; at every position
Pygments calls each one's ``match`` in turn until one matches, about twenty
calls per token on Python and JavaScript code, and that Python-level loop is
most of the cost of highlighting. Many rules can only start with certain
characters (a keyword, ``#``, a quote, an operator). This module reads that
first-character set from each rule's parsed pattern (``re._parser``, the parser
``re.compile`` itself uses) and, per state and character, keeps the ordered
rules that can start with it. Dropping a rule that cannot match at a position
changes nothing: the same first rule matches, in the same state, with the same
callback. Every rule the analysis is not sure about (case-insensitive, a class
like ``\\w``, a back-reference, one that can match the empty string...) stays
in every list. The lexers, their rules, callbacks and state machine are
Pygments' own; ``tests/test_codehtml.py`` checks the token streams against
``lexer.get_tokens`` on many snippets in many languages.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

try:  # the parser re.compile uses (private, in every Python Atoll supports)
    _parser: Any = importlib.import_module("re._parser")
    sre: Any = importlib.import_module("re._constants")
except ImportError:  # a Python without it: every lexer runs Pygments' own loop
    _parser = sre = None

Rule = tuple[Callable[..., Any], Any, Any]  # Pygments' (rexmatch, action, new_state)
Test = Callable[[str], bool]  # "can the match start with this character?"
_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
               "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


class _Any(Exception):
    """The rule may start with any character (or the analysis is not sure)."""


def _class(items: Any, flags: int) -> Test:
    """The test for one character class (``[...]``, ``\\w``, a literal), written back as a one-character
    pattern and compiled with the rule's flags, so ``re`` itself decides (case folding included)."""
    if not flags & re.IGNORECASE and all(kind is sre.LITERAL for kind, _ in items):
        chars = frozenset(chr(value) for _, value in items)  # the common case, without compiling
        return chars.__contains__
    pieces: list[str] = []
    for kind, value in items:
        if kind is sre.NEGATE:
            pieces.insert(0, "^")
        elif kind is sre.LITERAL:
            pieces.append(f"\\U{value:08x}")
        elif kind is sre.RANGE:
            pieces.append(f"\\U{value[0]:08x}-\\U{value[1]:08x}")
        elif kind is sre.CATEGORY and str(value) in _CATEGORIES:
            pieces.append(_CATEGORIES[str(value)])
        else:
            raise _Any
    one = re.compile(f"[{''.join(pieces)}]", flags & (re.IGNORECASE | re.ASCII))
    return lambda ch: one.fullmatch(ch) is not None


def _first(items: Any, flags: int) -> tuple[list[Test], bool]:
    """Tests for the characters a parsed sequence can start with, and whether it can match empty."""
    tests: list[Test] = []
    for op, arg in items:
        if op is sre.LITERAL:
            return [*tests, _class([(op, arg)], flags)], False
        if op is sre.NOT_LITERAL:
            return [*tests, _class([(sre.NEGATE, None), (sre.LITERAL, arg)], flags)], False
        if op is sre.IN:
            return [*tests, _class(arg, flags)], False
        if op is sre.ASSERT and arg[0] == 1:  # a lookahead: the character here must start what it looks for
            found, empty = _first(arg[1], flags)
            if not empty:
                return tests + found, False
            continue
        if op is sre.AT or op is sre.ASSERT or op is sre.ASSERT_NOT:
            continue  # zero-width: consumes nothing, so ignoring it only widens the set
        if op is sre.BRANCH:
            nullable = False
            for branch in arg[1]:
                found, empty = _first(branch, flags)
                tests += found
                nullable = nullable or empty
            if not nullable:
                return tests, False
            continue
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            found, empty = _first(sub, (flags | add_flags) & ~del_flags)
        elif op is sre.ATOMIC_GROUP:
            found, empty = _first(arg, flags)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, sub = arg
            found, empty = _first(sub, flags)
            empty = empty or low == 0
        else:  # ANY (.), GROUPREF, GROUPREF_EXISTS, ...
            raise _Any
        tests += found
        if not empty:
            return tests, False
    return tests, True


def first_tests(rexmatch: Callable[..., Any]) -> list[Test] | None:
    """Tests for the character a rule's match must start with; None when it may start anywhere."""
    pattern = getattr(rexmatch, "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    try:
        tests, empty = _first(_parser.parse(pattern.pattern, pattern.flags), pattern.flags)
    except (_Any, re.error, RecursionError):
        return None
    return None if empty else tests


class _State:
    """One state's rules, and per character the ordered subset that can match there (worked out
    on first use: a lexer has many states a page never reaches)."""

    __slots__ = ("rules", "firsts", "by_char")

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.firsts: list[list[Test] | None] | None = None
        self.by_char: dict[str, list[Rule]] = {}

    def for_char(self, ch: str) -> list[Rule]:
        if self.firsts is None:
            self.firsts = [first_tests(rule[0]) for rule in self.rules]
        found = [rule for rule, tests in zip(self.rules, self.firsts, strict=True)
                 if tests is None or any(test(ch) for test in tests)]
        self.by_char[ch] = found
        return found


_TABLES: dict[type[Lexer], dict[str, _State]] = {}


def handles(lexer: Lexer) -> bool:
    """True for lexers that run RegexLexer's own loop (most of Pygments' lexers)."""
    return (_parser is not None and isinstance(lexer, RegexLexer)
            and type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed)


def _states(lexer: RegexLexer) -> dict[str, _State]:
    table = _TABLES.get(type(lexer))
    if table is None:
        table = {name: _State(rules) for name, rules in lexer._tokens.items()}  # type: ignore[attr-defined]
        _TABLES[type(lexer)] = table
    return table


def tokens(lexer: RegexLexer, text: str) -> Iterator[tuple[int, _TokenType, str]]:
    """What ``lexer.get_tokens_unprocessed(text)`` yields, for a lexer :func:`handles`."""
    states = _states(lexer)
    stack = ["root"]
    state = states["root"]
    pos = 0
    end = len(text)
    while True:
        if pos < end:
            ch = text[pos]
            rules = state.by_char.get(ch)
            if rules is None:
                rules = state.for_char(ch)
        else:
            rules = state.rules
        for rexmatch, action, new_state in rules:
            m = rexmatch(text, pos)
            if not m:
                continue
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(lexer, m)
            pos = m.end()
            if new_state is not None:
                _move(stack, new_state)
                state = states[stack[-1]]
            break
        else:
            if pos >= end:
                return
            if text[pos] == "\n":  # no rule matched at the end of a line: back to the root state
                stack = ["root"]
                state = states["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1


def _move(stack: list[str], new_state: Any) -> None:
    """Apply a rule's state change to the stack, as RegexLexer does."""
    if isinstance(new_state, int):  # "#pop" and the like: pop, but keep at least one state
        if abs(new_state) >= len(stack):
            del stack[1:]
        else:
            del stack[new_state:]
    elif isinstance(new_state, tuple):
        for name in new_state:
            if name == "#pop":
                if len(stack) > 1:
                    stack.pop()
            elif name == "#push":
                stack.append(stack[-1])
            else:
                stack.append(name)
    elif new_state == "#push":
        stack.append(stack[-1])
    else:
        raise AssertionError(f"wrong state def: {new_state!r}")


def stream(lexer: Lexer, code: str) -> Iterator[tuple[int, _TokenType, str]]:
    """``(index, type, text)`` for ``code``, the tokens ``lexer.get_tokens(code)`` gives (same input
    normalisation, same filters), through :func:`tokens` where it can."""
    preprocess = getattr(lexer, "_preprocess_lexer_input", None)  # what get_tokens does first
    if lexer.filters or preprocess is None:  # filters see (type, text) pairs; the index is not used after
        return ((0, ttype, value) for ttype, value in lexer.get_tokens(code))
    text = preprocess(code)
    if handles(lexer):
        return tokens(lexer, text)  # type: ignore[arg-type]
    return iter(lexer.get_tokens_unprocessed(text))
