"""``atoll doctor`` against node-oidc-provider, the certified third-party provider, right and wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from doctor_helpers import SECRET, SITE_ORIGIN, doctor, site_yaml
from e2e_helpers import PEER_CLIENT_ID, PEER_SCRIPT, PEERS, Process, require_peer, start_process
from serve_helpers import free_port

pytestmark = pytest.mark.slow


def start(log_dir: Path, *extra: str) -> tuple[str, Process]:
    node = require_peer()
    port = free_port()
    argv = [node, str(PEER_SCRIPT), "--port", str(port), "--site", SITE_ORIGIN, "--client-id", PEER_CLIENT_ID, *extra]
    process = start_process(f"oidc-provider on port {port}", argv, log_dir / f"peer-{port}.log", cwd=PEERS)
    issuer = f"http://127.0.0.1:{port}"
    process.wait_until_ready(f"{issuer}/.well-known/openid-configuration")
    return issuer, process


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    issuer, process = start(tmp_path_factory.mktemp("peer"))
    yield issuer
    process.stop()


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOLL_SESSION_SECRET", SECRET["ATOLL_SESSION_SECRET"])


def test_a_well_configured_site_passes(peer: str, tmp_path: Path) -> None:
    result = doctor(tmp_path, site_yaml(peer, client_id=PEER_CLIENT_ID))
    assert result.code == 0, result.text
    for check in ("discovery", "issuer", "pkce", "cors", "jwks", "callback", "sign-out"):
        assert result.statuses(check) == ["ok"], (check, result.text)


def test_slash_mismatch_is_a_warning(peer: str, tmp_path: Path) -> None:
    result = doctor(tmp_path, site_yaml(peer + "/", client_id=PEER_CLIENT_ID))
    assert result.code == 0 and result.statuses("issuer") == ["warn"], result.text


def test_wrong_callback(peer: str, tmp_path: Path) -> None:
    text = site_yaml(peer, client_id=PEER_CLIENT_ID, extra="  redirect_path: /signed-in/\n")
    result = doctor(tmp_path, text)
    assert result.code == 1 and list(result.failed()) == ["callback"], result.text
    assert f"{SITE_ORIGIN}/signed-in/ (invalid_redirect_uri)" in result.failed()["callback"][0]


def test_wrong_sign_out(peer: str, tmp_path: Path) -> None:
    text = site_yaml(peer, client_id=PEER_CLIENT_ID, extra="  post_logout_path: /goodbye/\n")
    result = doctor(tmp_path, text)
    assert result.code == 1 and list(result.failed()) == ["sign-out"], result.text


def test_missing_cors_for_another_origin(peer: str, tmp_path: Path) -> None:
    other = f"http://127.0.0.1:{free_port()}"
    result = doctor(tmp_path, site_yaml(peer, client_id=PEER_CLIENT_ID), "--dev-origin", other)
    assert result.code == 1
    assert set(result.failed()) == {"cors", "callback", "sign-out"}, result.text
    assert f"the token endpoint ({peer}/token) sends no Access-Control-Allow-Origin for {other}" \
        in result.failed()["cors"][0]


def test_unknown_client(peer: str, tmp_path: Path) -> None:
    result = doctor(tmp_path, site_yaml(peer, client_id="nobody"))
    assert result.code == 1
    assert "callback" in result.failed(), result.text


def test_short_key(tmp_path: Path) -> None:
    issuer, process = start(tmp_path, "--key-bits", "1024")
    try:
        result = doctor(tmp_path / "site", site_yaml(issuer, client_id=PEER_CLIENT_ID))
    finally:
        process.stop()
    assert result.code == 1 and list(result.failed()) == ["jwks"], result.text
    assert "is a 1024-bit RSA key" in result.failed()["jwks"][0]
