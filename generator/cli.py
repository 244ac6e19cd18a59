"""The ``atoll`` command. The only place that prints errors or picks exit codes.

Exit codes: 0 success, 1 the site has errors, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__
from generator.build import build
from generator.config import SiteConfig, load_config
from generator.errors import BuildFailed, SiteError

EXIT_OK, EXIT_SITE_ERRORS, EXIT_USAGE = 0, 1, 2


class _Progress:
    """A one-line progress display on an interactive terminal, for builds that take a moment."""

    DELAY = 0.5

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False
        self.enabled = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.started < self.DELAY:
            return
        self.shown = True
        self.stream.write(f"\rRendering {done}/{total} ({100 * done // max(total, 1)}%)")
        self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atoll",
        description="Atoll: a static site generator for sites whose readers sign in.",
    )
    parser.add_argument("--version", action="version", version=f"atoll {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("build", help="build the site into static HTML",
                            description="Build the site in --site into --out (default: dist/).")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder, holding site.yaml (default: the current folder)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="the output folder (default: the site's 'output' setting, dist/)")
    p.add_argument("--drafts", action="store_true", help="include pages marked 'draft: true'")
    p.add_argument("--base-url", metavar="URL",
                   help="the URL the site is served from, e.g. https://example.github.io/docs/")
    p.add_argument("--jobs", type=int, metavar="N", help="processes to render with (default: one per core)")

    p = commands.add_parser("new", help="start a new site from the default theme",
                            description="Scaffold a working site in DIR.")
    p.add_argument("dir", type=Path, metavar="DIR")
    return parser


def _load(site: Path, base_url: str | None) -> SiteConfig:
    config = load_config(site)
    return config.with_base_url(base_url) if base_url else config


def _print_errors(exc: BuildFailed, err: TextIO, *, kept: Path | None) -> None:
    for error in exc.errors:
        print(str(error), file=err)
    count = len(exc.errors)
    tail = f"; {kept} was left as it was" if kept is not None and kept.exists() else ""
    print(f"Build failed: {count} error{'s' if count != 1 else ''}{tail}.", file=err)


def _cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.jobs is not None and args.jobs < 1:
        print("atoll build: --jobs must be at least 1", file=err)
        return EXIT_USAGE
    if args.base_url is not None and not args.base_url.startswith(("http://", "https://")):
        print(f"atoll build: --base-url must be an http(s) URL, got {args.base_url!r}", file=err)
        return EXIT_USAGE
    if not args.site.is_dir():
        print(f"atoll build: the site folder {args.site} does not exist", file=err)
        return EXIT_USAGE
    target = None
    progress = _Progress(err)
    try:
        config = _load(args.site, args.base_url)
        target = (args.out if args.out is not None else config.root / config.output).resolve()
        report = build(config, out=target, drafts=args.drafts, jobs=args.jobs, progress=progress)
    except BuildFailed as exc:
        progress.clear()
        _print_errors(exc, err, kept=target)
        return EXIT_SITE_ERRORS
    progress.clear()
    for note in report.notes:
        print(f"note: {note}", file=err)
    if config.auth is not None and config.auth.authority is None:
        print("note: auth.authority is not set: sign-in works only under `atoll serve` (its dev "
              "identity provider); set it before deploying", file=err)
    shown = _shown_path(report.output)
    print(f"Built {report.pages} pages and {report.assets} assets into {shown} "
          f"in {report.seconds:.2f} s", file=out)
    return EXIT_OK


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(path) + "/"


def _cmd_new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.scaffold import scaffold

    try:
        created = scaffold(args.dir)
    except SiteError as exc:
        print(f"atoll new: {exc}", file=err)
        return EXIT_SITE_ERRORS
    print(f"Created a new site in {args.dir} ({created} files).\n"
          f"Next: atoll build --site {args.dir}   (or: cd {args.dir} && atoll serve)", file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and bad usage (2)
        return int(exc.code or 0)
    handlers = {"build": _cmd_build, "new": _cmd_new}
    if args.command is None:
        parser.print_help(err)
        return EXIT_USAGE
    try:
        return handlers[args.command](args, out, err)
    except KeyboardInterrupt:
        print("\nInterrupted; the output folder was left as it was.", file=err)
        return 130
