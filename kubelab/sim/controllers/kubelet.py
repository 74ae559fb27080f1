"""The kubelet of every node: runs the Pods bound to it.

Pending -> ContainerCreating -> Running, with a pod IP from the node's podCIDR, container
statuses, `Ready` conditions and the kubelet's events; images the runtime cannot pull go
ErrImagePull -> ImagePullBackOff and retry with a growing back-off; a container whose main
process exits at once (a shell without stdin) goes Completed -> CrashLoopBackOff. At each
container start the Service environment variables are computed and stored for the data plane
(`envvars.store_env`). Readiness probes gate `Ready` (and so the endpoints); a container failing
its liveness probe `failureThreshold` times is killed and started again (`probes.py`). Deleted
Pods terminate gracefully (`kubelet_termination.py`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers import envvars
from kubelab.sim.controllers.base import (
    NODES,
    PODS,
    SERVICES,
    Controller,
    Index,
    is_terminating,
    meta,
    now,
    ns_name,
    rt,
    set_condition,
)
from kubelab.sim.controllers.events import NORMAL, WARNING
from kubelab.sim.controllers.kubelet_pods import KubeletPods
from kubelab.sim.controllers.kubelet_probes import Probes
from kubelab.sim.controllers.kubelet_restarts import Restarts
from kubelab.sim.controllers.kubelet_rules import (
    Progress,
    digest,
    exits_at_once,
    field_value,
    image_id,
    images_of,
    order_conditions,
    refresh_readiness,
)
from kubelab.sim.controllers.kubelet_termination import STOP, Terminations
from kubelab.sim.controllers.timing import TIMINGS
from kubelab.sim.dataplane.images import lookup
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

SHELLS = frozenset({"sh", "ash", "bash", "dash"})


class Kubelet(Controller):
    name = "kubelet"
    keys = frozenset({PODS, SERVICES})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pods = KubeletPods(self.store, self.after)
        self.probes = Probes(self.pods)
        self.restarts = Restarts(self.pods, self.probes)
        self.terminations = Terminations(self.store, self.pods)
        self._next_ip: dict[str, int] = {}
        self._by_node = Index(
            self.store, PODS, lambda p: [str(p["spec"]["nodeName"])]
            if (p.get("spec") or {}).get("nodeName") else []
        )  # fmt: skip
        self._allocated: dict[str, set[str]] = {}  # this batch's pod IPs (events come after it)
        self._nodes: dict[str, Obj] | None = None
        self._services_seen = 0  # bumped on every Service change
        self._service_vars: dict[tuple[str, bool], tuple[int, list[tuple[str, str]]]] = {}

    # -- queue ---------------------------------------------------------------------------------

    def begin_batch(self) -> None:
        self._allocated = {}
        self._nodes = None

    def stop(self) -> None:
        self._by_node.close()

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == SERVICES:
            self._services_seen += 1
            return ()
        pod = event.obj
        if event.type == "DELETED":
            self._forget(pod)
            return ()
        if not (pod.get("spec") or {}).get("nodeName"):
            return ()
        old_node = ((event.old or {}).get("spec") or {}).get("nodeName")
        if event.type == "MODIFIED" and old_node and not is_terminating(pod):
            namespace, name = ns_name(pod)
            if images_of(pod) != images_of(event.old or {}):
                return [("image", namespace, name)]  # `kubectl set image pod/...`
            if _ephemeral(pod) != _ephemeral(event.old or {}):
                return [("ephemeral", namespace, name)]  # `kubectl debug`
            return ()  # our own status writes; timers drive the next stage
        return [ns_name(pod)]

    def all_items(self) -> Iterable[Hashable]:
        pods = self.store.list(rt(self.store, PODS), copy_items=False).items
        return [ns_name(p) for p in pods if (p.get("spec") or {}).get("nodeName")]

    def _forget(self, pod: Obj) -> None:
        uid = str(meta(pod).get("uid"))
        self.pods.progress.pop(uid, None)
        self.terminations.forget(uid)
        for key in [k for k in self.probes.live_failures if k[0] == uid]:
            del self.probes.live_failures[key]
        for key in [k for k in self.pods.pull_started if k[0] == uid]:
            del self.pods.pull_started[key]
        namespace, name = ns_name(pod)
        envvars.clear_env(self.store, namespace, name)

    # -- node facts ----------------------------------------------------------------------------

    def _node(self, name: str) -> Obj | None:
        if self._nodes is None:
            nodes = self.store.list(rt(self.store, NODES), copy_items=False).items
            self._nodes = {str(meta(n).get("name")): n for n in nodes}
        return self._nodes.get(name)

    def _node_ip(self, name: str) -> str:
        node = self._node(name) or {}
        for address in (node.get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                return str(address.get("address"))
        return ""

    def _used_ips(self, node: str) -> set[str]:
        used = {
            str((p.get("status") or {}).get("podIP"))
            for p in self._by_node.get(node)
            if (p.get("status") or {}).get("podIP")
        }
        return used | self._allocated.setdefault(node, set())

    def _allocate_ip(self, node_name: str) -> str:
        node = self._node(node_name) or {}
        cidr = (node.get("spec") or {}).get("podCIDR")
        if not cidr:
            return ""
        network = ipaddress.ip_network(str(cidr), strict=False)
        used = self._used_ips(node_name)
        size = network.num_addresses
        start = self._next_ip.get(node_name, 2)
        for step in range(size - 3):
            offset = 2 + (start - 2 + step) % (size - 3)
            candidate = str(network.network_address + offset)
            if candidate not in used:
                self._allocated.setdefault(node_name, set()).add(candidate)
                self._next_ip[node_name] = offset + 1
                return candidate
        return ""

    # -- reconcile -----------------------------------------------------------------------------

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        if item[0] == STOP:
            self.terminations.finish(item[1], item[2], item[3])
            return
        if len(item) == 3:
            if item[0] == "image":
                self.restarts.image_changed(item[1], item[2])
            elif item[0] == "ephemeral":
                self._start_ephemeral(item[1], item[2])
            else:
                self.probes.liveness(item[1], item[2])
            return
        namespace, name = item
        pod = self.store.try_get(rt(self.store, PODS), namespace, name)
        if pod is None:
            return
        spec = pod.get("spec") or {}
        if not spec.get("nodeName"):
            return
        uid = str(meta(pod).get("uid"))
        if is_terminating(pod):
            self.terminations.begin(pod, uid)
            return
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed"):
            return
        progress = self.pods.progress.get(uid)
        if progress is None:
            progress = self._resume(pod, uid)
            if progress is None:
                return
        stage = progress.stage
        if stage == "new":
            self._begin(pod, uid)
        elif stage == "creating":
            self._start_containers(pod, uid, progress)
        elif stage == "pull-failed":
            self.restarts.back_off(pod, uid, progress)
        elif stage == "back-off":
            self.restarts.pull_again(pod, uid, progress)
        elif stage == "exited":
            self.restarts.container_exited(pod, uid, progress)
        elif stage == "crash-back-off":
            self.restarts.restart(pod, uid, progress)
        elif stage == "probing":
            self.probes.probe(pod, uid, progress)

    def _resume(self, pod: Obj, uid: str) -> Progress | None:
        """First sight of a Pod (new, or from a persisted state after a restart)."""
        status = pod.get("status") or {}
        if not status.get("startTime"):
            progress = Progress("new")
        elif status.get("phase") == "Running" and all(
            (cs.get("state") or {}).get("running") is not None
            for cs in status.get("containerStatuses") or []
        ):
            progress = Progress("running")
            self.pods.progress[uid] = progress
            if not all(cs.get("ready") for cs in status.get("containerStatuses") or []):
                self.probes.schedule_probes(pod, progress, first=True)
            self.probes.arm_liveness(pod, first=True)
            return None
        else:
            progress = Progress("creating")
            self.after(TIMINGS.create, ns_name(pod))
            self.pods.progress[uid] = progress
            return None
        self.pods.progress[uid] = progress
        return progress

    def _begin(self, pod: Obj, uid: str) -> None:
        spec = pod.get("spec") or {}
        node_name = str(spec["nodeName"])
        host_ip = self._node_ip(node_name)
        containers = self.pods.containers(pod)
        not_ready = f"containers with unready status: [{' '.join(c['name'] for c in containers)}]"

        def pending(p: Obj) -> None:
            status = p.setdefault("status", {})
            status["phase"] = "Pending"
            conditions = status.setdefault("conditions", [])
            set_condition(
                conditions,
                {"type": "PodReadyToStartContainers", "status": "False"},
                probe_time=True,
            )
            set_condition(conditions, {"type": "Initialized", "status": "True"}, probe_time=True)
            for kind in ("Ready", "ContainersReady"):
                set_condition(
                    conditions,
                    {
                        "type": kind,
                        "status": "False",
                        "reason": "ContainersNotReady",
                        "message": not_ready,
                    },
                    probe_time=True,
                )
            set_condition(conditions, {"type": "PodScheduled", "status": "True"}, probe_time=True)
            for cond in conditions:
                if cond.get("type") == "PodScheduled":
                    cond.pop("reason", None)
                    cond.pop("message", None)
            order_conditions(conditions)
            if host_ip:
                status["hostIP"] = host_ip
                status["hostIPs"] = [{"ip": host_ip}]
            status["startTime"] = now()
            status["containerStatuses"] = [
                {
                    "name": c["name"],
                    "image": str(c.get("image", "")),
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "started": False,
                    "state": {"waiting": {"reason": "ContainerCreating"}},
                    "lastState": {},
                }
                for c in containers
            ]

        updated = self.pods.write_status(pod, pending)
        self.pods.pull_events(updated)
        failing = any(lookup(str(c.get("image", ""))).pull_error for c in containers)
        self.pods.progress[uid] = Progress("creating")
        self.after(TIMINGS.pull_failure if failing else TIMINGS.create, ns_name(pod))

    def _start_containers(self, pod: Obj, uid: str, progress: Progress) -> None:
        namespace = ns_name(pod)[0]
        spec = pod.get("spec") or {}
        node_name = str(spec["nodeName"])
        pulled = self.pods.pulled.setdefault(node_name, set())
        containers = self.pods.containers(pod)
        status = pod.get("status") or {}
        current = {cs.get("name"): cs for cs in status.get("containerStatuses") or []}
        failed: dict[str, str] = {}
        started: list[str] = []
        for c in containers:
            cs = current.get(c["name"]) or {}
            if (cs.get("state") or {}).get("running") is not None:
                continue
            ref = str(c.get("image", ""))
            image = lookup(ref)
            if image.pull_error:
                failed[c["name"]] = image.pull_error
                self.pods.pull_began(pod, c["name"], ref)
                self.pods.event(
                    pod,
                    WARNING,
                    "Failed",
                    f'Failed to pull image "{ref}": {image.pull_error}',
                    c["name"],
                )
                self.pods.event(pod, WARNING, "Failed", "Error: ErrImagePull", c["name"])
                continue
            self.pods.image_events(pod, c, image, pulled)
            started.append(c["name"])
        ip = status.get("podIP") or ""
        if not ip:
            ip = (
                self._node_ip(node_name)
                if spec.get("hostNetwork")
                else self._allocate_ip(node_name)
            )
        pod_after = self._set_running(pod, started, failed, ip)
        for c in containers:
            if c["name"] in started:
                self._store_env(pod_after, c)
        for c in containers:
            if (
                c["name"] in started
                and namespace != "kube-system"
                and not lookup(str(c.get("image", ""))).known
            ):
                self.pods.event(
                    pod_after,
                    WARNING,
                    "Simulated",
                    f'Image "{c.get("image")}" is not in kubelab\'s catalogue: its container is '
                    "simulated (a shell, and a generic HTTP reply on its declared ports)",
                    c["name"],
                )
        if failed:
            progress.stage = "pull-failed"
            self.after(TIMINGS.back_off / 2, ns_name(pod))
            return
        exiting = [
            c["name"]
            for c in containers
            if c["name"] in started and exits_at_once(c, lookup(str(c.get("image", ""))))
        ]
        if exiting:
            progress.stage = "exited"
            self.after(0.1, ns_name(pod))
            return
        progress.stage = "running"
        self.probes.schedule_probes(pod, progress, first=True)
        self.probes.arm_liveness(pod, first=True)

    def _set_running(self, pod: Obj, started: list[str], failed: dict[str, str], ip: str) -> Obj:
        stamp = now()
        containers = self.pods.containers(pod)

        def running(p: Obj) -> None:
            status = p.setdefault("status", {})
            by_name = {cs.get("name"): cs for cs in status.get("containerStatuses") or []}
            statuses = []
            for c in containers:
                cs = by_name.get(c["name"]) or {
                    "name": c["name"],
                    "restartCount": 0,
                    "lastState": {},
                }
                image = lookup(str(c.get("image", "")))
                cs["image"] = image.full_reference
                if c["name"] in started:
                    probed = bool(c.get("readinessProbe"))
                    cs["imageID"] = image_id(image)
                    cs["containerID"] = "containerd://" + digest(
                        f"{meta(p).get('uid')}/{c['name']}/{stamp}"
                    )
                    cs["ready"] = not probed
                    cs["started"] = True
                    cs["state"] = {"running": {"startedAt": stamp}}
                elif c["name"] in failed:
                    cs["image"] = str(c.get("image", ""))
                    cs["imageID"] = ""
                    cs["ready"] = False
                    cs["started"] = False
                    cs["state"] = {
                        "waiting": {"reason": "ErrImagePull", "message": failed[c["name"]]}
                    }
                statuses.append(cs)
            status["containerStatuses"] = statuses
            if ip:
                status["podIP"] = ip
                status["podIPs"] = [{"ip": ip}]
            refresh_readiness(status, containers)

        return self.pods.write_status(pod, running)

    def _start_ephemeral(self, namespace: str, name: str) -> None:
        """Start the ephemeral containers `kubectl debug` added to a running pod (their image
        pulled at once, as when it is already on the node)."""
        pod = self.store.try_get(rt(self.store, PODS), namespace, name)
        if pod is None or (pod.get("status") or {}).get("phase") != "Running":
            return
        have = {
            cs.get("name")
            for cs in (pod.get("status") or {}).get("ephemeralContainerStatuses") or []
        }
        new = [c for c in _ephemeral(pod) if c.get("name") not in have]
        if not new:
            return
        stamp = now()
        for c in new:
            message = f'Container image "{c["image"]}" already present on machine'
            self.pods.event(pod, NORMAL, "Pulled", message)
            self.pods.event(pod, NORMAL, "Created", f"Created container: {c['name']}")
            self.pods.event(pod, NORMAL, "Started", f"Started container {c['name']}")

        def started(p: Obj) -> None:
            statuses = p.setdefault("status", {}).setdefault("ephemeralContainerStatuses", [])
            for c in new:
                image = lookup(str(c.get("image", "")))
                statuses.append(
                    {
                        "name": c["name"],
                        "image": image.full_reference,
                        "imageID": image_id(image),
                        "containerID": "containerd://"
                        + digest(f"{meta(p).get('uid')}/{c['name']}/{stamp}"),
                        "ready": False,
                        "restartCount": 0,
                        "lastState": {},
                        "state": {"running": {"startedAt": stamp}},
                    }
                )

        self.pods.write_status(pod, started)

    def _store_env(self, pod: Obj, container: Obj) -> None:
        namespace, name = ns_name(pod)
        spec = pod.get("spec") or {}
        service_vars = self._services_env(namespace, bool(spec.get("enableServiceLinks", True)))
        own = []
        for item in container.get("env") or []:
            if not isinstance(item, dict) or not item.get("name"):
                continue
            if "value" in item or "valueFrom" not in item:
                own.append({"name": item["name"], "value": str(item.get("value", ""))})
                continue
            ref = (item.get("valueFrom") or {}).get("fieldRef") or {}
            if ref.get("fieldPath"):
                own.append({"name": item["name"], "value": field_value(pod, ref["fieldPath"])})
        env = envvars.container_env({"env": own}, service_vars)
        envvars.store_env(self.store, namespace, name, str(container["name"]), env)

    def _services_env(self, namespace: str, links: bool) -> list[tuple[str, str]]:
        """The Service variables for a container starting now (cached until a Service changes)."""
        cached = self._service_vars.get((namespace, links))
        if cached is not None and cached[0] == self._services_seen:
            return cached[1]
        services = self.store.list(rt(self.store, SERVICES), copy_items=False).items
        result = envvars.service_env(services, namespace, links)
        self._service_vars[(namespace, links)] = (self._services_seen, result)
        return result


def _ephemeral(pod: Obj) -> list[Obj]:
    spec = pod.get("spec") or {}
    return [c for c in spec.get("ephemeralContainers") or [] if isinstance(c, dict)]
