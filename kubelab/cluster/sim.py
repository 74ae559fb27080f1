"""The simulator provider: `kubelab sim serve` as a background process kubelab owns.

Files under `<state dir>/sim/`: `kubeconfig` (written by the simulator once it is ready, removed
when it stops), `state.db` (the cluster's objects), `sim.pid`, `sim.log`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from kubelab.cluster import kubeconfig as kc
from kubelab.cluster import process
from kubelab.cluster.base import (
    HOST_PORTS_PATH,
    ClusterError,
    ClusterStatus,
    ClusterUnreachable,
    LabCluster,
    Progress,
    Provider,
    ProviderOptions,
    no_progress,
    not_up,
    unknown_cluster,
)
from kubelab.cluster.state import state_dir
from kubelab.files import locked

LAB_NAMESPACE = "default"
START_TIMEOUT_ENV = "KUBELAB_SIM_START_TIMEOUT"
_MARKER = ("sim", "serve")


def _timeout_from_env() -> float:
    text = os.environ.get(START_TIMEOUT_ENV, "").strip()
    if not text:
        return 30.0
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ClusterError(
            f"{START_TIMEOUT_ENV}={text!r} is not a number of seconds",
            hint=f"e.g. {START_TIMEOUT_ENV}=60",
        )
    return value


class SimProvider(Provider):
    kind = "sim"

    def __init__(self, *, start_timeout: float | None = None) -> None:
        self.dir = state_dir() / "sim"
        self.kubeconfig = self.dir / "kubeconfig"
        self.state = self.dir / "state.db"
        self.pidfile = self.dir / "sim.pid"
        self.logfile = self.dir / "sim.log"
        self.start_timeout = start_timeout or _timeout_from_env()
        self._nodes = 0

    @classmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> SimProvider:
        if name:  # there is one simulator per state dir
            raise unknown_cluster(f"{cls.kind}:{name}")
        return cls()

    @classmethod
    def canonical_spec(cls, name: str, sep: str) -> str:
        return cls.kind if not name else f"{cls.kind}{sep}{name}"

    @property
    def name(self) -> str:
        return "kubelab"

    @property
    def spec(self) -> str:
        return "sim"

    @property
    def capabilities(self) -> frozenset[str]:
        caps = {"nodeport-from-host", "loadbalancer"}
        if self._nodes > 1:
            caps.add("multi-node")
        return frozenset(caps)

    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "kubelab",
            "sim",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--kubeconfig",
            str(self.kubeconfig),
            "--state",
            str(self.state),
        ]

    def running_pid(self) -> int | None:
        return process.owned_pid(self.pidfile, _MARKER)

    def _answers(self) -> bool:
        from kubelab.cluster.probe import Probe, ProbeUnsupported

        if not self.kubeconfig.exists():
            return False
        try:
            # the standard library's HTTPS: a learner's second start need not import the
            # kubernetes client before the cluster shows as ready
            Probe(self.kubeconfig).get("/version")
        except ProbeUnsupported:
            return self._answers_to_the_client()
        except ClusterError:
            return False
        return True

    def _answers_to_the_client(self) -> bool:
        from kubelab.cluster.client import KubeClient

        try:
            with KubeClient(self.kubeconfig, None, LAB_NAMESPACE, request_timeout=5) as client:
                return client.is_reachable()
        except ClusterError:
            return False

    def _count_nodes(self, context: str, namespace: str) -> int:
        from kubelab.cluster.probe import Probe, ProbeUnsupported

        try:
            items = Probe(self.kubeconfig, context).get("/api/v1/nodes").get("items")
            return len(items) if isinstance(items, list) else self._nodes
        except ProbeUnsupported:
            from kubelab.cluster.client import KubeClient

            with KubeClient(self.kubeconfig, context, namespace, request_timeout=5) as client:
                return len(client.list("v1", "Node"))

    def _cluster(self) -> LabCluster:
        config = kc.load(self.kubeconfig)
        context = kc.current_context(config) or "kubelab-sim"
        # the lab namespace, not the context's: that follows the lesson being taken
        namespace = LAB_NAMESPACE
        # Best effort: a simulator that cannot list its nodes right now keeps the node count
        # seen last, and only the multi-node capability depends on it.
        with contextlib.suppress(ClusterError):
            self._nodes = self._count_nodes(context, namespace)
        return LabCluster(
            provider=self.kind,
            name=self.name,
            kubeconfig=self.kubeconfig,
            context=context,
            namespace=namespace,
            capabilities=self.capabilities,
            nodeport_host="127.0.0.1",
            host_ports_path=HOST_PORTS_PATH,
        )

    def provision(self, progress: Progress = no_progress) -> LabCluster:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with locked(self.dir / "lock"):
            return self._provision(progress)

    def _provision(self, progress: Progress) -> LabCluster:
        pid = self.running_pid()
        if pid is not None and self._answers():
            progress(f"reusing the simulator already running (pid {pid})")
            return self._cluster()
        if pid is not None:
            progress(f"the simulator (pid {pid}) does not answer; restarting it")
            process.stop(pid)
        self.kubeconfig.unlink(missing_ok=True)
        progress("starting the simulated cluster (kubelab sim serve)")
        started = time.monotonic()
        child = process.start_detached(self.argv(), pidfile=self.pidfile, logfile=self.logfile)
        deadline = started + self.start_timeout
        while True:
            code = child.poll()
            if code is not None:
                self.pidfile.unlink(missing_ok=True)
                raise ClusterError(
                    f"the simulator exited with code {code} while starting; its log "
                    f"({self.logfile}) ends with:\n{process.log_tail(self.logfile)}",
                    hint="fix what the log says, then run `kubelab up --cluster sim` again",
                )
            if self.kubeconfig.exists() and self._answers():
                break
            if time.monotonic() > deadline:
                process.stop(child.pid)
                child.wait(timeout=5)
                self.pidfile.unlink(missing_ok=True)
                raise ClusterError(
                    f"the simulator was not ready within {self.start_timeout:g}s; its log "
                    f"({self.logfile}) ends with:\n{process.log_tail(self.logfile)}",
                    hint=f"a slow machine can allow more time with {START_TIMEOUT_ENV}=60",
                )
            time.sleep(0.05)
        progress(f"simulator ready in {time.monotonic() - started:.1f}s (pid {child.pid})")
        return self._cluster()

    def attach(self, progress: Progress = no_progress) -> LabCluster:
        """The running simulator; never starts one."""
        pid = self.running_pid()
        if pid is None or not self.kubeconfig.exists():
            raise not_up(self.spec, "the simulator is not running")
        if not self._answers():
            raise ClusterUnreachable(
                f"the simulator (pid {pid}) does not answer",
                hint="`kubelab up --cluster sim` restarts it; its log is " + str(self.logfile),
            )
        progress(f"using the simulator already running (pid {pid})")
        return self._cluster()

    def existing_kubeconfig(self) -> Path | None:
        if self.running_pid() is not None and self.kubeconfig.exists():
            return self.kubeconfig
        return None

    def status(self) -> ClusterStatus:
        pid = self.running_pid()
        if pid is None or not self.kubeconfig.exists():
            return ClusterStatus(
                provider=self.kind,
                name=self.name,
                provisioned=False,
                problems=["the simulator is not running; start it with `kubelab up --cluster sim`"],
            )
        from kubelab.cluster.status import collect_status

        return collect_status(self._cluster(), provisioned=True)

    def teardown(self, progress: Progress = no_progress) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with locked(self.dir / "lock"):
            self._teardown(progress)

    def _teardown(self, progress: Progress) -> None:
        pid = self.running_pid()
        if pid is not None:
            progress(f"stopping the simulator (pid {pid})")
            process.stop(pid)
        else:
            progress("the simulator is not running")
        for path in (self.pidfile, self.kubeconfig, self.state):
            path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{self.state}{suffix}").unlink(missing_ok=True)
