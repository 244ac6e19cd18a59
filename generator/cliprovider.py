"""The arguments of ``atoll cognito`` and ``atoll doctor`` (their handlers are in cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from atoll.authurls import DEV_ORIGIN


def _aws_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder, holding site.yaml (default: the current folder)")
    p.add_argument("--region", metavar="REGION", help="AWS region (default: the pool's, or your AWS profile's)")
    p.add_argument("--profile", metavar="NAME", help="AWS profile (default: AWS_PROFILE or the default profile)")
    p.add_argument("--pool-id", metavar="ID", help="the user pool (default: the one auth.authority names)")
    p.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")


def add_cognito_parser(commands: Any) -> None:
    p = commands.add_parser("cognito", help="set up a Cognito user pool and app client for the site",
                            description="Configure Amazon Cognito for the site with your AWS credentials "
                                        "(boto3: environment, profile or SSO). Idempotent; never prints a secret.")
    sub = p.add_subparsers(dest="cognito_command", metavar="ACTION", required=True)
    s = sub.add_parser("setup", help="pool, domain and public app client; writes auth: in site.yaml",
                       description="Find or create the user pool, its managed-login domain and a public app "
                                   "client (no secret, code grant with PKCE, openid/email/profile), register the "
                                   "site's callback and sign-out URLs, then write authority, client_id and "
                                   "cognito_domain into site.yaml's auth: block.")
    _aws_options(s)
    s.add_argument("--create-pool", metavar="NAME", help="use the pool of this name, creating it if there is none")
    s.add_argument("--domain", metavar="PREFIX", help="domain prefix for the login pages, if the pool has none")
    s.add_argument("--client-name", default="atoll-site", metavar="NAME",
                   help="name of the app client to find or create (default: atoll-site)")
    s.add_argument("--login-pages", choices=("managed", "classic"), default="managed",
                   help="managed login (default) or the classic hosted UI, for a new domain")
    s.add_argument("--dev", action="store_true",
                   help=f"also register the URLs of `atoll serve --host localhost` ({DEV_ORIGIN})")
    s.add_argument("--dev-origin", action="append", default=[], metavar="ORIGIN",
                   help="also register this development origin, e.g. http://localhost:8080 (repeatable)")
    g = sub.add_parser("group", help="groups for group-gated pages").add_subparsers(
        dest="group_command", metavar="ACTION", required=True)
    s = g.add_parser("add", help="create a group (cognito:groups in the tokens)")
    s.add_argument("name", metavar="NAME")
    s.add_argument("--description", metavar="TEXT")
    _aws_options(s)
    u = sub.add_parser("user", help="add a user to a group").add_subparsers(
        dest="user_command", metavar="ACTION", required=True)
    s = u.add_parser("add-to-group", help="add an existing user to an existing group")
    s.add_argument("username", metavar="USERNAME")
    s.add_argument("group", metavar="GROUP")
    _aws_options(s)


def add_doctor_parser(commands: Any) -> None:
    p = commands.add_parser("doctor", help="check the site against its identity provider",
                            description="Check what sign-in needs between the site and its provider, and say "
                                        "how to fix what is wrong. Exit status 0 when all is well, 1 otherwise.")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder, holding site.yaml (default: the current folder)")
    p.add_argument("--url", metavar="URL", help="the deployed site, e.g. https://www.example.com/: also check "
                                                "its Content-Security-Policy and companion")
    p.add_argument("--dev", action="store_true",
                   help=f"require the URLs of `atoll serve --host localhost` ({DEV_ORIGIN}) to work; without it, "
                        "atoll serve's URLs are only warned about")
    p.add_argument("--dev-origin", action="append", default=[], metavar="ORIGIN",
                   help="require this development origin's URLs to work (repeatable)")
    p.add_argument("--profile", metavar="NAME", help="AWS profile, to read a Cognito app client's settings")
    p.add_argument("--json", action="store_true", help="print the findings as JSON (for CI)")
