"""The store's SQLite file: every object, the latest resourceVersion and the runtime table.

Writes are statements collected by the store's transaction and committed together when it ends
(`commit`), before the store announces the change or answers. A commit that fails (a full disk,
an I/O error) raises `WriteFailed` with SQLite's own reason: SQLite may already have rolled
the transaction back itself (it does on SQLITE_FULL), so the rollback is attempted only while a
transaction is open, and a failing rollback never replaces the reason.

Opening checks every row: a row that is not what the store wrote (`[1,2,3]` where an object
belongs) is a `CorruptState` naming the row, so `sim serve` exits 2 with it instead of failing
later in whatever reads the row first.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubelab.sim.objects import Obj

Statement = tuple[str, tuple[Any, ...]]
log = logging.getLogger("kubelab.sim.store")


class WriteFailed(Exception):
    """A commit failed; `reason` is SQLite's (e.g. "database or disk is full")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CorruptState(ValueError):
    """A row of the state file is not what the store writes."""


def _row_object(key: str, ns: str, name: str, data: Any) -> Obj:
    where = f"row {key or '(core)'} {ns + '/' if ns else ''}{name} of table objects"
    try:
        obj = json.loads(data)
    except (TypeError, ValueError) as exc:
        raise CorruptState(f"{where}: not JSON ({exc})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
        shown = str(data)[:60]
        raise CorruptState(f"{where}: not an object with metadata: {shown}")
    if obj["metadata"].get("name") != name:
        raise CorruptState(f"{where}: it holds an object named {obj['metadata'].get('name')!r}")
    return obj


def _row_value(key: str, data: Any) -> Any:
    try:
        return json.loads(data)
    except (TypeError, ValueError) as exc:
        raise CorruptState(f"row {key} of table runtime: not JSON ({exc})") from None


class Persistence:
    """The SQLite side of the store (nothing is written when it has no file)."""

    def __init__(self, resource_version: Callable[[], int]) -> None:
        self._resource_version = resource_version
        self._db: sqlite3.Connection | None = None
        self._batch: list[Statement] = []

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
            objects.setdefault(key, {})[(ns, name)] = _row_object(key, ns, name, data)
        row = db.execute("SELECT v FROM meta WHERE k='rv'").fetchone()
        runtime = {k: _row_value(k, v) for k, v in db.execute("SELECT k, v FROM runtime")}
        try:
            rv = int(row[0]) if row else 0
        except (TypeError, ValueError):
            db.close()
            raise CorruptState(f"row rv of table meta: not a number: {row[0]!r}") from None
        self._db = db
        return objects, rv, runtime

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def write(self, sql: str, args: tuple[Any, ...]) -> None:
        """Add a statement to the open transaction's commit."""
        self._batch.append((sql, args))

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

    def discard(self) -> None:
        """Forget the statements of a transaction that is undone."""
        self._batch = []

    def commit(self) -> None:
        """Commit the statements written since the last commit; `WriteFailed` if SQLite cannot
        (nothing of them is then in the file)."""
        statements, self._batch = self._batch, []
        if self._db is None or not statements:
            return
        db = self._db
        try:
            db.execute("BEGIN")
            for sql, args in statements:
                db.execute(sql, args)
            rv = str(self._resource_version())
            db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('rv', ?)", (rv,))
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:  # SQLite may have rolled back already (SQLITE_FULL does)
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error as also:  # the first error stays the reason given
                    log.warning("rollback after %r failed too: %s", str(exc), also)
            raise WriteFailed(str(exc)) from exc


def make_private(path: Path) -> None:
    """The state file (it holds Secrets) readable by its owner only: created 0600, or made so.
    SQLite gives its -wal and -shm files the database file's mode; older ones are fixed too."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)
