"""Which issuers and keys the companion trusts: kid-less single keys, weak keys, trailing slashes."""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from atoll.companion.trust import IssuerMismatch, check_issuer, key_problem, parse_key_set
from companion_helpers import SUB, FakeProvider, ProviderKey, companion, post_session, rsa_key


@lru_cache(maxsize=1)
def weak_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def standard(provider: FakeProvider, **changes: Any) -> Any:
    """A non-Cognito site: opaque access tokens confirmed at userinfo."""
    return companion(provider, cognito=False, **changes)


def sign_in(provider: FakeProvider, app: Any, *, key: ProviderKey | None = None) -> Any:
    with warnings.catch_warnings():  # PyJWT only warns about weak keys; the companion must refuse them
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        claims = jwt.decode(provider.id_token(), options={"verify_signature": False})
        del claims["token_use"]
        id_token = provider.sign(claims, key=key)
    provider.opaque["opaque-access"] = {"sub": SUB}
    return post_session(app, id_token, "opaque-access")


# ------------------------------------------------------------------ kid (OpenID Connect Core 10.1)


def test_a_kid_less_token_is_accepted_when_the_provider_publishes_one_kid_less_key(provider: FakeProvider) -> None:
    provider.keys = [ProviderKey(None, rsa_key(0))]
    result = sign_in(provider, standard(provider))
    assert result.status == 200, result.body
    assert result.json()["sub"] == SUB


def test_a_kid_less_token_is_accepted_when_the_only_key_has_a_kid(provider: FakeProvider) -> None:
    result = sign_in(provider, standard(provider), key=ProviderKey(None, rsa_key(0)))
    assert result.status == 200, result.body


def test_a_kid_less_token_is_refused_when_the_set_holds_several_keys(provider: FakeProvider) -> None:
    provider.keys = [ProviderKey(None, rsa_key(0)), ProviderKey("key-1", rsa_key(1))]
    result = sign_in(provider, standard(provider))
    assert result.status == 401
    assert "exactly one usable key" in result.json()["message"]


def test_cognito_keeps_requiring_a_kid_even_with_one_key(provider: FakeProvider) -> None:
    provider.keys = [ProviderKey(None, rsa_key(0))]
    claims = jwt.decode(provider.id_token(), options={"verify_signature": False})
    result = post_session(companion(provider), provider.sign(claims), provider.access_token())
    assert result.status == 401
    assert "has no 'kid' header (Cognito" in result.json()["message"]


# ------------------------------------------------------------------ key strength


def test_a_1024_bit_key_is_refused_and_the_log_says_why(provider: FakeProvider,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    provider.keys = [ProviderKey("weak", weak_key())]
    with caplog.at_level(logging.WARNING, "atoll.companion"):
        result = sign_in(provider, standard(provider))
    assert result.status == 401
    assert result.json()["message"] == ("ID token is signed with key 'weak', which Atoll refuses: "
                                        "it is a 1024-bit RSA key; at least 2048 bits are required")
    assert "key 'weak' refused: it is a 1024-bit RSA key" in caplog.text


def test_key_problem_names_each_reason() -> None:
    good = ProviderKey("k", rsa_key(0)).jwk()
    assert key_problem(good) is None
    assert key_problem({**good, "use": "enc"}) == "is for use 'enc', not 'sig'"
    assert key_problem({**good, "alg": "RS512"}) == "is for algorithm 'RS512', not 'RS256'"
    assert key_problem({"kty": "EC"}) == "has key type 'EC', not 'RSA'"
    assert "cannot be read" in (key_problem({"kty": "RSA", "n": "AQAB"}) or "")
    assert key_problem(ProviderKey("w", weak_key()).jwk()) == (
        "is a 1024-bit RSA key; at least 2048 bits are required")


def test_parse_key_set_reports_every_refused_key() -> None:
    doc = {"keys": [ProviderKey("a", rsa_key(0)).jwk(), ProviderKey(None, rsa_key(1)).jwk(),
                    ProviderKey("a", rsa_key(2)).jwk(), {**ProviderKey("e", rsa_key(3)).jwk(), "use": "enc"}]}
    keys = parse_key_set(doc, require_kid=False)
    assert set(keys.by_kid) == {"a"} and keys.only is None
    assert keys.refused == {
        "key #2 (no kid)": "has no 'kid', and the set holds several keys, so no token can name it",
        "key 'a'": "repeats the kid of an earlier key",
        "key 'e'": "is for use 'enc', not 'sig'",
    }
    with pytest.raises(ValueError):
        parse_key_set({"keys": "nope"}, require_kid=False)


# ------------------------------------------------------------------ issuer


@pytest.mark.parametrize(("authority", "issuer"), [
    ("https://idp.example/", "https://idp.example"),
    ("https://idp.example", "https://idp.example/"),
    ("https://idp.example/realms/x", "https://idp.example/realms/x"),
])
def test_issuer_and_authority_may_differ_by_a_trailing_slash_only(authority: str, issuer: str) -> None:
    assert check_issuer(authority, issuer) == issuer


@pytest.mark.parametrize("issuer", ["https://idp.example/other", "http://idp.example", None, ""])
def test_another_issuer_is_a_mismatch_naming_both(issuer: object) -> None:
    with pytest.raises(IssuerMismatch) as caught:
        check_issuer("https://idp.example", issuer)
    assert "'https://idp.example'" in str(caught.value) and repr(issuer) in str(caught.value)


@pytest.mark.parametrize("slash", ["authority", "issuer"])
def test_sign_in_works_when_only_one_side_has_the_trailing_slash(provider: FakeProvider, slash: str) -> None:
    if slash == "issuer":
        provider.discovery_issuer = provider.issuer + "/"
        app = standard(provider)
    else:
        app = standard(provider, issuer=provider.issuer + "/")
    claims = jwt.decode(provider.id_token(), options={"verify_signature": False})
    claims["iss"] = provider.discovery_issuer or provider.issuer
    del claims["token_use"]
    provider.opaque["opaque-access"] = {"sub": SUB}
    result = post_session(app, provider.sign(claims), "opaque-access")
    assert result.status == 200, result.body


def test_a_wrong_authority_is_a_502_that_names_both_strings_not_an_outage(provider: FakeProvider) -> None:
    provider.discovery_issuer = provider.issuer + "/pool-b"
    result = post_session(companion(provider), provider.id_token(), provider.access_token())
    assert result.status == 502
    body = result.json()
    assert body["error"] == "provider_mismatch"
    assert repr(provider.issuer) in body["message"] and repr(provider.issuer + "/pool-b") in body["message"]
    assert "cannot be reached" not in body["message"]
