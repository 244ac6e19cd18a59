"""The example site's to-do API, mounted by the companion under ``/api/`` behind the session.

    companion:
      api: example.todos:create_app
      database: .atoll/todos.sqlite3

Each reader sees and changes only their own items (another reader's id is a
404, not a 403: ids are not a way to learn what exists). SQLite in WAL mode
with a busy timeout and ``BEGIN IMMEDIATE`` writes, so several processes may
share one file.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atoll.companion import USER_KEY
from atoll.wsgi.http import (
    HttpError,
    Response,
    WSGIApp,
    empty_response,
    guarded,
    json_response,
    method_not_allowed,
    not_found,
    read_json_object,
)

MAX_TEXT = 500
MAX_TODOS_PER_READER = 1000
ITEM_PATH = re.compile(r"/todos/([1-9][0-9]{0,17})")
SCHEMA = """
CREATE TABLE IF NOT EXISTS todos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    text TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS todos_owner ON todos (owner, id);
"""


class TodoStore:
    """SQLite access: one connection per thread for a file, one locked connection in memory."""

    def __init__(self, database: Path | None) -> None:
        self.database = database
        self._local = threading.local()
        self._memory_lock = threading.Lock()
        self._setup_lock = threading.Lock()  # the first connection to a file sets it up, alone
        self._set_up = False
        self._memory = self._open(":memory:") if database is None else None

    def _open(self, target: str) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer
        # takes the write lock up front and waits (busy_timeout) instead of failing mid-way.
        connection = sqlite3.connect(target, timeout=10.0, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA busy_timeout = 10000")
        if target == ":memory:":
            connection.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
            return connection
        connection.execute("PRAGMA synchronous = NORMAL")
        with self._setup_lock:
            if not self._set_up:
                _use_wal(connection)
                connection.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
                self._set_up = True
        return connection

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._memory_lock:
                yield from self._run(self._memory, write)
            return
        connection = getattr(self._local, "connection", None)
        if connection is None:
            assert self.database is not None  # noqa: S101 - no database means the memory branch above
            self.database.parent.mkdir(parents=True, exist_ok=True)
            connection = self._local.connection = self._open(str(self.database))
        yield from self._run(connection, write)

    @staticmethod
    def _run(connection: sqlite3.Connection, write: bool) -> Iterator[sqlite3.Connection]:
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def _use_wal(connection: sqlite3.Connection) -> None:
    """Switch the file to write-ahead logging (it stays so). The switch needs the database to
    itself and SQLite does not wait for that, so a companion process starting beside another
    one that is busy tries again for a while."""
    for attempt in range(50):
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)


def as_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "text": row["text"], "done": bool(row["done"]), "created_at": row["created_at"]}


def validated(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    unknown = sorted(set(body) - {"text", "done"})
    if unknown:
        raise HttpError(400, "invalid_request", f"unknown field {unknown[0]!r}; a to-do has 'text' and 'done'")
    changes: dict[str, Any] = {}
    if "text" in body or not partial:
        text = body.get("text")
        if not isinstance(text, str):
            raise HttpError(400, "invalid_request", "'text' must be a string")
        text = text.strip()
        if not 1 <= len(text) <= MAX_TEXT:
            raise HttpError(400, "invalid_request", f"'text' must be 1 to {MAX_TEXT} characters")
        changes["text"] = text
    if "done" in body:
        if not isinstance(body["done"], bool):
            raise HttpError(400, "invalid_request", "'done' must be true or false")
        changes["done"] = int(body["done"])
    if not changes:
        raise HttpError(400, "invalid_request", "send 'text' and/or 'done'")
    return changes


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_app(*, database: Path | None) -> WSGIApp:
    """The API; ``database`` None keeps the items in memory for this process only."""
    store = TodoStore(database)

    def handle(environ: dict[str, Any]) -> Response:
        user = environ.get(USER_KEY)
        if not isinstance(user, dict) or not isinstance(user.get("sub"), str):
            raise HttpError(401, "no_session", "sign in first")
        owner = user["sub"]
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/todos":
            if method in ("GET", "HEAD"):
                return list_todos(store, owner)
            if method == "POST":
                return add_todo(store, owner, validated(read_json_object(environ), partial=False))
            raise method_not_allowed(["GET", "POST"])
        match = ITEM_PATH.fullmatch(path)
        if match is None:
            raise not_found()
        todo_id = int(match.group(1))
        if method in ("GET", "HEAD"):
            return json_response(as_json(fetch(store, owner, todo_id)))
        if method == "PATCH":
            return update_todo(store, owner, todo_id, validated(read_json_object(environ), partial=True))
        if method == "DELETE":
            return delete_todo(store, owner, todo_id)
        raise method_not_allowed(["GET", "PATCH", "DELETE"])

    return guarded(handle)


def list_todos(store: TodoStore, owner: str) -> Response:
    with store.transaction() as db:
        rows = db.execute("SELECT * FROM todos WHERE owner = ? ORDER BY id", (owner,)).fetchall()
    return json_response({"todos": [as_json(row) for row in rows]})


def fetch(store: TodoStore, owner: str, todo_id: int) -> sqlite3.Row:
    with store.transaction() as db:
        row: sqlite3.Row | None = db.execute("SELECT * FROM todos WHERE id = ? AND owner = ?",
                                             (todo_id, owner)).fetchone()
    if row is None:
        raise not_found()
    return row


def add_todo(store: TodoStore, owner: str, fields: dict[str, Any]) -> Response:
    with store.transaction(write=True) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM todos WHERE owner = ?", (owner,)).fetchone()
        if count >= MAX_TODOS_PER_READER:
            raise HttpError(400, "too_many_todos", f"a reader may keep at most {MAX_TODOS_PER_READER} to-dos")
        cursor = db.execute("INSERT INTO todos (owner, text, done, created_at) VALUES (?, ?, ?, ?)",
                            (owner, fields["text"], fields.get("done", 0), now_text()))
        row = db.execute("SELECT * FROM todos WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return json_response(as_json(row), 201)


def update_todo(store: TodoStore, owner: str, todo_id: int, changes: dict[str, Any]) -> Response:
    assignments = ", ".join(f"{column} = ?" for column in changes)  # columns come from validated()
    with store.transaction(write=True) as db:
        cursor = db.execute(f"UPDATE todos SET {assignments} WHERE id = ? AND owner = ?",  # noqa: S608 - see above
                            (*changes.values(), todo_id, owner))
        row = db.execute("SELECT * FROM todos WHERE id = ? AND owner = ?", (todo_id, owner)).fetchone()
    if cursor.rowcount == 0 or row is None:
        raise not_found()
    return json_response(as_json(row))


def delete_todo(store: TodoStore, owner: str, todo_id: int) -> Response:
    with store.transaction(write=True) as db:
        cursor = db.execute("DELETE FROM todos WHERE id = ? AND owner = ?", (todo_id, owner))
    if cursor.rowcount == 0:
        raise not_found()
    return empty_response(204)
