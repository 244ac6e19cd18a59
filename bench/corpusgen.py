"""The repository's own benchmark corpus: N deterministic markdown blog posts.

``generate(out, n)`` writes ``out/post-00001.md`` .. ``post-NNNNN.md`` (flat).
Each post has front matter (title, description, date, tags, draft) and a body
of the kinds of markdown a blog holds: headings, paragraphs with bold,
emphasis, inline code and links, bulleted and numbered lists, block quotes,
fenced code (python, js, bash), images, a GFM table in about 30% of posts and
accented, CJK or emoji text in about 12%. Lengths are log-normal (median about
600 words, a few long ones); about 2% are drafts. Bodies hold no ``{{``,
``{%`` or raw HTML, so template engines that pre-process markdown leave them alone.

Post ``i`` depends only on ``i`` (its own seeded generator), so the output is
byte-identical across runs and machines, and the first K posts of an N-post
corpus are the K-post corpus. It is the same kind of corpus as the shared
generator other site generators are measured on, not the same bytes: numbers
meant to be compared with theirs use the shared one (see ``corpus.py``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

SEED = "atoll-bench-corpus-v1"

VOCABULARY = """
a about after again all also an and another any are around as at away back be because been before
being below best better between big both build but by came can change city close come could day did
different does done down each early end enough even every example fact far feel few find first five
follow for form found four from get give go good great group hand hard have head help here high hold
home house how idea if important in into it its just keep kind know large last late learn leave left
less let life light like line little live long look made make many may mean might more most move much
must name near need never new next night no not now number of off often old on once one only open or
order other our out over own page part people place plan play point put question quick read real
right room run said same say second see seem set several should show side since small so some sound
start state still story study such sure take tell than that the their them then there these they
thing think this those three through time to today together too try turn two under until up upon us
use very want was water way we well went were what when where which while who why will with word work
world would write year yet you young
asset branch buffer bundle cache client cluster commit compile config container cookie deploy digest
endpoint export feed fixture handler header hook import index layout latency markdown merge metric
middleware module network pipeline plugin process profile protocol query queue release render replica
request response route schema server service session shard sitemap slug socket stream template theme
thread token worker
""".split()

TAGS = """
python javascript rust go web css html devops docker linux bash testing performance security databases
postgres sqlite api frontend backend tutorial open-source markdown static-sites jinja yaml git ci cloud
data async networking design accessibility typography writing tooling editors terminal release-notes
""".split()

NAMES = ["items", "config", "result", "payload", "user", "records", "pages", "posts", "cache", "tree",
         "queue", "options", "context", "route", "handler", "entries"]
FIELDS = ["size", "count", "weight", "score", "length", "priority"]
VERBS = ["load", "parse", "render", "build", "collect", "fetch", "merge", "resolve", "validate", "flatten"]
PLACES = ["Zürich", "São Paulo", "Kraków", "Málaga", "Øresund", "Straße", "café", "crème brûlée", "façade"]
CJK = ["日本語の文章", "静的サイト", "中文内容", "性能测试", "한국어 문장", "東京", "서울", "模板渲染"]
EMOJI = ["🚀", "✨", "🐍", "📦", "🔥", "✅", "⚡", "🧪", "📝", "🌍"]
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}


def headline(words: list[str]) -> str:
    return " ".join(w if i and w in SMALL_WORDS else w.capitalize() for i, w in enumerate(words))


class Post:
    """One post, drawn from its own generator; ``count`` tracks the body's words."""

    def __init__(self, index: int) -> None:
        self.rng = random.Random(f"{SEED}:{index}")
        self.count = 0

    def words(self, low: int, high: int) -> list[str]:
        chosen = [self.rng.choice(VOCABULARY) for _ in range(self.rng.randint(low, high))]
        self.count += len(chosen)
        return chosen

    def decorate(self, word: str) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return f"**{word}**"
        if roll < 0.55:
            return f"_{word}_"
        if roll < 0.8:
            return f"`{self.rng.choice(VERBS)}_{self.rng.choice(NAMES)}()`"
        host = self.rng.choice(["example.com", "example.org", "docs.example.net"])
        return f"[{word}](https://{host}/{self.rng.choice(VOCABULARY)}/{self.rng.randint(1, 999)})"

    def sentence(self) -> str:
        words = self.words(6, 20)
        for _ in range(self.rng.choice([0, 0, 1, 1, 2])):
            k = self.rng.randrange(len(words))
            words[k] = self.decorate(words[k])
        text = " ".join(words)
        return text[0].upper() + text[1:] + self.rng.choice(".......?!")

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def international(self) -> str:
        extras = [f"It ran well in {self.rng.choice(PLACES)} too {self.rng.choice(EMOJI)}.",
                  f"The translated notes call it 「{self.rng.choice(CJK)}」 {self.rng.choice(EMOJI)}.",
                  f"Readers wrote back in {self.rng.choice(CJK)} and {self.rng.choice(CJK)}, thank you!"]
        parts = [self.sentence() for _ in range(self.rng.randint(2, 4))]
        for extra in self.rng.sample(extras, self.rng.randint(1, 3)):
            parts.insert(self.rng.randrange(len(parts) + 1), extra)
            self.count += len(extra.split())
        return " ".join(parts)

    def heading(self, level: int) -> str:
        return "#" * level + " " + headline(self.words(2, 6))

    def listing(self) -> str:
        ordered = self.rng.random() < 0.4
        lines = []
        for n in range(1, self.rng.randint(3, 7) + 1):
            text = " ".join(self.words(3, 12))
            if self.rng.random() < 0.2:
                text = f"**{self.rng.choice(VOCABULARY)}**: {text}"
            lines.append(f"{n}. {text}" if ordered else f"- {text}")
        return "\n".join(lines)

    def quote(self) -> str:
        return "\n".join("> " + self.sentence() for _ in range(self.rng.randint(1, 3)))

    def image(self) -> str:
        width, height = self.rng.choice([(800, 400), (1200, 630), (640, 480)])
        alt = " ".join(self.words(2, 5)).capitalize()
        return f"![{alt}](https://images.example.com/{width}x{height}/photo-{self.rng.randint(1, 5000)}.jpg)"

    def table(self) -> str:
        columns = self.rng.randint(3, 5)
        rows = [[headline([self.rng.choice(VOCABULARY)]) for _ in range(columns)],
                [self.rng.choice(["---", ":---", ":---:", "---:"]) for _ in range(columns)]]
        for _ in range(self.rng.randint(3, 9)):
            rows.append([self.cell() for _ in range(columns)])
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)

    def cell(self) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return str(self.rng.randint(0, 9999))
        if roll < 0.55:
            return f"{self.rng.uniform(0, 100):.1f}%"
        if roll < 0.65:
            return f"`{self.rng.choice(NAMES)}`"
        return " ".join(self.words(1, 3))

    def python(self) -> str:
        name, field = self.rng.choice(NAMES), self.rng.choice(FIELDS)
        return (f"def {self.rng.choice(VERBS)}_{name}({name}, limit={self.rng.randint(1, 99)}):\n"
                f"    # {' '.join(self.words(3, 8))}\n"
                f"    kept = [x for x in {name} if x.{field} > limit]\n"
                f"    return sorted(kept, key=lambda x: x.{field})\n")

    def javascript(self) -> str:
        name = self.rng.choice(NAMES)
        values = ", ".join(str(self.rng.randint(0, 99)) for _ in range(self.rng.randint(3, 7)))
        return (f"const {name} = [{values}];\n"
                f"const total = {name}.filter((x) => x > {self.rng.randint(0, 50)})"
                f".reduce((a, b) => a + b, 0);\n"
                f"console.log(`total: ${{total}}`);\n")

    def shell(self) -> str:
        lines = ["set -euo pipefail"]
        for _ in range(self.rng.randint(2, 6)):
            command = self.rng.choice(["git", "docker", "make", "curl", "grep", "tar"])
            lines.append(f"{command} --{self.rng.choice(VOCABULARY)} {self.rng.choice(NAMES)}/"
                         f"{self.rng.choice(VOCABULARY)}.txt")
        return "\n".join(lines) + "\n"

    def code(self) -> str:
        language, make = self.rng.choice([("python", self.python), ("js", self.javascript),
                                          ("bash", self.shell)])
        return f"```{language}\n{''.join(make() for _ in range(self.rng.randint(1, 3)))}```"

    def body(self, target: int, table: bool, international: bool) -> list[str]:
        blocks = [self.paragraph()]
        kinds: list[tuple[float, Callable[[], str]]] = [
            (0.50, self.paragraph), (0.58, lambda: self.heading(3) + "\n\n" + self.paragraph()),
            (0.70, self.listing), (0.77, self.quote), (0.90, self.code), (0.95, self.image),
            (1.00, self.paragraph)]
        while self.count < target:
            blocks.append(self.heading(2))
            for _ in range(self.rng.randint(2, 6)):
                roll = self.rng.random()
                blocks.append(next(make for bound, make in kinds if roll < bound)())
                if table and self.rng.random() < 0.3:
                    blocks.append(self.table())
                    table = False
                if international and self.rng.random() < 0.3:
                    blocks.append(self.international())
                    international = False
                if self.count >= target:
                    break
        blocks += [self.table()] if table else []
        blocks += [self.international()] if international else []
        return blocks

    def text(self) -> str:
        target = int(min(9000, max(120, math.exp(self.rng.gauss(math.log(540), 0.85)))))
        table, international = self.rng.random() < 0.30, self.rng.random() < 0.12
        title = headline([self.rng.choice(VOCABULARY) for _ in range(self.rng.randint(3, 8))])
        if international and self.rng.random() < 0.5:
            title += " " + self.rng.choice(PLACES + EMOJI)
        description = " ".join(self.rng.choice(VOCABULARY) for _ in range(self.rng.randint(8, 20))).capitalize()
        date = f"{self.rng.randint(2015, 2025)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        tags = ", ".join(f'"{t}"' for t in self.rng.sample(TAGS, self.rng.randint(1, 4)))
        draft = "true" if self.rng.random() < 0.02 else "false"
        front = [f'title: "{title}"', f'description: "{description}."', f"date: {date}",
                 f"tags: [{tags}]", f"draft: {draft}"]
        return "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(self.body(target, table, international)) + "\n"


def generate(out: Path, n: int) -> list[Path]:
    """Write posts 1..n into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(n)))
    written = []
    for index in range(1, n + 1):
        path = out / f"post-{index:0{width}d}.md"
        path.write_text(Post(index).text(), encoding="utf-8", newline="\n")
        written.append(path)
    return written
