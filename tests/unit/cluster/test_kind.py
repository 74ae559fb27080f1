"""The kind provider against fake `kind`/`docker`/`podman` executables on PATH that record their
arguments and simulate the failures users hit most."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubelab.cluster import kind as kind_module
from kubelab.cluster.base import ClusterError, ClusterNotUp
from kubelab.cluster.kind import KindProvider, detect, kind_config

FAKE = r"""#!{python}
import json, os, sys, time
prog = os.path.basename(sys.argv[0])
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({{"prog": prog, "argv": args}}) + "\n")
env = os.environ.get
def kubeconfig_text():
    server = env("FAKE_SERVER", "http://127.0.0.1:9")
    return (
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kind-kubelab\n  cluster:\n"
        f"    server: {{server}}\ncontexts:\n- name: kind-kubelab\n  context:\n"
        "    cluster: kind-kubelab\n    user: kind-kubelab\ncurrent-context: kind-kubelab\n"
        "users:\n- name: kind-kubelab\n  user:\n    token: abc\n"
    )
if prog == "docker":
    if args[:1] == ["info"]:
        mode = env("FAKE_DOCKER", "ok")
        if mode == "down":
            sys.stderr.write("Cannot connect to the Docker daemon at "
                             "unix:///var/run/docker.sock. Is the docker daemon running?\n")
            sys.exit(1)
        if mode == "denied":
            sys.stderr.write("permission denied while trying to connect to the Docker daemon "
                             "socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun"
                             "%2Fdocker.sock/v1.50/info\": dial unix /var/run/docker.sock: "
                             "connect: permission denied\n")
            sys.exit(1)
        print("{{}}")
        sys.exit(0)
    if args[:1] == ["inspect"]:
        address = env("FAKE_NODE_IP")
        if not address:
            sys.stderr.write("Error: No such object: " + args[-1] + "\n")
            sys.exit(1)
        print(address + " ")
        sys.exit(0)
    if args[:1] == ["pull"]:
        if args[1] in env("FAKE_PULL_FAIL", "").split(","):
            sys.stderr.write("toomanyrequests: You have reached your pull rate limit\n")
            sys.exit(1)
        sys.exit(0)
if prog == "podman":
    if args[:1] == ["info"]:
        controllers = env("FAKE_PODMAN_CONTROLLERS", "cpu,memory,pids").split(",")
        host = {{"security": {{"rootless": True}}, "cgroupControllers": controllers}}
        print(json.dumps({{"host": host}}))
        sys.exit(0)
    sys.exit(0)
if prog == "kind":
    if args[:2] == ["get", "clusters"]:
        names = [n for n in env("FAKE_CLUSTERS", "").split(",") if n]
        if not names:
            sys.stderr.write("No kind clusters found.\n")
        for name in names:
            print(name)
        sys.exit(0)
    if args[:2] == ["get", "kubeconfig"]:
        sys.stdout.write(kubeconfig_text())
        sys.exit(0)
    if args[:2] == ["create", "cluster"]:
        with open(args[args.index("--config") + 1]) as src:
            text = src.read()
        with open(os.environ["FAKE_LOG"] + ".config", "w") as dst:
            dst.write(text)
        sys.stderr.write("Creating cluster \"kubelab\" ...\n")
        sys.stderr.write(" \u2713 Ensuring node image (kindest/node:v1.35.0) \U0001f5bc\n")
        sys.stderr.write(" \u2713 Preparing nodes \U0001f4e6 \U0001f4e6 \U0001f4e6\n")
        failure = env("FAKE_CREATE_FAIL")
        if failure:
            sys.stderr.write(failure + "\n")
            sys.exit(1)
        with open(args[args.index("--kubeconfig") + 1], "w") as out:
            out.write(kubeconfig_text())
        sys.stderr.write(" \u2713 Joining worker nodes \U0001f69c\n")
        sys.exit(0)
    if args[:1] == ["load"]:
        sys.exit(0)
    if args[:2] == ["delete", "cluster"]:
        sys.stderr.write("Deleting cluster \"kubelab\" ...\n")
        sys.exit(0)
    sys.exit(3)
if prog == "cloud-provider-kind":
    time.sleep(60)
