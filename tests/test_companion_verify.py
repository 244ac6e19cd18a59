"""POST /auth/session: one test per token check (aws-jwt-verify's list and the issue's)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from companion_helpers import CLIENT_ID, DROP, SUB, FakeProvider, ProviderKey, companion, post_session, rsa_key

NOW = int(time.time())


def rejected(provider: FakeProvider, id_token: str, access_token: str, fragment: str, **changes: object) -> None:
    result = post_session(companion(provider, **changes), id_token, access_token)
    assert result.status == 401, result.body
    assert result.json()["error"] == "invalid_token"
    assert fragment in result.json()["message"]
    assert result.header("Set-Cookie") is None


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_cognito_tokens_start_a_session(provider: FakeProvider) -> None:
    result = post_session(companion(provider), provider.id_token(), provider.access_token())
    assert result.status == 200
    assert result.json() == {"sub": SUB, "username": "alice", "email": "alice@example.com", "name": "Alice",
                             "groups": ["admins"], "expires_at": result.json()["expires_at"]}


def test_alg_none_is_rejected(provider: FakeProvider) -> None:
    claims = jwt.decode(provider.id_token(), options={"verify_signature": False})
    unsigned = f"{b64({'alg': 'none', 'kid': 'key-0'})}.{b64(claims)}."
    rejected(provider, unsigned, provider.access_token(), "algorithm 'none' is not allowed")


def test_hs256_signed_with_the_public_key_is_rejected(provider: FakeProvider) -> None:
    public_pem = provider.keys[0].jwk()["n"].encode()
    claims = jwt.decode(provider.id_token(), options={"verify_signature": False})
    signing_input = f"{b64({'alg': 'HS256', 'kid': 'key-0', 'typ': 'JWT'})}.{b64(claims)}"
    import hashlib
    import hmac
    signature = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    forged = f"{signing_input}.{signature.rstrip(b'=').decode()}"
    rejected(provider, forged, provider.access_token(), "algorithm 'HS256' is not allowed")


def test_other_algorithms_are_rejected(provider: FakeProvider) -> None:
    token = provider.sign({"sub": SUB}, algorithm="PS256")
    rejected(provider, token, provider.access_token(), "algorithm 'PS256' is not allowed")


def test_kid_is_required(provider: FakeProvider) -> None:
    claims = jwt.decode(provider.id_token(), options={"verify_signature": False})
    token = jwt.encode(claims, provider.keys[0].private, algorithm="RS256")
    rejected(provider, token, provider.access_token(), "no 'kid'")


def test_kid_must_be_in_the_jwks(provider: FakeProvider) -> None:
    stranger = ProviderKey("not-published", rsa_key(1))
    token = provider.sign(jwt.decode(provider.id_token(), options={"verify_signature": False}), key=stranger)
    rejected(provider, token, provider.access_token(), "key the provider does not publish")


def test_signature_by_another_key_with_a_known_kid_is_rejected(provider: FakeProvider) -> None:
    impostor = ProviderKey("key-0", rsa_key(1))
    token = provider.sign(jwt.decode(provider.id_token(), options={"verify_signature": False}), key=impostor)
    rejected(provider, token, provider.access_token(), "signature is invalid")


def test_key_whose_use_is_not_sig_is_not_used(provider: FakeProvider) -> None:
    provider.keys[0].extra = {"use": "enc"}
    rejected(provider, provider.id_token(), provider.access_token(), "which Atoll refuses: it is for use 'enc'")


def test_issuer_must_match_exactly(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(iss=provider.issuer + "/"), provider.access_token(), "was not issued by")


def test_id_token_audience_must_be_the_client_id(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(aud="someone-else"), provider.access_token(), "audience")


def test_id_token_without_audience_is_rejected(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(aud=DROP), provider.access_token(), "lacks the 'aud' claim")


def test_id_token_azp_must_be_the_client_id(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(azp="other"), provider.access_token(), "azp")


def test_cognito_access_token_client_id_must_match(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(), provider.access_token(client_id="other"), "client_id")


def test_cognito_access_token_must_not_carry_an_audience(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(), provider.access_token(aud=CLIENT_ID), "audience is not absent")


def test_standard_access_token_audience_is_checked(provider: FakeProvider) -> None:
    access = provider.access_token(aud="https://api.example.com", token_use=DROP, client_id=DROP)
    accepted = post_session(companion(provider, cognito=False, audience="https://api.example.com"),
                            provider.id_token(token_use=DROP), access)
    assert accepted.status == 200
    wrong = provider.access_token(aud="https://other.example.com", token_use=DROP, client_id=DROP)
    rejected(provider, provider.id_token(token_use=DROP), wrong, "audience", cognito=False,
             audience="https://api.example.com")


@pytest.mark.parametrize("token_use", ["access", "ID", DROP])
def test_id_token_token_use_must_be_exactly_id(provider: FakeProvider, token_use: object) -> None:
    rejected(provider, provider.id_token(token_use=token_use), provider.access_token(), "token_use")


@pytest.mark.parametrize("token_use", ["id", "Access", DROP])
def test_access_token_token_use_must_be_exactly_access(provider: FakeProvider, token_use: object) -> None:
    rejected(provider, provider.id_token(), provider.access_token(token_use=token_use), "token_use")


def test_swapped_tokens_are_rejected(provider: FakeProvider) -> None:
    rejected(provider, provider.access_token(), provider.id_token(), "ID token")


def test_exp_is_required(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(exp=DROP), provider.access_token(), "lacks the 'exp' claim")
    rejected(provider, provider.id_token(), provider.access_token(exp=DROP), "lacks the 'exp' claim")


def test_expired_token_is_rejected(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(exp=NOW - 120), provider.access_token(), "expired")


def test_nbf_in_the_future_beyond_leeway_is_rejected(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(), provider.access_token(nbf=int(time.time()) + 90), "not valid yet")


def test_iat_in_the_future_beyond_leeway_is_rejected(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(iat=int(time.time()) + 90), provider.access_token(), "not valid yet")


def test_small_clock_skew_is_tolerated(provider: FakeProvider) -> None:
    now = int(time.time())
    result = post_session(companion(provider), provider.id_token(iat=now + 10, nbf=now + 10),
                          provider.access_token(exp=now - 10))
    assert result.status == 200


def test_leeway_above_sixty_seconds_is_refused(provider: FakeProvider) -> None:
    with pytest.raises(ValueError, match="leeway"):
        companion(provider, leeway=61)


def test_both_tokens_must_name_the_same_subject(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(), provider.access_token(sub="someone-else"), "different subjects")


@pytest.mark.parametrize("token, fragment", [
    ("not-a-jwt", "not a JWT"),
    ("a.b", "not a JWT"),
    ("a.b.c.d", "not a JWT"),
    ("!!!.e30.sig", "not a JWT"),
    ("bm90LWpzb24.e30.sig", "malformed header"),
    ("x" * 9000, "larger than"),
])
def test_malformed_id_tokens_are_rejected(provider: FakeProvider, token: str, fragment: str) -> None:
    rejected(provider, token, provider.access_token(), fragment)


def test_signed_non_json_payload_is_rejected(provider: FakeProvider) -> None:
    token = jwt.api_jws.encode(b"not json", provider.keys[0].private, "RS256", headers={"kid": "key-0"})
    rejected(provider, token, provider.access_token(), "malformed")


def test_non_json_header_is_rejected(provider: FakeProvider) -> None:
    token = "bm90IGpzb24." + provider.id_token().split(".", 1)[1]
    rejected(provider, token, provider.access_token(), "malformed header")


def test_oversize_access_token_is_rejected(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(), "x" * 9000, "larger than")


def test_opaque_access_token_is_confirmed_at_userinfo(provider: FakeProvider) -> None:
    provider.opaque["opaque-token-1"] = {"sub": SUB, "email": "alice@example.com"}
    app = companion(provider, cognito=False)
    result = post_session(app, provider.id_token(token_use=DROP), "opaque-token-1")
    assert result.status == 200
    assert provider.hits["/userinfo"] == 1


def test_opaque_access_token_refused_by_userinfo_is_rejected(provider: FakeProvider) -> None:
    rejected(provider, provider.id_token(token_use=DROP), "unknown-opaque", "userinfo", cognito=False)


def test_opaque_access_token_for_another_subject_is_rejected(provider: FakeProvider) -> None:
    provider.opaque["opaque-token-2"] = {"sub": "someone-else"}
    rejected(provider, provider.id_token(token_use=DROP), "opaque-token-2", "different subjects", cognito=False)


def test_jwt_access_token_without_configured_audience_is_confirmed_at_userinfo(provider: FakeProvider) -> None:
    access = provider.access_token(token_use=DROP, client_id=DROP, aud="https://api.example.com")
    rejected(provider, provider.id_token(token_use=DROP), access, "userinfo", cognito=False)
    provider.opaque[access] = {"sub": SUB}
    assert post_session(companion(provider, cognito=False), provider.id_token(token_use=DROP), access).status == 200


def test_cognito_access_tokens_must_be_jwts(provider: FakeProvider) -> None:
    provider.opaque["opaque"] = {"sub": SUB}
    rejected(provider, provider.id_token(), "opaque", "not a JWT")
