"""``atoll cognito group add`` and ``user add-to-group`` against moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moto_helpers import REGION, make_pool
from sitekit import run_atoll


def site(tmp_path: Path, pool_id: str) -> Path:
    (tmp_path / "site.yaml").write_text(
        "title: T\nbase_url: https://www.example.com/\nauth:\n  client_id: c\n"
        f"  authority: https://cognito-idp.{REGION}.amazonaws.com/{pool_id}\n", encoding="utf-8")
    return tmp_path


def test_group_add_is_idempotent_and_uses_the_sites_pool(aws: Any, tmp_path: Path) -> None:
    pool_id = make_pool(aws)
    root = site(tmp_path, pool_id)
    dry = run_atoll("cognito", "group", "add", "admins", "--site", root, "--dry-run")
    assert dry.code == 0 and dry.out.startswith("Would create group 'admins'")
    assert aws.list_groups(UserPoolId=pool_id)["Groups"] == []
    made = run_atoll("cognito", "group", "add", "admins", "--site", root, "--description", "Site admins")
    assert made.code == 0 and made.out == f"Created group 'admins' in {pool_id}.\n"
    assert aws.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Description"] == "Site admins"
    again = run_atoll("cognito", "group", "add", "admins", "--site", root)
    assert again.code == 0 and "already exists" in again.out and "nothing to change" in again.out


def test_user_add_to_group(aws: Any, tmp_path: Path) -> None:
    pool_id = make_pool(aws)
    aws.admin_create_user(UserPoolId=pool_id, Username="ada")
    root = site(tmp_path, pool_id)
    missing = run_atoll("cognito", "user", "add-to-group", "ada", "admins", "--site", root)
    assert missing.code == 1
    assert "there is no group 'admins'" in missing.err and "atoll cognito group add admins" in missing.err
    assert run_atoll("cognito", "group", "add", "admins", "--site", root).code == 0
    nobody = run_atoll("cognito", "user", "add-to-group", "bob", "admins", "--site", root)
    assert nobody.code == 1 and f"there is no user 'bob' in {pool_id}" in nobody.err
    added = run_atoll("cognito", "user", "add-to-group", "ada", "admins", "--site", root)
    assert added.code == 0 and added.out.startswith("Added 'ada' to group 'admins'")
    groups = aws.admin_list_groups_for_user(UserPoolId=pool_id, Username="ada")["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
    again = run_atoll("cognito", "user", "add-to-group", "ada", "admins", "--site", root)
    assert again.code == 0 and "already in group" in again.out


def test_group_commands_need_a_pool(aws: Any, tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: T\nauth:\n  client_id: c\n", encoding="utf-8")
    result = run_atoll("cognito", "group", "add", "admins", "--site", tmp_path, "--region", REGION)
    assert result.code == 1 and "say which user pool: --pool-id ID" in result.err
    result = run_atoll("cognito", "group", "add", "admins", "--site", tmp_path, "--pool-id", f"{REGION}_gone")
    assert result.code == 1 and f"there is no user pool {REGION}_gone in {REGION}" in result.err
