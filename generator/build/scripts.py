"""Client scripts: ``scripts/*.js`` -> ``/_atoll/<name>.<hash>.js``.

Each file's name carries a hash of its content, and relative imports between
the files (``from "./oidc.js"``) are rewritten to the hashed names, so a CDN
may cache ``/_atoll/`` forever and still never serve a stale mix.
"""

from __future__ import annotations

import graphlib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import rjsmin

from atoll.build.sources import decode_utf8
from atoll.errors import SiteError
from atoll.theme import shown_path, theme_dirs

SCRIPTS = "scripts"
OUTPUT_DIR = "_atoll"
HASH_CHARS = 10  # hex digits of a script's content hash in its name
_HASHED_URL = re.compile(rf"/{OUTPUT_DIR}/[A-Za-z0-9_-]+\.[0-9a-f]{{{HASH_CHARS}}}\.js")
# `from "./x.js"`, `import "./x.js"` and `import("./x.js")`
_IMPORT_RE = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([A-Za-z0-9_-]+\.js)\2""")


@dataclass(frozen=True)
class Script:
    name: str  # "islands.js"
    output: str  # "_atoll/islands.1a2b3c4d.js"
    data: bytes
    imports: tuple[str, ...] = ()  # names of the scripts it imports (statically or not)


def load_sources(site_root: Path, theme: Path | None = None) -> dict[str, tuple[str, str]]:
    """``{name: (display path, text)}``: the site's own scripts, then its theme's, then the
    default theme's, by name."""
    found: dict[str, tuple[str, str]] = {}
    for folder in theme_dirs(site_root, SCRIPTS, theme):
        where = shown_path(site_root, folder, SCRIPTS)
        for path in sorted(folder.glob("*.js")):
            if path.name not in found:
                shown = f"{where}/{path.name}"
                found[path.name] = (shown, decode_utf8(path.read_bytes(), shown))
    return found


def _imports(text: str) -> dict[str, int]:
    """``{name: line}``: each script ``text`` imports, with the line of its first import."""
    found: dict[str, int] = {}
    for match in _IMPORT_RE.finditer(text):
        found.setdefault(match.group(3), text.count("\n", 0, match.start()) + 1)
    return found


def _cycle_error(cycle: list[str], sources: dict[str, tuple[str, str]],
                 graph: dict[str, dict[str, int]]) -> SiteError:
    """``a.js: line: import cycle: a.js -> b.js -> a.js``, starting at the first name in order."""
    ring = cycle[:-1][::-1]  # graphlib lists each node before the one that imports it
    first = ring.index(min(ring))
    ring = ring[first:] + ring[:first]
    shown = [sources[name][0] for name in [*ring, ring[0]]]
    return SiteError(f"import cycle: {' -> '.join(shown)}", shown[0], graph[ring[0]][ring[1 % len(ring)]],
                     "move what they share into a module that imports neither of them")


def bundle(sources: dict[str, tuple[str, str]], *, minify: bool = True) -> dict[str, Script]:
    """Hash every script, dependencies first, rewriting imports to hashed names.

    Minified (comments and layout whitespace dropped, with rjsmin) unless asked
    not to: the sources stay readable, the pages carry fewer bytes.

    Each script's hash covers its own source and the hashed names of what it
    imports, so an import cycle (which ES modules allow) is an error here: no
    member's name could be known before the others'.
    """
    graph: dict[str, dict[str, int]] = {}
    for name, (shown, text) in sources.items():
        graph[name] = _imports(text)
        for dep, line in graph[name].items():
            if dep not in sources:
                raise SiteError(f"imports ./{dep}, which is not in {SCRIPTS}/", shown, line)
    try:
        order = list(graphlib.TopologicalSorter({name: sorted(deps) for name, deps in sorted(graph.items())})
                     .static_order())
    except graphlib.CycleError as exc:
        raise _cycle_error(exc.args[1], sources, graph) from exc
    names: dict[str, str] = {}  # script name -> hashed file name
    done: dict[str, Script] = {}
    for name in order:
        text = sources[name][1]
        imported = sorted(names[dep] for dep in graph[name])
        tag = hashlib.sha256(f"{name}\0{minify}\0{text}\0{imported}".encode()).hexdigest()[:HASH_CHARS]
        names[name] = f"{name.removesuffix('.js')}.{tag}.js"
        text = _IMPORT_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}./{names[m.group(3)]}{m.group(2)}", text)
        if minify:
            text = rjsmin.jsmin(text)
        done[name] = Script(name=name, output=f"{OUTPUT_DIR}/{names[name]}", data=text.encode("utf-8"),
                            imports=tuple(graph[name]))
    return done


def is_hashed_url(path: str) -> bool:
    """Whether a URL path names a hashed script (:func:`bundle`'s output): its bytes can
    never change, so it may be cached forever."""
    return _HASHED_URL.fullmatch(path) is not None


def closure(scripts: dict[str, Script], name: str) -> list[str]:
    """Every script ``name`` may load, directly or not (for <link rel="modulepreload">)."""
    seen: list[str] = []
    stack = list(scripts[name].imports)
    while stack:
        dep = stack.pop(0)
        if dep not in seen and dep != name:
            seen.append(dep)
            stack.extend(scripts[dep].imports)
    return seen
