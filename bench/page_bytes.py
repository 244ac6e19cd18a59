"""CSS and JavaScript bytes one built page costs a reader on first load, raw and gzip -9.

    python bench/page_bytes.py OUTPUT_DIR [PAGE ...]      (default page: docs/writing-pages/)

(for a site whose base_url has the root path /).

Counts the stylesheets and scripts the page's HTML loads (``<link rel=stylesheet>``,
``<script src>``, ``<link rel=modulepreload>``) and the modules those import
statically, each file gzipped on its own (each is its own HTTP response).
Dynamic imports (``import("./search.js")``) load only when used and are listed
apart, as is Pagefind's own code, which the search box fetches on first use.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

ASSET = re.compile(r"""<(?:link[^>]*rel="(?:stylesheet|modulepreload)"[^>]*href|script[^>]*src)="([^"]+)\"""")
STATIC_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*)["']\./([\w.-]+\.js)["']""")
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["']\./([\w.-]+\.js)["']\s*\)""")


def sizes(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, 9))


def page_assets(out: Path, page: str) -> tuple[list[Path], list[Path]]:
    """Files loaded with the page, and files its scripts may load later (dynamic imports)."""
    html = (out / page / "index.html" if not page.endswith(".html") else out / page).read_text(encoding="utf-8")
    loaded: list[Path] = []
    later: list[Path] = []
    todo = [out / m.group(1).lstrip("/") for m in ASSET.finditer(html)]
    while todo:
        path = todo.pop()
        if path in loaded or not path.is_file():
            continue
        loaded.append(path)
        if path.suffix == ".js":
            text = path.read_text(encoding="utf-8")
            todo += [path.parent / name for name in STATIC_IMPORT.findall(DYNAMIC_IMPORT.sub("", text))]
            later += [path.parent / name for name in DYNAMIC_IMPORT.findall(text)]
    return sorted(loaded), sorted(set(later) - set(loaded))


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    for page in argv[1:] or ["docs/writing-pages/"]:
        loaded, later = page_assets(out, page.strip("/") + "/" if not page.endswith(".html") else page)
        totals = {"css": [0, 0], "js": [0, 0]}
        print(f"{page}:")
        for path in loaded:
            raw, packed = sizes(path)
            kind = "css" if path.suffix == ".css" else "js"
            totals[kind][0] += raw
            totals[kind][1] += packed
            print(f"  {path.relative_to(out)}  {raw:,} B raw, {packed:,} B gzip")
        for kind, (raw, packed) in totals.items():
            print(f"  total {kind}: {raw:,} B raw, {packed:,} B gzip")
        for path in later:
            raw, packed = sizes(path)
            print(f"  on first use: {path.relative_to(out)}  {raw:,} B raw, {packed:,} B gzip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
