"""The dev server answers loopback names, IP addresses and configured hosts only (DNS rebinding)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from atoll.serve.hosts import host_allowed
from serve_helpers import dev_server
from sitekit import write_files

SITE = {
    "site.yaml": "title: Hosts\nbase_url: https://www.example.org/\n"
                 "auth:\n  client_id: hosts-site\n",
    "content/index.md": "---\ntitle: Home\n---\nA draft-ish secret.\n",
}


def get_with_host(origin: str, path: str, host: str) -> tuple[int, bytes]:
    parts = urlsplit(origin)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory):
    site = write_files(tmp_path_factory.mktemp("hosts") / "site", SITE)
    with dev_server(site) as server:
        yield server.origin


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "app.localhost", "[::1]", "10.0.0.7",
                                  "www.example.org"])
def test_loopback_names_ip_addresses_and_the_configured_host_are_answered(origin: str, host: str) -> None:
    port = urlsplit(origin).port
    status, body = get_with_host(origin, "/", f"{host}:{port}")
    assert status == 200 and b"A draft-ish secret." in body


@pytest.mark.parametrize("path", ["/", "/auth/session", "/livereload", "/_atoll/dev/client.js", "/no/such/"])
def test_any_other_host_is_refused_with_403_saying_why(origin: str, path: str) -> None:
    status, body = get_with_host(origin, path, f"rebind.attacker.example:{urlsplit(origin).port}")
    assert status == 403
    assert b"A draft-ish secret." not in body
    assert b"does not answer the host 'rebind.attacker.example'" in body
    assert b"--host rebind.attacker.example" in body


def test_host_allowed_rules() -> None:
    assert host_allowed("localhost.", ())
    assert host_allowed("my.box", ("my.box",))
    assert not host_allowed("localhost.attacker.example", ())
    assert not host_allowed("127.0.0.1.attacker.example", ())
    assert not host_allowed("", ("",))
