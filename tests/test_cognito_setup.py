"""``atoll cognito setup`` against moto's user-pool API: what it makes, what it writes, what it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.stub import Stubber

from atoll.authurls import site_urls
from atoll.cognito.aws import Cognito
from atoll.cognito.setup import Setup, SetupOptions
from atoll.config import parse_config
from moto_helpers import REGION, MotoServer, make_pool, point_boto3_at
from sitekit import run_atoll

SITE_YAML = """\
# Field notes: the site's settings.
title: Field notes
base_url: https://www.example.com/notes/
auth:
  # Cognito fills these in.
  client_id: placeholder   # set by atoll cognito setup
  scope: openid email profile
  post_login_path: /welcome/
menu:
  - {title: Home, url: /}
"""
NEW_POOL = ("--region", REGION, "--create-pool", "field-notes", "--domain", "field-notes")


def site(tmp_path: Path, text: str = SITE_YAML) -> Path:
    root = tmp_path / "site"
    root.mkdir(exist_ok=True)
    (root / "site.yaml").write_text(text, encoding="utf-8")
    return root


def setup_args(root: Path, *extra: str) -> list[str | Path]:
    return ["cognito", "setup", "--site", root, "--login-pages", "classic", *extra]


def only_pool(client: Any) -> dict[str, Any]:
    pools = client.list_user_pools(MaxResults=10)["UserPools"]
    assert len(pools) == 1, pools
    return dict(client.describe_user_pool(UserPoolId=pools[0]["Id"])["UserPool"])


def only_client(client: Any, pool_id: str) -> dict[str, Any]:
    clients = client.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"]
    assert len(clients) == 1, clients
    return dict(client.describe_user_pool_client(UserPoolId=pool_id, ClientId=clients[0]["ClientId"])["UserPoolClient"])


def test_setup_creates_pool_domain_and_public_client_and_writes_site_yaml(aws: Any, tmp_path: Path) -> None:
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, *NEW_POOL, "--dev"))
    assert result.code == 0, result.err
    pool = only_pool(aws)
    assert pool["Name"] == "field-notes" and pool["Domain"] == "field-notes"
    app = only_client(aws, pool["Id"])
    assert "ClientSecret" not in app
    assert app["AllowedOAuthFlows"] == ["code"] and app["AllowedOAuthFlowsUserPoolClient"] is True
    assert app["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert app["SupportedIdentityProviders"] == ["COGNITO"]
    # The URLs exactly as the build emits them: base path, /callback/ with its slash.
    assert app["CallbackURLs"] == ["https://www.example.com/notes/callback/", "http://localhost:4321/callback/"]
    assert app["LogoutURLs"] == ["https://www.example.com/notes/", "http://localhost:4321/"]

    text = (root / "site.yaml").read_text()
    authority = f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    domain = f"https://field-notes.auth.{REGION}.amazoncognito.com"
    assert text == SITE_YAML.replace(
        "  client_id: placeholder   # set by atoll cognito setup\n",
        f"  client_id: {app['ClientId']}   # set by atoll cognito setup\n"
        f"  authority: {authority}\n  cognito_domain: {domain}\n")
    config = parse_config(text, root)
    assert config.auth is not None and config.auth.is_cognito
    assert f"set client_id: {app['ClientId']}" in result.out and "create the domain" in result.out


def test_second_run_changes_nothing_and_says_so(aws: Any, tmp_path: Path) -> None:
    root = site(tmp_path)
    assert run_atoll(*setup_args(root, *NEW_POOL)).code == 0
    before = (root / "site.yaml").read_bytes()
    pool = only_pool(aws)
    app = only_client(aws, pool["Id"])
    again = run_atoll(*setup_args(root, *NEW_POOL))
    assert again.code == 0, again.err
    assert again.out.startswith("Nothing to change"), again.out
    assert (root / "site.yaml").read_bytes() == before
    assert only_client(aws, pool["Id"]) == app
    # Without --create-pool, the pool is the one auth.authority names.
    third = run_atoll("cognito", "setup", "--site", root)
    assert third.code == 0 and third.out.startswith("Nothing to change"), third.out + third.err


def test_dry_run_prints_the_plan_and_changes_nothing(aws: Any, tmp_path: Path) -> None:
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, *NEW_POOL, "--dry-run"))
    assert result.code == 0, result.err
    assert "would create user pool 'field-notes'" in result.out
    assert "callback URL https://www.example.com/notes/callback/" in result.out
    assert "Dry run: nothing was changed." in result.out
    assert aws.list_user_pools(MaxResults=10)["UserPools"] == []
    assert (root / "site.yaml").read_text() == SITE_YAML


def test_existing_client_gets_only_what_is_missing(aws: Any, tmp_path: Path) -> None:
    pool_id = make_pool(aws)
    app_id = aws.create_user_pool_client(
        UserPoolId=pool_id, ClientName="atoll-site", AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "phone"], SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=["https://other.example.com/callback/", "https://www.example.com/notes/callback"],
        LogoutURLs=["https://other.example.com/"], AccessTokenValidity=2, TokenValidityUnits={"AccessToken": "hours"},
    )["UserPoolClient"]["ClientId"]
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, "--pool-id", pool_id, "--dry-run"))
    assert result.code == 0, result.err
    assert "would add allowed callback URL https://www.example.com/notes/callback/" in result.out
    assert only_client(aws, pool_id)["CallbackURLs"][-1] == "https://www.example.com/notes/callback"

    result = run_atoll(*setup_args(root, "--pool-id", pool_id))
    assert result.code == 0, result.err
    app = only_client(aws, pool_id)
    assert app["ClientId"] == app_id
    # Added, never taken away; settings it does not manage survive the update.
    assert app["CallbackURLs"] == ["https://other.example.com/callback/", "https://www.example.com/notes/callback",
                                   "https://www.example.com/notes/callback/"]
    assert app["LogoutURLs"] == ["https://other.example.com/", "https://www.example.com/notes/"]
    assert app["AllowedOAuthScopes"] == ["openid", "phone", "email", "profile"]
    assert app["AccessTokenValidity"] == 2 and app["TokenValidityUnits"]["AccessToken"] == "hours"
    assert "add scope email" in result.out and f"set client_id: {app_id}" in result.out


def test_the_sites_own_client_id_is_used_when_the_pool_has_it(aws: Any, tmp_path: Path) -> None:
    pool_id = make_pool(aws)
    mine = aws.create_user_pool_client(UserPoolId=pool_id, ClientName="hand-made")["UserPoolClient"]["ClientId"]
    root = site(tmp_path, SITE_YAML.replace("placeholder", mine))
    result = run_atoll(*setup_args(root, "--pool-id", pool_id))
    assert result.code == 0, result.err
    app = only_client(aws, pool_id)
    assert app["ClientId"] == mine and app["AllowedOAuthFlows"] == ["code"]
    assert "turn on OAuth 2.0 flows" in result.out


def test_a_client_with_a_secret_is_refused(aws: Any, tmp_path: Path) -> None:
    pool_id = make_pool(aws)
    aws.create_user_pool_client(UserPoolId=pool_id, ClientName="atoll-site", GenerateSecret=True)
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, "--pool-id", pool_id))
    assert result.code == 1
    assert "has a client secret, which a browser cannot keep" in result.err and "--client-name" in result.err
    assert (root / "site.yaml").read_text() == SITE_YAML
    assert "Secret" not in result.out + result.err.replace("client secret", "")


def test_a_pool_without_a_domain_needs_one(aws: Any, tmp_path: Path) -> None:
    pool_id = make_pool(aws, domain=None)
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, "--pool-id", pool_id))
    assert result.code == 1 and "has no domain for its login pages yet: add --domain PREFIX" in result.err
    assert (root / "site.yaml").read_text() == SITE_YAML
    taken = make_pool(aws, "other", domain="taken")
    result = run_atoll(*setup_args(root, "--pool-id", pool_id, "--domain", "taken"))
    assert result.code == 1 and "'taken' is already used by another user pool" in result.err, (taken, result.err)


def test_http_base_url_is_refused_before_asking_aws(aws: Any, tmp_path: Path) -> None:
    root = site(tmp_path, SITE_YAML.replace("https://www.example.com/notes/", "http://127.0.0.1:4321/"))
    result = run_atoll(*setup_args(root, *NEW_POOL))
    assert result.code == 1
    assert "plain-http URLs only on localhost (127.0.0.1 is not localhost to Cognito)" in result.err
    assert aws.list_user_pools(MaxResults=10)["UserPools"] == []


@pytest.mark.parametrize("args, message", [
    (("--region", "mars-north-1", "--create-pool", "p", "--domain", "p"),
     "'mars-north-1' is not an AWS region that has Cognito user pools"),
    (("--pool-id", f"{REGION}_nosuchpool"), f"there is no user pool {REGION}_nosuchpool in {REGION}"),
    (("--region", "us-east-1", "--pool-id", f"{REGION}_abc"), f"is in {REGION}, not us-east-1"),
    (("--create-pool", "p", "--domain", "p"), "no AWS region is set: pass --region"),
])
def test_bad_region_or_pool_is_one_sentence(aws: Any, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    root = site(tmp_path)
    result = run_atoll("cognito", "setup", "--site", root, *args)
    assert result.code == 1
    assert message in result.err and result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert (root / "site.yaml").read_text() == SITE_YAML


def test_no_credentials_is_one_sentence(moto_url: MotoServer, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    point_boto3_at(monkeypatch, moto_url.url, tmp_path)  # no keys anywhere
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, *NEW_POOL))
    assert result.code == 1
    assert result.err.startswith("atoll cognito: no AWS credentials were found: run `aws configure`"), result.err
    assert result.err.count("\n") == 1
    assert (root / "site.yaml").read_text() == SITE_YAML


def test_unknown_profile_is_one_sentence(aws: Any, tmp_path: Path) -> None:
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, *NEW_POOL, "--profile", "nobody"))
    assert result.code == 1 and "there is no AWS profile named 'nobody'" in result.err


def test_no_permission_is_one_sentence_and_site_yaml_stays(moto_iam: MotoServer, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    point_boto3_at(monkeypatch, moto_iam.url, tmp_path, **moto_iam.limited)
    root = site(tmp_path)
    result = run_atoll(*setup_args(root, *NEW_POOL))
    assert result.code == 1
    assert "your AWS identity is not allowed to call cognito-idp:CreateUserPool: ask for that permission in IAM" \
        in result.err, result.err
    assert (root / "site.yaml").read_text() == SITE_YAML
    point_boto3_at(monkeypatch, moto_iam.url, tmp_path, AWS_ACCESS_KEY_ID="AKIAWRONG", AWS_SECRET_ACCESS_KEY="x")
    result = run_atoll(*setup_args(root, *NEW_POOL))
    assert result.code == 1 and "AWS did not accept your credentials" in result.err, result.err


def test_a_failure_midway_says_what_was_done_and_writes_nothing(aws: Any, tmp_path: Path) -> None:
    # Managed login needs a style per client, an API moto does not have: the run stops there.
    root = site(tmp_path)
    result = run_atoll("cognito", "setup", "--site", root, *NEW_POOL)
    assert result.code == 1
    assert "Done before the error" in result.err and "create user pool 'field-notes'" in result.err
    assert "site.yaml was left as it was" in result.err
    assert (root / "site.yaml").read_text() == SITE_YAML
    # The next run (classic pages, so no style needed) goes on from there, with the same pool.
    again = run_atoll(*setup_args(root, *NEW_POOL))
    assert again.code == 0, again.err
    assert len(aws.list_user_pools(MaxResults=10)["UserPools"]) == 1


def test_managed_login_gives_a_new_client_the_default_style(aws: Any, tmp_path: Path) -> None:
    """The style call moto lacks, checked against botocore's own model of the API with its Stubber."""
    cognito = Cognito(REGION)
    stub = Stubber(cognito.client)
    stub.add_client_error("describe_managed_login_branding_by_client", "ResourceNotFoundException",
                          expected_params={"UserPoolId": f"{REGION}_abc", "ClientId": "c1"})
    stub.add_response("create_managed_login_branding", {"ManagedLoginBranding": {"ManagedLoginBrandingId": "b"}},
                      {"UserPoolId": f"{REGION}_abc", "ClientId": "c1", "UseCognitoProvidedValues": True})
    stub.add_response("describe_managed_login_branding_by_client",
                      {"ManagedLoginBranding": {"ManagedLoginBrandingId": "b"}},
                      {"UserPoolId": f"{REGION}_abc", "ClientId": "c1"})
    config = parse_config(SITE_YAML, tmp_path)
    run = Setup(cognito, SetupOptions(pool_id=f"{REGION}_abc"), site_urls(config), "openid")
    with stub:
        run.branding(f"{REGION}_abc", "c1")
        run.branding(f"{REGION}_abc", "c1")  # has one now: nothing to do
    stub.assert_no_pending_responses()
    assert run.result.actions == ["give app client c1 the default managed-login style"]


