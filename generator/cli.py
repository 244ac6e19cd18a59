"""The ``atoll`` command. The only place that prints errors or picks exit codes.

Exit codes: 0 success, 1 the site has errors or a server cannot start, 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from atoll import __version__
from atoll.authurls import DEV_ORIGIN
from atoll.build import cache
from atoll.build.output import MARKER
from atoll.build.parallel import collect_less_often
from atoll.build.pipeline import build
from atoll.cliprovider import add_cognito_parser, add_doctor_parser
from atoll.config import SiteConfig, is_loopback_host, load_config
from atoll.errors import BuildFailed, SiteError, StartError, errors_count

# serve, companion and idp import their servers (tornado, waitress, PyJWT) only when
# used, so that `atoll build` starts quickly.

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
    p.add_argument("--protected-out", type=Path, metavar="DIR",
                   help="the protected output folder (default: the site's 'protected_output' setting, or the "
                        "output's path with -protected appended, e.g. dist-protected/)")
    p.add_argument("--drafts", action="store_true", help="include pages marked 'draft: true'")
    p.add_argument("--base-url", metavar="URL",
                   help="the URL the site is served from, e.g. https://example.github.io/docs/")
    p.add_argument("--jobs", type=int, metavar="N", help="processes to render with (default: one per core)")
    p.add_argument("--no-cache", action="store_true",
                   help="render everything, ignoring (and not updating) the build cache in .atoll/")

    p = commands.add_parser("clean", help="delete the build cache, the dev server's output and the output folder",
                            description="Delete the site's build cache (.atoll/cache/), the dev server's output "
                                        "(.atoll/serve/) and its output folder (dist/), each only if Atoll "
                                        "wrote it.")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder (default: the current folder)")

    p = commands.add_parser("serve", help="dev server: build, watch, live reload, sign-in that just works",
                            description="Build the site (drafts included), serve it with live reload and the "
                                        "companion endpoint, and rebuild what changed on every save. With no "
                                        "auth.authority, also run the embedded dev identity provider.")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder (default: the current folder)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, metavar="PORT",
                   help="port of the site (default: 4321, or the next free one if it is busy)")
    p.add_argument("--idp-port", type=int, metavar="PORT",
                   help="port of the dev identity provider (default: 4322, or the next free one)")
    p.add_argument("--no-drafts", action="store_true", help="hide pages marked 'draft: true'")
    p.add_argument("--dev-idp", action="store_true",
                   help="sign in through the embedded dev identity provider even if auth.authority is set")
    p.add_argument("--jobs", type=int, metavar="N", help="processes for big rebuilds (default: one per core)")

    p = commands.add_parser("companion", help="run the companion endpoint (and the site's API) in production",
                            description="Serve /auth/session and the site's API under waitress. Needs "
                                        "ATOLL_SESSION_SECRET; copies share nothing else.")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder (default: the current folder)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--protected", type=Path, metavar="DIR",
                   help="the protected output to serve (default: the site's protected_output, or its output "
                        "folder with -protected appended, e.g. dist-protected/)")

    p = commands.add_parser("idp", help="run the embedded dev identity provider alone",
                            description="A Cognito-shaped OIDC provider for development and tests, on "
                                        "127.0.0.1. Never use it for real readers.")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="a site whose auth block (client_id, dev_users) it serves (default: the current "
                        "folder, if it has a site.yaml)")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, metavar="PORT", help="port (default: 4322, or the next free one if it is busy)")
    p.add_argument("--site-origin", default="http://127.0.0.1:4321", metavar="URL",
                   help="origin of the site signing in (default: http://127.0.0.1:4321)")

    p = commands.add_parser("new", help="start a new site on the default theme",
                            description="Scaffold a working site in DIR: site.yaml and content/ only; "
                                        "the layouts, scripts and stylesheet come from the installed theme.")
    p.add_argument("dir", type=Path, metavar="DIR")
    add_cognito_parser(commands)
    add_doctor_parser(commands)

    p = commands.add_parser("eject", help="copy one file of the default theme into the site, to override it",
                            description="Copy PATH (e.g. layouts/partials/header.html, public/css/site.css) "
                                        "from the installed default theme into the site. The site's copy "
                                        "wins from then on; every other file keeps coming from the theme. "
                                        "With --list, print the theme's files.")
    p.add_argument("path", nargs="?", metavar="PATH")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder (default: the current folder)")
    p.add_argument("--list", action="store_true", help="list the theme's files instead")
    return parser


def _load(site: Path, base_url: str | None) -> SiteConfig:
    config = load_config(site)
    return config.with_base_url(base_url) if base_url else config


def _print_errors(exc: BuildFailed, err: TextIO, *, kept: Path | None) -> None:
    for error in exc.errors:
        print(str(error), file=err)
    tail = f"; {kept} was left as it was" if kept is not None and kept.exists() else ""
    print(f"Build failed: {errors_count(len(exc.errors))}{tail}.", file=err)


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
    collect_less_often()
    try:
        config = _load(args.site, args.base_url)
        target = (args.out if args.out is not None else config.root / config.output).resolve()
        protected = args.protected_out.resolve() if args.protected_out is not None else None
        report = build(config, out=target, drafts=args.drafts, jobs=args.jobs, progress=progress,
                       use_cache=not args.no_cache, protected_out=protected)
    except BuildFailed as exc:
        progress.clear()
        _print_errors(exc, err, kept=target)
        return EXIT_SITE_ERRORS
    except OSError as exc:  # the disk, not the site: full, read-only, permissions
        progress.clear()
        print(f"atoll build: cannot write the output: {exc}; the previous output was left as it was",
              file=err)
        return EXIT_SITE_ERRORS
    progress.clear()
    for note in report.notes:
        print(f"note: {note}", file=err)
    host = urlsplit(config.base_url).hostname
    if is_loopback_host(host):
        print(f"warning: base_url is {config.base_url}, a loopback address: the canonical URLs, "
              "social cards, feed, sitemap and robots.txt all point at this machine.\n"
              "  hint: set base_url in site.yaml to the address readers will use (or pass --base-url) "
              "before deploying", file=err)
    if config.auth is not None and config.auth.authority is None:
        print("note: auth.authority is not set: sign-in works only under `atoll serve` (its dev "
              "identity provider); set it before deploying", file=err)
    shown = _shown_path(report.output)
    reused = report.pages - report.rendered
    detail = f" ({report.rendered} rendered, {reused} unchanged)" if reused else ""
    guarded = f" (protected pages into {_shown_path(report.protected)})" if report.protected else ""
    print(f"Built {report.pages} pages{detail} and {report.assets} assets into {shown}{guarded} "
          f"in {report.seconds:.2f} s", file=out)
    return EXIT_OK


def _cmd_clean(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not args.site.is_dir():
        print(f"atoll clean: the site folder {args.site} does not exist", file=err)
        return EXIT_USAGE
    config = load_config(args.site)  # a broken site.yaml: BuildFailed, reported by main()
    removed = []
    if cache.clean(config.root):
        removed.append(str(cache.cache_path(config.root).parent))
    served = cache.serve_output(config.root)
    if (served / MARKER).exists():  # the dev server's output
        shutil.rmtree(served)
        removed.append(str(served))
    target = config.root / config.output
    for folder in (target, config.protected_out(target.resolve())):
        if (folder / MARKER).exists():  # only a folder Atoll wrote
            shutil.rmtree(folder)
            removed.append(str(folder))
    print("Removed " + ", ".join(removed) if removed else "Nothing to clean.", file=out)
    return EXIT_OK


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(path) + "/"


def _cmd_new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from atoll.scaffold import scaffold

    try:
        created = scaffold(args.dir)
    except SiteError as exc:
        print(f"atoll new: {exc}", file=err)
        return EXIT_SITE_ERRORS
    except OSError as exc:
        print(f"atoll new: cannot create the site: {exc}", file=err)
        return EXIT_SITE_ERRORS
    print(f"Created a new site in {args.dir} ({created} files).\n"
          f"Next: atoll build --site {args.dir}   (or: cd {args.dir} && atoll serve)", file=out)
    return EXIT_OK


def _cmd_eject(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from atoll.eject import eject, theme_files

    if args.list or not args.path:
        if not args.list:
            print("atoll eject: name the theme file to copy, e.g. layouts/partials/header.html "
                  "(atoll eject --list shows them all)", file=err)
            return EXIT_USAGE
        for name in theme_files():
            print(name, file=out)
        return EXIT_OK
    if not args.site.is_dir():
        print(f"atoll eject: the site folder {args.site} does not exist", file=err)
        return EXIT_USAGE
    try:
        target = eject(args.site, args.path)
    except SiteError as exc:
        print(f"atoll eject: {exc.message}", file=err)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=err)
        return EXIT_SITE_ERRORS
    print(f"Copied the theme's {args.path} to {_shown_path(target)}; edit it there: it now overrides "
          "the theme's.", file=out)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:  # noqa: ARG001 - one signature for every command
    from atoll.serve.server import ServeOptions, serve

    if not args.site.is_dir():
        print(f"atoll serve: the site folder {args.site} does not exist", file=err)
        return EXIT_USAGE
    if args.port is not None and args.port == args.idp_port:
        print("atoll serve: --port and --idp-port must differ", file=err)
        return EXIT_USAGE
    if not all(1 <= port <= 65535 for port in (args.port, args.idp_port) if port is not None):
        print("atoll serve: ports must be between 1 and 65535", file=err)
        return EXIT_USAGE
    options = ServeOptions(host=args.host, port=args.port, idp_port=args.idp_port,
                           drafts=not args.no_drafts, jobs=args.jobs, dev_idp=args.dev_idp)
    collect_less_often()
    serve(args.site, options, log=err)
    print("\nStopped.", file=err)
    return EXIT_OK


def _cmd_companion(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:  # noqa: ARG001 - one signature for every command
    from atoll.companion import run_companion

    config = load_config(args.site)  # a broken site.yaml: BuildFailed, reported by main()
    run_companion(config, log=err, host=args.host, port=args.port, protected=args.protected)
    return EXIT_OK


def _cmd_idp(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:  # noqa: ARG001 - one signature for every command
    from atoll.devidp import run_idp

    config = load_config(args.site) if (args.site / "site.yaml").exists() else None
    run_idp(config, log=err, host=args.host, port=args.port, site_origin=args.site_origin)
    return EXIT_OK


# ---------------------------------------------------------------- atoll cognito, atoll doctor


def _cmd_cognito(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from atoll import cognito
    from atoll.cognito.site import choose_pool, read_site, require_pool, run_setup

    try:
        if args.cognito_command == "setup":
            if args.pool_id and args.create_pool:
                print("atoll cognito setup: pass --pool-id or --create-pool, not both", file=err)
                return EXIT_USAGE
            options = cognito.SetupOptions(pool_id=args.pool_id, create_pool=args.create_pool, domain=args.domain,
                                           client_name=args.client_name, login_pages=args.login_pages,
                                           dry_run=args.dry_run)
            dev = (DEV_ORIGIN,) if args.dev else ()
            lines = run_setup(args.site, options, region=args.region, profile=args.profile,
                              dev_origins=(*dev, *args.dev_origin))
        else:
            choice = choose_pool(read_site(args.site), args.region, args.pool_id)
            aws = cognito.Cognito(choice.region, profile=args.profile)
            if args.cognito_command == "group":
                lines = [cognito.add_group(aws, require_pool(choice), args.name, description=args.description,
                                           dry_run=args.dry_run)]
            else:
                lines = [cognito.add_user_to_group(aws, require_pool(choice), args.username, args.group,
                                                   dry_run=args.dry_run)]
    except cognito.CognitoError as exc:
        if exc.done:
            print("Done before the error (a second run goes on from there):", *exc.done, sep="\n  ", file=err)
        print(f"atoll cognito: {exc}; site.yaml was left as it was.", file=err)
        return EXIT_SITE_ERRORS
    print("\n".join(lines), file=out)
    return EXIT_OK


def _cmd_doctor(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from atoll.doctor import DoctorOptions, diagnose, render_json, render_text

    config = load_config(args.site)  # a broken site.yaml: BuildFailed, reported by main()
    dev = (DEV_ORIGIN,) if args.dev else ()
    options = DoctorOptions(url=args.url, dev_origins=(*dev, *args.dev_origin), profile=args.profile)
    try:
        report = diagnose(config, options, environ=os.environ)
    except ValueError as exc:
        print(f"atoll doctor: {exc}", file=err)
        return EXIT_USAGE
    print(render_json(report) if args.json else render_text(report), file=out)
    return EXIT_OK if report.ok else EXIT_SITE_ERRORS


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and bad usage (2)
        return int(exc.code or 0)
    handlers = {"build": _cmd_build, "new": _cmd_new, "eject": _cmd_eject, "clean": _cmd_clean, "serve": _cmd_serve,
                "companion": _cmd_companion, "idp": _cmd_idp, "cognito": _cmd_cognito, "doctor": _cmd_doctor}
    if args.command is None:
        parser.print_help(err)
        return EXIT_USAGE
    try:
        return handlers[args.command](args, out, err)
    except BuildFailed as exc:  # a broken site.yaml, outside a build (atoll build reports its own)
        for error in exc.errors:
            print(str(error), file=err)
        print(f"atoll {args.command}: stopped, the site has {errors_count(len(exc.errors))}.", file=err)
        return EXIT_SITE_ERRORS
    except StartError as exc:  # a server that cannot start: a busy port, a missing secret...
        print(f"atoll {args.command}: {exc}", file=err)
        return EXIT_SITE_ERRORS
    except KeyboardInterrupt:
        print("\nInterrupted; the output folder was left as it was.", file=err)
        return 130
