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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from atoll.build.scripts import bundle  # noqa: E402 - after making the checkout importable

STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s*["']\./([\w.-]+\.js)["']"""
                           r"""|^\s*import\s*["']\./([\w.-]+\.js)["']""", re.M | re.S)
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["']\./([\w.-]+\.js)["']\s*\)""")
OIDC_CLIENT_TS = (70_851, 18_096)


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


def sizes(files: dict[str, bytes], names: list[str]) -> tuple[int, int]:
    raw = gz = 0
    for name in names:
        raw += len(files[name])
        gz += len(gzip.compress(files[name], compresslevel=9, mtime=0))
    return raw, gz


def shipped_files(scripts: Path, *, minify: bool) -> dict[str, bytes]:
    """The files as `atoll build` emits them (imports rewritten to hashed names; minified)."""
    sources = {p.name: (p.name, p.read_text(encoding="utf-8")) for p in sorted(scripts.glob("*.js"))}
    return {name: script.data for name, script in bundle(sources, minify=minify).items()}


def report(scripts: Path) -> str:
    page = static_closure(scripts, "islands.js")
    shipped = shipped_files(scripts, minify=True)
    lines = [f"{'what (as atoll build ships it, minified)':<58} {'raw B':>8} {'gzip B':>8}"]

    def row(label: str, r: int, g: int) -> None:
        lines.append(f"{label:<58} {r:>8,} {g:>8,}")

    for name in page:
        row(f"  {name}", *sizes(shipped, [name]))
    raw, gz = sizes(shipped, page)
    row(f"normal page ({' + '.join(page)})", raw, gz)
    written = {n: (scripts / n).read_bytes() for n in shipped}
    row("  the same as written in scripts/ (unminified)", *sizes(written, page))
    for lazy in dynamic_imports(scripts, page):
        extra = [n for n in static_closure(scripts, lazy) if n not in page]
        row(f"  on demand: {' + '.join(extra)}", *sizes(shipped, extra))
    if (scripts / "callback.js").exists():
        callback = static_closure(scripts, "callback.js")
        callback += [n for n in dynamic_imports(scripts, callback) for n in static_closure(scripts, n)]
        callback = list(dict.fromkeys(callback))
        row(f"callback page ({' + '.join(callback)})", *sizes(shipped, callback))
    row("oidc-client-ts 3.x browser bundle", *OIDC_CLIENT_TS)
    lines.append(f"normal page = {raw / OIDC_CLIENT_TS[0]:.1%} raw, "
                 f"{gz / OIDC_CLIENT_TS[1]:.1%} gzip of oidc-client-ts")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    scripts = Path(args[0]) if args else REPO / "scripts"
    print(report(scripts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
