"""The dev server over HTTP: serving, rebuilding, surviving mistakes (no browser)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atoll.build import search
from atoll.errors import StartError
from atoll.serve import http
from atoll.serve import rebuild as rebuild_module
from atoll.serve import server as server_module
from atoll.serve.http import DevState, page_path
from atoll.serve.server import DevServer, ServeError, ServeOptions
from serve_helpers import dev_server, free_port, get
from sitekit import clean_build, tree, write_files

SITE = {
    "site.yaml": "title: Dev\nbase_url: https://example.com/docs/\n",
    "content/index.md": "---\ntitle: Home\n---\nHello home.\n",
    "content/blog/first.md": "---\ntitle: First\ndate: 2026-01-01\ndraft: true\n---\nDraft body.\n",
}
AUTH = "  \nauth:\n  client_id: dev-site\n"


def spawn_serve(site: Path, ready_path: str) -> tuple[subprocess.Popen[str], int]:
    """`atoll serve` as its own process (signals, event loop), once ``ready_path`` answers 200."""
    port = free_port()
    # its own process group, so that a failed start can stop the pool workers it forked too
    # (they hold its stderr open: reading it to the end would wait for them forever)
    proc = subprocess.Popen([sys.executable, "-m", "atoll", "serve", "--site", str(site), "--port", str(port),
                             "--idp-port", str(free_port())], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while get_status(f"http://127.0.0.1:{port}{ready_path}") != 200:
        if time.monotonic() > deadline or proc.poll() is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # it exited, and nothing it started is left
                pass
            raise AssertionError(f"atoll serve did not come up: {proc.communicate(timeout=20)[1]}")
        time.sleep(0.05)
    return proc, port


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def settled_tree(server: DevServer) -> dict[str, bytes]:
    """The served folder once the search index has caught up with the last rebuild."""
    served: dict[str, bytes] = {}

    def settled() -> bool:
        # the lock is held by a rebuild until its last file is written (a page is in before
        # the rebuild has marked the search index due); the index follows, after the reload
        with server.builder.lock:
            if not server.builder.index_due:
                served.update(tree(server.builder.out))
            return not server.builder.index_due

    wait_for(settled)
    return served


def test_serves_pretty_urls_drafts_and_404(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        origin = server.origin
        status, headers, body = get(origin + "/")
        assert status == 200 and b"Hello home." in body
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert re.search(rb'<script src="/_atoll/dev/client\.js\?v=[0-9a-f]+"', body)
        assert get(origin + "/blog/first/")[0] == 200  # drafts are shown by serve
        status, headers, _ = get(origin + "/blog/first?x=1")
        assert status in (301, 302) and headers["Location"] == "/blog/first/?x=1"
        status, _, body = get(origin + "/no/such/page/")
        assert status == 404 and b"Page not found" in body
        # the dev server serves from the site root, whatever base_url says
        assert re.search(rb'href="/css/site\.css\?v=[0-9a-f]+"', get(origin + "/")[2])


def test_only_files_named_by_their_version_may_be_cached(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "public/css/print.css": "nav { display: none; }\n"})
    with dev_server(site) as server:
        home = get(server.origin + "/")[2]
        script = re.search(rb'src="(/_atoll/theme\.[0-9a-f]{10}\.js)"', home)
        style = re.search(rb'<link rel="stylesheet" href="(/css/site\.css\?v=[0-9a-f]+)">', home)
        client = re.search(rb'<script src="(/_atoll/dev/client\.js\?v=[0-9a-f]+)"', home)
        assert script and style and client
        for path in (script, style, client):
            status, headers, body = get(server.origin + path.group(1).decode())
            assert status == 200 and headers["Cache-Control"] == "public, max-age=31536000, immutable", path
        assert body == (Path(http.__file__).parent / "client.js").read_bytes()
        # pages, files without their version or with another one, and a hashed name that is not
        # there change or may appear
        for path in ("/", "/css/site.css", "/css/site.css?v=0123456789ab", "/_atoll/dev/client.js",
                     "/_atoll/dev/client.js?v=0", "/_atoll/theme.0123456789.js"):
            assert get(server.origin + path)[1]["Cache-Control"] == "no-store", path
        # a stylesheet of the site's own, edited: the pages link its new version
        (site / "public/css/site.css").write_text("main { color: green; }\n")
        wait_for(lambda: style.group(1) not in get(server.origin + "/")[2])
        new = re.search(rb'href="(/css/site\.css\?v=[0-9a-f]+)"', get(server.origin + "/")[2])
        assert new is not None
        status, headers, body = get(server.origin + new.group(1).decode())
        assert body == b"main { color: green; }\n" and headers["Cache-Control"].endswith("immutable")
        assert get(server.origin + style.group(1).decode())[1]["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/../site.yaml", "/%2e%2e/site.yaml", "/..%2fsite.yaml",
                                  "/css/..%2f..%2f..%2fsite.yaml"])
def test_paths_cannot_escape_the_output_folder(tmp_path: Path, path: str) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        status, _, body = get(server.origin + path)
        assert status in (400, 404) and b"title: Dev" not in body


def test_no_drafts_flag(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site, drafts=False) as server:
        assert get(server.origin + "/blog/first/")[0] == 404


def test_the_warm_up_after_start_leaves_the_served_folder_as_it_was(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "site.yaml": SITE["site.yaml"] + "search: false\n"})
    with dev_server(site) as server:
        with server.builder.lock:  # the server's own warm-up, started with it, is over or not begun
            before = tree(server.builder.out)
            beside = {p.name for p in server.builder.out.parent.iterdir()}
        server.builder.warm_up()
        assert tree(server.builder.out) == before
        assert {p.name for p in server.builder.out.parent.iterdir()} <= beside  # no scratch folder left
        (site / "content/index.md").write_text("---\ntitle: Home\n---\nWarm.\n")
        wait_for(lambda: b"Warm." in get(server.origin + "/")[2])


def test_edit_add_and_delete_are_served(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        (site / "content/index.md").write_text("---\ntitle: Home\n---\nHello again.\n")
        wait_for(lambda: b"Hello again." in get(server.origin + "/")[2])
        (site / "content/new.md").write_text("---\ntitle: New\n---\nBrand new.\n")
        wait_for(lambda: get(server.origin + "/new/")[0] == 200)
        (site / "content/new.md").unlink()
        wait_for(lambda: get(server.origin + "/new/")[0] == 404)


def test_build_error_keeps_last_good_build_and_recovers(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        (site / "content/index.md").write_text("---\ntitle: Home\ndate: tomorrow\n---\nBroken.\n")
        wait_for(lambda: "content/index.md:3: front matter: 'date' must be a date" in server.log_text.getvalue())
        wait_for(lambda: bool(server.state.errors))  # handed to the event loop after the terminal line
        assert server.state.errors[0]["location"] == "content/index.md:3"
        assert [line["number"] for line in server.state.errors[0]["excerpt"]] == [1, 2, 3, 4, 5]
        assert b"Hello home." in get(server.origin + "/")[2]  # still the last good build
        (site / "content/index.md").write_text("---\ntitle: Home\n---\nFixed.\n")
        wait_for(lambda: b"Fixed." in get(server.origin + "/")[2])
        wait_for(lambda: server.state.errors == [])


def test_survives_binary_files_and_deleted_folders(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "content/docs/a.md": "---\ntitle: A\n---\nA.\n"})
    with dev_server(site) as server:
        (site / "content/photo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary")
        wait_for(lambda: "file is not UTF-8" in server.log_text.getvalue())
        (site / "content/photo.md").unlink()
        import shutil
        shutil.rmtree(site / "content/docs")
        (site / "content/index.md").write_text("---\ntitle: Home\n---\nStill alive.\n")
        wait_for(lambda: b"Still alive." in get(server.origin + "/")[2])
        wait_for(lambda: get(server.origin + "/docs/a/")[0] == 404)  # the watcher may report it separately


def test_served_output_equals_a_clean_build(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        (site / "content/blog/second.md").write_text("---\ntitle: Second\ndate: 2026-02-01\ntags: [x]\n---\nTwo.\n")
        wait_for(lambda: get(server.origin + "/tags/x/")[0] == 200)
        served = settled_tree(server)
    assert served == clean_build(site, tmp_path / "clean", server.origin + "/")


def test_saves_in_quick_succession_are_indexed_by_one_run_after_them(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "INDEX_QUIET", 3.0)  # far longer than a rebuild of this site
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        runs: list[bool] = []
        refresh = server.builder.refresh_index
        monkeypatch.setattr(server.builder, "refresh_index", lambda: runs.append(refresh()) or runs[-1])
        page = site / "content/index.md"
        for n in range(3):
            page.write_text(f"---\ntitle: Home\n---\nSaved {n}.\n")
            wait_for(lambda n=n: f"Saved {n}.".encode() in get(server.origin + "/")[2])
        wait_for(lambda: runs == [True], timeout=20)
        assert not server.builder.index_due
        index = (server.builder.out / "pagefind").rglob("*")
        assert any(f.is_file() for f in index)
        time.sleep(0.5)
        assert runs == [True]  # one run for the three saves


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_stopping_the_server_stops_its_search_index_and_the_next_start_runs_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = tmp_path / "pagefind"  # stands in for Pagefind on a big site: it takes its time
    slow.write_text('#!/bin/sh\necho $$ >> "$0.runs"\nexec sleep 60\n')
    slow.chmod(0o755)
    runs = tmp_path / "pagefind.runs"
    monkeypatch.setattr(search, "_executable", lambda: str(slow))

    def pids() -> list[int]:
        return [int(line) for line in runs.read_text().split()] if runs.exists() else []

    site = write_files(tmp_path / "site", SITE)
    with dev_server(site):
        wait_for(lambda: len(pids()) == 1)  # the index follows the first build
        assert alive(pids()[0])
    assert not alive(pids()[0])  # stopped with the server, not left writing an index nobody reads
    with dev_server(site) as server:  # the index is still behind the pages: the next session brings it up
        wait_for(lambda: len(pids()) == 2)
        assert server.builder.index_due
    assert not alive(pids()[1])


def test_busy_port_names_the_flag(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = DevServer(site, ServeOptions(port=port, idp_port=free_port()), log=io.StringIO())
        message = f"port {port} on 127.0.0.1 is already in use; pick another with --port (e.g. --port {port + 10})"
        with pytest.raises(StartError) as raised:
            server.start()
        assert str(raised.value) == message
        # the CLI in its own process: its event loop must not meet pytest-playwright's
        done = subprocess.run([sys.executable, "-m", "atoll", "serve", "--site", str(site), "--port", str(port),
                               "--idp-port", str(free_port())], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr == f"atoll serve: {message}\n"


def test_busy_idp_port_names_its_flag(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "site.yaml": SITE["site.yaml"] + AUTH})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = DevServer(site, ServeOptions(port=free_port(), idp_port=port), log=io.StringIO())
        with pytest.raises(StartError) as raised:
            server.start()
        assert str(raised.value) == (f"port {port} on 127.0.0.1 is already in use; pick another with --idp-port "
                                     f"(e.g. --idp-port {port + 10})")


def test_auth_site_gets_dev_provider_and_companion(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "site.yaml": SITE["site.yaml"] + AUTH})
    with dev_server(site) as server:
        assert server.idp_url is not None
        status, _, body = get(server.idp_url + "/.well-known/openid-configuration")
        assert status == 200 and server.idp_url.encode() in body
        status, _, body = get(server.origin + "/auth/session")
        assert status == 200 and json.loads(body) == {"user": None}
        page = get(server.origin + "/")[2].decode()
        assert f'"authority": "{server.idp_url}"' in page
        status, headers, _ = get(server.origin + "/callback/")
        assert status == 200 and headers["Referrer-Policy"] == "no-referrer"
        assert server.idp_url in headers["Content-Security-Policy"]
        assert "Dev identity provider at" in server.log_text.getvalue()


def test_dev_idp_flag_overrides_a_configured_provider(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "site.yaml": SITE["site.yaml"] + AUTH
                                           + "  authority: https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X\n"})
    with dev_server(site, dev_idp=True) as server:
        assert server.idp_url is not None
        page = get(server.origin + "/")[2].decode()
        assert f'"authority": "{server.idp_url}"' in page and "amazonaws" not in page


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_ctrl_c_and_kill_stop_cleanly_and_save_the_session(tmp_path: Path, signame: str) -> None:
    site = write_files(tmp_path / "site", {**SITE, "site.yaml": SITE["site.yaml"] + AUTH})
    proc, port = spawn_serve(site, "/")
    try:
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert f"Serving http://127.0.0.1:{port}/" in err and "Stopped." in err and "Traceback" not in err
    assert (site / ".atoll/cache/serve-state.pickle").is_file()


def get_status(url: str) -> int:
    try:
        return get(url)[0]
    except OSError:
        return 0


def test_a_body_edit_is_rebuilt_by_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        full = []  # the site planned again, rather than the previous plan kept with the new body
        original = rebuild_module.plan_pages
        monkeypatch.setattr(rebuild_module, "plan_pages", lambda *a, **k: full.append(a) or original(*a, **k))
        (site / "content/index.md").write_text("---\ntitle: Home\n---\nOnly the body changed.\n")
        wait_for(lambda: b"Only the body changed." in get(server.origin + "/")[2])
        assert full == []  # the watcher named just that file, and its metadata was unchanged


def test_a_restart_reuses_the_last_session(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    ports = {"port": free_port(), "idp_port": free_port()}  # the same origin both times
    with dev_server(site, **ports):
        pass
    (site / "content/index.md").write_text("---\ntitle: Home\n---\nChanged while stopped.\n")
    with dev_server(site, **ports) as server:
        log = server.log_text.getvalue()
        assert "unchanged since the last session" in log
        assert b"Changed while stopped." in get(server.origin + "/")[2]
        served = settled_tree(server)  # the search index follows the first build
    assert served == clean_build(site, tmp_path / "clean", server.origin + "/")


def test_a_site_big_enough_for_the_process_pool_keeps_serving(tmp_path: Path) -> None:
    # The pool's workers are forked from the server; their shutdown must not read as a "stop".
    pages = {f"content/blog/p{i:03}.md": f"---\ntitle: P{i}\ndate: 2026-01-01\n---\nBody {i}.\n" for i in range(260)}
    site = write_files(tmp_path / "site", {**SITE, **pages})
    proc, port = spawn_serve(site, "/blog/")
    try:
        time.sleep(1.0)
        assert proc.poll() is None, "the server stopped by itself"
        assert get_status(f"http://127.0.0.1:{port}/blog/p001/") == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_a_burst_of_saves_gives_one_rebuild(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        for i in range(12):  # an editor's "save all", or a git checkout
            (site / f"content/page{i}.md").write_text(f"---\ntitle: Page {i}\n---\nBody {i}.\n")
        wait_for(lambda: all(get(server.origin + f"/page{i}/")[0] == 200 for i in range(12)))
        time.sleep(0.3)
        # one rebuild for the burst (a second only if this shared machine stalls mid-burst
        # for longer than the debounce), never one per file
        assert server.log_text.getvalue().count("Rebuilt ") in (1, 2)


def test_dev_provider_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "site.yaml": SITE["site.yaml"] + AUTH})
    server = DevServer(site, ServeOptions(host="0.0.0.0", port=free_port(), idp_port=free_port()), log=io.StringIO())
    with pytest.raises(ServeError) as raised:
        server.start()
    assert str(raised.value) == (
        "--host 0.0.0.0 would serve the site to other devices, but the dev identity provider listens on this "
        "machine only (it signs in anyone who knows a dev_users password), so nobody could sign in from them\n"
        "  hint: serve on 127.0.0.1 to sign in here; to preview on a phone, set auth.authority to a real provider "
        "(whose sign-in needs the site on https) and leave out --dev-idp")


class FakeSocket:
    def __init__(self, path: str | None) -> None:
        self.path, self.sent = path, []

    def send(self, message: dict) -> None:
        self.sent.append(message["command"])


def test_reloads_skip_pages_shown_first_only_when_nothing_else_they_use_changed(tmp_path: Path) -> None:
    state = DevState(out=tmp_path, origin="http://127.0.0.1:1")
    shown, other, unknown = FakeSocket("/blog/a/"), FakeSocket("/"), FakeSocket(None)
    state.sockets = {shown, other, unknown}  # type: ignore[assignment]
    state.watching()
    assert state.viewed == {"/blog/a/", "/"}
    state.shown(("/blog/a/",))
    assert (shown.sent, other.sent, unknown.sent) == (["reload"], [], [])
    state.reloaded(("blog/a/index.html", "blog/b/index.html"), ("/blog/a/",))
    assert (shown.sent, other.sent, unknown.sent) == (["reload"], ["reload"], ["reload"])
    state.reloaded(("blog/a/index.html", "css/site.css"), ("/blog/a/",))  # a stylesheet: everyone reloads
    assert shown.sent == ["reload", "reload"] and other.sent == ["reload", "reload"]


def test_a_browser_location_becomes_the_page_url() -> None:
    assert page_path("http://127.0.0.1:8000/blog/a/?x=1#top") == "/blog/a/"
    assert page_path("http://127.0.0.1:8000/blog/a/index.html") == "/blog/a/"
    assert page_path("http://127.0.0.1:8000") == "/"
    assert page_path("http://127.0.0.1:8000/caf%C3%A9/") == "/café/"
