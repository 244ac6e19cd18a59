"""Page bundles, images and root-relative URLs (build/assets.py, the markdown resolver)."""

from __future__ import annotations

from sitekit import png, run_atoll

SUB = "title: T\nbase_url: https://example.org/sub/\nsearch: false\n"


def test_files_beside_a_page_travel_with_it_and_relative_links_work(make_site) -> None:
    site = make_site({
        "site.yaml": SUB,
        "content/guide/index.md": "---\ntitle: Guide\n---\n![Diagram](diagram.png)\n",
        "content/guide/setup.md": "---\ntitle: Setup\n---\n![Same](diagram.png) [notes](notes.pdf)\n",
        "content/guide/diagram.png": png(640, 360),
        "content/guide/notes.pdf": b"%PDF-1.4",
    })
    result = run_atoll("build", "--site", site)
    assert result.code == 0, result.err
    dist = site / "dist"
    assert (dist / "guide/diagram.png").read_bytes() == png(640, 360)
    assert (dist / "guide/notes.pdf").exists()
    index = (dist / "guide/index.html").read_text()
    assert '<img alt="Diagram" decoding="async" height="360" loading="lazy" src="/sub/guide/diagram.png" ' \
           'width="640">' in index
    setup = (dist / "guide/setup/index.html").read_text()  # one folder deeper: the link still finds the file
    assert 'src="/sub/guide/diagram.png"' in setup and 'href="/sub/guide/notes.pdf"' in setup


def test_root_relative_urls_in_markdown_get_the_base_path(make_site) -> None:
    site = make_site({
        "site.yaml": SUB,
        "content/index.md": "---\ntitle: Home\n---\n![Banner](/img/banner.png) [Docs](/docs/) "
                            "[Ext](https://example.com/x.png)\n\n![Remote](https://cdn.example.com/a.png)\n",
        "public/img/banner.png": png(1200, 300),
    })
    assert run_atoll("build", "--site", site).code == 0
    html = (site / "dist/index.html").read_text()
    assert 'src="/sub/img/banner.png"' in html and 'width="1200"' in html
    assert 'href="/sub/docs/"' in html and 'href="https://example.com/x.png"' in html
    assert 'loading="lazy" src="https://cdn.example.com/a.png"' in html  # remote: lazy, no size


def test_a_missing_image_is_an_error_on_its_line(make_site) -> None:
    site = make_site({
        "content/guide/index.md": "---\ntitle: Guide\n---\nIntro.\n\n![Oops](diagram.png)\n\n[gone](old.pdf)\n",
    })
    result = run_atoll("build", "--site", site)
    assert result.code == 1
    assert "content/guide/index.md:6: missing image: 'diagram.png' is neither in content/guide/ (beside this " \
           "page) nor in public/" in result.err
    assert "content/guide/index.md:8: missing file: 'old.pdf'" in result.err
    assert not (site / "dist").exists()


def test_page_image_becomes_the_social_card_and_bad_values_are_errors(make_site) -> None:
    good = make_site({
        "site.yaml": SUB + "image: /img/site-card.png\n",
        "content/post.md": "---\ntitle: P\nimage: card.png\n---\nBody.\n",
        "content/plain.md": "---\ntitle: Plain\n---\nBody.\n",
        "content/card.png": png(1200, 630),
        "public/img/site-card.png": png(1200, 630),
    }, name="good")
    assert run_atoll("build", "--site", good).code == 0
    post = (good / "dist/post/index.html").read_text()
    assert '<meta property="og:image" content="https://example.org/sub/card.png">' in post
    assert '<meta name="twitter:card" content="summary_large_image">' in post
    assert '<link rel="canonical" href="https://example.org/sub/post/">' in post
    plain = (good / "dist/plain/index.html").read_text()
    assert '<meta property="og:image" content="https://example.org/sub/img/site-card.png">' in plain
    bad = make_site({
        "content/a.md": "---\ntitle: A\nimage: missing.png\n---\n",
        "content/b.md": "---\ntitle: B\nimage: [1, 2]\n---\n",
        "content/c.md": "---\ntitle: C\nimage: ftp://x.example/a.png\n---\n",
    }, name="bad")
    result = run_atoll("build", "--site", bad)
    assert result.code == 1
    assert "content/a.md:3: front matter: 'image' 'missing.png' is neither beside this page" in result.err
    assert "content/b.md:3: front matter: 'image' must be an image path or URL, got [1, 2]" in result.err
    assert "content/c.md:3: front matter: 'image' must be an http(s) URL or a path" in result.err


def test_a_bundle_file_and_a_public_file_at_one_path_is_an_error(make_site) -> None:
    site = make_site({
        "content/index.md": "---\ntitle: Home\n---\n",
        "content/logo.png": png(1, 1),
        "public/logo.png": png(2, 2),
    })
    result = run_atoll("build", "--site", site)
    assert result.code == 1
    assert "content/logo.png: this file and public/logo.png would both be written to logo.png" in result.err