def test_site_yaml_with_a_flow_style_auth_block_is_edited_in_place(aws: Any, tmp_path: Path) -> None:
    text = "title: Flow\nbase_url: https://flow.example.com/\nauth: {client_id: x}  # inline\n"
    root = site(tmp_path, text)
    assert run_atoll(*setup_args(root, *NEW_POOL)).code == 0
    edited = (root / "site.yaml").read_text()
    assert edited.startswith("title: Flow\nbase_url: https://flow.example.com/\nauth: {client_id: ")
    assert edited.endswith("}  # inline\n")
    assert set(yaml.safe_load(edited)["auth"]) == {"client_id", "authority", "cognito_domain"}


def test_a_site_without_an_auth_block_gets_one(aws: Any, tmp_path: Path) -> None:
    text = "title: Plain\nbase_url: https://plain.example.com/\n# the end\n"
    root = site(tmp_path, text)
    result = run_atoll(*setup_args(root, *NEW_POOL))
    assert result.code == 0, result.err
    edited = (root / "site.yaml").read_text()
    assert edited.startswith(text + "auth:\n  authority: https://cognito-idp.")
    config = parse_config(edited, root)
    assert config.auth is not None and config.auth.cognito_domain == f"https://field-notes.auth.{REGION}.amazoncognito.com"
    app = only_client(aws, only_pool(aws)["Id"])
    assert config.auth.client_id == app["ClientId"] and app["CallbackURLs"] == ["https://plain.example.com/callback/"]
