"""``atoll cognito group add`` and ``user add-to-group``: the groups that gate pages (``cognito:groups``)."""

from __future__ import annotations

from atoll.cognito.aws import Cognito, CognitoError, NotFoundError


def _no_pool(aws: Cognito, pool_id: str) -> CognitoError:
    return CognitoError(f"there is no user pool {pool_id} in {aws.region} (check --pool-id and --region)")


def _check_pool(aws: Cognito, pool_id: str) -> None:
    try:
        aws.call("describe_user_pool", UserPoolId=pool_id)
    except NotFoundError:
        raise _no_pool(aws, pool_id) from None


def add_group(aws: Cognito, pool_id: str, name: str, *, description: str | None = None,
              dry_run: bool = False) -> str:
    """Create group ``name`` unless it exists; the line to print."""
    _check_pool(aws, pool_id)
    try:
        aws.call("get_group", UserPoolId=pool_id, GroupName=name)
        return f"Group {name!r} already exists in {pool_id}; nothing to change."
    except NotFoundError:
        pass
    if dry_run:
        return f"Would create group {name!r} in {pool_id}."
    extra = {"Description": description} if description else {}
    aws.call("create_group", UserPoolId=pool_id, GroupName=name, **extra)
    return f"Created group {name!r} in {pool_id}."


def add_user_to_group(aws: Cognito, pool_id: str, username: str, group: str, *, dry_run: bool = False) -> str:
    """Add ``username`` to ``group`` unless already a member; the line to print."""
    _check_pool(aws, pool_id)
    try:
        aws.call("admin_get_user", UserPoolId=pool_id, Username=username)
    except NotFoundError:
        raise CognitoError(f"there is no user {username!r} in {pool_id}") from None
    try:
        aws.call("get_group", UserPoolId=pool_id, GroupName=group)
    except NotFoundError:
        raise CognitoError(f"there is no group {group!r} in {pool_id}: make it with "
                           f"`atoll cognito group add {group}`") from None
    groups = aws.pages("admin_list_groups_for_user", "Groups", UserPoolId=pool_id, Username=username)
    if any(g.get("GroupName") == group for g in groups):
        return f"{username!r} is already in group {group!r}; nothing to change."
    if dry_run:
        return f"Would add {username!r} to group {group!r}."
    aws.call("admin_add_user_to_group", UserPoolId=pool_id, Username=username, GroupName=group)
    return f"Added {username!r} to group {group!r}; it reaches the site in cognito:groups at their next sign-in."
