"""What kube-apiserver and its controllers answer, through real kubectl and the official Python
client against `kubelab sim serve`: each test cites the Kubernetes source it follows."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

if TYPE_CHECKING:
    from tests.conftest import SimServer

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
NS = "fidelity-api"


@pytest.fixture(scope="module")
def api(sim: SimServer) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(sim.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as api_client:
        core = client.CoreV1Api(api_client)
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
        yield api_client
        core.delete_namespace(NS)


def wait_for(probe: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout}s")


def service(name: str, kind: str = "ClusterIP") -> client.V1Service:
    return client.V1Service(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1ServiceSpec(
            type=kind, selector={"app": name}, ports=[client.V1ServicePort(port=80)]
        ),
    )


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: fidelity-api
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: {image}
"""


# -- 1: client-side apply, then server-side apply -------------------------------------------


def test_server_side_apply_takes_over_from_client_side_apply(
    api: client.ApiClient, kubectl: Kubectl, tmp_path: Path
) -> None:
    """staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/lastappliedmanager.go:
    an apply by `kubectl` does not conflict with `kubectl-client-side-apply` on the fields the
    last-applied-configuration annotation holds; lastappliedupdater.go keeps the annotation in
    step; kubectl then moves the ownership (csaupgrade)."""
    first = tmp_path / "v1.yaml"
    first.write_text(DEPLOYMENT.format(name="csa", image="nginx:1.25"))
    kubectl("apply", "-f", str(first), check=True)
    second = tmp_path / "v2.yaml"
    second.write_text(DEPLOYMENT.format(name="csa", image="nginx:1.26"))
    diff = kubectl("diff", "--server-side", "-f", str(second))
    assert diff.returncode == 1, diff.stderr  # 1: differences found (not an error)
    assert "-      - image: nginx:1.25" in diff.stdout
    assert "+      - image: nginx:1.26" in diff.stdout
    applied = kubectl("apply", "--server-side", "-f", str(second))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.strip() == "deployment.apps/csa serverside-applied"
    live = json.loads(
        kubectl(
            "get", "deploy", "csa", "-n", NS, "-o", "json", "--show-managed-fields", check=True
        ).stdout
    )
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    last = json.loads(
        live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert last["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    owners = {
        (e["manager"], e["operation"]): json.dumps(e["fieldsV1"])
        for e in live["metadata"]["managedFields"]
    }
    assert '"f:image"' in owners[("kubectl", "Apply")]
    assert '"f:image"' not in owners.get(("kubectl-client-side-apply", "Update"), "")


def test_another_manager_still_conflicts_with_client_side_apply(
    api: client.ApiClient, kubectl: Kubectl, tmp_path: Path
) -> None:
    """lastappliedmanager.go: only the `kubectl` manager upgrades from client-side apply."""
    first = tmp_path / "v1.yaml"
    first.write_text(DEPLOYMENT.format(name="csa-other", image="nginx:1.25"))
    kubectl("apply", "-f", str(first), check=True)
    second = tmp_path / "v2.yaml"
    second.write_text(DEPLOYMENT.format(name="csa-other", image="nginx:1.26"))
    result = kubectl("apply", "--server-side", "--field-manager=ci", "-f", str(second))
    assert result.returncode == 1
    assert 'conflict with "kubectl-client-side-apply"' in result.stderr
    assert '.spec.template.spec.containers[name="web"].image' in result.stderr


# -- 2, 3, 4: Services --------------------------------------------------------------------------


def test_service_status_and_delete_answer(api: client.ApiClient, kubectl: Kubectl) -> None:
    """staging/src/k8s.io/api/core/v1/types.go: ServiceStatus.LoadBalancer is a struct, so
    a Service reads back with `status: {loadBalancer: {}}`; pkg/registry/core/service/storage/
    storage.go sets ReturnDeletedObject, so DELETE answers with the Service."""
    core = client.CoreV1Api(api)
    created = core.create_namespaced_service(NS, service("plain"))
    assert created.status is not None and created.status.load_balancer is not None
    raw = json.loads(kubectl("get", "svc", "plain", "-n", NS, "-o", "json", check=True).stdout)
    assert raw["status"] == {"loadBalancer": {}}
    deleted = core.delete_namespaced_service("plain", NS)
    assert isinstance(deleted, client.V1Service)
    assert deleted.metadata.name == "plain" and deleted.spec.cluster_ip
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_service("plain", NS)
    assert gone.value.status == 404


def test_node_port_service_carries_no_simulator_bookkeeping(
    api: client.ApiClient, kubectl: Kubectl
) -> None:
    """A real server adds nothing to a NodePort Service; the simulator says where the host
    serves it at its own path, out of band."""
    core = client.CoreV1Api(api)
    created = core.create_namespaced_service(NS, service("np", "NodePort"))
    node_port = created.spec.ports[0].node_port

    def served() -> list[dict[str, Any]]:
        listing = json.loads(
            kubectl("get", "--raw", "/kubelab.dev/v1/host-ports", check=True).stdout
        )
        return [p for i in listing["items"] if (i["namespace"], i["name"]) == (NS, "np")
                for p in i["ports"]]  # fmt: skip

    [entry] = wait_for(served, 10, "the host port listing")
    assert entry["kind"] == "NodePort" and entry["nodePort"] == node_port
    live = core.read_namespaced_service("np", NS)
    assert not live.metadata.annotations
    core.delete_namespaced_service("np", NS)
    wait_for(lambda: not served(), 10, "the listing to drop the deleted Service")


# -- 5: defaulting ------------------------------------------------------------------------------


def test_volume_without_source_is_an_empty_dir(api: client.ApiClient) -> None:
    """pkg/apis/core/v1/defaults.go SetDefaults_Volume: no source at all is `emptyDir: {}`;
    SetDefaults_ConfigMapVolumeSource: defaultMode 0644."""
    core = client.CoreV1Api(api)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "vols"},
        "spec": {
            "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}],
            "volumes": [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "x"}}],
        },
    }
    created = core.create_namespaced_pod(NS, pod)
    volumes = {v.name: v for v in created.spec.volumes}
    assert volumes["scratch"].empty_dir is not None
    assert volumes["cfg"].config_map.default_mode == 420
    raw = core.api_client.sanitize_for_serialization(created)
    assert {"name": "scratch", "emptyDir": {}} in raw["spec"]["volumes"]
    deleted = core.delete_namespaced_pod("vols", NS, grace_period_seconds=0)
    assert isinstance(deleted, client.V1Pod)  # ReturnDeletedObject (pod/storage/storage.go)


