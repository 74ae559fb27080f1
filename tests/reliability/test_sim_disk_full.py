"""A full disk under the simulator (issue 15's reproduction, the file size capped with
RLIMIT_FSIZE so SQLite's writes fail): a create answered with a 500 is not there afterwards (GET
404, a re-create is not 409), the answer gives SQLite's own reason (never "cannot rollback"),
and after a restart every create that answered 201 is there and the failed one is not. A state
file with a row that is not an object (`[1,2,3]`) is exit 2 naming the row, file untouched."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

from test_slow_clients import start, stop

KUBECTL = Path(sys.executable).parent / "kubectl"
ROOT = Path(__file__).resolve().parents[2]
FILE_LIMIT = 6 << 20  # bytes any file of the simulator may reach


def kubectl(
    directory: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(directory / "kubeconfig"), "--cache-dir",
         str(directory / "cache"), *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def configmap(name: str) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\n"
        f"metadata: {{name: {name}}}\ndata: {{blob: '{'x' * 900_000}'}}\n"
    )


def test_a_failed_write_on_a_full_disk_is_not_there(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    process = start(tmp_path, {resource.RLIMIT_FSIZE: FILE_LIMIT}, state=state)
    created: list[str] = []
    failed = ""
    answer = ""
    try:
        for index in range(30):
            name = f"blob-{index}"
            done = kubectl(tmp_path, "create", "-f", "-", stdin=configmap(name))
            if done.returncode == 0:
                created.append(name)
                continue
            failed, answer = name, done.stderr
            break
        assert failed, "the disk never filled up"
        assert "InternalError" in answer or "Internal error" in answer, answer
        assert "disk" in answer and "cannot rollback" not in answer, answer
        got = kubectl(tmp_path, "get", "configmap", failed)
        assert got.returncode == 1 and "NotFound" in got.stderr, got.stderr
        again = kubectl(tmp_path, "create", "-f", "-", stdin=configmap(failed))
        assert "AlreadyExists" not in again.stderr, again.stderr
        assert created, "no write succeeded before the disk filled"
    finally:
        stop(process)
    process = start(tmp_path, {}, state=state)
    try:
        names = kubectl(tmp_path, "get", "configmaps", "-o", "name").stdout.split()
        kept = {n for n in names if n.startswith("configmap/blob-")}
        assert kept == {f"configmap/{n}" for n in created}
        assert f"configmap/{failed}" not in names
    finally:
        stop(process)


def test_a_state_row_that_is_not_an_object_is_exit_2_naming_it(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    stop(start(tmp_path, {}, state=state))
    db = sqlite3.connect(state)
    db.execute(
        "INSERT INTO objects (key, namespace, name, data) VALUES (?,?,?,?)",
        ("/pods", "default", "torn", "[1,2,3]"),
    )
    db.commit()
    db.close()
    before = state.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--port", "0", "--state", str(state),
         "--kubeconfig", str(tmp_path / "again")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "row /pods default/torn of table objects" in done.stderr, done.stderr
    assert "[1,2,3]" in done.stderr
    assert "Traceback" not in done.stderr
    assert state.read_bytes() == before
