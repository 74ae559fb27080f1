"""The simulator SIGKILLed while clients write, then restarted on the same state file: the store
opens, and every write the API acknowledged is there: a create that answered 201 exists, an
update that answered 200 is kept, a delete that answered 200 stays deleted."""

from __future__ import annotations

import secrets
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubelab.cluster.base import ClusterError
from kubelab.cluster.client import KubeClient

WRITERS = 4
KILLS = 3
MIN_ACKED = 5  # acknowledged creates per writer before a kill
WRITE_FOR = 0.3  # seconds of writes after that, before the kill


class Writer(threading.Thread):
    """Creates ConfigMaps and bumps a counter object until the cluster stops answering; records
    only what the API acknowledged."""

    def __init__(self, kubeconfig: Path, namespace: str, tag: str) -> None:
        super().__init__(daemon=True)
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.tag = tag
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.counter = 0  # last acknowledged value of the counter ConfigMap
        self.unexpected: list[BaseException] = []

    def run(self) -> None:
        try:
            with KubeClient(self.kubeconfig, None, self.namespace, request_timeout=5) as client:
                counter = f"counter-{self.tag}"
                if client.get("v1", "ConfigMap", counter) is None:
                    client.create(cm(counter, {"n": "0"}))
                else:
                    got = client.get("v1", "ConfigMap", counter)
                    self.counter = int((got or {}).get("data", {}).get("n", "0"))
                i = 0
                while True:
                    i += 1
                    name = f"cm-{self.tag}-{i}"
                    client.create(cm(name, {"i": str(i)}))
                    self.created.append(name)
                    if i % 3 == 0:
                        client.delete("v1", "ConfigMap", name)
                        self.deleted.append(name)
                    client.apply(cm(counter, {"n": str(self.counter + 1)}))
                    self.counter += 1
        except ClusterError:
            return  # the simulator was killed: the write in flight was never acknowledged
        except BaseException as exc:  # anything else is a defect this test reports
            self.unexpected.append(exc)


def cm(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def port_of(server: str) -> str:
    return server.rsplit(":", 1)[1].strip("/")


def test_acknowledged_writes_survive_sigkill(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    state = tmp_path / "state.db"
    server = sim_factory("run0", state=state)
    namespace = f"kill-{secrets.token_hex(3)}"
    with KubeClient(server.kubeconfig, None, namespace) as client:
        client.ensure_namespace(namespace)
    acknowledged: set[str] = set()
    deleted: set[str] = set()
    counters: dict[str, int] = {}
    for round_ in range(KILLS):
        writers = [Writer(server.kubeconfig, namespace, f"{round_}{w}") for w in range(WRITERS)]
        for writer in writers:
            writer.start()
        # kill mid-stream: once every writer has had some writes acknowledged (however loaded
        # the machine), plus a moment of writing
        deadline = time.monotonic() + 60
        while not all(len(w.created) >= MIN_ACKED or not w.is_alive() for w in writers):
            assert time.monotonic() < deadline, "the writers got no write acknowledged"
            time.sleep(0.05)
        time.sleep(WRITE_FOR)
        assert server.stop(signal.SIGKILL) == -signal.SIGKILL
        for writer in writers:
            writer.join(timeout=30)
            assert not writer.is_alive(), "a writer hung after the simulator died"
            assert not writer.unexpected, writer.unexpected
            acknowledged.update(writer.created)
            deleted.update(writer.deleted)
            counters[f"counter-{writer.tag}"] = writer.counter
        assert sum(len(w.created) for w in writers) > 0, "no write was acknowledged"
        # the same state file (a fresh port: the old one may be taken meanwhile): the store must
        # open and hold everything acknowledged
        server = sim_factory(f"run{round_ + 1}", state=state)
        with KubeClient(server.kubeconfig, None, namespace) as client:
            present = {o["metadata"]["name"]: o for o in client.list("v1", "ConfigMap")}
            missing = acknowledged - deleted - set(present)
            revived = deleted & set(present)
            assert not revived, f"acknowledged deletes undone: {sorted(revived)[:5]}"
            assert not missing, f"{len(missing)} acknowledged objects lost: {sorted(missing)[:5]}"
            for name, value in counters.items():
                stored = int(present[name]["data"]["n"])
                # the update in flight when killed may or may not have landed; never less
                assert value <= stored <= value + 1, (name, value, stored)
                counters[name] = stored
            client.create(cm(f"after-{round_}", {"ok": "yes"}))  # and it takes writes again
    assert len(acknowledged) >= KILLS * WRITERS and deleted


def test_a_corrupt_state_file_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    """A state file that is not a database (a torn copy, another program's file): exit 2 with the
    path and the reason, no traceback, and the file is not overwritten."""
    import subprocess
    import sys

    state = tmp_path / "state.db"
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 8
    state.write_bytes(garbage)
    done = subprocess.run(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--port", "0", "--state", str(state),
         "--kubeconfig", str(tmp_path / "kubeconfig")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"cannot open the state file {state}" in done.stderr
    assert "Traceback" not in done.stderr
    assert state.read_bytes() == garbage
    assert not (tmp_path / "kubeconfig").exists()
