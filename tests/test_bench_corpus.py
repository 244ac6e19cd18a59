"""The benchmarks' own corpus generator: deterministic posts that `atoll build` builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from atoll.build.content import parse_page
from atoll.cli import main

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import corpusgen  # noqa: E402 - bench/ is not a package; its scripts import each other by name


def test_the_own_generator_writes_n_pages_that_atoll_builds(tmp_path: Path) -> None:
    n = 12
    site = tmp_path / "site"
    written = corpusgen.generate(site / "content" / "blog", n)
    (site / "site.yaml").write_text("title: Bench\nbase_url: https://bench.example/\n")
    assert [p.name for p in written] == [f"post-{i:05d}.md" for i in range(1, n + 1)]
    pages = [parse_page(f"content/blog/{p.name}", f"blog/{p.name}", p.read_text()) for p in written]
    assert all(p.title and p.date and p.tags for p in pages)
    assert main(["build", "--site", str(site), "--no-cache"]) == 0
    for page in pages:
        built = site / "dist" / page.output
        assert built.is_file() != page.draft, page.source
    html = "".join((site / "dist" / p.output).read_text() for p in pages if not p.draft)
    # the kinds of markdown the corpus is for were rendered, not left as text
    for element in ("<h2", "<strong>", "<code>", "<pre", "<li>", "<blockquote>", '<a href="https://'):
        assert element in html, element


def test_the_corpus_is_deterministic_and_a_prefix_of_a_larger_one(tmp_path: Path) -> None:
    corpusgen.generate(tmp_path / "a", 5)
    corpusgen.generate(tmp_path / "b", 9)
    for i in range(1, 6):
        name = f"post-{i:05d}.md"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    texts = {(tmp_path / "b" / f"post-{i:05d}.md").read_text() for i in range(1, 10)}
    assert len(texts) == 9
    words = [len(t.split()) for t in texts]
    assert max(words) > 2 * min(words)  # lengths vary, as a blog's do


@pytest.mark.parametrize("shared_present", [False, True])
def test_corpus_py_falls_back_to_the_own_generator(tmp_path: Path, shared_present: bool) -> None:
    shared = tmp_path / "shared-bench"
    shared.mkdir()
    if shared_present:  # a stand-in for the shared generator, so the choice is visible
        (shared / "make_corpus.py").write_text(
            "import pathlib, sys\nout = pathlib.Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)\n"
            "for i in range(1, int(sys.argv[2]) + 1):\n"
            "    (out / f'post-{i:05d}.md').write_text('---\\ntitle: Shared\\n---\\n\\nshared\\n')\n")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, str(REPO / "bench" / "corpus.py"), str(out), "3"], capture_output=True,
                         text=True, check=True, env={"ATOLL_BENCH_SHARED": str(shared), "PATH": "/usr/bin:/bin"})
    assert sorted(p.name for p in out.iterdir()) == [f"post-{i:05d}.md" for i in (1, 2, 3)]
    from_shared = "title: Shared" in (out / "post-00001.md").read_text()
    assert from_shared == shared_present
    assert ("shared generator" if shared_present else "own generator") in run.stdout
