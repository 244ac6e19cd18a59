"""The embedded dev identity provider: a Cognito-shaped OIDC provider for development and tests.

Endpoints (ARCHITECTURE.md): discovery, JWKS, ``/oauth2/authorize`` (login
form), ``/oauth2/token`` (code + PKCE S256, refresh_token, optionally rotated),
``/oauth2/revoke`` (RFC 7009, as Cognito's), ``/oauth2/userInfo``,
Cognito's ``/logout`` and a standard ``end_session_endpoint`` (``/oauth2/logout``).
"""

from atoll.devidp.app import DevIdpApp, create_app
from atoll.devidp.runner import run_idp, start_idp
from atoll.devidp.settings import DEFAULT_CLIENT_ID, DevIdpSettings, settings_from_site
from atoll.devidp.tokens import subject

__all__ = ["DEFAULT_CLIENT_ID", "DevIdpApp", "DevIdpSettings", "create_app", "run_idp", "settings_from_site",
           "start_idp", "subject"]