# -- 10: error texts ----------------------------------------------------------------------------


def test_undecodable_body_is_unrecognized(kubectl: Kubectl, tmp_path: Path) -> None:
    """staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go transformDecodeError and
    summarizeData; the JSON serializer's `couldn't get version/kind; json parse error` and
    Go's encoding/json syntax errors."""
    as_yaml = tmp_path / "ns.yaml"
    as_yaml.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: raw\n")
    result = kubectl("create", "--raw", "/api/v1/namespaces", "-f", str(as_yaml))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error from server (BadRequest): the object provided is unrecognized (must be of type "
        "Namespace): couldn't get version/kind; json parse error: invalid character 'a' looking "
        "for beginning of value (61706956657273696f6e3a2076310a6b696e643a204e616d657370616365 ...)"
    )
    cut = tmp_path / "cut.json"
    cut.write_text('{"apiVersion":"v1","kind":"Namespace",')
    result = kubectl("create", "--raw", "/api/v1/namespaces", "-f", str(cut))
    assert result.stderr.strip() == (
        "Error from server (BadRequest): the object provided is unrecognized (must be of type "
        "Namespace): couldn't get version/kind; json parse error: unexpected end of JSON input "
        '({"apiVersion":"v1","kind":"Nam ...)'
    )


def test_strategic_merge_patch_of_the_wrong_type(api: client.ApiClient, kubectl: Kubectl) -> None:
    """staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go applyPatchToObject: the
    patched map does not convert (staging/src/k8s.io/apimachinery/pkg/runtime/converter.go) ->
    `patch: Invalid value: "<patch as %+v>": <converter error>`, which kubectl prints as
    `The request is invalid: ...`."""
    kubectl("create", "deployment", "typed", "--image=nginx", "-n", NS, check=True)
    result = kubectl("patch", "deploy", "typed", "-n", NS, "-p", '{"spec":{"replicas":"two"}}')
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'The request is invalid: patch: Invalid value: "map[spec:map[replicas:two]]": '
        "unrecognized type: int32"
    )
    result = kubectl(
        "patch", "deploy", "typed", "-n", NS, "-p", '{"metadata":{"labels":{"tier":1}}}'
    )
    assert result.stderr.strip() == (
        'The request is invalid: patch: Invalid value: "map[metadata:map[labels:map[tier:1]]]": '
        "cannot convert int64 to string"
    )
    apps = client.AppsV1Api(api)
    with pytest.raises(ApiException) as invalid:
        apps.patch_namespaced_deployment("typed", NS, {"spec": {"paused": "yes"}})
    assert invalid.value.status == 422
    status = json.loads(invalid.value.body)
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "map[spec:map[paused:yes]]": unrecognized type: bool',
            "field": "patch",
        }
    ]


