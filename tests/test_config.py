from __future__ import annotations

from pathlib import Path

import pytest

from atoll.config import load_config, parse_config
from atoll.errors import BuildFailed


def errors_of(text: str) -> list[str]:
    with pytest.raises(BuildFailed) as info:
        parse_config(text, Path("."))
    return [str(e) for e in info.value.errors]


def test_defaults_and_derived_values() -> None:
    c = parse_config("title: Docs\nbase_url: https://example.github.io/docs\n", Path("."))
    assert c.base_url == "https://example.github.io/docs/"
    assert c.base_path == "/docs/"
    assert c.origin == "https://example.github.io"
    assert c.output == "dist" and c.per_page == 10 and c.auth is None


def test_unknown_key_is_an_error_with_its_line() -> None:
    [error] = errors_of("title: X\nbase_url: https://a.example/\nper_pgae: 3\n")
    assert error.startswith("site.yaml:3: unknown key 'per_pgae'")
    assert "per_page" in error  # the hint lists the known keys


def test_unknown_auth_key_is_an_error() -> None:
    [error] = errors_of("title: X\nauth:\n  client_id: a\n  clientid: b\n")
    assert error.startswith("site.yaml:4: auth: unknown key 'clientid'")


def test_yaml_syntax_error_names_the_line() -> None:
    [error] = errors_of("title: X\nmenu: [a, b\nper_page: 3\n")
    assert error.startswith("site.yaml:2: YAML syntax error")


@pytest.mark.parametrize("authority", ["http://idp.example.com", "ftp://x", "not a url"])
def test_authority_must_be_https(authority: str) -> None:
    [error] = errors_of(f"title: X\nauth:\n  client_id: a\n  authority: {authority}\n")
    assert "must be an https URL" in error and error.startswith("site.yaml:4:")


@pytest.mark.parametrize("authority", ["http://127.0.0.1:4322", "http://localhost:9000/realm"])
def test_http_authority_is_allowed_on_loopback(authority: str) -> None:
    c = parse_config(f"title: X\nauth:\n  client_id: a\n  authority: {authority}\n", Path("."))
    assert c.auth is not None and c.auth.authority == authority


def test_missing_client_id_and_bad_paths() -> None:
    errors = errors_of("title: X\nauth:\n  redirect_path: callback\n  scope: email\n")
    assert any("'client_id' is required" in e for e in errors)
    assert any("'redirect_path' must be a path" in e for e in errors)
    assert any("'scope' must include 'openid'" in e for e in errors)


def test_cognito_detection() -> None:
    pool = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"
    c = parse_config(f"title: X\nauth:\n  client_id: a\n  authority: {pool}\n", Path("."))
    assert c.auth is not None and c.auth.is_cognito
    c = parse_config("title: X\nauth:\n  client_id: a\n  authority: https://login.example.com\n", Path("."))
    assert c.auth is not None and not c.auth.is_cognito


def test_dev_users_are_validated() -> None:
    c = parse_config("title: X\nauth:\n  client_id: a\n  dev_users:\n"
                     "    - {username: ann, password: pw, groups: [admins]}\n", Path("."))
    assert c.auth is not None
    [ann] = c.auth.dev_users
    assert (ann.username, ann.email, ann.name, ann.groups) == ("ann", "ann@example.com", "ann", ("admins",))
    errors = errors_of("title: X\nauth:\n  client_id: a\n  dev_users:\n    - {username: ann}\n")
    assert any("'password' is required" in e for e in errors)


def test_missing_title_and_wrong_types() -> None:
    errors = errors_of("per_page: many\nmenu: nav\n")
    assert any("'title' is required" in e for e in errors)
    assert any("'per_page' must be a whole number" in e for e in errors)
    assert any("'menu' must be a list" in e for e in errors)


def test_missing_site_yaml(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as info:
        load_config(tmp_path)
    assert "no site.yaml" in str(info.value)


def test_authority_is_kept_exactly_as_written() -> None:
    c = parse_config("title: X\nauth:\n  client_id: a\n  authority: https://tenant.example.com/\n", Path("."))
    assert c.auth is not None and c.auth.authority == "https://tenant.example.com/"


def test_redirect_path_must_be_a_page_and_companion_same_origin() -> None:
    errors = errors_of("title: X\nauth:\n  client_id: a\n  redirect_path: /callback\n"
                       "  companion_url: https://api.example.com/auth/session\n")
    assert any("'redirect_path' must end in '/' or '.html'" in e for e in errors)
    assert any("'companion_url' must be a path on this site" in e for e in errors)


def test_a_content_folder_without_site_yaml_gets_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "my-notes" / "content").mkdir(parents=True)
    config = load_config(tmp_path / "my-notes")
    assert config.title == "My Notes" and config.auth is None and config.output == "dist"


def test_protect_rules_and_the_protected_output() -> None:
    c = parse_config("title: X\nprotected_output: members-out\nauth:\n  client_id: a\n  list_protected: false\n"
                     "  protect:\n    - {path: /members/**}\n    - path: /staff/**\n      groups: [staff, admins]\n",
                     Path("/site"))
    assert c.auth is not None and not c.auth.list_protected
    assert [(r.path, r.groups, r.line) for r in c.auth.protect] == [
        ("/members/**", (), 7), ("/staff/**", ("staff", "admins"), 8)]
    assert c.protected_out(Path("/site/dist")) == Path("/site/members-out").resolve()
    default = parse_config("title: X\n", Path("/site"))
    assert default.protected_out(Path("/out/public")) == Path("/out/public-protected")


@pytest.mark.parametrize(("rule", "message"), [
    ("{path: members/**}", "site.yaml:5: auth: protect: a protect path must start with '/'"),
    ("{path: /a/../b/}", "site.yaml:5: auth: protect: a protect path cannot hold '.' or '..' segments"),
    ("{path: /a/, groups: staff}", "site.yaml:5: auth: protect: 'groups' must be a list of group names"),
    ("{path: /a/, groups: []}", "site.yaml:5: auth: protect: 'groups' must name at least one group"),
    ("{path: /a/, group: [x]}", "site.yaml:5: auth: protect: unknown key 'group'"),
    ("{groups: [x]}", "site.yaml:5: auth: protect: 'path' is required"),
    ("/members/**", "site.yaml:4: auth: 'protect' rule must be a mapping"),
])
def test_bad_protect_rules_name_their_line(rule: str, message: str) -> None:
    errors = errors_of(f"title: X\nauth:\n  client_id: a\n  protect:\n    - {rule}\n")
    assert len(errors) == 1 and errors[0].startswith(message.replace("'protect' rule", "each 'protect' rule")), errors


def test_signed_out_is_prompt_or_redirect() -> None:
    c = parse_config("title: X\nauth:\n  client_id: a\n  signed_out: redirect\n", Path("."))
    assert c.auth is not None and c.auth.signed_out == "redirect"
    assert errors_of("title: X\nauth:\n  client_id: a\n  signed_out: login\n") == [
        "site.yaml:4: auth: 'signed_out' must be one of prompt, redirect, got 'login'"]
