"""One total deadline per provider fetch, and no stalled fetch holding up requests the cache can serve."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from atoll.companion import create_app
from atoll.companion.provider import FetchError, make_fetch
from companion_helpers import Clock, FakeProvider, post_session, settings_for

TRICKLE_SECONDS = 60  # how long the slow server would take to finish its answer


class Trickler:
    """A loopback HTTP server that sends its answer one byte every 50 ms: the headers too, or only the body."""

    def __init__(self, *, headers_too: bool) -> None:
        self.headers_too = headers_too
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/jwks"
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        body = b'{"keys": []}'.ljust(int(TRICKLE_SECONDS / 0.05))
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        with conn:
            try:
                conn.recv(65536)
                if not self.headers_too:
                    conn.sendall(head)
                for byte in (head if self.headers_too else b"") + body:
                    if self.stopped.wait(0.05):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.fixture(params=[False, True], ids=["slow body", "slow headers"])
def trickler(request: pytest.FixtureRequest) -> Iterator[Trickler]:
    server = Trickler(headers_too=request.param)
    yield server
    server.close()


def test_a_trickling_provider_is_cut_off_at_the_total_deadline(trickler: Trickler) -> None:
    fetch = make_fetch(0.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not answer within 0\.5 s"):
        fetch(trickler.url, {})
    # Per-read timeouts alone would wait for the whole trickle (a minute); the deadline ends it.
    assert time.monotonic() - started < TRICKLE_SECONDS / 4


def test_a_stalled_refetch_does_not_block_requests_the_cached_keys_can_serve(provider: FakeProvider) -> None:
    """One request refetches the (stale) JWKS and the provider stalls; others, whose key is
    cached, are answered meanwhile instead of queueing behind the fetch's lock."""
    clock = Clock()
    real = make_fetch(5.0)
    stall, stalled, release = threading.Event(), threading.Event(), threading.Event()

    def fetch(url: str, headers: Mapping[str, str]) -> Any:
        if stall.is_set() and url.endswith("/jwks"):
            stalled.set()
            release.wait(10)
        return real(url, headers)

    app = create_app(settings_for(provider), clock=clock, fetch=fetch)
    assert post_session(app, provider.id_token(), provider.access_token()).status == 200
    clock.now += 3600 * 2  # discovery and keys are stale: the next request refetches
    stall.set()
    first: list[int] = []
    staller = threading.Thread(target=lambda: first.append(
        post_session(app, provider.id_token(), provider.access_token()).status))
    staller.start()
    assert stalled.wait(10)
    try:
        for _ in range(3):
            result = post_session(app, provider.id_token(), provider.access_token())
            assert result.status == 200, result.body
        assert staller.is_alive(), "the stalled refetch should still be waiting"
    finally:
        release.set()
        staller.join(10)
    assert first == [200]
