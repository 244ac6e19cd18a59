"""Bytes of JavaScript the auth islands cost a page, raw and gzip -9.

    python bench/js_size.py [SCRIPTS_DIR ...]

The folders are looked up in order, first file of a name wins, as a site's own
scripts/ and its theme's are (default: the default theme's scripts/ and the
example site's example/scripts/). A normal page loads islands.js and what it
imports statically; dynamic imports (`import("./x.js")`) load only when needed:
the protocol on the first sign-in click or sign-out. A script that neither
entry point reaches is one a layout loads on its own pages (the example's
todos.js on /todos/), reported as that page. Each file is its own HTTP
response, so each is gzipped on its own.
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


Scripts = dict[str, Path]  # name -> file, first folder first


def find_scripts(folders: list[Path]) -> Scripts:
    found: Scripts = {}
    for folder in folders:
        for path in sorted(folder.glob("*.js")):
            found.setdefault(path.name, path)
    return found


def static_closure(scripts: Scripts, entry: str) -> list[str]:
    """`entry` and every file it reaches through static imports, in load order."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        text = scripts[name].read_text(encoding="utf-8")
        todo += [a or b for a, b in STATIC_IMPORT.findall(text)]
    return seen


def dynamic_imports(scripts: Scripts, names: list[str]) -> list[str]:
    found: list[str] = []
    for name in names:
        found += DYNAMIC_IMPORT.findall(scripts[name].read_text(encoding="utf-8"))
    return sorted(set(found) - set(names))


def with_lazy(scripts: Scripts, names: list[str]) -> list[str]:
    """``names`` plus everything their dynamic imports load, in order."""
    return list(dict.fromkeys(names + [n for lazy in dynamic_imports(scripts, names)
                                       for n in static_closure(scripts, lazy)]))


def sizes(files: dict[str, bytes], names: list[str]) -> tuple[int, int]:
    raw = gz = 0
    for name in names:
        raw += len(files[name])
        gz += len(gzip.compress(files[name], compresslevel=9, mtime=0))
    return raw, gz


def shipped_files(scripts: Scripts, *, minify: bool) -> dict[str, bytes]:
    """The files as `atoll build` emits them (imports rewritten to hashed names; minified)."""
    sources = {name: (name, path.read_text(encoding="utf-8")) for name, path in scripts.items()}
    return {name: script.data for name, script in bundle(sources, minify=minify).items()}


def report(scripts: Scripts) -> str:
    page = static_closure(scripts, "islands.js")
    shipped = shipped_files(scripts, minify=True)
    lines = [f"{'what (as atoll build ships it, minified)':<58} {'raw B':>8} {'gzip B':>8}"]

    def row(label: str, r: int, g: int) -> None:
        lines.append(f"{label:<58} {r:>8,} {g:>8,}")

    for name in page:
        row(f"  {name}", *sizes(shipped, [name]))
    raw, gz = sizes(shipped, page)
    row(f"normal page ({' + '.join(page)})", raw, gz)
    written = {n: scripts[n].read_bytes() for n in shipped}
    row("  the same as written in scripts/ (unminified)", *sizes(written, page))
    for lazy in dynamic_imports(scripts, page):
        extra = [n for n in static_closure(scripts, lazy) if n not in page]
        row(f"  on demand: {' + '.join(extra)}", *sizes(shipped, extra))
    reached = set(with_lazy(scripts, page))
    if "callback.js" in scripts:
        callback = with_lazy(scripts, static_closure(scripts, "callback.js"))
        reached |= set(callback)
        row(f"callback page ({' + '.join(callback)})", *sizes(shipped, callback))
    for own in sorted(set(scripts) - reached):
        loaded = list(dict.fromkeys(page + static_closure(scripts, own)))
        row(f"a page that also loads {own} ({' + '.join(loaded)})", *sizes(shipped, loaded))
        reached |= set(with_lazy(scripts, loaded))
    row("oidc-client-ts 3.x browser bundle", *OIDC_CLIENT_TS)
    lines.append(f"normal page = {raw / OIDC_CLIENT_TS[0]:.1%} raw, "
                 f"{gz / OIDC_CLIENT_TS[1]:.1%} gzip of oidc-client-ts")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folders = [Path(a) for a in args] or [REPO / "scripts", REPO / "example" / "scripts"]
    print(report(find_scripts(folders)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
