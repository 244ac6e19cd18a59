"""Every command synopsis in the README and the docs lists exactly the flags its ``--help`` lists,
and the README and the docs index each have one for every command, so they cannot drift apart."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from atoll.cli import _parser
from sitekit import REPO

DOCS = sorted((REPO / "content").rglob("*.md"))
# after `atoll COMMAND`: `[--flag VALUE]` groups and upper-case arguments (DIR, NAME)
ARGUMENTS = re.compile(r"(?: \[[^\]]*\]| [A-Z][A-Z_]*\b)+")
FLAG = re.compile(r"--[a-z][a-z-]*")


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """``{"serve": {"--site", ...}, "cognito setup": {...}}``: every leaf command and its flags."""
    found: dict[str, set[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(commands(sub, (*path, name)))
    if path and not found:
        found[" ".join(path)] = {option for action in parser._actions for option in action.option_strings
                                 if option.startswith("--") and option != "--help"}
    return found


HELP = commands(_parser())


def synopses(text: str) -> list[tuple[str, set[str], str]]:
    """``(command, flags, as written)`` for each synopsis: ``atoll`` and a command, then its arguments."""
    found = []
    names = sorted(HELP, key=len, reverse=True)  # `cognito group add` before `cognito`
    for start in re.finditer(r"\batoll ", text.replace("\\|", "|")):
        rest = text.replace("\\|", "|")[start.end():]
        command = next((n for n in names if rest.startswith(n) and not rest[len(n):len(n) + 1].isalnum()
                        and rest[len(n):len(n) + 1] != "-"), None)
        if command is None:
            continue
        arguments = ARGUMENTS.match(rest, len(command))
        if arguments is None:
            continue  # prose or an example (`atoll serve --host localhost`), not a synopsis
        found.append((command, set(FLAG.findall(arguments.group(0))), f"atoll {command}{arguments.group(0)}"))
    return found


def test_the_cli_has_the_commands_the_docs_describe() -> None:
    assert {"build", "new", "clean", "serve", "companion", "idp", "doctor"} <= HELP.keys()


@pytest.mark.parametrize("doc", [REPO / "README.md", *DOCS], ids=lambda p: str(p.relative_to(REPO)))
def test_every_synopsis_lists_the_flags_of_its_help(doc: Path) -> None:
    for command, flags, written in synopses(doc.read_text(encoding="utf-8")):
        assert flags == HELP[command], (
            f"{doc.relative_to(REPO)}: `{written}`\n  missing: {sorted(HELP[command] - flags)}"
            f"\n  not in --help: {sorted(flags - HELP[command])}")


@pytest.mark.parametrize("doc", [REPO / "README.md", REPO / "content/docs/index.md"],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_the_readme_and_the_docs_index_show_every_command(doc: Path) -> None:
    shown = {command for command, _, _ in synopses(doc.read_text(encoding="utf-8"))}
    assert shown == HELP.keys(), f"no synopsis for: {sorted(HELP.keys() - shown)}"


def test_a_drifted_synopsis_is_caught() -> None:
    [(command, flags, _)] = synopses("run `atoll serve [--site DIR] [--port 4321]` here; atoll serve --host x")
    assert command == "serve" and flags == {"--site", "--port"} and flags != HELP["serve"]
    [(command, flags, _)] = synopses("| `atoll cognito group add NAME [--dry-run]` |")
    assert command == "cognito group add" and flags == {"--dry-run"}
