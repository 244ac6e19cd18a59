"""``atoll doctor`` on a Cognito site: the app client's settings read through boto3, from moto.

The discovery document and JWKS come from moto too: the doctor's HTTP is
routed from the real Cognito host to the emulator (moto has no hosted login
pages, so the redirect checks go through the app client, as they do with AWS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from atoll.cognito.aws import authority
from atoll.config import parse_config
from atoll.doctor import DoctorOptions, diagnose, render_text
from atoll.doctor.probe import Answer, ProbeError, probe
from moto_helpers import REGION, MotoServer, make_pool

SITE = "https://www.example.com/notes/"
COGNITO = f"https://cognito-idp.{REGION}.amazonaws.com"


def via(moto: MotoServer) -> Any:
    def http(method: str, url: str, **kwargs: Any) -> Answer:
        if not url.startswith(COGNITO + "/"):
            raise ProbeError(f"{url} is not on this machine")
        return probe(method, moto.url + url.removeprefix(COGNITO), **kwargs)
    return http


def site(tmp_path: Path, pool_id: str, client_id: str, domain: str | None) -> Any:
    lines = ["title: Notes", f"base_url: {SITE}", "auth:", f"  client_id: {client_id}",
             f"  authority: {authority(REGION, pool_id)}"]
    if domain:
        lines.append(f"  cognito_domain: {domain}")
    return parse_config("\n".join(lines) + "\n", tmp_path)


def by_check(report: Any) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for f in report.findings:
        found.setdefault(f.check, []).append((f.status, f.message))
    return found


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return {"ATOLL_SESSION_SECRET": "s3cr3t-" + "abcdefghijklmnopqrstuvwxyz0123456789"}


def test_a_client_made_by_setup_passes_the_app_client_checks(aws: Any, moto_url: MotoServer, tmp_path: Path,
                                                             secret: dict[str, str]) -> None:
    pool_id = make_pool(aws)
    client_id = aws.create_user_pool_client(
        UserPoolId=pool_id, ClientName="site", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"], SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=[f"{SITE}callback/"], LogoutURLs=[SITE])["UserPoolClient"]["ClientId"]
    config = site(tmp_path, pool_id, client_id, f"https://field-notes.auth.{REGION}.amazoncognito.com")
    report = diagnose(config, DoctorOptions(), environ=secret, http=via(moto_url))
    checks = by_check(report)
    assert checks["issuer"] == [("ok", f"the provider's issuer is auth.authority, {authority(REGION, pool_id)}")]
    # atoll serve's URLs (on localhost, for Cognito) are checked too, as warnings unless --dev asks for them.
    assert checks["callback"] == [
        ("ok", f"app client {client_id} allows the callback URL {SITE}callback/"),
        ("warn", f"for atoll serve: app client {client_id} does not allow the callback URL "
                 "http://localhost:4321/callback/ (Cognito answers redirect_mismatch)")]
    assert checks["sign-out"] == [("ok", f"app client {client_id} allows the sign-out URL {SITE}"),
                                  ("warn", f"for atoll serve: app client {client_id} does not allow the sign-out "
                                           "URL http://localhost:4321/ (Cognito answers redirect_mismatch)")]
    assert [s for s, _ in checks["app-client"]] == ["ok"] and [s for s, _ in checks["domain"]] == ["ok"]
    assert checks["cookie"][0][0] == "ok"
    # moto's discovery document has no authorization or token endpoint, unlike Cognito's:
    assert checks["discovery"][0][0] == "fail", render_text(report)


def test_what_a_hand_made_client_lacks(aws: Any, moto_url: MotoServer, tmp_path: Path,
                                      secret: dict[str, str]) -> None:
    pool_id = make_pool(aws)
    client_id = aws.create_user_pool_client(
        UserPoolId=pool_id, ClientName="site", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["implicit"], AllowedOAuthScopes=["openid"], SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=[f"{SITE}callback"], LogoutURLs=["https://www.example.com/"])["UserPoolClient"]["ClientId"]
    config = site(tmp_path, pool_id, client_id, None)
    report = diagnose(config, DoctorOptions(dev_origins=("http://localhost:4321",)), environ=secret,
                      http=via(moto_url))
    checks = by_check(report)
    assert not report.ok
    assert [s for s, _ in checks["callback"]] == ["fail", "fail"], render_text(report)
    assert f"{SITE}callback is registered, and the trailing slash must match" in checks["callback"][0][1]
    assert [s for s, _ in checks["sign-out"]] == ["fail", "fail"]
    (status, message), = checks["app-client"]
    assert status == "fail"
    assert "has a client secret" in message and "add scope email" in message and "add OAuth grant code" in message
    assert [s for s, m in checks["domain"]] == ["fail", "fail"]
    assert "auth.cognito_domain is not set" in checks["domain"][0][1]
    assert "run `atoll cognito setup --dev`" in next(f.fix for f in report.findings if f.check == "callback")


def test_unknown_client_and_no_aws_credentials(aws: Any, moto_url: MotoServer, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, secret: dict[str, str]) -> None:
    pool_id = make_pool(aws)
    config = site(tmp_path, pool_id, "nosuchclient", f"https://field-notes.auth.{REGION}.amazoncognito.com")
    checks = by_check(diagnose(config, DoctorOptions(), environ=secret, http=via(moto_url)))
    assert checks["app-client"] == [("fail", f"the user pool {pool_id} has no app client 'nosuchclient' "
                                             "(auth.client_id)")]
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    checks = by_check(diagnose(config, DoctorOptions(), environ=secret, http=via(moto_url)))
    (status, message), = checks["app-client"]
    assert status == "warn" and "no AWS credentials were found" in message
