"""The kind provider: a real three-node cluster in containers (Docker or Podman).

`kind create cluster --name NAME --config <generated> --kubeconfig <state dir> --wait 180s`, with
one control-plane and two workers, `extraPortMappings` on 127.0.0.1 for the nodePorts lessons
use (`KUBELAB_KIND_NODEPORTS`, default 30000-30019), the lab images pre-pulled and `kind load`ed,
and LoadBalancer Services through cloud-provider-kind when it is on PATH. kubelab passes its own
`--kubeconfig` to every kind command, so the user's ~/.kube/config is never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from kubelab.cluster import kubeconfig as kc
from kubelab.cluster import process
from kubelab.cluster.base import (
    ClusterError,
    ClusterStatus,
    LabCluster,
    Progress,
    Provider,
    ProviderOptions,
    no_progress,
    not_up,
)
from kubelab.cluster.container_engine import (
    Engine,
    check_engine,
    detect,
    engine_problem,
    find_engine,
    run_tool,
)
from kubelab.cluster.images import course_images
from kubelab.cluster.kind_config import NODEPORTS_ENV, kind_config, nodeports_from_env
from kubelab.cluster.state import state_dir

__all__ = ["DEFAULT_NAME", "KindProvider", "detect", "kind_config"]

DEFAULT_NAME = "kubelab"
NODE_IMAGE_ENV = "KUBELAB_KIND_NODE_IMAGE"
LAB_NAMESPACE = "default"
WAIT = "180s"
INSTALL_HINT = (
    "install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and Docker, "
    "or use the built-in simulator: --cluster sim"
)
CPK_INSTALL = "go install sigs.k8s.io/cloud-provider-kind@latest"


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether a TCP connection to host:port succeeds within `timeout` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


class KindProvider(Provider):
    kind = "kind"

    @classmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> KindProvider:
        return cls(name or DEFAULT_NAME)

    @classmethod
    def canonical_spec(cls, name: str, sep: str) -> str:
        return f"{cls.kind}:{name or DEFAULT_NAME}"

    def __init__(self, name: str = DEFAULT_NAME, *, images: Sequence[str] | None = None) -> None:
        if not name or not all(c.isalnum() or c in "-." for c in name) or name != name.lower():
            raise ClusterError(
                f"{name!r} is not a valid kind cluster name",
                hint="use lower-case letters, digits, '-' and '.'",
            )
        self._name = name
        self.dir = state_dir() / "kind" / name
        self.kubeconfig = self.dir / "kubeconfig"
        self.config_file = self.dir / "kind-config.yaml"
        self.cpk_pidfile = state_dir() / "kind" / "cloud-provider-kind.pid"
        self.cpk_logfile = state_dir() / "kind" / "cloud-provider-kind.log"
        self.images = list(images) if images is not None else None
        self.nodeports = nodeports_from_env()

    @property
    def name(self) -> str:
        return self._name

    @property
    def context(self) -> str:
        return f"kind-{self._name}"

    @property
    def capabilities(self) -> frozenset[str]:
        caps = {"multi-node", "nodeport-from-host"}
        if self._cpk_pid() is not None:
            caps.add("loadbalancer")
        return frozenset(caps)

    # -- helpers --------------------------------------------------------------------------------

    def _kind(self) -> str:
        path = shutil.which("kind")
        if path is None:
            raise ClusterError("kind is not installed (no `kind` on PATH)", hint=INSTALL_HINT)
        return path

    def _engine(self) -> Engine:
        engine = find_engine()
        if engine is None:
            raise ClusterError(
                "kind needs Docker or Podman, and neither is installed", hint=INSTALL_HINT
            )
        return engine

    def _cpk_pid(self) -> int | None:
        """cloud-provider-kind as kubelab started it, or as the user (or CI) runs it."""
        ours = process.owned_pid(self.cpk_pidfile, ("cloud-provider-kind",))
        return ours if ours is not None else process.find_running("cloud-provider-kind")

    def clusters(self) -> list[str]:
        result = run_tool([self._kind(), "get", "clusters"], timeout=60)
        if result.returncode != 0:
            output = result.stdout + result.stderr
            problem = engine_problem(self._engine(), output)
            if problem is not None:
                raise problem
            raise ClusterError(f"`kind get clusters` failed: {output.strip()[:400]}")
        return [line.strip() for line in result.stdout.splitlines() if line.strip()]

    def _export_kubeconfig(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        result = run_tool([self._kind(), "get", "kubeconfig", "--name", self._name], timeout=60)
        if result.returncode != 0:
            raise ClusterError(
                f"a kind cluster named {self._name!r} exists but kind cannot give its "
                f"kubeconfig: {(result.stdout + result.stderr).strip()[:400]}",
                hint=self._broken_hint(),
            )
        try:
            config = yaml.safe_load(result.stdout)
        except yaml.YAMLError as exc:
            raise ClusterError(f"kind printed an unreadable kubeconfig: {exc}") from exc
        if not isinstance(config, dict):
            raise ClusterError("kind printed an unreadable kubeconfig")
        kc.save(self.kubeconfig, kc.with_namespace(config, self.context, LAB_NAMESPACE))

    def _broken_hint(self) -> str:
        return (
            f"delete it with `kubelab down --cluster kind:{self._name}` (or "
            f"`kind delete cluster --name {self._name}`), then run `kubelab up` again"
        )

    def _health(self) -> str | None:
        """None when the API answers and every node is Ready, else what is wrong."""
        from kubelab.cluster.client import KubeClient
        from kubelab.cluster.status import node_status

        try:
            with KubeClient(self.kubeconfig, self.context, LAB_NAMESPACE, request_timeout=10) as c:
                c.version()
                nodes = [node_status(n) for n in c.list("v1", "Node")]
        except ClusterError as exc:
            return exc.message
        not_ready = [n.name for n in nodes if not n.ready]
        if not nodes:
            return "it has no nodes"
        if not_ready:
            return f"node(s) not Ready: {', '.join(not_ready)}"
        return None

    def node_address(self) -> str | None:
        """The control-plane node's address when this machine reaches it directly (Linux with
        a rootful engine): then every nodePort answers there. None elsewhere (macOS, Windows,
        rootless engines), where only the published nodePorts answer, on 127.0.0.1."""
        if not sys.platform.startswith("linux"):
            return None
        engine = find_engine()
        if engine is None:
            return None
        result = run_tool(
            [
                engine.path,
                "inspect",
                "--format",
                "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
                f"{self._name}-control-plane",
            ],
            timeout=30,
        )
        if result.returncode != 0:
            return None
        for address in result.stdout.split():
            if reachable(address, 6443):
                return address
        return None

    def _cluster(self) -> LabCluster:
        node = self.node_address()
        return LabCluster(
            provider=self.kind,
            name=self._name,
            kubeconfig=self.kubeconfig,
            context=self.context,
            namespace=LAB_NAMESPACE,
            capabilities=self.capabilities,
            nodeport_host=node or "127.0.0.1",
            nodeport_map=None if node else {port: port for port in self.nodeports},
            missing_reasons={
                "loadbalancer": "cloud-provider-kind is not running, so LoadBalancer Services "
                f"stay <pending> (install it: {CPK_INSTALL}, then `kubelab up` again)"
            },
        )

    def _stream(self, argv: Sequence[str], progress: Progress, timeout: float) -> tuple[int, str]:
        """Run `argv`, passing each output line to `progress`; (exit code, all output)."""
        lines: list[str] = []
        try:
            child = subprocess.Popen(
                list(argv),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            )
        except OSError as exc:
            raise ClusterError(f"cannot run {argv[0]}: {exc.strerror or exc}") from exc
        deadline = time.monotonic() + timeout
        assert child.stdout is not None
        with child:
            for raw in child.stdout:
                line = raw.rstrip()
                lines.append(line)
                if line.strip():
                    progress(line.strip())
                if time.monotonic() > deadline:
                    child.kill()
                    raise ClusterError(f"`{' '.join(argv[:3])}` did not finish within {timeout:g}s")
            code = child.wait(timeout=max(1.0, deadline - time.monotonic()))
        return code, "\n".join(lines)

    def _creation_problem(self, output: str) -> ClusterError:
        text = output.lower()
        if "already exist for a cluster with the name" in text:
            return ClusterError(
                f"a kind cluster named {self._name!r} already exists but is not working",
                hint=self._broken_hint(),
            )
        if "port is already allocated" in text or "address already in use" in text:
            return ClusterError(
                "a port kind needs on 127.0.0.1 is already in use: "
                + _line_with(output, ("port is already allocated", "address already in use")),
                hint=f"stop what uses it, or publish other nodePorts with {NODEPORTS_ENV}="
                '"31000-31019"',
            )
        problem = engine_problem(self._engine(), output)
        if problem is not None:
            return problem
        tail = "\n".join(output.strip().splitlines()[-12:])
        return ClusterError(
            f"kind could not create the cluster:\n{tail}",
            hint=f"see the messages above; `kind delete cluster --name {self._name}` cleans up "
            "a half-created cluster; or use --cluster sim",
        )

    # -- the provider ---------------------------------------------------------------------------

    def provision(self, progress: Progress = no_progress) -> LabCluster:
        kind = self._kind()
        engine = self._engine()
        progress(f"checking {engine.name}")
        check_engine(engine)
        if self._name in self.clusters():
            progress(f"found kind cluster {self._name}; checking it")
            self._export_kubeconfig()
            problem = self._health()
            if problem is not None:
                raise ClusterError(
                    f"a kind cluster named {self._name!r} exists but is broken: {problem}",
                    hint=self._broken_hint(),
                )
            progress(f"reusing kind cluster {self._name}")
            self._ensure_load_balancer(progress)
            return self._cluster()
        busy = [port for port in self.nodeports if port_in_use(port)]
        if busy:
            raise ClusterError(
                f"port 127.0.0.1:{busy[0]} is already in use; kind publishes nodePorts "
                f"{self.nodeports[0]}-{self.nodeports[-1]} there"
                + (f" ({len(busy)} of them are taken)" if len(busy) > 1 else ""),
                hint=f"stop what listens there (`ss -ltnp` shows it), or publish other nodePorts "
                f'with {NODEPORTS_ENV}="31000-31019"',
            )
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.config_file.write_text(
            yaml.safe_dump(kind_config(self._name, self.nodeports), sort_keys=False)
        )
        argv = [
            kind,
            "create",
            "cluster",
            "--name",
            self._name,
            "--config",
            str(self.config_file),
            "--kubeconfig",
            str(self.kubeconfig),
            "--wait",
            WAIT,
        ]
        node_image = os.environ.get(NODE_IMAGE_ENV)
        if node_image:
            argv += ["--image", node_image]
        progress(f"creating kind cluster {self._name} (1 control-plane, 2 workers)")
        code, output = self._stream(argv, progress, timeout=900)
        if code != 0:
            raise self._creation_problem(output)
        if self.kubeconfig.exists():
            config = kc.load(self.kubeconfig)
            kc.save(self.kubeconfig, kc.with_namespace(config, self.context, LAB_NAMESPACE))
        else:
            self._export_kubeconfig()
        self._load_images(engine, progress)
        self._ensure_load_balancer(progress)
        return self._cluster()

    def _load_images(self, engine: Engine, progress: Progress) -> None:
        images = self.images if self.images is not None else course_images()
        kind = self._kind()
        for image in images:
            progress(f"pulling {image}")
            pulled = run_tool([engine.path, "pull", image], timeout=600)
            if pulled.returncode != 0:
                progress(
                    f"warning: cannot pull {image} ({_last_line(pulled)}); the nodes will try "
                    "themselves when a pod needs it"
                )
                continue
            progress(f"loading {image} into the nodes")
            if engine.name == "podman":
                with tempfile.TemporaryDirectory() as tmp:
                    archive = str(Path(tmp) / "image.tar")
                    saved = run_tool(
                        [engine.path, "save", "--format", "docker-archive", "-o", archive, image],
                        timeout=600,
                    )
                    loaded = (
                        saved
                        if saved.returncode != 0
                        else run_tool(
                            [kind, "load", "image-archive", archive, "--name", self._name],
                            timeout=600,
                        )
                    )
            else:
                loaded = run_tool(
                    [kind, "load", "docker-image", image, "--name", self._name], timeout=600
                )
            if loaded.returncode != 0:
                progress(f"warning: cannot load {image} into the nodes ({_last_line(loaded)})")

    def _ensure_load_balancer(self, progress: Progress) -> None:
        if self._cpk_pid() is not None:
            progress("LoadBalancer: cloud-provider-kind is running")
            return
        binary = shutil.which("cloud-provider-kind")
        if binary is None:
            progress(
                "LoadBalancer: cloud-provider-kind is not on PATH, so LoadBalancer Services stay "
                f"<pending> and steps that need one are skipped (install it: {CPK_INSTALL})"
            )
            return
        progress(f"LoadBalancer: starting cloud-provider-kind (log: {self.cpk_logfile})")
        child = process.start_detached([binary], pidfile=self.cpk_pidfile, logfile=self.cpk_logfile)
        time.sleep(0.5)
        if child.poll() is not None:
            self.cpk_pidfile.unlink(missing_ok=True)
            progress(
                "warning: cloud-provider-kind exited at once (it may need more privileges); "
                f"its log ends with:\n{process.log_tail(self.cpk_logfile, 5)}"
            )

    def attach(self, progress: Progress = no_progress) -> LabCluster:
        """The kind cluster when it exists and is healthy; never creates one."""
        if self._name not in self.clusters():
            raise not_up(self.spec, f"there is no kind cluster named {self._name}")
        if not self.kubeconfig.exists():
            self._export_kubeconfig()
        problem = self._health()
        if problem is not None:
            raise ClusterError(
                f"the kind cluster {self._name!r} is not healthy: {problem}",
                hint=self._broken_hint(),
            )
        progress(f"using kind cluster {self._name}")
        return self._cluster()

    def existing_kubeconfig(self) -> Path | None:
        return self.kubeconfig if self.kubeconfig.exists() else None

    def status(self) -> ClusterStatus:
        try:
            known = self.clusters()
        except ClusterError as exc:
            return ClusterStatus(
                provider=self.kind, name=self._name, provisioned=False, problems=[str(exc)]
            )
        if self._name not in known:
            return ClusterStatus(
                provider=self.kind,
                name=self._name,
                provisioned=False,
                problems=[
                    f"no kind cluster named {self._name}; `kubelab up --cluster kind` creates it"
                ],
            )
        if not self.kubeconfig.exists():
            self._export_kubeconfig()
        from kubelab.cluster.status import collect_status

        status = collect_status(self._cluster(), provisioned=True)
        if "loadbalancer" not in status.capabilities:
            status.problems.append(
                "no LoadBalancer implementation: cloud-provider-kind is not running "
                f"({CPK_INSTALL})"
            )
        return status

    def teardown(self, progress: Progress = no_progress) -> None:
        kind = self._kind()
        progress(f"deleting kind cluster {self._name}")
        code, output = self._stream(
            [kind, "delete", "cluster", "--name", self._name, "--kubeconfig", str(self.kubeconfig)],
            progress,
            timeout=300,
        )
        if code != 0:
            problem = engine_problem(self._engine(), output)
            raise problem or ClusterError(f"kind could not delete the cluster: {output[-400:]}")
        pid = process.owned_pid(self.cpk_pidfile, ("cloud-provider-kind",))
        if pid is not None:
            others = [name for name in self.clusters() if name != self._name]
            if not others:
                progress("stopping cloud-provider-kind")
                process.stop(pid)
                self.cpk_pidfile.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.kubeconfig.unlink(missing_ok=True)
            self.config_file.unlink(missing_ok=True)


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout or "").strip().splitlines()
    return lines[-1][:200] if lines else f"exit code {result.returncode}"


def _line_with(output: str, needles: Sequence[str]) -> str:
    for line in output.splitlines():
        if any(n in line.lower() for n in needles):
            return line.strip()[:300]
    return output.strip().splitlines()[-1][:300] if output.strip() else ""
