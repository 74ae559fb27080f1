"""The store's SQLite file: every object, the latest resourceVersion and the runtime table.

Writes are statements queued by the store; `transaction()` groups several into one commit, and
with `defer_commits` the writes of one event-loop iteration are committed together (or by
`flush()`, which the server calls before it answers a request).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kubelab.sim.objects import Obj

Statement = tuple[str, tuple[Any, ...]]


class Persistence:
    """The SQLite side of the store (nothing is written when it has no file)."""

    def __init__(self, resource_version: Callable[[], int]) -> None:
        self._resource_version = resource_version
        self._db: sqlite3.Connection | None = None
        self._batch: list[Statement] | None = None
        self._dirty: list[Statement] = []
        self._flush_scheduled = False
        self.defer_commits = False

    def open(self, path: Path) -> tuple[dict[str, dict[tuple[str, str], Obj]], int, dict[str, Any]]:
        """Open (or create) the file; returns its objects by storage key, its resourceVersion
        (0 if none was saved) and its runtime table."""
        path.parent.mkdir(parents=True, exist_ok=True)
        make_private(path)
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS objects (key TEXT, namespace TEXT, name TEXT, data TEXT,"
            " PRIMARY KEY (key, namespace, name))"
        )
        db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS runtime (k TEXT PRIMARY KEY, v TEXT)")
        objects: dict[str, dict[tuple[str, str], Obj]] = {}
        for key, ns, name, data in db.execute("SELECT key, namespace, name, data FROM objects"):
            objects.setdefault(key, {})[(ns, name)] = json.loads(data)
        row = db.execute("SELECT v FROM meta WHERE k='rv'").fetchone()
        runtime = {k: json.loads(v) for k, v in db.execute("SELECT k, v FROM runtime")}
        self._db = db
        return objects, int(row[0]) if row else 0, runtime

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextmanager
    def transaction(self, after: Callable[[], None]) -> Iterator[None]:
        """Group the writes made inside into one commit; `after()` runs once it is queued."""
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            yield
        finally:
            batch, self._batch = self._batch, None
            self._queue(batch)
            after()

    @property
    def in_transaction(self) -> bool:
        return self._batch is not None

    def write(self, sql: str, args: tuple[Any, ...]) -> None:
        if self._batch is not None:
            self._batch.append((sql, args))
        else:
            self._queue([(sql, args)])

    def save_object(self, key: str, ns: str, name: str, obj: Obj | None) -> None:
        """Write an object (None: delete it)."""
        if obj is None:
            self.write(
                "DELETE FROM objects WHERE key=? AND namespace=? AND name=?", (key, ns, name)
            )
        else:
            self.write(
                "INSERT OR REPLACE INTO objects (key, namespace, name, data) VALUES (?,?,?,?)",
                (key, ns, name, json.dumps(obj, separators=(",", ":"))),
            )

    def flush(self) -> None:
        """Commit every deferred write now."""
        pending, self._dirty = self._dirty, []
        self._flush_scheduled = False
        self._commit(pending)

    def _queue(self, statements: list[Statement]) -> None:
        if not self.defer_commits:
            self._commit(statements)
            return
        self._dirty.extend(statements)
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_scheduled = True
        loop.call_soon(self.flush)

    def _commit(self, statements: list[Statement]) -> None:
        if self._db is None or not statements:
            return
        db = self._db
        db.execute("BEGIN")
        try:
            for sql, args in statements:
                db.execute(sql, args)
            rv = str(self._resource_version())
            db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('rv', ?)", (rv,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def make_private(path: Path) -> None:
    """The state file (it holds Secrets) readable by its owner only: created 0600, or made so.
    SQLite gives its -wal and -shm files the database file's mode; older ones are fixed too."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)
