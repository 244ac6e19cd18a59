"""What a site needs from its Cognito app client, and the changes that get it there (pure functions).

Settings are only ever added, never taken away: URLs of other sites or
origins the author registered stay, as do extra scopes and identity providers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from atoll.authurls import OriginUrls

REQUIRED_SCOPES = ("openid", "email", "profile")


@dataclass(frozen=True)
class ClientNeeds:
    callbacks: tuple[str, ...]
    sign_outs: tuple[str, ...]
    scopes: tuple[str, ...]


def needs(urls: Iterable[OriginUrls], scope: str) -> ClientNeeds:
    urls = tuple(urls)
    scopes = tuple(dict.fromkeys([*REQUIRED_SCOPES, *scope.split()]))
    return ClientNeeds(callbacks=tuple(u.callback for u in urls), sign_outs=tuple(u.sign_out for u in urls),
                       scopes=scopes)


def new_client(name: str, need: ClientNeeds) -> dict[str, Any]:
    """``create_user_pool_client`` parameters: a public client (no secret) for the code grant with PKCE."""
    return {
        "ClientName": name,
        "GenerateSecret": False,
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": list(need.scopes),
        "SupportedIdentityProviders": ["COGNITO"],
        "CallbackURLs": list(need.callbacks),
        "LogoutURLs": list(need.sign_outs),
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True,
    }


def _added(current: Any, wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    have = [str(v) for v in current] if isinstance(current, list) else []
    new = [v for v in dict.fromkeys(wanted) if v not in have]
    return have + new, new


def client_update(current: Mapping[str, Any], need: ClientNeeds,
                  accepted: frozenset[str]) -> tuple[dict[str, Any], list[str]]:
    """``update_user_pool_client`` parameters (every current setting carried over, since the call
    resets what it is not given) and one line per change; no lines: nothing to do."""
    params = {k: v for k, v in current.items() if k in accepted}
    changes: list[str] = []
    for key, wanted, what in (("CallbackURLs", need.callbacks, "allowed callback URL"),
                              ("LogoutURLs", need.sign_outs, "allowed sign-out URL"),
                              ("AllowedOAuthScopes", need.scopes, "scope"),
                              ("AllowedOAuthFlows", ["code"], "OAuth grant")):
        params[key], new = _added(current.get(key), wanted)
        changes += [f"add {what} {value}" for value in new]
    if not current.get("AllowedOAuthFlowsUserPoolClient"):
        params["AllowedOAuthFlowsUserPoolClient"] = True
        changes.append("turn on OAuth 2.0 flows for the client")
    if not current.get("SupportedIdentityProviders"):
        params["SupportedIdentityProviders"] = ["COGNITO"]
        changes.append("sign in with the user pool itself (identity provider COGNITO)")
    return params, changes


def client_problems(current: Mapping[str, Any], need: ClientNeeds) -> list[str]:
    """What keeps a described app client from signing readers in to the site (doctor's view)."""
    problems = []
    if current.get("ClientSecret"):
        problems.append("the app client has a client secret, which a browser cannot keep: make a public "
                        "client (no secret) for the site")
    _, missing = client_update(current, need, frozenset())
    problems += missing
    return problems
