from __future__ import annotations

from atoll.build.content import parse_page
from atoll.build.markup import LinkTable, MarkupRenderer

URLS = {"guide/setup.md": "/guide/setup/", "index.md": "/", "blog/hello.md": "/blog/hello/"}


def render(body: str, rel: str = "guide/start.md", base: str = "/"):
    page = parse_page(f"content/{rel}", rel, f"---\ntitle: T\n---\n{body}")
    return MarkupRenderer().render(page, LinkTable(URLS, base))


def test_relative_md_links_become_page_urls() -> None:
    out = render("See [setup](setup.md#step-2) and [home](../index.md).")
    assert '<a href="/guide/setup/#step-2">setup</a>' in out.html
    assert '<a href="/">home</a>' in out.html
    assert out.links == ("guide/setup.md", "index.md") and not out.errors


def test_links_follow_the_base_path() -> None:
    out = render("[setup](setup.md)", base="/docs/")
    assert '<a href="/docs/guide/setup/">' in out.html


def test_missing_page_is_an_error_on_its_line() -> None:
    out = render("Line one.\n\nThen [gone](../gone.md) here.\n")
    [error] = out.errors
    assert str(error).startswith("content/guide/start.md:6: broken link: '../gone.md'")


def test_external_and_non_markdown_links_are_left_alone() -> None:
    out = render("[a](https://x.example/a.md) [b](/feed.xml) [c](#top) [d](mailto:a@b.c)")
    assert 'href="https://x.example/a.md"' in out.html and 'href="/feed.xml"' in out.html
    assert not out.errors


def test_heading_ids_are_stable_and_unique() -> None:
    out = render("## Install\n\n## Install\n\n### Use it & enjoy\n")
    assert 'id="install"' in out.html and 'id="install_1"' in out.html and 'id="use-it-enjoy"' in out.html
    assert [t["id"] for t in out.toc] == ["install", "install_1"]
    assert out.toc[1]["children"][0]["id"] == "use-it-enjoy"


def test_ids_restart_on_each_page() -> None:
    renderer, table = MarkupRenderer(), LinkTable(URLS)
    page = parse_page("content/a.md", "a.md", "---\ntitle: T\n---\n## Same\n")
    assert 'id="same"' in renderer.render(page, table).html
    assert 'id="same"' in renderer.render(page, table).html


def test_extensions() -> None:
    body = (
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "Term\n: Definition\n\n"
        "Note[^1]\n\n[^1]: The note.\n\n"
        "Paragraph\n{: .lead }\n\n"
        "```python\ndef f():\n    return 1\n```\n"
    )
    html = render(body).html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<dt>Term</dt>" in html and "<dd>Definition</dd>" in html
    assert 'class="footnote-ref"' in html
    assert '<p class="lead">Paragraph</p>' in html
    assert '<div class="highlight"><pre><span></span><code><span class="k">def</span>' in html


def test_code_is_escaped_with_or_without_a_known_language() -> None:
    html = render("```\n<script>alert(1)</script>\n```\n\n```nosuchlang\n<b>\n```\n").html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<code class="language-nosuchlang">&lt;b&gt;' in html


def test_authoring_extensions_from_pymdown() -> None:
    body = (
        '!!! warning "Mind the gap"\n    Careful **now**.\n\n'
        "??? tip\n    Hidden until opened.\n\n"
        "- [x] done\n- [ ] to do\n\n"
        '=== "One"\n    First tab\n\n=== "Two"\n    Second tab\n\n'
        "Press ++ctrl+c++, (c) and --> arrows.\n"
    )
    html = render(body).html
    assert '<div class="admonition warning">' in html and '<p class="admonition-title">Mind the gap</p>' in html
    assert '<details class="tip">' in html
    assert html.count('type="checkbox" disabled') == 2 and "checked" in html
    assert 'class="tabbed-set' in html and "<label" in html and "Second tab" in html
    assert '<kbd class="key-control">Ctrl</kbd>' in html
    assert "&copy;" in html and "&rarr;" in html


def test_extensions_are_configurable() -> None:
    page = parse_page("content/a.md", "a.md", "---\ntitle: T\n---\n!!! note\n    x\n\n- [ ] y\n")
    html = MarkupRenderer((("admonition", {}),)).render(page, LinkTable(URLS)).html
    assert 'class="admonition note"' in html and "[ ] y" in html  # task lists are off


def test_code_block_options_line_numbers_highlights_title() -> None:
    body = '```python title="app.py" linenums="10" hl_lines="2"\na = 1\nb = 2\n```\n'
    out = render(body)
    assert not out.errors
    assert '<div class="code" data-lang="python"><div class="code-head"><span class="code-title">app.py</span>' \
           '<span class="code-lang">python</span></div>' in out.html
    assert '<span class="linenos">10</span>' in out.html and '<span class="linenos">11</span>' in out.html
    assert '<span class="hll"><span class="linenos">11</span><span class="n">b</span>' in out.html


def test_fences_inside_list_items_and_tabs_are_highlighted() -> None:
    html = render('1. Step\n\n    ```bash\n    ls -la\n    ```\n\n=== "Py"\n\n    ```python\n    x = 1\n    ```\n').html
    assert '<div class="code" data-lang="bash">' in html and "```" not in html
    assert '<span class="n">x</span>' in html


def test_bad_code_options_and_admonition_types_are_errors_on_their_lines() -> None:
    out = render('Text.\n\n```python hl_lines="two"\nx\n```\n\n!!! nosuch "Hm"\n    body\n')
    assert [str(e).split("\n")[0] for e in out.errors] == [
        "content/guide/start.md:6: code block: 'hl_lines' must be line numbers like \"2 4-6\", got 'two'",
        "content/guide/start.md:10: unknown admonition type 'nosuch'",
    ]
