"""Bytes of JavaScript the auth islands cost a page, raw and gzip -9.

    python bench/js_size.py [SCRIPTS_DIR]

A normal page loads islands.js and what it imports statically; dynamic
imports (`import("./x.js")`) load only when needed: the protocol on the
first sign-in click or sign-out, the to-do island on the /todos/ page.
Each file is its own HTTP response, so each is gzipped on its own.
Reference: oidc-client-ts 3.x's browser bundle, 70,851 B raw / 18,096 B gzip.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s*["']\./([\w.-]+\.js)["']|^\s*import\s*["']\./([\w.-]+\.js)["']""", re.M | re.S)
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["']\./([\w.-]+\.js)["']\s*\)""")
OIDC_CLIENT_TS = (70_851, 18_096)
# Whole-line `//` comments and `/** … */` blocks: what a minifier would drop first.
COMMENT_LINES = re.compile(r"^[ \t]*//[^\n]*\n|^[ \t]*/\*\*.*?\*/[ \t]*\n", re.M | re.S)


def static_closure(scripts: Path, entry: str) -> list[str]:
    """`entry` and every file it reaches through static imports, in load order."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        text = (scripts / name).read_text(encoding="utf-8")
        todo += [a or b for a, b in STATIC_IMPORT.findall(text)]
    return seen


def dynamic_imports(scripts: Path, names: list[str]) -> list[str]:
    found: list[str] = []
    for name in names:
        found += DYNAMIC_IMPORT.findall((scripts / name).read_text(encoding="utf-8"))
    return sorted(set(found) - set(names))


def sizes(scripts: Path, names: list[str], *, code_only: bool = False) -> tuple[int, int]:
    raw = gz = 0
    for name in names:
        data = (scripts / name).read_bytes()
        if code_only:
            data = COMMENT_LINES.sub("", data.decode("utf-8")).encode("utf-8")
        raw += len(data)
        gz += len(gzip.compress(data, compresslevel=9, mtime=0))
    return raw, gz


def report(scripts: Path) -> str:
    page = static_closure(scripts, "islands.js")
    raw, gz = sizes(scripts, page)
    lines = [f"{'what':<44} {'raw B':>8} {'gzip B':>8}"]

    def row(label: str, r: int, g: int) -> None:
        lines.append(f"{label:<44} {r:>8,} {g:>8,}")

    for name in page:
        row(f"  {name}", *sizes(scripts, [name]))
    row(f"normal page ({' + '.join(page)})", raw, gz)
    row("  the same without comment lines", *sizes(scripts, page, code_only=True))
    for lazy in dynamic_imports(scripts, page):
        extra = [n for n in static_closure(scripts, lazy) if n not in page]
        row(f"  on demand: {' + '.join(extra)}", *sizes(scripts, extra))
    if (scripts / "callback.js").exists():
        callback = static_closure(scripts, "callback.js")
        callback += [n for n in dynamic_imports(scripts, callback) for n in static_closure(scripts, n)]
        callback = list(dict.fromkeys(callback))
        row(f"callback page ({' + '.join(callback)})", *sizes(scripts, callback))
    row("oidc-client-ts 3.x browser bundle", *OIDC_CLIENT_TS)
    lines.append(f"normal page = {raw / OIDC_CLIENT_TS[0]:.1%} raw, {gz / OIDC_CLIENT_TS[1]:.1%} gzip of oidc-client-ts")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    scripts = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "scripts"
    print(report(scripts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
