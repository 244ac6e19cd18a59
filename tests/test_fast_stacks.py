"""The fast inline and block paths give the stock output under other extension stacks too.

Sites choose their own ``markdown:`` extensions; the fast paths must keep their
promise for those, not just for the default list.
"""

from __future__ import annotations

from typing import Any

import markdown
import pytest

from atoll.build import fastblocks, fastinline
from atoll.build.markup import extension_stack
from test_fastblocks import CASES as BLOCK_CASES
from test_fastinline import ALONE
from test_fastinline import CASES as INLINE_CASES

STACKS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "core only": (),
    "caret, tilde, betterem": (("pymdownx.caret", {}), ("pymdownx.tilde", {}), ("pymdownx.betterem", {})),
    "magiclink, emoji, critic": (("pymdownx.magiclink", {}), ("pymdownx.emoji", {}), ("pymdownx.critic", {})),
    "smartsymbols without ordinals, keys": (("pymdownx.smartsymbols", {"ordinal_numbers": False}),
                                            ("pymdownx.keys", {})),
    "admonition, def_list, abbr, footnotes": (("admonition", {}), ("def_list", {}), ("abbr", {}),
                                              ("footnotes", {})),
}
EXTRA = ["^^insert^^ ^sup^ ~~del~~ ~sub~ **bold** __strong__ *em* _em_ wrap_in_words_",
         "https://example.org/x and www.example.com and user@example.org :smile: :+1:",
         "{++added++} {--removed--} 1st (c) ++x++ {~~old~>new~~} {==marked==}{>>comment<<}"]
TEXT = "\n\n".join([*INLINE_CASES, *BLOCK_CASES.values(), *(f"Before {c} after." for c in ALONE), *EXTRA])


@pytest.mark.parametrize("name", STACKS)
def test_same_output_as_stock(name: str) -> None:
    extensions, configs = extension_stack(STACKS[name])
    stock = markdown.Markdown(extensions=extensions, extension_configs=configs)
    fast = markdown.Markdown(extensions=extensions, extension_configs=configs)
    assert fastinline.install(fast)
    fastblocks.install(fast)
    for part in [TEXT, *TEXT.split("\n\n")]:
        assert fast.reset().convert(part) == stock.reset().convert(part), part
