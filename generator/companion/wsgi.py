"""An importable WSGI app for any WSGI server or serverless adapter.

    ATOLL_SITE=/srv/mysite ATOLL_SESSION_SECRET=... gunicorn -w 2 'atoll.companion.wsgi:application'

For AWS Lambda, hand ``application`` to a WSGI adapter (e.g. apig-wsgi's
``make_lambda_handler(application)``). ``ATOLL_SITE`` (default ".") is the
site folder holding ``site.yaml``; the secret is the same for every copy.
The app is built on first access, so importing this module reads nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from atoll.companion.app import CompanionApp, create_app
from atoll.companion.settings import fallbacks_from_env, load_api, secret_from_env, settings_from_site
from atoll.config import load_config


def make_application(environ: Mapping[str, str] = os.environ) -> CompanionApp:
    """Build the app from ``ATOLL_SITE`` and ``ATOLL_SESSION_SECRET`` (raises with a clear message)."""
    site = load_config(Path(environ.get("ATOLL_SITE", ".")))
    settings = settings_from_site(site, secret=secret_from_env(environ), fallbacks=fallbacks_from_env(environ))
    return create_app(settings, api=load_api(site))


def __getattr__(name: str) -> Any:
    if name == "application":
        app = make_application()
        globals()["application"] = app
        return app
    raise AttributeError(name)
