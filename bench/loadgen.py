"""Keep-alive HTTP load from client processes, for the benches of servers (companion, gates).

``measure(port, request, concurrency, duration)`` spreads ``concurrency`` connections
over up to 4 forked processes (threads in each), starts them together and counts the
answers that are what ``request`` expects; anything else is an error.
"""

from __future__ import annotations

import http.client
import multiprocessing
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: bytes | None = None  # a 200 counts only when its body holds this


def _ok(request: Request, status: int, body: bytes) -> bool:
    return status == 200 and (request.expect is None or request.expect in body)


def client_process(port: int, request: Request, connections: int, duration: float, start_at: float,
                   results: Connection) -> None:
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()

    def loop() -> None:
        ok = errors = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + duration
        while time.time() < deadline:
            try:
                conn.request(request.method, request.path, body=request.body, headers=request.headers)
                response = conn.getresponse()
                if _ok(request, response.status, response.read()):
                    ok += 1
                else:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["errors"] += errors

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.send(counts)
    results.close()


def measure(port: int, request: Request, concurrency: int, duration: float) -> tuple[float, int]:
    """Requests per second and errors with ``concurrency`` connections spread over up to 4 processes."""
    processes = min(concurrency, 4)
    shares = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    start_at = time.time() + 0.5
    pipes, children = [], []
    for share in shares:
        receive, send = FORK.Pipe(duplex=False)
        child = FORK.Process(target=client_process, args=(port, request, share, duration, start_at, send))
        child.start()
        send.close()
        pipes.append(receive)
        children.append(child)
    totals = [pipe.recv() for pipe in pipes]
    for child in children:
        child.join()
    return sum(t["ok"] for t in totals) / duration, sum(t["errors"] for t in totals)


def listening_socket() -> socket.socket:
    """A loopback socket on a free port, listening (servers in several processes can share it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    return sock


def print_table(heading: str, cases: list[tuple[str, int, Request]], *, rounds: int, duration: float,
                concurrencies: tuple[int, ...] = (1, 16)) -> int:
    """Measure each (label, port, request) at each concurrency ``rounds`` times; print the median
    requests/s, the spread and the errors. Returns the total error count."""
    width = max(len(heading), *(len(label) for label, _, _ in cases)) + 2
    print(f"{heading:<{width}}{'conc.':>6}{'req/s':>10}{'min-max':>16}{'errors':>8}")
    failed = 0
    for label, port, request in cases:
        for concurrency in concurrencies:
            runs = [measure(port, request, concurrency, duration) for _ in range(rounds)]
            rates = [rate for rate, _ in runs]
            errors = sum(e for _, e in runs)
            failed += errors
            spread = f"{min(rates):.0f}-{max(rates):.0f}"
            print(f"{label:<{width}}{concurrency:>6}{statistics.median(rates):>10.0f}{spread:>16}{errors:>8}")
    return failed
