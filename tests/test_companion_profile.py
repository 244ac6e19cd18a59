"""The user object: the name a person would show, groups from the configured claim, userinfo merged."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from atoll.companion.profile import display_name, groups, public_user
from companion_helpers import DROP, SUB, FakeProvider, companion, post_session

CASES = json.loads((Path(__file__).parent / "cases" / "display_names.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] or "(none)" for c in CASES])
def test_display_name_matches_the_shared_cases(case: dict[str, Any]) -> None:
    assert (display_name([case["claims"]]) or "") == case["name"]


def test_a_cognito_uuid_username_is_never_the_shown_name_but_stays_the_username() -> None:
    uuid = "3be8456b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    user = public_user([{"cognito:username": uuid, "email": "ada@example.com"}], sub=uuid,
                       groups_claim="cognito:groups", expires_at=1)
    assert user["name"] == "ada@example.com" and user["username"] == uuid


def test_groups_are_the_union_of_every_source_under_the_claim() -> None:
    sources = [{"roles": ["editors"]}, {"roles": "staff"}, {"roles": ["editors", 7, "admins"], "groups": ["x"]}]
    assert groups(sources, "roles") == ["editors", "staff", "admins"]


# ------------------------------------------------------------------ through the companion

def standard_id_token(provider: FakeProvider, **changes: Any) -> str:
    return provider.id_token(token_use=DROP, **{"cognito:groups": DROP, "cognito:username": DROP, **changes})


def test_groups_released_only_at_userinfo_reach_the_session(provider: FakeProvider) -> None:
    provider.opaque["opaque"] = {"sub": SUB, "groups": ["editors", "staff"]}
    result = post_session(companion(provider, cognito=False), standard_id_token(provider), "opaque")
    assert result.status == 200, result.body
    assert result.json()["groups"] == ["editors", "staff"]


@pytest.mark.parametrize("claim", ["groups", "roles", "cognito:groups"])
def test_the_groups_claim_name_is_configurable(provider: FakeProvider, claim: str) -> None:
    provider.opaque["opaque"] = {"sub": SUB, claim: ["editors"], "other": ["no"]}
    result = post_session(companion(provider, cognito=False, groups_claim=claim), standard_id_token(provider),
                          "opaque")
    assert result.json()["groups"] == ["editors"]


def test_profile_claims_kept_at_userinfo_are_fetched_even_with_a_jwt_access_token(provider: FakeProvider) -> None:
    """auth.audience set: the access token is verified locally, and userinfo still fills in the profile."""
    audience = "https://api.example.com"
    access = provider.access_token(aud=audience, token_use=DROP, client_id=DROP)
    provider.opaque[access] = {"sub": SUB, "name": "Ada Lovelace", "email": "ada@example.com", "groups": ["staff"]}
    id_token = standard_id_token(provider, name=DROP, email=DROP)
    result = post_session(companion(provider, cognito=False, audience=audience), id_token, access)
    assert result.status == 200, result.body
    user = result.json()
    assert (user["name"], user["email"], user["groups"]) == ("Ada Lovelace", "ada@example.com", ["staff"])
    assert provider.hits["/userinfo"] == 1


def test_no_userinfo_call_when_the_tokens_carry_the_profile(provider: FakeProvider) -> None:
    audience = "https://api.example.com"
    access = provider.access_token(aud=audience, token_use=DROP, client_id=DROP)
    id_token = standard_id_token(provider, groups=["staff"])
    result = post_session(companion(provider, cognito=False, audience=audience), id_token, access)
    assert result.status == 200 and result.json()["name"] == "Alice"
    assert provider.hits["/userinfo"] == 0


def test_userinfo_naming_another_subject_is_refused(provider: FakeProvider) -> None:
    audience = "https://api.example.com"
    access = provider.access_token(aud=audience, token_use=DROP, client_id=DROP)
    provider.opaque[access] = {"sub": "someone-else", "name": "Mallory"}
    result = post_session(companion(provider, cognito=False, audience=audience),
                          standard_id_token(provider, name=DROP), access)
    assert result.status == 401
    assert result.json()["message"] == "the ID token and the provider's userinfo name different subjects"


def test_a_userinfo_refusal_leaves_a_locally_verified_sign_in_standing(provider: FakeProvider,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    audience = "https://api.example.com"
    access = provider.access_token(aud=audience, token_use=DROP, client_id=DROP)  # not in provider.opaque: 401
    with caplog.at_level(logging.INFO, "atoll.companion"):
        result = post_session(companion(provider, cognito=False, audience=audience),
                              standard_id_token(provider, name=DROP), access)
    assert result.status == 200 and result.json()["email"] == "alice@example.com"
    assert "userinfo gave nothing" in caplog.text


def test_a_provider_without_userinfo_and_opaque_tokens_says_what_to_set(provider: FakeProvider) -> None:
    provider.has_userinfo = False
    result = post_session(companion(provider, cognito=False), standard_id_token(provider), "opaque")
    assert result.status == 401
    assert result.json()["message"] == (
        "the provider's discovery document names no userinfo_endpoint, so this access token cannot be confirmed; "
        "if the provider issues JWT access tokens, set auth.audience to their 'aud'")
