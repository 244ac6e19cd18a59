#!/usr/bin/env python3
"""Edit-to-browser latency of `atoll serve` on the benchmark corpus (bench/corpus.py).

    .venv/bin/python bench/serve.py [N=10000] [--edits 10]

Starts `atoll serve` on an N-page site, opens a post in Debian's chromium and,
for each kind of edit, saves a change and times until the open page shows it
(the page reloads by itself over the LiveReload socket):

  body    one post's body (only that page re-renders)
  tag     one post's tags (its page, listing and tag pages re-render)
  layout  layouts/post.html (every post re-renders; the open one first)

Also the cold start: spawning `atoll serve` to the first page served (then
waiting for its search index, so that the restarted server times the edits
with nothing indexing behind them). Prints
every sample, the medians, and the server's own "Rebuilt ... in X ms" lines so
the time can be split between rebuilding and the browser.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from corpus import REPO, make_site

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, site: Path, port: int | None = None, idp_port: int | None = None) -> None:
        self.port = port or free_port()
        self.idp_port = idp_port or free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "atoll", "serve", "--site", str(site), "--port", str(self.port),
             "--idp-port", str(self.idp_port)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        while True:
            try:
                with urllib.request.urlopen(self.origin + "/blog/", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
            if self.proc.poll() is not None:
                raise SystemExit(f"atoll serve exited ({self.proc.returncode}):\n" + "\n".join(self.lines))
        self.cold_start = time.monotonic() - started

    def wait_for_index(self, timeout: float = 600) -> float | None:
        """Seconds until the search index is served (None: the site has no search)."""
        started = time.monotonic()
        with urllib.request.urlopen(self.origin + "/blog/", timeout=5) as r:
            if b"data-atoll-search" not in r.read():
                return None
        while time.monotonic() - started < timeout:
            try:
                with urllib.request.urlopen(self.origin + "/pagefind/pagefind.js", timeout=5) as r:
                    if r.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"the search index was not in after {timeout:.0f} s")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def rebuild_ms(self, since: int) -> list[float]:
        return [float(m.group(1)) for line in self.lines[since:]
                if (m := re.search(r"Rebuilt \d+ of \d+ pages in (\d+) ms", line))]

    def stop(self) -> None:
        self.proc.terminate()  # SIGTERM: atoll serve saves its session and exits
        self.proc.wait(timeout=60)


def measure(page, server: Server, edit, marker_of, samples: int, timeout_ms: float) -> tuple[list[float], list[float]]:
    times, rebuilds = [], []
    for i in range(samples):
        marker = marker_of(i)
        before = len(server.lines)
        saved_at = time.time() * 1000  # epoch ms, the clock the browser's Performance API uses
        edit(i)
        expect(page.get_by_text(marker, exact=False).first).to_be_visible(timeout=timeout_ms)
        # when the reloaded page's document was ready, by the browser's own clock (not
        # when Playwright's polling happened to notice)
        ready = page.evaluate("() => performance.timeOrigin + performance.getEntriesByType('navigation')[0]"
                              ".domContentLoadedEventEnd")
        times.append(ready - saved_at)
        # the page may show before the rebuild is over (open pages are rendered first):
        # the next edit starts once it is
        deadline = time.monotonic() + timeout_ms / 1000
        while not server.rebuild_ms(before) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        rebuilds += server.rebuild_ms(before)
    return times, rebuilds


def summary(label: str, times: list[float], rebuilds: list[float]) -> None:
    print(f"{label}: median {statistics.median(times):.0f} ms save-to-browser over {len(times)} edits "
          f"(samples: {', '.join(f'{t:.0f}' for t in times)}); server rebuild median "
          f"{statistics.median(rebuilds):.0f} ms" if rebuilds else "", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, nargs="?", default=10000)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--skip-layout", action="store_true")
    args = parser.parse_args()
    site = make_site(args.n, "atoll-serve-bench")
    (site / "layouts").mkdir(exist_ok=True)
    layout = site / "layouts" / "post.html"
    shutil.copyfile(REPO / "layouts" / "post.html", layout)
    post = site / "content" / "blog" / "post-00042.md"
    original_post, original_layout = post.read_text(), layout.read_text()
    shutil.rmtree(site / ".atoll", ignore_errors=True)  # no previous session
    server = Server(site)
    print(f"cold start ({args.n} pages): {server.cold_start:.2f} s to the first page served", flush=True)
    # The search index follows the first build; stopping before it is in would leave the next
    # session to index the whole site behind the edits timed below.
    indexed = server.wait_for_index()
    print(f"  its search index was in {indexed:.1f} s later" if indexed is not None else "  (search is off)",
          flush=True)
    server.stop()
    server = Server(site, server.port, server.idp_port)  # same origin, as `atoll serve` restarted
    print(f"restart with the previous session ({args.n} pages): {server.cold_start:.2f} s to the first page "
          "served", flush=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(server.origin + "/blog/post-00042/")

            def body(i: int) -> None:
                post.write_text(original_post + f"\n\nBodyMarker{i} paragraph.\n")

            summary("body edit", *measure(page, server, body, lambda i: f"BodyMarker{i}", args.edits, 10_000))

            def tag(i: int) -> None:
                post.write_text(re.sub(r"tags: \[", f'tags: ["benchtag{i}", ', original_post, count=1))

            summary("tag edit", *measure(page, server, tag, lambda i: f"#benchtag{i}", args.edits, 30_000))
            if not args.skip_layout:
                def lay(i: int) -> None:
                    layout.write_text(original_layout.replace("<h1>", f"<p>LayoutMarker{i}</p><h1>", 1))

                summary("layout edit", *measure(page, server, lay, lambda i: f"LayoutMarker{i}",
                                                max(3, args.edits // 3), 300_000))
            browser.close()
    finally:
        post.write_text(original_post)
        layout.write_text(original_layout)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