# -- 11: unconditional updates and rollback history ---------------------------------------------


def test_put_without_resource_version(api: client.ApiClient) -> None:
    """staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (Update): without a
    resourceVersion a PUT is unconditional when the strategy's AllowUnconditionalUpdate() is
    true (pkg/registry/core/node/strategy.go) and 422 otherwise (pkg/registry/coordination/
    lease/strategy.go)."""
    core = client.CoreV1Api(api)
    node = core.read_node("kubelab-worker")
    node.metadata.resource_version = None
    node.metadata.labels["fidelity"] = "put"
    replaced = core.replace_node("kubelab-worker", node)
    assert replaced.metadata.labels["fidelity"] == "put"
    coordination = client.CoordinationV1Api(api)
    lease = client.V1Lease(
        metadata=client.V1ObjectMeta(name="lock"), spec=client.V1LeaseSpec(holder_identity="a")
    )
    created = coordination.create_namespaced_lease(NS, lease)
    created.metadata.resource_version = None
    created.spec.holder_identity = "b"
    with pytest.raises(ApiException) as refused:
        coordination.replace_namespaced_lease("lock", NS, created)
    assert refused.value.status == 422
    assert json.loads(refused.value.body)["message"] == (
        'leases.coordination.k8s.io "lock" is invalid: metadata.resourceVersion: Invalid value: '
        "0: must be specified for an update"
    )


def test_rollback_records_revision_history(kubectl: Kubectl, tmp_path: Path) -> None:
    """pkg/controller/deployment/util/deployment_util.go SetNewReplicaSetAnnotations: the
    ReplicaSet rolled back to keeps its old revisions in `deployment.kubernetes.io/
    revision-history`."""
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOYMENT.format(name="history", image="nginx:1.25"))
    kubectl("apply", "-f", str(manifest), check=True)
    kubectl("rollout", "status", "deploy/history", "-n", NS, "--timeout=30s", check=True)
    kubectl("set", "image", "deploy/history", "web=nginx:1.26", "-n", NS, check=True)
    kubectl("rollout", "status", "deploy/history", "-n", NS, "--timeout=30s", check=True)
    kubectl("rollout", "undo", "deploy/history", "-n", NS, check=True)

    def reused() -> dict[str, str] | None:
        listed = json.loads(
            kubectl("get", "rs", "-n", NS, "-l", "app=history", "-o", "json", check=True).stdout
        )
        for rs in listed["items"]:
            annotations = rs["metadata"].get("annotations") or {}
            if annotations.get("deployment.kubernetes.io/revision") == "3":
                return dict(annotations)
        return None

    annotations = wait_for(reused, 15, "the rolled-back ReplicaSet at revision 3")
    assert annotations["deployment.kubernetes.io/revision-history"] == "1"
    history = kubectl("rollout", "history", "deploy/history", "-n", NS, check=True).stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]


# -- 12: nodes ----------------------------------------------------------------------------------

NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "registered"},
    "status": {
        "capacity": {"cpu": "2", "memory": "2Gi", "pods": "110"},
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "KubeletReady",
             "message": "kubelet is posting ready status",
             "lastHeartbeatTime": "2026-01-01T00:00:00Z"},
        ],
    },
}  # fmt: skip


