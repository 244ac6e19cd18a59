"""The example to-do API: per-reader isolation, validation, SQLite safety under concurrency."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from atoll.companion import USER_KEY
from companion_helpers import Result, call
from example import todos

ALICE = {"sub": "alice-sub", "username": "alice"}
BOB = {"sub": "bob-sub", "username": "bob"}


def as_user(app: Any, user: dict[str, Any] | None) -> Any:
    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        result: Iterable[bytes] = app({**environ, USER_KEY: user}, start_response)
        return result
    return wrapped


class Client:
    def __init__(self, app: Any, user: dict[str, Any] | None) -> None:
        self.app = as_user(app, user)

    def __call__(self, method: str, path: str, data: Any = None, body: bytes | None = None) -> Result:
        headers = {"Content-Type": "application/json"}
        return call(self.app, method, path, json_body=data, body=body, headers=headers)


@pytest.fixture(params=["file", "memory"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    return todos.create_app(database=tmp_path / "db" / "todos.sqlite3" if request.param == "file" else None)


def test_create_list_update_delete(app: Any) -> None:
    alice = Client(app, ALICE)
    assert alice("GET", "/todos").json() == {"todos": []}
    created = alice("POST", "/todos", {"text": "  buy milk  "})
    assert created.status == 201
    todo = created.json()
    assert todo["text"] == "buy milk" and todo["done"] is False and isinstance(todo["id"], int)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", todo["created_at"])
    second = alice("POST", "/todos", {"text": "walk", "done": True}).json()
    assert [t["id"] for t in alice("GET", "/todos").json()["todos"]] == [todo["id"], second["id"]]
    patched = alice("PATCH", f"/todos/{todo['id']}", {"done": True})
    assert patched.status == 200 and patched.json()["done"] is True and patched.json()["text"] == "buy milk"
    assert alice("PATCH", f"/todos/{todo['id']}", {"text": "buy oat milk"}).json()["text"] == "buy oat milk"
    assert alice("GET", f"/todos/{todo['id']}").json()["text"] == "buy oat milk"
    deleted = alice("DELETE", f"/todos/{todo['id']}")
    assert deleted.status == 204 and deleted.body == b""
    assert alice("GET", "/todos").json()["todos"] == [second]


def test_each_reader_sees_and_changes_only_their_own(app: Any) -> None:
    alice, bob = Client(app, ALICE), Client(app, BOB)
    mine = alice("POST", "/todos", {"text": "alice's"}).json()
    assert bob("GET", "/todos").json() == {"todos": []}
    for method, data in (("GET", None), ("PATCH", {"done": True}), ("DELETE", None)):
        result = bob(method, f"/todos/{mine['id']}", data)
        assert result.status == 404, method
        assert result.json()["error"] == "not_found"
    assert alice("GET", f"/todos/{mine['id']}").json() == mine


def test_without_a_user_it_is_401(app: Any) -> None:
    assert Client(app, None)("GET", "/todos").status == 401


@pytest.mark.parametrize("data, message", [
    ({}, "'text' must be a string"),
    ({"text": 5}, "'text' must be a string"),
    ({"text": None}, "'text' must be a string"),
    ({"text": "   "}, "1 to 500"),
    ({"text": "x" * 501}, "1 to 500"),
    ({"text": "ok", "done": "yes"}, "'done' must be true or false"),
    ({"text": "ok", "done": 1}, "'done' must be true or false"),
    ({"text": "ok", "owner": "bob-sub"}, "unknown field 'owner'"),
    ([1], "JSON object"),
])
def test_bad_input_is_a_json_400(app: Any, data: Any, message: str) -> None:
    result = Client(app, ALICE)("POST", "/todos", data)
    assert result.status == 400
    assert message in result.json()["message"]


def test_text_of_exactly_500_characters_is_accepted(app: Any) -> None:
    assert Client(app, ALICE)("POST", "/todos", {"text": "é" * 500}).status == 201


def test_patch_needs_a_change_and_validates_it(app: Any) -> None:
    alice = Client(app, ALICE)
    todo = alice("POST", "/todos", {"text": "a"}).json()
    assert alice("PATCH", f"/todos/{todo['id']}", {}).status == 400
    assert alice("PATCH", f"/todos/{todo['id']}", {"text": ""}).status == 400
    assert alice("PATCH", f"/todos/{todo['id']}", {"done": None}).status == 400


def test_invalid_json_is_400(app: Any) -> None:
    assert Client(app, ALICE)("POST", "/todos", body=b"{not json").status == 400


@pytest.mark.parametrize("path", ["/", "/todos/", "/todos/0", "/todos/01", "/todos/abc", "/todos/1/x",
                                  "/todos/-1", "/todos/99999999999999999999", "/other"])
def test_unknown_paths_are_404(app: Any, path: str) -> None:
    assert Client(app, ALICE)("GET", path).status == 404


def test_wrong_methods_are_405(app: Any) -> None:
    alice = Client(app, ALICE)
    assert alice("PUT", "/todos").status == 405
    assert alice("POST", "/todos/1").status == 405


def test_a_reader_may_keep_a_bounded_number(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(todos, "MAX_TODOS_PER_READER", 2)
    alice = Client(app, ALICE)
    assert alice("POST", "/todos", {"text": "1"}).status == 201
    assert alice("POST", "/todos", {"text": "2"}).status == 201
    assert alice("POST", "/todos", {"text": "3"}).json()["error"] == "too_many_todos"


def test_database_is_created_on_first_use_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "todos.sqlite3"
    app = todos.create_app(database=path)
    assert not path.exists()
    Client(app, ALICE)("POST", "/todos", {"text": "x"})
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_threads_with_their_own_connections(tmp_path: Path) -> None:
    app = todos.create_app(database=tmp_path / "todos.sqlite3")
    failures: list[int] = []

    def work(n: int) -> None:
        client = Client(app, {"sub": f"user-{n % 3}"})
        for i in range(20):
            if client("POST", "/todos", {"text": f"{n}-{i}"}).status != 201:
                failures.append(n)
            client("GET", "/todos")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    total = sum(len(Client(app, {"sub": f"user-{u}"})("GET", "/todos").json()["todos"]) for u in range(3))
    assert total == 160


def write_from_process(path: str, worker: int, count: int) -> list[int]:
    app = todos.create_app(database=Path(path))
    client = Client(app, {"sub": "shared-reader"})
    statuses = []
    for i in range(count):
        statuses.append(client("POST", "/todos", {"text": f"w{worker}-{i}"}).status)
        listing = client("GET", "/todos")
        statuses.append(listing.status)
        own = [t for t in listing.json()["todos"] if t["text"].startswith(f"w{worker}-")]
        if own:
            statuses.append(client("PATCH", f"/todos/{own[0]['id']}", {"done": True}).status)
    return statuses


def test_several_processes_share_one_database_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(write_from_process, [(str(path), w, 25) for w in range(4)])
    assert {s for statuses in results for s in statuses} <= {200, 201}
    listing = Client(todos.create_app(database=path), {"sub": "shared-reader"})("GET", "/todos").json()["todos"]
    assert len(listing) == 100
    assert len({t["id"] for t in listing}) == 100


def test_a_lone_surrogate_in_the_text_is_a_json_400_and_other_unicode_is_kept(app: Any) -> None:
    alice = Client(app, ALICE)
    for method, path in (("POST", "/todos"), ("PATCH", "/todos/1")):
        refused = alice(method, path, body=b'{"text": "half a pair \\ud83d here"}')
        assert refused.status == 400, refused.body
        assert refused.json() == {"error": "invalid_json",
                                  "message": "the body holds a lone surrogate (U+D83D), which is not Unicode text"}
        if method == "POST":
            kept = alice("POST", "/todos", {"text": "\U0001f600 日本語 \u202e ok"})
            assert kept.status == 201 and kept.json()["text"] == "\U0001f600 日本語 \u202e ok"
    assert [t["text"] for t in alice("GET", "/todos").json()["todos"]] == ["\U0001f600 日本語 \u202e ok"]