"""


class Fakes:
    def __init__(self, bin_dir: Path, log: Path) -> None:
        self.bin = bin_dir
        self.log = log

    def add(self, *names: str) -> None:
        for name in names:
            path = self.bin / name
            path.write_text(FAKE.format(python=sys.executable))
            path.chmod(0o755)

    def calls(self, prog: str | None = None) -> list[list[str]]:
        if not self.log.exists():
            return []
        entries = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [[e["prog"], *e["argv"]] for e in entries if prog is None or e["prog"] == prog]

    def config(self) -> dict[str, object]:
        loaded: dict[str, object] = yaml.safe_load(Path(f"{self.log}.config").read_text())
        return loaded


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KIND_EXPERIMENTAL_PROVIDER", raising=False)
    monkeypatch.delenv("KUBELAB_KIND_NODEPORTS", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    fakes = Fakes(bin_dir, log)
    yield fakes
    pid_file = tmp_path / "state" / "kind" / "cloud-provider-kind.pid"
    if pid_file.exists():
        from kubelab.cluster.process import stop

        stop(int(pid_file.read_text()), timeout=5)
    assert not (tmp_path / "home" / ".kube").exists(), "kubelab touched ~/.kube"


def _free_nodeport() -> int:
    for port in range(31500, 31700):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port")


@pytest.fixture
def healthy_api(fake_api, monkeypatch: pytest.MonkeyPatch):
    fake_api.routes[("GET", "/version")] = (200, {"gitVersion": "v1.35.0"})
    ready = {"conditions": [{"type": "Ready", "status": "True"}]}
    fake_api.routes[("GET", "/api/v1/nodes")] = (
        200,
        {"items": [{"metadata": {"name": f"kubelab-{n}"}, "status": ready} for n in ("a", "b")]},
    )
    fake_api.routes[("GET", "/api/v1/services")] = (200, {"items": []})
    monkeypatch.setenv("FAKE_SERVER", fake_api.url)
    return fake_api


# -- the generated config ---------------------------------------------------------------------

KIND_V1ALPHA4_CLUSTER_FIELDS = {
    "kind", "apiVersion", "name", "nodes", "networking", "featureGates", "runtimeConfig",
    "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902", "containerdConfigPatches",
    "containerdConfigPatchesJSON6902",
}  # fmt: skip
KIND_V1ALPHA4_NODE_FIELDS = {
    "role", "image", "labels", "extraMounts", "extraPortMappings", "kubeadmConfigPatches",
    "kubeadmConfigPatchesJSON6902",
}  # fmt: skip
KIND_V1ALPHA4_PORT_MAPPING_FIELDS = {"containerPort", "hostPort", "listenAddress", "protocol"}


def test_kind_config_is_v1alpha4_field_by_field() -> None:
    config = kind_config("kubelab", [30000, 30001])
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert config["name"] == "kubelab"
    assert set(config) <= KIND_V1ALPHA4_CLUSTER_FIELDS
    nodes = config["nodes"]
    assert [n["role"] for n in nodes] == ["control-plane", "worker", "worker"]
    for node in nodes:
        assert set(node) <= KIND_V1ALPHA4_NODE_FIELDS
    mappings = nodes[0]["extraPortMappings"]
    assert mappings == [
        {
            "containerPort": 30000,
            "hostPort": 30000,
            "listenAddress": "127.0.0.1",
            "protocol": "TCP",
        },
        {
            "containerPort": 30001,
            "hostPort": 30001,
            "listenAddress": "127.0.0.1",
            "protocol": "TCP",
        },
    ]
    for mapping in mappings:
        assert set(mapping) <= KIND_V1ALPHA4_PORT_MAPPING_FIELDS
        assert mapping["protocol"] in ("TCP", "UDP", "SCTP")
    assert "extraPortMappings" not in nodes[1] and "extraPortMappings" not in nodes[2]


def test_nodeports_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBELAB_KIND_NODEPORTS", raising=False)
    assert kind_module.nodeports_from_env() == list(range(30000, 30020))
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", "31000-31002,31010")
    assert kind_module.nodeports_from_env() == [31000, 31001, 31002, 31010]
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", "80")
    with pytest.raises(ClusterError, match="outside the nodePort range"):
        kind_module.nodeports_from_env()
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", "lots")
    with pytest.raises(ClusterError, match="is not a port range"):
        kind_module.nodeports_from_env()


# -- creating ---------------------------------------------------------------------------------


def test_create_runs_kind_with_the_generated_config_and_loads_images(
    fakes: Fakes, healthy_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes.add("kind", "docker")
    port = _free_nodeport()
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(port))
    messages: list[str] = []
    provider = KindProvider(images=["busybox:1.37", "nginx:1.27"])
    lab = provider.provision(messages.append)

    state = tmp_path / "state" / "kind" / "kubelab"
    create = next(c for c in fakes.calls("kind") if c[1:3] == ["create", "cluster"])
    assert create[1:] == [
        "create", "cluster", "--name", "kubelab", "--config", str(state / "kind-config.yaml"),
        "--kubeconfig", str(state / "kubeconfig"), "--wait", "180s",
    ]  # fmt: skip
    assert fakes.config() == kind_config("kubelab", [port])
    assert ["docker", "pull", "busybox:1.37"] in fakes.calls("docker")
    assert ["kind", "load", "docker-image", "busybox:1.37", "--name", "kubelab"] in fakes.calls()
    assert ["kind", "load", "docker-image", "nginx:1.27", "--name", "kubelab"] in fakes.calls()
    assert any("Preparing nodes" in m for m in messages), messages
    assert any("Joining worker nodes" in m for m in messages)
    assert any("cloud-provider-kind is not on PATH" in m for m in messages)

    assert lab.provider == "kind" and lab.context == "kind-kubelab" and lab.namespace == "default"
    assert lab.kubeconfig == state / "kubeconfig"
    assert lab.capabilities == frozenset({"multi-node", "nodeport-from-host"})
    assert lab.missing(["loadbalancer"])[0].startswith("loadbalancer: cloud-provider-kind is not")
    assert lab.nodeport_map == {port: port}
    written = yaml.safe_load(lab.kubeconfig.read_text())
    assert written["contexts"][0]["context"]["namespace"] == "default"
    assert oct(lab.kubeconfig.stat().st_mode & 0o777) == "0o600"


def test_a_pull_failure_is_a_warning_not_an_error(fakes: Fakes, healthy_api, monkeypatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(_free_nodeport()))
    monkeypatch.setenv("FAKE_PULL_FAIL", "busybox:1.37")
    messages: list[str] = []
    KindProvider(images=["busybox:1.37"]).provision(messages.append)
    assert any("warning: cannot pull busybox:1.37 (toomanyrequests" in m for m in messages)
    assert not [c for c in fakes.calls("kind") if c[1] == "load"]


def test_cloud_provider_kind_on_path_gives_loadbalancer(
    fakes: Fakes, healthy_api, monkeypatch
) -> None:
    fakes.add("kind", "docker", "cloud-provider-kind")
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(_free_nodeport()))
    provider = KindProvider(images=[])
    lab = provider.provision()
    assert "loadbalancer" in lab.capabilities
    assert fakes.calls("cloud-provider-kind") == [["cloud-provider-kind"]]
    provider.teardown()
    assert "loadbalancer" not in provider.capabilities


# -- the failures users hit most --------------------------------------------------------------


def test_docker_not_running(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("FAKE_DOCKER", "down")
    with pytest.raises(ClusterError) as info:
        KindProvider().provision()
    assert info.value.message == "docker is not running"
    assert "start Docker" in (info.value.hint or "") and "--cluster sim" in (info.value.hint or "")
    assert not [c for c in fakes.calls("kind") if c[1] == "create"]


def test_docker_permission_denied(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("FAKE_DOCKER", "denied")
    with pytest.raises(ClusterError) as info:
        KindProvider().provision()
    assert info.value.message == "docker is installed but you have no permission to use it"
    assert "usermod -aG docker" in (info.value.hint or "")


def test_port_in_use_is_found_before_creating(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes.add("kind", "docker")
    port = _free_nodeport()
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(port))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        with pytest.raises(ClusterError) as info:
            KindProvider().provision()
    assert info.value.message.startswith(f"port 127.0.0.1:{port} is already in use")
    assert "KUBELAB_KIND_NODEPORTS" in (info.value.hint or "")
    assert not [c for c in fakes.calls("kind") if c[1] == "create"]


def test_port_in_use_reported_by_kind(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(_free_nodeport()))
    monkeypatch.setenv(
        "FAKE_CREATE_FAIL",
        'ERROR: failed to create cluster: command "docker run ..." failed with error: exit '
        "status 125\nCommand Output: docker: Error response from daemon: Bind for "
        "127.0.0.1:30000 failed: port is already allocated.",
    )
    with pytest.raises(ClusterError) as info:
        KindProvider().provision()
    assert "a port kind needs on 127.0.0.1 is already in use" in info.value.message
    assert "Bind for 127.0.0.1:30000 failed: port is already allocated" in info.value.message


def test_existing_broken_cluster(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("FAKE_CLUSTERS", "kubelab")
    with socket.socket() as sock:  # a port where nothing answers
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("FAKE_SERVER", f"http://127.0.0.1:{sock.getsockname()[1]}")
    with pytest.raises(ClusterError) as info:
        KindProvider().provision()
    assert info.value.message.startswith("a kind cluster named 'kubelab' exists but is broken")
    assert "kubelab down --cluster kind:kubelab" in (info.value.hint or "")
    assert not [c for c in fakes.calls("kind") if c[1] == "create"]


def test_duplicate_name_reported_by_kind(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(_free_nodeport()))
    monkeypatch.setenv(
        "FAKE_CREATE_FAIL",
        "ERROR: failed to create cluster: node(s) already exist for a cluster with the name "
        '"kubelab"',
    )
    with pytest.raises(ClusterError, match="already exists but is not working") as info:
        KindProvider().provision()
    assert "kind delete cluster --name kubelab" in (info.value.hint or "")


def test_existing_healthy_cluster_is_reused(fakes: Fakes, healthy_api, monkeypatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("FAKE_CLUSTERS", "other,kubelab")
    messages: list[str] = []
    lab = KindProvider(images=["busybox:1.37"]).provision(messages.append)
    assert "reusing kind cluster kubelab" in messages
    assert not [c for c in fakes.calls("kind") if c[1] in ("create", "load")]
    assert lab.context == "kind-kubelab"


def test_rootless_podman_without_delegation(fakes: Fakes, monkeypatch) -> None:
    fakes.add("kind", "podman")
    monkeypatch.setenv("KIND_EXPERIMENTAL_PROVIDER", "podman")
    monkeypatch.setenv("FAKE_PODMAN_CONTROLLERS", "memory,pids")
    with pytest.raises(ClusterError) as info:
        KindProvider().provision()
    assert info.value.message.startswith("rootless podman cannot run kind here")
    assert "Delegate=yes" in (info.value.hint or "")
    assert not [c for c in fakes.calls("kind") if c[1] == "create"]


def test_rootless_delegation_error_reported_by_kind(fakes: Fakes, monkeypatch) -> None:
    fakes.add("kind", "podman")
    monkeypatch.setenv("KIND_EXPERIMENTAL_PROVIDER", "podman")
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(_free_nodeport()))
    monkeypatch.setenv(
        "FAKE_CREATE_FAIL",
        "ERROR: failed to create cluster: running kind with rootless provider requires setting "
        'systemd property "Delegate=yes", see https://kind.sigs.k8s.io/docs/user/rootless/',
    )
    with pytest.raises(ClusterError, match="rootless podman cannot run kind here"):
        KindProvider().provision()


def test_podman_loads_images_through_an_archive(fakes: Fakes, healthy_api, monkeypatch) -> None:
    fakes.add("kind", "podman")
    monkeypatch.setenv("KIND_EXPERIMENTAL_PROVIDER", "podman")
    monkeypatch.setenv("KUBELAB_KIND_NODEPORTS", str(_free_nodeport()))
    KindProvider(images=["busybox:1.37"]).provision()
    save = next(c for c in fakes.calls("podman") if c[1] == "save")
    assert save[2:5] == ["--format", "docker-archive", "-o"] and save[-1] == "busybox:1.37"
    load = next(c for c in fakes.calls("kind") if c[1] == "load")
    assert load[2] == "image-archive" and load[-2:] == ["--name", "kubelab"]


def test_kind_not_installed(fakes: Fakes) -> None:
    fakes.add("docker")
    with pytest.raises(ClusterError, match="kind is not installed") as info:
        KindProvider().provision()
    assert "--cluster sim" in (info.value.hint or "")


# -- teardown, status, detection --------------------------------------------------------------


def test_teardown_deletes_with_kubelabs_own_kubeconfig(fakes: Fakes, tmp_path: Path) -> None:
    fakes.add("kind", "docker")
    KindProvider("lab2").teardown()
    kubeconfig = tmp_path / "state" / "kind" / "lab2" / "kubeconfig"
    assert ["kind", "delete", "cluster", "--name", "lab2", "--kubeconfig", str(kubeconfig)] in (
        fakes.calls("kind")
    )


def test_status_of_a_missing_cluster(fakes: Fakes) -> None:
    fakes.add("kind", "docker")
    status = KindProvider().status()
    assert not status.provisioned
    assert "no kind cluster named kubelab" in status.problems[0]


def test_status_of_a_running_cluster(fakes: Fakes, healthy_api, monkeypatch) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("FAKE_CLUSTERS", "kubelab")
    status = KindProvider().status()
    assert status.provisioned and status.api_reachable
    assert status.nodes_ready == 2
    assert any("cloud-provider-kind is not running" in p for p in status.problems)


def test_invalid_cluster_name() -> None:
    with pytest.raises(ClusterError, match="not a valid kind cluster name"):
        KindProvider("Bad Name")


def test_detect(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert detect() == (False, "no `kind` binary on PATH")
    fakes.add("kind")
    assert detect() == (False, "`kind` is installed but neither docker nor podman is")
    fakes.add("docker")
    monkeypatch.setenv("FAKE_DOCKER", "down")
    assert detect() == (False, "`kind` is installed but docker is not running")
    monkeypatch.setenv("FAKE_DOCKER", "ok")
    assert detect() == (True, "`kind` and a working docker were found")


def test_nodeports_through_the_node_address_when_the_host_reaches_it(
    fakes: Fakes, healthy_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes.add("kind", "docker")
    monkeypatch.setenv("FAKE_CLUSTERS", "kubelab")
    monkeypatch.setenv("FAKE_NODE_IP", "172.18.0.3")
    monkeypatch.setattr(kind_module.sys, "platform", "linux")
    tried: list[tuple[str, int]] = []

    def answers(host: str, port: int, timeout: float = 1.0) -> bool:
        tried.append((host, port))
        return True

    monkeypatch.setattr(kind_module, "reachable", answers)
    lab = KindProvider().provision()
    assert tried == [("172.18.0.3", 6443)]
    assert ["docker", "inspect", "--format",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
            "kubelab-control-plane"] in fakes.calls("docker")  # fmt: skip
    assert lab.nodeport_host == "172.18.0.3" and lab.nodeport_map is None
    service = {"spec": {"ports": [{"port": 80, "nodePort": 31234}]}}
    assert lab.host_endpoint(service, 80) == ("172.18.0.3", 31234)

    monkeypatch.setattr(kind_module, "reachable", lambda *a, **k: False)
    published = KindProvider().provision()
    assert published.nodeport_host == "127.0.0.1"
    assert published.host_endpoint(service, 80) is None  # 31234 is not published


def test_a_cloud_provider_kind_run_by_the_user_is_used_not_duplicated(
    fakes: Fakes, healthy_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes.add("kind", "docker", "cloud-provider-kind")
    monkeypatch.setenv("FAKE_CLUSTERS", "kubelab")
    bash = shutil.which("bash", path="/usr/bin:/bin")
    assert bash is not None
    theirs = subprocess.Popen([bash, "-c", "exec -a cloud-provider-kind /bin/sleep 30"])
    try:
        messages: list[str] = []
        deadline = time.monotonic() + 10
        while kind_module.process.find_running("cloud-provider-kind") is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        lab = KindProvider(images=[]).provision(messages.append)
        assert "loadbalancer" in lab.capabilities
        assert "LoadBalancer: cloud-provider-kind is running" in messages
        assert fakes.calls("cloud-provider-kind") == []
        KindProvider().teardown()
        assert theirs.poll() is None  # kubelab stops only the one it started
    finally:
        theirs.kill()
        theirs.wait(timeout=5)


def test_attach_never_creates_a_cluster(fakes: Fakes, healthy_api, monkeypatch) -> None:
    fakes.add("kind", "docker")
    with pytest.raises(ClusterNotUp) as info:
        KindProvider().attach()
    assert "there is no kind cluster named kubelab" in info.value.message
    assert info.value.hint == "run `kubelab up --cluster kind:kubelab` first"
    monkeypatch.setenv("FAKE_CLUSTERS", "kubelab")
    messages: list[str] = []
    lab = KindProvider().attach(messages.append)
    assert lab.context == "kind-kubelab" and "using kind cluster kubelab" in messages
    assert not [c for c in fakes.calls("kind") if c[1] in ("create", "load")]
    assert not fakes.calls("cloud-provider-kind")
