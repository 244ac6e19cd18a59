"""Client scripts: ``scripts/*.js`` -> ``/_atoll/<name>.<hash>.js``.

Each file's name carries a hash of its content, and relative imports between
the files (``from "./oidc.js"``) are rewritten to the hashed names, so a CDN
may cache ``/_atoll/`` forever and still never serve a stale mix.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import rjsmin

from atoll.build.sources import decode_utf8
from atoll.errors import SiteError
from atoll.theme import theme_dirs

SCRIPTS = "scripts"
OUTPUT_DIR = "_atoll"
# `from "./x.js"`, `import "./x.js"` and `import("./x.js")`
_IMPORT_RE = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([A-Za-z0-9_-]+\.js)\2""")


@dataclass(frozen=True)
class Script:
    name: str  # "islands.js"
    output: str  # "_atoll/islands.1a2b3c4d.js"
    data: bytes
    imports: tuple[str, ...] = ()  # names of the scripts it imports (statically or not)


def load_sources(site_root: Path) -> dict[str, tuple[str, str]]:
    """``{name: (display path, text)}``: the site's own scripts override the theme's by name."""
    found: dict[str, tuple[str, str]] = {}
    for index, folder in enumerate(theme_dirs(site_root, SCRIPTS)):
        for path in sorted(folder.glob("*.js")):
            if path.name not in found:
                shown = f"{SCRIPTS}/{path.name}" if index == 0 and folder.resolve().is_relative_to(
                    site_root.resolve()) else f"(default theme) {SCRIPTS}/{path.name}"
                found[path.name] = (shown, decode_utf8(path.read_bytes(), shown))
    return found


def _imports(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(3) for m in _IMPORT_RE.finditer(text)))


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm; components come out dependencies first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph[node]:
            if dep not in index:
                connect(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def bundle(sources: dict[str, tuple[str, str]], *, minify: bool = True) -> dict[str, Script]:
    """Hash every script, dependencies first, rewriting imports to hashed names.

    Minified (comments and layout whitespace dropped, with rjsmin) unless asked
    not to: the sources stay readable, the pages carry fewer bytes.

    Modules that import each other (a cycle, which ES modules allow) share one
    hash, taken over all their sources, since each one's name appears in the others.
    """
    graph: dict[str, list[str]] = {}
    for name, (shown, text) in sources.items():
        graph[name] = _imports(text)
        for dep in graph[name]:
            if dep not in sources:
                raise SiteError(f"imports ./{dep}, which is not in {SCRIPTS}/", shown)
    names: dict[str, str] = {}  # script name -> hashed file name
    done: dict[str, Script] = {}
    for component in _strongly_connected(graph):
        digest = hashlib.sha256()
        for name in component:
            outside = sorted(names[d] for d in graph[name] if d not in component)
            digest.update(f"{name}\0{minify}\0{sources[name][1]}\0{outside}\0".encode())
        tag = digest.hexdigest()[:10]
        for name in component:
            names[name] = f"{name[: -len('.js')]}.{tag}.js"
        for name in component:
            text = _IMPORT_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}./{names[m.group(3)]}{m.group(2)}",
                                  sources[name][1])
            if minify:
                text = rjsmin.jsmin(text)
            done[name] = Script(name=name, output=f"{OUTPUT_DIR}/{names[name]}", data=text.encode("utf-8"),
                                imports=tuple(graph[name]))
    return done


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
