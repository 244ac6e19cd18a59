"""JSON for a ``<script type="application/json">`` data block, safe inside HTML.

``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e``, ``\\u0026``: the
same JSON to a parser, but no ``</script>``, ``<!--`` or character reference
can end or change the block, whatever a ``site.yaml`` string holds. Every JSON
data block of a page goes through :func:`json_block` (layouts as the
``json_block`` filter).
"""

from __future__ import annotations

import json
from typing import Any

_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_block(data: Any) -> str:
    return json.dumps(data, sort_keys=True).translate(_ESCAPES)
