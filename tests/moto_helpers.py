"""moto's server mode (the AWS emulator) on loopback, and boto3 pointed at it with dummy credentials.

- :func:`moto_url`: one ``moto_server`` for the session; :func:`aws` resets it
  before each test and sets the environment boto3 reads (endpoint, region-less
  dummy credentials, no shared config files, no instance metadata).
- :func:`moto_iam`: a second server that checks IAM permissions, for the
  "not allowed" cases, with the keys of a user allowed only to read pools
  (``limited``).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from e2e_helpers import Process, start_process
from serve_helpers import free_port
from sitekit import console_script

REGION = "eu-west-1"
DUMMY = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass
class MotoServer:
    url: str
    process: Process
    # Credentials of an IAM user allowed only ListUserPools and DescribeUserPool (moto_iam).
    limited: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", data=b"", method="POST")
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10).close()


def start_moto(log: Path, **env: str) -> MotoServer:
    port = free_port()
    argv = [*console_script("moto_server", "moto.server"), "-H", "127.0.0.1", "-p", str(port)]
    process = start_process(f"moto_server on port {port}", argv, log, env=env)
    url = f"http://127.0.0.1:{port}"
    process.wait_until_ready(f"{url}/moto-api/")
    return MotoServer(url, process)


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.process.stop()


def point_boto3_at(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path, **credentials: str) -> None:
    """boto3 as a user's machine would have it, but reaching only ``url``."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws(moto_url: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """A fresh emulated account; yields a boto3 cognito-idp client to look at it with."""
    moto_url.reset()
    point_boto3_at(monkeypatch, moto_url.url, tmp_path, **DUMMY)
    yield boto3.client("cognito-idp", region_name=REGION)


@pytest.fixture(scope="session")
def moto_iam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A moto server that checks IAM policies (after the first few requests, which set users up)."""
    server = start_moto(tmp_path_factory.mktemp("moto-iam") / "moto.log", INITIAL_NO_AUTH_ACTION_COUNT="4")
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=server.url, **_dummy_args())
    iam.create_user(UserName="limited")
    key = iam.create_access_key(UserName="limited")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["cognito-idp:ListUserPools", "cognito-idp:DescribeUserPool"],
         "Resource": "*"}]}
    iam.put_user_policy(UserName="limited", PolicyName="read-pools", PolicyDocument=json.dumps(policy))
    server.limited = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    yield server
    server.process.stop()


def _dummy_args() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def make_pool(client: Any, name: str = "field-notes", *, domain: str | None = "field-notes") -> str:
    pool_id: str = client.create_user_pool(PoolName=name)["UserPool"]["Id"]
    if domain:
        client.create_user_pool_domain(UserPoolId=pool_id, Domain=domain)
    return pool_id
