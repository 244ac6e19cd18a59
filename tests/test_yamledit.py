"""Setting auth: keys in site.yaml in place: the author's comments, order and quoting stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from atoll.yamledit import YamlEditError, scalar, set_block_values, write_atomically

VALUES = {"authority": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab1", "client_id": "4abc"}
NEW = f"  authority: {VALUES['authority']}\n  client_id: 4abc\n"


def test_existing_values_change_in_place_and_new_ones_follow_client_id() -> None:
    text = ("# top\ntitle: T\nauth:\n  # how readers sign in\n  client_id: old   # from the console\n"
            "  scope: openid email profile\ncompanion:\n  api: a:b\n")
    assert set_block_values(text, "auth", VALUES, after="client_id") == (
        "# top\ntitle: T\nauth:\n  # how readers sign in\n  client_id: 4abc   # from the console\n"
        f"  authority: {VALUES['authority']}\n  scope: openid email profile\ncompanion:\n  api: a:b\n")


def test_values_already_there_leave_the_text_byte_for_byte() -> None:
    text = f"title: T\nauth:\n  authority: '{VALUES['authority']}'\n  client_id: \"4abc\"\n"
    assert set_block_values(text, "auth", VALUES) == text


@pytest.mark.parametrize("text, expected", [
    ("title: T", f"title: T\nauth:\n{NEW}"),
    ("title: T\nauth:\nmenu: []\n", f"title: T\nauth:\n{NEW}menu: []\n"),
    ("title: T\nauth: ~  # later\n", f"title: T\nauth:  # later\n{NEW}"),
    ("title: T\r\nauth:\r\n    scope: openid\r\n",
     f"title: T\r\nauth:\r\n    scope: openid\r\n    authority: {VALUES['authority']}\r\n    client_id: 4abc\r\n"),
    ("auth: {scope: openid}  # flow\n",
     f"auth: {{scope: openid, authority: {VALUES['authority']}, client_id: 4abc}}  # flow\n"),
    ("auth:\n  dev_users:\n    - {username: a, password: b}\n# end\n",
     f"auth:\n  dev_users:\n    - {{username: a, password: b}}\n{NEW}# end\n"),
])
def test_blocks_of_every_shape(text: str, expected: str) -> None:
    assert set_block_values(text, "auth", VALUES, after="client_id") == expected


def test_values_that_need_quotes_get_them() -> None:
    assert scalar("4abc") == "4abc"
    assert scalar("1234") == '"1234"' and scalar("yes") == '"yes"' and scalar("a #b") == '"a #b"'
    edited = set_block_values("auth:\n  client_id: 12\n", "auth", {"client_id": "12"})
    assert edited == 'auth:\n  client_id: "12"\n'


@pytest.mark.parametrize("text, message", [
    ("auth: [1, 2]\n", "'auth' is not a mapping"),
    ("- a\n- b\n", "not a mapping of settings"),
    ("auth:\n  client_id: [x]\n", "'client_id' is not a single value"),
    ("auth: {\n", "not valid YAML"),
])
def test_what_cannot_be_edited_safely_is_refused(text: str, message: str) -> None:
    with pytest.raises(YamlEditError, match=message):
        set_block_values(text, "auth", VALUES)


def test_atomic_write_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_atomically(path, "new\n")
    assert path.read_text() == "new\n" and path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["site.yaml"]