def test_created_node_keeps_its_status_then_goes_unknown(
    sim_factory: Callable[..., SimServer], tmp_path: Path
) -> None:
    """pkg/registry/core/node/strategy.go: PrepareForCreate keeps the status a node registers
    with. pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth: no
    report for the node-monitor grace period (40 s upstream, 1 s here) -> every condition
    Unknown (`NodeStatusUnknown`, or `NodeStatusNeverUpdated` for one never posted), then the
    unreachable taints."""
    server = sim_factory("nodes", extra=("--node-monitor-grace-period", "1"))
    node_file = tmp_path / "node.json"
    node_file.write_text(json.dumps(NODE))
    created = json.loads(
        server.kubectl("create", "-f", str(node_file), "-o", "json", check=True).stdout
    )
    assert created["status"] == NODE["status"]
    described = server.kubectl("describe", "node", "registered", check=True).stdout
    assert "\nConditions:\n  Type " in described
    assert "\nCapacity:\n  cpu:     2\n  memory:  2Gi\n  pods:    110\n" in described

    def unknown() -> list[dict[str, str]] | None:
        node = json.loads(server.kubectl("get", "node", "registered", "-o", "json").stdout)
        conditions = node["status"]["conditions"]
        return conditions if all(c["status"] == "Unknown" for c in conditions) else None

    conditions = {c["type"]: c for c in wait_for(unknown, 15, "Unknown conditions")}
    assert set(conditions) == {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}
    assert conditions["Ready"]["reason"] == "NodeStatusUnknown"
    assert conditions["Ready"]["message"] == "Kubelet stopped posting node status."
    assert conditions["DiskPressure"]["reason"] == "NodeStatusNeverUpdated"
    row = server.kubectl("get", "node", "registered", "--no-headers", check=True).stdout
    assert row.split()[1] == "NotReady"

    def tainted() -> list[dict[str, str]] | None:
        node = json.loads(server.kubectl("get", "node", "registered", "-o", "json").stdout)
        return node["spec"].get("taints")

    # the taint passes: Ready Unknown -> node.kubernetes.io/unreachable, both effects
    taints = wait_for(tainted, 10, "the unreachable taints")
    assert [(t["key"], t["effect"]) for t in taints] == [
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    ]
    assert "timeAdded" in taints[1]
    described = server.kubectl("describe", "node", "registered", check=True).stdout
    assert "Taints:             node.kubernetes.io/unreachable:NoExecute" in described
    # the simulator's own nodes have a kubelet behind them: they stay Ready
    rows = server.kubectl("get", "nodes", "--no-headers", check=True).stdout.splitlines()
    assert {r.split()[0]: r.split()[1] for r in rows if "kubelab-" in r} == {
        "kubelab-control-plane": "Ready",
        "kubelab-worker": "Ready",
        "kubelab-worker2": "Ready",
    }


# -- 13: LoadBalancer ---------------------------------------------------------------------------


def test_load_balancer_is_pending_for_a_moment(api: client.ApiClient, kubectl: Kubectl) -> None:
    """cloud-provider-kind makes a load balancer (a proxy container) before it writes the
    ingress address: EXTERNAL-IP reads `<pending>` first (pkg/printers/internalversion/
    printers.go getServiceExternalIP), then the address."""
    core = client.CoreV1Api(api)
    core.create_namespaced_service(NS, service("front", "LoadBalancer"))
    first = kubectl("get", "svc", "front", "-n", NS, "--no-headers", check=True).stdout
    assert first.split()[3] == "<pending>"

    def external_ip() -> str | None:
        row = kubectl("get", "svc", "front", "-n", NS, "--no-headers", check=True).stdout
        value = row.split()[3]
        return None if value == "<pending>" else value

    assert wait_for(external_ip, 10, "an EXTERNAL-IP").startswith("172.18.255.")
    events = kubectl(
        "get", "events", "-n", NS, "--field-selector", "involvedObject.name=front", "-o", "json"
    ).stdout
    reasons = [e["reason"] for e in json.loads(events)["items"]]
    assert [r for r in reasons if "LoadBalancer" in r] == [
        "EnsuringLoadBalancer",
        "EnsuredLoadBalancer",
    ]
