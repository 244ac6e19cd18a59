"""A real nginx (Debian's nginx-light) in front of the companion, as the docs' recipe sets it up.

The ``server`` block comes verbatim from ``content/docs/sign-in/protected-pages.md``
(its "nginx (tested)" section), with the folders and ports swapped for the test's, so
the recipe readers copy is the one the suite runs. nginx runs in the foreground
(``daemon off;``) with its pid, logs and temp folders in a temporary folder, on a free
loopback port, and is stopped by its PID.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e_helpers import http_status
from serve_helpers import free_port

REPO = Path(__file__).resolve().parent.parent
RECIPE = REPO / "content" / "docs" / "sign-in" / "protected-pages.md"
NGINX = "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"


def recipe() -> str:
    """The nginx block of the docs' tested recipe."""
    text = RECIPE.read_text(encoding="utf-8")
    section = text.split("## nginx (tested)", 1)[1]
    found = re.search(r"```nginx\n(.*?)```", section, re.S)
    assert found is not None, "the docs' nginx recipe has no ```nginx block"
    return found.group(1)


def nginx_config(*, port: int, companion: str, dist: Path, protected: Path, scratch: Path,
                 gate: str = "auth_request") -> str:
    """``gate``: "auth_request" (the docs' recipe) or "companion" (:func:`companion_serves`)."""
    block = (recipe() if gate == "auth_request" else companion_serves(recipe()))
    block = (block
             .replace("/srv/mysite/dist-protected", str(protected))
             .replace("/srv/mysite/dist", str(dist))
             .replace("127.0.0.1:8000", companion)
             .replace("listen 127.0.0.1:8080", f"listen 127.0.0.1:{port}"))
    temp = "\n".join(f"    {name}_temp_path {scratch / name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root, nginx's workers would run as www-data, which cannot read pytest's private tmp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""daemon off;
{user}worker_processes 1;
pid {scratch / "nginx.pid"};
error_log {scratch / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {scratch / "access.log"};
{temp}
{block}
}}
"""


@dataclass
class Nginx:
    url: str
    popen: subprocess.Popen[bytes]
    scratch: Path

    def error_log(self) -> str:
        try:
            return (self.scratch / "error.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGQUIT)  # graceful stop of master and worker
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


def require_nginx() -> None:
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} is missing: run `sh tools/setup-test.sh` (it installs Debian's nginx-light)")


def start_nginx(*, companion: str, dist: Path, protected: Path, scratch: Path, port: int | None = None,
                gate: str = "auth_request") -> Nginx:
    require_nginx()
    port = port or free_port()
    scratch.mkdir(parents=True, exist_ok=True)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (scratch / name).mkdir(exist_ok=True)
    conf = scratch / "nginx.conf"
    conf.write_text(nginx_config(port=port, companion=companion, dist=dist, protected=protected, scratch=scratch,
                                 gate=gate))
    check = subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(scratch)], capture_output=True, text=True)
    assert check.returncode == 0, f"nginx rejects the recipe:\n{check.stderr}"
    with (scratch / "stderr.log").open("wb") as stderr:
        popen = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(scratch)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=stderr)
    server = Nginx(f"http://127.0.0.1:{port}", popen, scratch)
    deadline = time.monotonic() + 10
    while http_status(server.url + "/") is None:
        if popen.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"nginx did not start:\n{server.error_log()}")
        time.sleep(0.05)
    return server


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def companion_serves(block: str) -> str:
    """The recipe turned into the other production shape: nginx hands protected URLs to the
    companion, which serves them itself (as a CloudFront behaviour with the companion as origin)."""
    gate_start = block.index("    location /_atoll_gate/ {")
    gate_end = block.index("    location = /_atoll_check {")
    proxied = ("    location /_atoll_gate/ {\n        internal;\n"
               "        proxy_pass http://atoll_companion$request_uri;\n        proxy_set_header Host $host;\n"
               "        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n    }\n\n")
    return block[:gate_start] + proxied + block[gate_end:]
