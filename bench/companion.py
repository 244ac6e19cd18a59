"""Companion throughput: POST /auth/session (full verification) and GET /auth/session, per session store.

    .venv/bin/python bench/companion.py [--stores sqlite,redis] [--workers 2] [--threads 8]
                                        [--duration 3] [--rounds 3]

The companion runs under waitress in ``--workers`` processes that share one
listening socket (waitress itself is one process with a thread pool; several
processes on one socket is how it scales out, like gunicorn's workers). The
provider's discovery document and JWKS come from a local waitress process;
tokens are signed with a test RSA key, so every POST does the real work: two
RS256 signature checks and every claim check (the keys are cached, as in
production). Load comes from client processes with keep-alive connections,
at concurrency 1 and 16. Prints the median of ``--rounds`` runs and the error
count, which must be 0. Client and servers share this machine's cores.

Each store gets fresh workers: ``sqlite`` a new file in a temporary folder
(shared by the workers, as on one machine), ``redis`` Debian's redis-server
started here on a free loopback port (``--save ''``) and stopped by its PID.
Every POST creates a session (an insert); every GET looks one up.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jwt
import waitress
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from atoll.companion import CompanionSettings, create_app
from loadgen import FORK, Request, listening_socket, print_table

CLIENT_ID = "bench-client"
ORIGIN = "http://127.0.0.1:4321"
SECRET = "bench-secret-" + "b" * 32


def provider_app(issuer: str, jwks: dict[str, Any]) -> Any:
    documents = {"/.well-known/openid-configuration": {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"},
                 "/jwks": jwks}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        doc = documents.get(environ["PATH_INFO"])
        body = json.dumps(doc or {}).encode()
        start_response("200 OK" if doc else "404 Not Found",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def serve(app: Any, sock: socket.socket, threads: int) -> None:
    logging.getLogger("waitress").setLevel(logging.ERROR)
    waitress.serve(app, sockets=[sock], threads=threads, _quiet=True)


def companion_worker(settings: CompanionSettings, sock: socket.socket, threads: int) -> None:
    serve(create_app(settings), sock, threads)


@contextmanager
def store_url(store: str, folder: Path) -> Iterator[str]:
    """The ``companion.sessions`` URL of a fresh store of kind ``store``."""
    if store == "sqlite":
        yield f"sqlite:///{folder / 'sessions.sqlite3'}"
        return
    if store != "redis":
        raise SystemExit(f"unknown store {store!r}: use sqlite or redis")
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    probe = listening_socket()
    port = probe.getsockname()[1]
    probe.close()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--daemonize", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def tokens(key: rsa.RSAPrivateKey, issuer: str) -> dict[str, Any]:
    now = int(time.time())
    common = {"iss": issuer, "sub": "bench-user", "iat": now, "exp": now + 3600, "auth_time": now}
    id_token = jwt.encode({**common, "aud": CLIENT_ID, "token_use": "id", "cognito:username": "bench",
                           "email": "bench@example.com", "name": "Bench", "cognito:groups": ["readers"]},
                          key, algorithm="RS256", headers={"kid": "bench-key"})
    access_token = jwt.encode({**common, "client_id": CLIENT_ID, "token_use": "access", "scope": "openid",
                               "username": "bench", "jti": "j"}, key, algorithm="RS256", headers={"kid": "bench-key"})
    return {"id_token": id_token, "access_token": access_token, "expires_in": 3600}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,redis", help="comma-separated: sqlite, redis")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per worker")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [{**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "bench-key", "use": "sig",
                      "alg": "RS256"}]}
    idp_sock = listening_socket()
    issuer = f"http://127.0.0.1:{idp_sock.getsockname()[1]}"
    provider = FORK.Process(target=serve, args=(provider_app(issuer, jwks), idp_sock, 4), daemon=True)
    provider.start()
    print(f"companion under waitress: {args.workers} worker processes x {args.threads} threads, "
          f"{os.cpu_count()} CPUs, {args.rounds} runs of {args.duration:g} s each (median, min-max)")
    failed = 0
    try:
        for store in args.stores.split(","):
            with tempfile.TemporaryDirectory() as folder, store_url(store.strip(), Path(folder)) as url:
                failed += bench_store(store.strip(), url, key, issuer, args)
    finally:
        provider.terminate()
        provider.join()
    return 1 if failed else 0


def bench_store(store: str, url: str, key: rsa.RSAPrivateKey, issuer: str, args: argparse.Namespace) -> int:
    site_sock = listening_socket()
    port = site_sock.getsockname()[1]
    settings = CompanionSettings(issuer=issuer, client_id=CLIENT_ID, origin=ORIGIN, secret=SECRET, cognito=True,
                                 sessions=url)
    servers = [FORK.Process(target=companion_worker, args=(settings, site_sock, args.threads), daemon=True)
               for _ in range(args.workers)]
    for server in servers:
        server.start()
    site_sock.close()
    try:
        post_body = json.dumps(tokens(key, issuer)).encode()
        post = Request("POST", "/auth/session", post_body, {"Origin": ORIGIN, "Content-Type": "application/json"})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(2 * args.workers):  # warm each worker's key cache and store connection
            conn.request("POST", "/auth/session", body=post_body, headers=post.headers)
            response = conn.getresponse()
            response.read()
            conn.close()
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        assert response.status == 200 and cookie, "the companion did not accept the bench tokens"
        get = Request("GET", "/auth/session", headers={"Cookie": cookie})
        print(f"\nsession store: {store} ({url.split('://')[0]})")
        return print_table("request", [("POST /auth/session (verify)", port, post),
                                       ("GET /auth/session", port, get)],
                           rounds=args.rounds, duration=args.duration)
    finally:
        for server in servers:
            server.terminate()
            server.join()


if __name__ == "__main__":
    sys.exit(main())
