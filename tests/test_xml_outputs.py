"""Every generated XML file parses, whatever legal text the site holds."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sitekit import run_atoll

ATOM = "{http://www.w3.org/2005/Atom}"
# Legal in XML 1.0 but hostile to a careless writer: markup, entities, CDATA ends,
# NEL and other C1 characters, the replacement character, emoji, right-to-left text.
HOSTILE = "<b>&amp; ]]> \" ' \u0085\u009f \ufffd \U0001f600 \u202eevil\u202c &#1; &bogus;"


def test_feed_and_sitemap_parse_with_hostile_text(make_site) -> None:
    # YAML double quotes; C1 characters only as escapes there (YAML refuses them raw).
    quoted = HOSTILE.replace("\\", "\\\\").replace('"', '\\"').replace("\u0085", "\\x85").replace("\u009f", "\\x9f")
    site = make_site({
        "site.yaml": f'title: "{quoted}"\nauthor: "{quoted}"\ndescription: "{quoted}"\n'
                     "base_url: https://example.com/a&b/\n",
        "content/index.md": "---\ntitle: Home\n---\nHi.\n",
        "content/blog/post.md": f'---\ntitle: "{quoted}"\ndescription: "{quoted}"\ndate: 2026-01-02\n'
                                f"tags: [\"{quoted}\"]\n---\n{HOSTILE}\n\n<div>{HOSTILE}</div>\n",
    })
    result = run_atoll("build", "--site", site)
    assert result.code == 0, result.err
    xml_files = sorted((site / "dist").rglob("*.xml"))
    assert {p.name for p in xml_files} >= {"feed.xml", "sitemap.xml"}
    for path in xml_files:
        ET.parse(path)  # raises on anything not well-formed
    feed = ET.parse(site / "dist/feed.xml").getroot()
    assert feed.findtext(f"{ATOM}title") == HOSTILE
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == HOSTILE
    assert HOSTILE.split(" ")[3] in (entry.findtext(f"{ATOM}content") or "")


def test_a_control_character_in_front_matter_is_a_file_line_error(make_site) -> None:
    site = make_site({"content/index.md": '---\ntitle: Home\ndescription: "tab\\tfine, bell\\a not"\n---\nHi.\n'})
    result = run_atoll("build", "--site", site)
    assert result.code == 1
    assert result.err.startswith("content/index.md:3: front matter: 'description' holds the control "
                                 "character U+0007")


def test_forbidden_characters_in_a_file_are_placed_on_their_line() -> None:
    from atoll.chars import forbidden_in_file

    for text, expected in [("a\nb\n", None), ("é\n\U0001f600\n\x85\n", None), ("a\nb\x0cc\n", (2, "U+000C")),
                           ("a\n\nx\ufffe\n", (3, "U+FFFE")), ("\uffff", (1, "U+FFFF")), ("\x00", (1, "U+0000"))]:
        assert forbidden_in_file(text.encode(), text) == expected, repr(text)
