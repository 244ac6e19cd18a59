"""Count protected text in a public output: the check that no protected page leaked.

    python tools/protected_scan.py dist dist-protected

For every page in the protected output's manifest, the text of its body (the
``class="content"`` element) and its description are cut into runs of six
words (shorter paragraphs and list items whole); every file in the public output is then
searched for each run, after HTML and JSON unescaping. Prints each hit as
``public file: protected URL: text`` and, last, ``N hits``; exits 1 when N > 0.
"""

from __future__ import annotations

import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

WINDOW = 6
MIN_CHARS = 12
# Text runs end at these; inline elements (links, code, emphasis) are part of their paragraph.
BLOCKS = frozenset({"p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "table",
                    "tr", "td", "th", "div", "section", "article", "figure", "figcaption", "dl", "dt", "dd"})


class _Body(HTMLParser):
    """The text of the page's content element(s) and its meta description."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # >0 inside class="content"
        self.runs: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "description" and values.get("content"):
            self.runs.append(values["content"] or "")
        if self.depth:
            self.depth += tag not in ("br", "img", "hr", "input", "meta", "link", "wbr")
            if tag in BLOCKS:
                self._flush()
        elif tag == "div" and "content" in (values.get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            if tag in BLOCKS:
                self._flush()
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.runs.append(text)
        self._text = []


def phrases(page_html: str) -> set[str]:
    parser = _Body()
    parser.feed(page_html)
    found: set[str] = set()
    for run in parser.runs:
        words = run.split()
        if len(words) <= WINDOW:
            if len(run) >= MIN_CHARS:
                found.add(run)
            continue
        found.update(" ".join(words[i:i + WINDOW]) for i in range(len(words) - WINDOW + 1))
    return found


def searchable(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    text = html.unescape(html.unescape(text))  # text in XML/HTML, and HTML inside a feed's <content>
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)  # JSON escapes
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())


def scan(public: Path, protected: Path) -> list[tuple[str, str, str]]:
    manifest = json.loads((protected / ".atoll" / "manifest.json").read_text(encoding="utf-8"))
    wanted: dict[str, str] = {}
    for url, entry in manifest["urls"].items():
        if entry["file"].endswith(".html"):
            prompt = searchable((protected / entry["prompt"]).read_bytes()) if entry.get("prompt") else ""
            for phrase in phrases((protected / entry["file"]).read_text(encoding="utf-8")):
                if phrase not in prompt:
                    wanted[phrase] = url
    hits = []
    for path in sorted(p for p in public.rglob("*") if p.is_file()):
        text = searchable(path.read_bytes())
        hits += [(path.relative_to(public).as_posix(), url, phrase) for phrase, url in wanted.items()
                 if phrase in text]
    return hits


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    hits = scan(Path(argv[0]), Path(argv[1]))
    for where, url, phrase in hits:
        print(f"{where}: {url}: {phrase}")
    print(f"{len(hits)} hits")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
