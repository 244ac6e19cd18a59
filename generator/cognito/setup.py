"""``atoll cognito setup``: find or make the user pool, its domain and a public app client for the site.

Every step reads first and changes only what is missing, so a second run
changes nothing. With ``dry_run`` only the reads happen; the steps that would
write say so instead. The site.yaml values come back to the caller, which
writes them once every provider step has succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from atoll.authurls import OriginUrls
from atoll.cognito import plan
from atoll.cognito.aws import Cognito, CognitoError, NotFoundError, authority, domain_url, prefix_domain, region_of_pool

LoginPages = Literal["managed", "classic"]
PENDING = "<made on a real run>"


@dataclass(frozen=True)
class SetupOptions:
    pool_id: str | None = None
    create_pool: str | None = None
    domain: str | None = None
    client_name: str = "atoll-site"
    # The site's own client_id: reused when this pool has such a client.
    site_client_id: str | None = None
    login_pages: LoginPages = "managed"
    dry_run: bool = False


@dataclass
class SetupResult:
    """What was done (or would be), and the values for site.yaml's ``auth:`` block."""

    actions: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


class Setup:
    def __init__(self, aws: Cognito, options: SetupOptions, urls: tuple[OriginUrls, ...], scope: str) -> None:
        self.aws = aws
        self.options = options
        self.need = plan.needs(urls, scope)
        self.result = SetupResult()
        self.verb = "would " if options.dry_run else ""

    def did(self, text: str) -> None:
        self.result.actions.append(self.verb + text)

    def run(self) -> SetupResult:
        pool = self.pool()
        pool_id = str(pool.get("Id", PENDING))
        domain = self.domain(pool, pool_id)
        client_id, managed = self.client(pool_id), domain[1]
        if managed and client_id != PENDING:
            self.branding(pool_id, client_id)
        self.result.values = {"authority": authority(self.aws.region, pool_id), "client_id": client_id,
                              "cognito_domain": domain[0]}
        return self.result

    # ------------------------------------------------------------ the pool

    def pool(self) -> dict[str, Any]:
        o = self.options
        if o.pool_id is not None:
            if region_of_pool(o.pool_id) not in (None, self.aws.region):
                raise CognitoError(f"the user pool {o.pool_id} is in {region_of_pool(o.pool_id)}, "
                                   f"not {self.aws.region}: pass --region {region_of_pool(o.pool_id)}")
            return self.describe_pool(o.pool_id)
        pools = self.aws.pages("list_user_pools", "UserPools", MaxResults=60)
        named = [p for p in pools if o.create_pool is not None and p.get("Name") == o.create_pool]
        if len(named) > 1:
            ids = ", ".join(str(p["Id"]) for p in named)
            raise CognitoError(f"{len(named)} user pools in {self.aws.region} are named {o.create_pool!r} "
                               f"({ids}): pass the one to use with --pool-id")
        if named:
            return self.describe_pool(str(named[0]["Id"]))
        if o.domain is None:
            raise CognitoError("a new user pool needs a domain for its login pages: add --domain PREFIX "
                               "(e.g. --domain field-notes)")
        if o.dry_run:
            self.did(f"create user pool {o.create_pool!r} (sign-in with email)")
            return {"Name": o.create_pool}
        created = self.aws.call("create_user_pool", PoolName=o.create_pool, UsernameAttributes=["email"],
                                AutoVerifiedAttributes=["email"])["UserPool"]
        self.did(f"create user pool {o.create_pool!r} (sign-in with email): {created['Id']}")
        return dict(created)

    def describe_pool(self, pool_id: str) -> dict[str, Any]:
        try:
            return dict(self.aws.call("describe_user_pool", UserPoolId=pool_id)["UserPool"])
        except NotFoundError:
            raise CognitoError(f"there is no user pool {pool_id} in {self.aws.region} "
                               "(check --pool-id and --region)") from None

    # ------------------------------------------------------------ the domain

    def domain(self, pool: dict[str, Any], pool_id: str) -> tuple[str, bool]:
        """The domain's URL, and whether it serves managed login (whose clients need a style)."""
        o = self.options
        existing = pool.get("CustomDomain") or pool.get("Domain")
        url = domain_url(self.aws.region, pool.get("Domain"), pool.get("CustomDomain"))
        if existing and url:
            if o.domain is not None and o.domain != existing:
                raise CognitoError(f"the user pool already has the domain {url}; a pool has one: "
                                   f"leave out --domain, or pass --domain {existing}")
            described = self.aws.call("describe_user_pool_domain", Domain=existing).get("DomainDescription", {})
            return url, described.get("ManagedLoginVersion") == 2
        if o.domain is None:
            raise CognitoError(f"the user pool {pool_id} has no domain for its login pages yet: add --domain PREFIX")
        taken = self.aws.call("describe_user_pool_domain", Domain=o.domain).get("DomainDescription", {})
        if taken.get("UserPoolId") not in (None, pool_id):
            raise CognitoError(f"the domain prefix {o.domain!r} is already used by another user pool: choose another")
        url = prefix_domain(self.aws.region, o.domain)
        version = 2 if o.login_pages == "managed" else 1
        if not o.dry_run:
            self.aws.call("create_user_pool_domain", UserPoolId=pool_id, Domain=o.domain, ManagedLoginVersion=version)
        self.did(f"create the domain {url} ({'managed login' if version == 2 else 'classic hosted UI'})")
        return url, version == 2

    # ------------------------------------------------------------ the app client

    def client(self, pool_id: str) -> str:
        current = self.find_client(pool_id) if pool_id != PENDING else None
        if current is None:
            client_id = PENDING
            if not self.options.dry_run:
                client_id = str(self.aws.call("create_user_pool_client", UserPoolId=pool_id, **plan.new_client(
                    self.options.client_name, self.need))["UserPoolClient"]["ClientId"])
            self.did(f"create the public app client {self.options.client_name!r} (no secret, code grant with "
                     f"PKCE, scopes {' '.join(self.need.scopes)})" + ("" if self.options.dry_run else f": {client_id}"))
            self.result.actions += [f"  callback URL {url}" for url in self.need.callbacks]
            self.result.actions += [f"  sign-out URL {url}" for url in self.need.sign_outs]
            return client_id
        client_id = str(current["ClientId"])
        if current.get("ClientSecret"):
            raise CognitoError(f"the app client {client_id} has a client secret, which a browser cannot keep; "
                               "a secret cannot be removed: pass --client-name NAME to make a public client")
        params, changes = plan.client_update(current, self.need, self.aws.input_fields("update_user_pool_client"))
        if changes and not self.options.dry_run:
            self.aws.call("update_user_pool_client", **params)
        for change in changes:
            self.did(f"{change} (app client {client_id})")
        return client_id

    def find_client(self, pool_id: str) -> dict[str, Any] | None:
        """The site's own client_id if this pool has it, else the client named ``client_name``."""
        wanted = self.options.site_client_id
        if wanted:
            try:
                return dict(self.aws.call("describe_user_pool_client", UserPoolId=pool_id,
                                          ClientId=wanted)["UserPoolClient"])
            except NotFoundError:
                pass
        for item in self.aws.pages("list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id, MaxResults=60):
            if item.get("ClientName") == self.options.client_name:
                return dict(self.aws.call("describe_user_pool_client", UserPoolId=pool_id,
                                          ClientId=item["ClientId"])["UserPoolClient"])
        return None

    def branding(self, pool_id: str, client_id: str) -> None:
        """Managed login shows an error page to clients without a style: give it Cognito's default one."""
        try:
            self.aws.call("describe_managed_login_branding_by_client", UserPoolId=pool_id, ClientId=client_id)
            return
        except NotFoundError:
            pass
        if not self.options.dry_run:
            self.aws.call("create_managed_login_branding", UserPoolId=pool_id, ClientId=client_id,
                          UseCognitoProvidedValues=True)
        self.did(f"give app client {client_id} the default managed-login style")


def setup(aws: Cognito, options: SetupOptions, urls: tuple[OriginUrls, ...], scope: str) -> SetupResult:
    """Raises :class:`CognitoError`, whose ``done`` lists the steps that succeeded before it."""
    if (options.pool_id is None) == (options.create_pool is None):
        raise CognitoError("say which user pool: --pool-id ID for an existing one, or --create-pool NAME")
    run = Setup(aws, options, urls, scope)
    try:
        return run.run()
    except CognitoError as exc:
        exc.done = tuple(run.result.actions)
        raise
