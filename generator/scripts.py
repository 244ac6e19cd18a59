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

from generator.errors import SiteError
from generator.sources import decode_utf8
from generator.theme import theme_dirs

SCRIPTS = "scripts"
OUTPUT_DIR = "_atoll"
# `from "./x.js"`, `import "./x.js"` and `import("./x.js")`
_IMPORT_RE = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([A-Za-z0-9_-]+\.js)\2""")


@dataclass(frozen=True)
class Script:
    name: str  # "islands.js"
    output: str  # "_atoll/islands.1a2b3c4d.js"
    data: bytes


def _hashed(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem = name[: -len(".js")]
    return f"{stem}.{digest}.js"


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


def bundle(sources: dict[str, tuple[str, str]]) -> dict[str, Script]:
    """Hash every script, dependencies first, rewriting imports to hashed names."""
    done: dict[str, Script] = {}
    visiting: list[str] = []

    def visit(name: str, importer: str | None) -> Script:
        if name in done:
            return done[name]
        if name not in sources:
            raise SiteError(f"imports ./{name}, which is not in {SCRIPTS}/", importer)
        if name in visiting:
            cycle = " -> ".join([*visiting[visiting.index(name):], name])
            raise SiteError(f"circular import between scripts: {cycle}", sources[name][0])
        visiting.append(name)
        shown, text = sources[name]

        def rewrite(match: re.Match[str]) -> str:
            dep = visit(match.group(3), shown)
            return f"{match.group(1)}{match.group(2)}./{Path(dep.output).name}{match.group(2)}"

        data = _IMPORT_RE.sub(rewrite, text).encode("utf-8")
        visiting.pop()
        script = Script(name=name, output=f"{OUTPUT_DIR}/{_hashed(name, data)}", data=data)
        done[name] = script
        return script

    for name in sorted(sources):
        visit(name, None)
    return done
