"""Protected-page throughput: a members-only page through the companion and through nginx auth_request.

    .venv/bin/python bench/protected.py [--workers 2] [--threads 8] [--duration 3] [--rounds 3]

Builds a small site with `atoll build` (one members-only page among public ones), runs the
companion under waitress in ``--workers`` processes sharing one socket (its gate serves
the protected output itself), and a real nginx with the docs' tested recipe (dist/ public,
dist-protected/ behind ``auth_request`` to the same companion). A signed-in reader's
session cookie is minted with the companion's secret. Load comes from client processes
with keep-alive connections at concurrency 1 and 16; a request counts only when it is a
200 whose body holds the page's protected text, anything else is an error (must be 0).
Prints the median of ``--rounds`` runs. Clients, nginx and the companion share this
machine's cores. Needs nginx (`sh tools/setup-test.sh` installs Debian's nginx-light).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import waitress

from atoll.cli import main as atoll_main
from atoll.companion import CompanionSettings, create_app
from atoll.companion.session import SessionCookie
from loadgen import FORK, Request, listening_socket, print_table
from nginx_helpers import start_nginx

SECRET = "bench-secret-" + "p" * 32
MARK = b"Members-only bench text heron-5150."
PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nPublic home.\n",
    "content/members/notes.md": f"---\ntitle: Notes\nauth: required\n---\n{MARK.decode()}\n\n" + "More text. " * 300,
}


def companion_worker(settings: CompanionSettings, sock: socket.socket, threads: int) -> None:
    logging.getLogger("waitress").setLevel(logging.ERROR)
    waitress.serve(create_app(settings), sockets=[sock], threads=threads, _quiet=True)


def build_site(folder: Path, origin: str) -> Path:
    site = folder / "site"
    files = {"site.yaml": f"title: Bench\nbase_url: {origin}/\nauth:\n  client_id: bench\n"
                          "  authority: http://127.0.0.1:9\n", **PAGES}
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    if atoll_main(["build", "--site", str(site), "--no-cache"]) != 0:
        raise SystemExit("bench: the site did not build")
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per worker")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    nginx_sock = listening_socket()
    nginx_port = nginx_sock.getsockname()[1]
    nginx_sock.close()  # nginx binds it again; the origin must be known before the build
    origin = f"http://127.0.0.1:{nginx_port}"
    with tempfile.TemporaryDirectory(prefix="atoll-bench-protected-") as tmp:
        folder = Path(tmp)
        site = build_site(folder, origin)
        companion_sock = listening_socket()
        companion_port = companion_sock.getsockname()[1]
        settings = CompanionSettings(issuer="http://127.0.0.1:9", client_id="bench", origin=origin, secret=SECRET,
                                     protected=site / "dist-protected")
        servers = [FORK.Process(target=companion_worker, args=(settings, companion_sock, args.threads), daemon=True)
                   for _ in range(args.workers)]
        for server in servers:
            server.start()
        nginx: Any = None
        try:
            nginx = start_nginx(companion=f"127.0.0.1:{companion_port}", dist=site / "dist",
                                protected=site / "dist-protected", scratch=folder / "nginx", port=nginx_port)
            user = {"sub": "bench", "username": "bench", "email": None, "name": "Bench", "groups": ["readers"],
                    "expires_at": int(time.time()) + 3600}
            cookie = SessionCookie(SECRET, secure=False).set_header(user)[1].split(";", 1)[0]
            print(f"companion under waitress: {args.workers} worker processes x {args.threads} threads; nginx "
                  f"1 worker; {os.cpu_count()} CPUs; {args.rounds} runs of {args.duration:g} s each (median, min-max)")
            page = Request("GET", "/members/notes/", headers={"Cookie": cookie}, expect=MARK)
            failed = print_table("GET /members/notes/ (signed in)",
                                 [("through the companion", companion_port, page),
                                  ("through nginx auth_request", nginx_port, page)],
                                 rounds=args.rounds, duration=args.duration)
        finally:
            if nginx is not None:
                nginx.stop()
            for server in servers:
                server.terminate()
                server.join()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
