"""ARCHITECTURE.md's package map names every module under generator/, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "generator"


def mapped_modules(text: str) -> list[str]:
    """The module paths named in the first column of the package map's tables."""
    section = text.split("## Package map", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 2:
            names += re.findall(r"`([^`]+\.(?:py|js))`", cells[1])
    return names


def tree_modules() -> set[str]:
    return {p.relative_to(GENERATOR).as_posix() for p in GENERATOR.rglob("*")
            if p.suffix in (".py", ".js") and p.name != "__init__.py" and "__pycache__" not in p.parts}


def test_the_package_map_names_every_module_and_only_modules_that_exist() -> None:
    named = mapped_modules((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    tree = tree_modules()
    assert len(tree) > 50  # the walk found the package, not an empty folder
    missing = sorted(tree - set(named))
    stale = sorted(set(named) - tree)
    twice = sorted({n for n in named if named.count(n) > 1})
    assert not missing, f"ARCHITECTURE.md's package map lacks {missing}: add a row (path relative to generator/)"
    assert not stale, f"ARCHITECTURE.md's package map names {stale}, which generator/ does not hold"
    assert not twice, f"ARCHITECTURE.md's package map names {twice} more than once"


def test_architecture_refers_to_nothing_outside_the_repository() -> None:
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert "../" not in text
    assert not re.search(r"/work/|shared/", text)
