"""The decision every gate makes: rules, canonical paths, the manifest (pure, no servers)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from atoll.gate import paths
from atoll.gate.manifest import Entry, Manifest, ManifestError, ManifestFile, ManifestUnavailable, Rule, parse
from atoll.gate.rules import Access, PatternError, Reader, Verdict, check_pattern, decide, matches

ANY = Access()
STAFF = Access((("staff",),))


def test_signed_out_readers_must_sign_in() -> None:
    assert decide(ANY, None) is Verdict.SIGN_IN
    assert decide(STAFF, None) is Verdict.SIGN_IN


def test_any_signed_in_reader_may_read_a_required_page() -> None:
    assert decide(ANY, Reader("ann")) is Verdict.ALLOW


def test_groups_decide_between_allow_and_forbidden() -> None:
    editors_or_staff = Access((("editors", "staff"),))
    assert decide(editors_or_staff, Reader("ann", ("staff",))) is Verdict.ALLOW
    assert decide(editors_or_staff, Reader("bob", ("readers",))) is Verdict.FORBIDDEN
    assert decide(editors_or_staff, Reader("cy")) is Verdict.FORBIDDEN


def test_unprotected_urls_are_public() -> None:
    assert decide(None, None) is Verdict.PUBLIC


def test_a_page_can_tighten_a_rule_never_loosen_it() -> None:
    rule = Access().tightened(["staff"])
    page = rule.tightened(["editors"])
    assert decide(page, Reader("ann", ("staff",))) is Verdict.FORBIDDEN
    assert decide(page, Reader("bob", ("staff", "editors"))) is Verdict.ALLOW
    assert rule.tightened([]) == rule  # auth: required under a group rule keeps the group
    assert page.unmet(["staff"]) == ("editors",)


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("/members/**", "/members/", True),
    ("/members/**", "/members", True),
    ("/members/**", "/members/a/b/", True),
    ("/members/**", "/MEMBERS/a/", True),  # a case-insensitive file system must not serve around a rule
    ("/members/**", "/membership/", False),
    ("/members/*/", "/members/a/", True),
    ("/members/*/", "/members/a/b/", False),
    ("/secret.html", "/secret.html", True),
    ("/secret.html", "/secretXhtml", False),
])
def test_patterns(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


@pytest.mark.parametrize("pattern", ["members/**", "/a/../b/", "/a b/", "/***"])
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        check_pattern(pattern)


@pytest.mark.parametrize(("target", "expected"), [
    ("/members/notes/?x=1", "/members/notes/"),
    ("/members/%6Eotes/", "/members/notes/"),
    ("/public/../members/notes/", "/members/notes/"),
    ("/public/%2e%2e/members/notes/", "/members/notes/"),
    ("/public%2F..%2Fmembers/notes/", "/members/notes/"),
    ("//members///notes/", "/members/notes/"),
    ("/members\\notes\\", "/members/notes/"),
    ("/members/%5cnotes/", "/members/notes/"),
    ("/members/./notes/.", "/members/notes/"),
    ("http://example.com/members/notes/", "/members/notes/"),
    ("/members/%252e%252e/", "/members/%2e%2e/"),  # decoded once, as a file server does
])
def test_every_spelling_becomes_one_canonical_path(target: str, expected: str) -> None:
    assert paths.from_target(target) == expected


@pytest.mark.parametrize("target", ["/../etc/passwd", "/a/%00b", "/a/%0d%0aX: y", "/%ff/"])
def test_unsafe_paths_are_refused(target: str) -> None:
    with pytest.raises(paths.BadPath):
        paths.from_target(target)


def test_path_info_is_read_as_the_server_decoded_it() -> None:
    assert paths.from_path_info("/caf\xc3\xa9/../members/") == "/members/"
    with pytest.raises(paths.BadPath):
        paths.from_path_info("/\xff/")


MANIFEST = Manifest(
    urls={"/members/notes/": Entry("members/notes/index.html", ANY, prompt=".atoll/prompt/members/notes/index.html"),
          "/staff/plan/": Entry("staff/plan/index.html", STAFF, forbidden=".atoll/forbidden/staff/plan/index.html")},
    rules=(Rule("/staff/**", STAFF),))


def test_manifest_round_trips() -> None:
    assert parse(MANIFEST.to_json()) == MANIFEST


def test_manifest_matches_every_spelling_of_a_page() -> None:
    for spelling in ("/members/notes/", "/members/notes", "/members/notes/index.html", "/Members/Notes/"):
        match = MANIFEST.match(spelling)
        assert match.access == ANY and match.url == "/members/notes/", spelling


def test_rules_protect_urls_with_no_page_and_combine_with_pages() -> None:
    assert MANIFEST.match("/staff/other.pdf").access == STAFF
    assert MANIFEST.match("/staff/other.pdf").entry is None
    assert MANIFEST.match("/about/").access is None
    tightened = Manifest(urls={"/staff/x/": Entry("x", Access((("editors",),)))}, rules=(Rule("/staff/**", STAFF),))
    assert decide(tightened.match("/staff/x/").access, Reader("e", ("editors",))) is Verdict.FORBIDDEN


@pytest.mark.parametrize(("text", "message"), [
    (b"{", "not valid JSON"),
    (b'{"format": "other"}', "not an Atoll manifest"),
    (b'{"format": "atoll-protected", "version": 9}', "version 9"),
    (b'{"format": "atoll-protected", "version": 1, "rules": [], "urls": {"/a/": {"file": "../x", "requires": []}}}',
     "relative path inside"),
    (b'{"format": "atoll-protected", "version": 1, "rules": [], "urls": {"/a/": {"file": "a", "requires": "x"}}}',
     "'requires' must be"),
])
def test_broken_manifests_are_refused(text: bytes, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        parse(text)


def test_a_missing_or_broken_manifest_fails_closed_and_says_so(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    source = ManifestFile(tmp_path)
    with caplog.at_level(logging.ERROR, "atoll.gate"), pytest.raises(ManifestUnavailable):
        source.load()
    assert "protected pages refused" in caplog.text and "manifest.json" in caplog.text
    (tmp_path / ".atoll").mkdir()
    (tmp_path / ".atoll" / "manifest.json").write_bytes(MANIFEST.to_json())
    assert source.load() == MANIFEST
    (tmp_path / ".atoll" / "manifest.json").write_text("{ broken")
    with pytest.raises(ManifestUnavailable):
        source.load()
