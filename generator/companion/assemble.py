"""One place that turns settings into the working parts: provider, token rules, sessions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from atoll.companion.provider import Fetch, Provider, make_fetch
from atoll.companion.sessions import Grants, Policy, SessionKeys, Sessions, make_post, open_store
from atoll.companion.sessions.grants import Post
from atoll.companion.settings import CompanionSettings
from atoll.companion.verify import Rules


@dataclass(frozen=True)
class Parts:
    provider: Provider
    rules: Rules
    sessions: Sessions


def assemble(settings: CompanionSettings, *, clock: Callable[[], float] = time.time, fetch: Fetch | None = None,
             post: Post | None = None) -> Parts:
    provider = Provider(settings.issuer, fetch=fetch or make_fetch(settings.http_timeout), clock=clock,
                        min_interval=settings.min_refetch_interval, max_age=settings.cache_max_age,
                        require_kid=settings.cognito)
    rules = Rules(issuer=settings.issuer, client_id=settings.client_id, audience=settings.audience,
                  cognito=settings.cognito, leeway=settings.leeway, groups_claim=settings.groups_claim_name)
    grants = Grants(provider, settings.client_id, post or make_post(settings.http_timeout),
                    revocation_url=settings.revocation_url)
    store = open_store(settings.sessions, root=Path.cwd(), clock=clock)
    sessions = Sessions(
        store, SessionKeys(settings.secrets, site=f"{settings.issuer} {settings.client_id}"),
        issuer=settings.issuer, client_id=settings.client_id, secure=settings.secure,
        policy=Policy(idle_timeout=settings.idle_timeout, max_age=settings.max_session_age),
        provider=provider, rules=rules, grants=grants, clock=clock)
    return Parts(provider, rules, sessions)
