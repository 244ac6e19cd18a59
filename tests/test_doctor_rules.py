"""The doctor's pure pieces: CSP matching, redirect verdicts, which keys count, the site's URLs."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from atoll.authurls import site_urls
from atoll.config import SiteConfig, parse_config
from atoll.doctor.companion import session_store
from atoll.doctor.deployed import allows, parse_csp
from atoll.doctor.probe import Answer
from atoll.doctor.provider import is_signing_candidate
from atoll.doctor.redirects import verdict
from redis_helpers import RedisServer

PAGE = "https://www.example.com"


@pytest.mark.parametrize("csp, url, allowed", [
    ("script-src 'self'", f"{PAGE}/_atoll/islands.1.js", True),
    ("script-src 'self'", "https://cdn.example.net/x.js", False),
    ("default-src 'self'", f"{PAGE}/_atoll/islands.1.js", True),
    ("default-src 'none'; script-src https:", f"{PAGE}/a.js", True),
    ("script-src 'nonce-abc'", f"{PAGE}/a.js", False),
    ("script-src *.example.com", f"{PAGE}/a.js", True),
    ("script-src *.example.com", "https://example.com/a.js", False),
    ("script-src www.example.com:8443", f"{PAGE}/a.js", False),
    ("script-src https://www.example.com/_atoll/", f"{PAGE}/_atoll/a.js", True),
    ("script-src 'self', script-src 'none'", f"{PAGE}/a.js", False),  # two policies: both apply
    ("img-src *", f"{PAGE}/a.js", True),  # nothing restricts scripts
])
def test_csp_script_sources(csp: str, url: str, allowed: bool) -> None:
    assert allows(parse_csp(csp), "script-src-elem", url, PAGE) is allowed


def test_csp_connect_src_falls_back_to_default_src() -> None:
    policies = parse_csp("default-src 'self'; script-src 'self'")
    assert not allows(policies, "connect-src", "https://cognito-idp.eu-west-1.amazonaws.com/x", PAGE)
    policies = parse_csp("default-src 'self'; connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com")
    assert allows(policies, "connect-src", "https://cognito-idp.eu-west-1.amazonaws.com/p/.well-known/x", PAGE)


CALLBACK = "https://www.example.com/callback/"


@pytest.mark.parametrize("status, location, accepted, error", [
    (200, None, True, None),  # the login page
    (302, "https://login.example.com/interaction/abc", True, None),
    (302, f"{CALLBACK}?error=invalid_scope&state=s", True, "invalid_scope"),
    (302, "https://x.auth.eu-west-1.amazoncognito.com/error?error=redirect_mismatch&client_id=c", False,
     "redirect_mismatch"),
    (400, None, False, "HTTP 400"),
])
def test_redirect_verdicts(status: int, location: str | None, accepted: bool, error: str | None) -> None:
    headers = {"location": location} if location else {}
    v = verdict(Answer(status, headers, b""), CALLBACK)
    assert (v.accepted, v.error) == (accepted, error)


def test_an_error_page_names_its_oauth_error() -> None:
    page = b"<h1>oops</h1><p>invalid_redirect_uri: redirect_uri did not match</p>"
    assert verdict(Answer(400, {}, page), CALLBACK).error == "invalid_redirect_uri"
    assert verdict(Answer(400, {}, b'{"error": "invalid_client"}'), CALLBACK).error == "invalid_client"


def rsa_jwk(bits: int, **extra: str) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    return {**RSAAlgorithm.to_jwk(key, as_dict=True), **extra}


def test_only_rsa_signing_keys_are_judged() -> None:
    """EC and encryption keys are not used for RS256, so a refusal of them is no finding."""
    assert is_signing_candidate(rsa_jwk(2048, kid="k1", use="sig")) and is_signing_candidate(rsa_jwk(1024))
    ec_key = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), as_dict=True)
    assert not is_signing_candidate(ec_key) and not is_signing_candidate(rsa_jwk(2048, use="enc"))


def test_site_urls_carry_the_base_path_and_the_trailing_slash(tmp_path: Path) -> None:
    config = parse_config("title: T\nbase_url: https://www.example.com/docs\nauth:\n  client_id: c\n"
                          "  post_logout_path: /bye/\n", tmp_path)
    prod, dev = site_urls(config, ("http://localhost:4321/",))
    assert (prod.callback, prod.sign_out) == ("https://www.example.com/docs/callback/", "https://www.example.com/docs/bye/")
    assert (dev.origin, dev.callback, dev.sign_out, dev.dev) == (
        "http://localhost:4321", "http://localhost:4321/callback/", "http://localhost:4321/bye/", True)
    with pytest.raises(ValueError, match="an origin looks like"):
        site_urls(config, ("http://localhost:4321/path",))


def _site_with_sessions(tmp_path: Path, sessions: str | None) -> SiteConfig:
    text = "title: T\nauth:\n  client_id: c\n"
    if sessions is not None:
        text += f"companion:\n  sessions: {sessions}\n"
    return parse_config(text, tmp_path)


def test_the_default_session_store_answers(tmp_path: Path) -> None:
    finding = session_store(_site_with_sessions(tmp_path, None))
    assert finding.status == "ok", finding
    assert ".atoll/sessions.sqlite3" in finding.message


def test_a_redis_store_with_nothing_listening_fails_and_hides_its_password(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    finding = session_store(_site_with_sessions(tmp_path, f"redis://:hunter2@127.0.0.1:{port}/0"))
    assert finding.status == "fail", finding
    assert "cannot be reached" in finding.message and f"redis://:***@127.0.0.1:{port}/0" in finding.message
    assert "hunter2" not in finding.message + (finding.fix or "")


def test_a_running_redis_store_answers(tmp_path: Path, redis_server: RedisServer) -> None:
    finding = session_store(_site_with_sessions(tmp_path, redis_server.url))
    assert finding.status == "ok", finding
