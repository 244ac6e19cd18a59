"""Ports that find their way: a busy default moves to the next free port and says so; a busy
explicit port is an error naming the flag; the site's config follows the ports actually used."""

from __future__ import annotations

import errno
import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from atoll.devidp import runner
from atoll.errors import StartError
from atoll.ports import listen_on
from atoll.serve import server as server_module
from devidp_helpers import stop_right_after_start
from serve_helpers import dev_server, free_port, get
from sitekit import write_files

SITE = {
    "site.yaml": "title: Ports\nauth:\n  client_id: ports-site\n",
    "content/index.md": "---\ntitle: Home\n---\nHome.\n",
}


@contextmanager
def taken_port() -> Iterator[int]:
    """A port something else is listening on, for the duration."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def busy(port: int) -> object:
    raise OSError(errno.EADDRINUSE, "Address already in use")


def test_an_explicit_busy_port_is_an_error_naming_the_flag() -> None:
    with pytest.raises(StartError) as raised:
        listen_on(busy, "127.0.0.1", 5000, default=4321, flag="--port", what="the site")
    assert str(raised.value) == "port 5000 on 127.0.0.1 is already in use; pick another with --port (e.g. --port 5010)"


def test_a_busy_default_moves_to_the_next_free_port_and_says_which() -> None:
    tried: list[int] = []

    def listen(port: int) -> str:
        tried.append(port)
        if port < 4323:
            raise OSError(errno.EADDRINUSE, "Address already in use")
        return f"socket on {port}"

    bound = listen_on(listen, "127.0.0.1", None, default=4321, flag="--port", what="the site")
    assert tried == [4321, 4322, 4323]
    assert (bound.listener, bound.port) == ("socket on 4323", 4323)
    assert bound.note == "port 4321 is in use, so the site is on port 4323 (choose one with --port)"


def test_a_free_default_says_nothing() -> None:
    bound = listen_on(lambda port: port, "127.0.0.1", None, default=4321, flag="--port", what="the site")
    assert (bound.port, bound.note) == (4321, None)


def test_when_every_default_is_busy_it_stops_and_names_the_flag() -> None:
    with pytest.raises(StartError) as raised:
        listen_on(busy, "127.0.0.1", None, default=4321, flag="--idp-port", what="the dev identity provider")
    assert str(raised.value) == "ports 4321 to 4340 on 127.0.0.1 are all in use; pick a free one with --idp-port"


def test_other_bind_errors_are_not_skipped() -> None:
    def denied(port: int) -> object:
        raise OSError(errno.EACCES, "Permission denied")

    with pytest.raises(StartError) as raised:
        listen_on(denied, "127.0.0.1", None, default=80, flag="--port", what="the site")
    assert str(raised.value) == "cannot listen on 127.0.0.1:80: Permission denied"


def test_serve_moves_both_default_ports_and_the_site_follows(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_files(tmp_path / "site", SITE)
    with taken_port() as site_default, taken_port() as idp_default:
        monkeypatch.setattr(server_module, "DEFAULT_PORT", site_default)
        monkeypatch.setattr(server_module, "DEFAULT_IDP_PORT", idp_default)
        with dev_server(site, port=None, idp_port=None) as server:
            log = server.log_text.getvalue()
            site_port = urlsplit(server.origin).port
            assert server.idp_url is not None
            idp_port = urlsplit(server.idp_url).port
            assert site_port not in (None, site_default) and idp_port not in (None, idp_default)
            assert (f"note: port {site_default} is in use, so the site is on port {site_port} "
                    "(choose one with --port)\n") in log
            assert (f"note: port {idp_default} is in use, so the dev identity provider is on port {idp_port} "
                    "(choose one with --idp-port)\n") in log
            assert f"Serving http://127.0.0.1:{site_port}/ " in log
            # the built pages point at the provider actually listening...
            page = get(server.origin + "/")[2].decode()
            assert f'"authority": "{server.idp_url}"' in page
            # ...which knows the site by the port it actually got: its callback there is registered
            discovery = json.loads(get(server.idp_url + "/.well-known/openid-configuration")[2])
            assert discovery["issuer"] == server.idp_url
            def authorize(port: int | None) -> int:
                return get(f"{server.idp_url}/oauth2/authorize?response_type=code&client_id=ports-site"
                           f"&redirect_uri=http://127.0.0.1:{port}/callback/&scope=openid"
                           "&code_challenge=" + "x" * 43 + "&code_challenge_method=S256&state=s&nonce=n")[0]

            assert authorize(site_port) == 200  # the login form
            assert authorize(site_default) == 400  # not the port the site did not get


def test_idp_alone_moves_its_default_port(monkeypatch: pytest.MonkeyPatch) -> None:
    stop_right_after_start(monkeypatch)
    with taken_port() as default:
        monkeypatch.setattr(runner, "DEFAULT_PORT", default)
        log = io.StringIO()
        runner.run_idp(None, log=log)
    first = log.getvalue().splitlines()[0]
    used = int(first.split("is on port ")[1].split()[0])
    assert used != default
    assert first == (f"atoll idp: note: port {default} is in use, so the dev identity provider is on port {used} "
                     f"(choose one with --port); its issuer is http://127.0.0.1:{used}")


def test_idp_with_a_busy_explicit_port_says_so_in_the_house_style() -> None:
    with taken_port() as port:
        done = subprocess.run([sys.executable, "-m", "atoll", "idp", "--site", "/nonexistent", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (f"atoll idp: port {port} on 127.0.0.1 is already in use; pick another with --port "
                           f"(e.g. --port {port + 10})\n")


def test_companion_with_a_busy_port_says_so_in_the_house_style(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: T\nbase_url: http://127.0.0.1:4321/\nauth:\n  client_id: abc\n"
                                        "  authority: https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc\n")
    env = {"ATOLL_SESSION_SECRET": "s" * 40, "PATH": "/usr/bin:/bin"}
    with taken_port() as port:
        done = subprocess.run([sys.executable, "-m", "atoll", "companion", "--site", str(tmp_path),
                               "--port", str(port)], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1
    assert done.stderr == (f"atoll companion: port {port} on 127.0.0.1 is already in use; pick another with --port "
                           f"(e.g. --port {port + 10})\n")


def test_explicit_ports_are_used_as_given(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    port, idp_port = free_port(), free_port()
    with dev_server(site, port=port, idp_port=idp_port) as server:
        assert server.origin == f"http://127.0.0.1:{port}" and server.idp_url == f"http://127.0.0.1:{idp_port}"
        assert "note: port" not in server.log_text.getvalue()


def test_with_a_real_provider_the_moved_port_names_the_callback_to_allow(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = SITE["site.yaml"] + "  authority: https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X\n"
    site = write_files(tmp_path / "site", {**SITE, "site.yaml": yaml})
    with taken_port() as default:
        monkeypatch.setattr(server_module, "DEFAULT_PORT", default)
        with dev_server(site, port=None) as server:
            assert server.idp_url is None
            assert (f"note: port {default} is in use, so the site is on port {urlsplit(server.origin).port} "
                    f"(choose one with --port); your provider must accept {server.origin}/callback/ "
                    "as a callback URL\n") in server.log_text.getvalue()
