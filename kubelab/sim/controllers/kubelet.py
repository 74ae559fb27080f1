"""The kubelet of every node: runs the Pods bound to it.

Pending -> ContainerCreating -> Running, with a pod IP from the node's podCIDR, container
statuses, `Ready` conditions and the kubelet's events; images the runtime cannot pull go
ErrImagePull -> ImagePullBackOff and retry with a growing back-off; a container whose main
process exits at once (a shell without stdin) goes Completed -> CrashLoopBackOff. At each
container start the Service environment variables are computed and stored for the data plane
(`envvars.store_env`). Readiness probes gate `Ready` (and so the endpoints); a container failing
its liveness probe `failureThreshold` times is killed and started again (`probes.py`). Deleted
Pods get `Killing` events and are not ready while they terminate.
"""

from __future__ import annotations

import hashlib
import ipaddress
import posixpath
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
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
from kubelab.sim.controllers.events import NORMAL, WARNING, record
from kubelab.sim.controllers.probes import run_probe
from kubelab.sim.controllers.timing import TIMINGS
from kubelab.sim.dataplane.images import Image, lookup

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

Obj = dict[str, Any]
COMPONENT = "kubelet"
SHELLS = frozenset({"sh", "ash", "bash", "dash"})


@dataclass
class Progress:
    stage: str  # creating | pull-failed | back-off | running | exited | crash-back-off | done
    attempt: int = 0


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def image_id(image: Image) -> str:
    repo = image.full_reference.rsplit(":", 1)[0]
    return f"{repo}@sha256:{_digest(image.full_reference)}"


def go_duration(seconds: float) -> str:
    """A duration truncated to milliseconds as Go prints it: `201ms`, `1.948s`, `1m2.5s`."""
    ms = max(int(seconds * 1000), 0)
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{minutes}m{secs}" if minutes else secs


def image_size(image: Image) -> int:
    """A stable, plausible compressed size for the Pulled event (bytes)."""
    return 2_000_000 + int(_digest(image.full_reference)[:8], 16) % 70_000_000


def exits_at_once(container: Obj, image: Image) -> bool:
    """Does the main process end as soon as it starts? (a bare shell with no stdin)"""
    if container.get("stdin") or container.get("tty") or not image.known:
        return False
    argv = image.main_argv(container.get("command"), container.get("args"))
    return len(argv) == 1 and posixpath.basename(argv[0]) in SHELLS


def field_value(pod: Obj, path: str) -> str:
    m = meta(pod)
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    values = {
        "metadata.name": m.get("name"),
        "metadata.namespace": m.get("namespace"),
        "metadata.uid": m.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": status.get("podIP"),
        "status.hostIP": status.get("hostIP"),
    }
    if path.startswith("metadata.labels['") and path.endswith("']"):
        return str((m.get("labels") or {}).get(path[17:-2], ""))
    return str(values.get(path) or "")


class Kubelet(Controller):
    name = "kubelet"
    keys = frozenset({PODS, SERVICES})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._progress: dict[str, Progress] = {}
        self._pulled: dict[str, set[str]] = {}
        self._next_ip: dict[str, int] = {}
        self._by_node = Index(
            self.store, PODS, lambda p: [str(p["spec"]["nodeName"])]
            if (p.get("spec") or {}).get("nodeName") else []
        )  # fmt: skip
        self._allocated: dict[str, set[str]] = {}  # this batch's pod IPs (events come after it)
        self._nodes: dict[str, Obj] | None = None
        self._killed: set[str] = set()
        self._live_failures: dict[tuple[str, str], int] = {}  # (pod uid, container)
        self._pull_started: dict[tuple[str, str], float] = {}  # (pod uid, container)
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
            if _images(pod) != _images(event.old or {}):
                namespace, name = ns_name(pod)
                return [("image", namespace, name)]  # `kubectl set image pod/...`
            return ()  # our own status writes; timers drive the next stage
        return [ns_name(pod)]

    def all_items(self) -> Iterable[Hashable]:
        pods = self.store.list(rt(self.store, PODS), copy_items=False).items
        return [ns_name(p) for p in pods if (p.get("spec") or {}).get("nodeName")]

    def _forget(self, pod: Obj) -> None:
        uid = str(meta(pod).get("uid"))
        self._progress.pop(uid, None)
        self._killed.discard(uid)
        for key in [k for k in self._live_failures if k[0] == uid]:
            del self._live_failures[key]
        for key in [k for k in self._pull_started if k[0] == uid]:
            del self._pull_started[key]
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
        if len(item) == 3:
            if item[0] == "image":
                self._image_changed(item[1], item[2])
            else:
                self._liveness(item[1], item[2])
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
            self._terminate(pod, uid)
            return
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed"):
            return
        progress = self._progress.get(uid)
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
            self._back_off(pod, uid, progress)
        elif stage == "back-off":
            self._pull_again(pod, uid, progress)
        elif stage == "exited":
            self._container_exited(pod, uid, progress)
        elif stage == "crash-back-off":
            self._restart(pod, uid, progress)
        elif stage == "probing":
            self._probe(pod, uid, progress)

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
            self._progress[uid] = progress
            if not all(cs.get("ready") for cs in status.get("containerStatuses") or []):
                self._schedule_probes(pod, progress, first=True)
            self._arm_liveness(pod, first=True)
            return None
        else:
            progress = Progress("creating")
            self.after(TIMINGS.create, ns_name(pod))
            self._progress[uid] = progress
            return None
        self._progress[uid] = progress
        return progress

    def _containers(self, pod: Obj) -> list[Obj]:
        return [c for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]

    def _write_status(self, pod: Obj, change: Any) -> Obj:
        namespace, name = ns_name(pod)
        result: Obj = self.store.mutate(
            rt(self.store, PODS), namespace, name, change, subresource="status", hooks=False
        )
        return result

    def _event(self, pod: Obj, type_: str, reason: str, message: str, container: str = "") -> None:
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        path = f"spec.containers{{{container}}}" if container else ""
        record(self.store, pod, type_, reason, message, COMPONENT, host=node, field_path=path)

    def _begin(self, pod: Obj, uid: str) -> None:
        spec = pod.get("spec") or {}
        node_name = str(spec["nodeName"])
        host_ip = self._node_ip(node_name)
        containers = self._containers(pod)
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
            _order_conditions(conditions)
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

        updated = self._write_status(pod, pending)
        self._pull_events(updated)
        failing = any(lookup(str(c.get("image", ""))).pull_error for c in containers)
        self._progress[uid] = Progress("creating")
        self.after(TIMINGS.pull_failure if failing else TIMINGS.create, ns_name(pod))

    def _pull_events(self, pod: Obj, only: set[str] | None = None) -> None:
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        pulled = self._pulled.setdefault(node, set())
        for c in self._containers(pod):
            if only is not None and c["name"] not in only:
                continue
            ref = str(c.get("image", ""))
            policy = c.get("imagePullPolicy", "IfNotPresent")
            if policy == "Never" or (policy == "IfNotPresent" and ref in pulled):
                continue
            self._event(pod, NORMAL, "Pulling", f'Pulling image "{ref}"', c["name"])
            self._pull_started[(str(meta(pod).get("uid")), str(c["name"]))] = time.monotonic()

    def _start_containers(self, pod: Obj, uid: str, progress: Progress) -> None:
        namespace = ns_name(pod)[0]
        spec = pod.get("spec") or {}
        node_name = str(spec["nodeName"])
        pulled = self._pulled.setdefault(node_name, set())
        containers = self._containers(pod)
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
                self._event(
                    pod,
                    WARNING,
                    "Failed",
                    f'Failed to pull image "{ref}": {image.pull_error}',
                    c["name"],
                )
                self._event(pod, WARNING, "Failed", "Error: ErrImagePull", c["name"])
                continue
            self._image_events(pod, c, image, pulled)
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
                self._event(
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
        self._schedule_probes(pod, progress, first=True)
        self._arm_liveness(pod, first=True)

    def _schedule_probes(self, pod: Obj, progress: Progress, *, first: bool) -> None:
        """Arm the next readiness probe round (initialDelaySeconds, then periodSeconds)."""
        probes = [c["readinessProbe"] for c in self._containers(pod) if c.get("readinessProbe")]
        if not probes:
            return
        key = "initialDelaySeconds" if first else "periodSeconds"
        default = 0 if first else 10
        delay = min(float(p.get(key, default) or default) for p in probes)
        progress.stage = "probing"
        self.after(max(delay, 0.05), ns_name(pod))

    def _probe(self, pod: Obj, uid: str, progress: Progress) -> None:
        containers = self._containers(pod)
        statuses = {
            cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
        }
        passed: list[str] = []
        pending = False
        for c in containers:
            probe = c.get("readinessProbe")
            cs = statuses.get(c["name"]) or {}
            if not probe or cs.get("ready") or (cs.get("state") or {}).get("running") is None:
                continue
            failure = run_probe(self.store, pod, c, probe)
            if failure is None:
                passed.append(c["name"])
            else:
                pending = True
                self._event(pod, WARNING, "Unhealthy", f"Readiness probe failed: {failure}",
                            c["name"])  # fmt: skip
        if passed:

            def ready(p: Obj) -> None:
                status = p.setdefault("status", {})
                for cs in status.get("containerStatuses") or []:
                    if cs.get("name") in passed:
                        cs["ready"] = True
                _refresh_readiness(status, containers)

            pod = self._write_status(pod, ready)
        if pending:
            self._schedule_probes(pod, progress, first=False)
        else:
            progress.stage = "running"

    def _image_changed(self, namespace: str, name: str) -> None:
        """A container's image was changed on a bound Pod: the kubelet kills the container and
        starts it again with the new image (pulling it, with no back-off from the old one)."""
        pod = self.store.try_get(rt(self.store, PODS), namespace, name)
        if pod is None or is_terminating(pod):
            return
        uid = str(meta(pod).get("uid"))
        statuses = {
            cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
        }
        changed = []
        for c in self._containers(pod):
            cs = statuses.get(c["name"]) or {}
            wanted = lookup(str(c.get("image", ""))).full_reference
            have = str(cs.get("image") or "")
            if have and have != wanted and have != str(c.get("image", "")):
                changed.append(c)
        if not changed:
            return
        names = {c["name"] for c in changed}
        for c in changed:
            if (((statuses.get(c["name"]) or {}).get("state") or {}).get("running")) is not None:
                self._event(
                    pod, NORMAL, "Killing",
                    f"Container {c['name']} definition changed, will be restarted", c["name"],
                )  # fmt: skip
        stamp = now()

        def restarting(p: Obj) -> None:
            for cs in (p.get("status") or {}).get("containerStatuses") or []:
                if cs.get("name") not in names:
                    continue
                running = (cs.get("state") or {}).get("running")
                if running is not None:
                    cs["lastState"] = {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": running.get("startedAt", stamp),
                            "finishedAt": stamp,
                            "containerID": cs.get("containerID", ""),
                        }
                    }
                    cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
                cs["ready"] = False
                cs["started"] = False
                cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
            _refresh_readiness(p.setdefault("status", {}), self._containers(p))

        updated = self._write_status(pod, restarting)
        self._pull_events(updated, names)
        self._progress[uid] = Progress("creating")
        failing = any(lookup(str(c.get("image", ""))).pull_error for c in changed)
        self.after(TIMINGS.pull_failure if failing else TIMINGS.create, (namespace, name))

    def _arm_liveness(self, pod: Obj, *, first: bool) -> None:
        """The next liveness round: initialDelaySeconds after a start, then periodSeconds."""
        probes = [c["livenessProbe"] for c in self._containers(pod) if c.get("livenessProbe")]
        if not probes:
            return
        key = "initialDelaySeconds" if first else "periodSeconds"
        default = 0 if first else 10
        delay = min(float(p.get(key, default) or default) for p in probes)
        namespace, name = ns_name(pod)
        self.after(max(delay, 0.05), ("live", namespace, name))

    def _liveness(self, namespace: str, name: str) -> None:
        pod = self.store.try_get(rt(self.store, PODS), namespace, name)
        if pod is None or is_terminating(pod):
            return
        uid = str(meta(pod).get("uid"))
        statuses = {
            cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
        }
        restart: list[Obj] = []
        for c in self._containers(pod):
            probe = c.get("livenessProbe")
            running = ((statuses.get(c["name"]) or {}).get("state") or {}).get("running")
            if not probe or running is None:
                continue
            key = (uid, str(c["name"]))
            failure = run_probe(self.store, pod, c, probe)
            if failure is None:
                self._live_failures.pop(key, None)
                continue
            count = self._live_failures.get(key, 0) + 1
            self._live_failures[key] = count
            self._event(pod, WARNING, "Unhealthy", f"Liveness probe failed: {failure}", c["name"])
            if count >= int(probe.get("failureThreshold") or 3):
                self._live_failures.pop(key, None)
                self._event(
                    pod, NORMAL, "Killing",
                    f"Container {c['name']} failed liveness probe, will be restarted", c["name"],
                )  # fmt: skip
                restart.append(c)
        if restart:
            pod = self._restart_after_kill(pod, restart)
        self._arm_liveness(pod, first=bool(restart))

    def _restart_after_kill(self, pod: Obj, killed: list[Obj]) -> Obj:
        """Kill and start again the containers that failed their liveness probe."""
        stamp = now()
        node = str((pod.get("spec") or {}).get("nodeName"))
        pulled = self._pulled.setdefault(node, set())
        names = {c["name"] for c in killed}
        containers = self._containers(pod)

        def restarted(p: Obj) -> None:
            status = p.setdefault("status", {})
            for cs in status.get("containerStatuses") or []:
                if cs.get("name") not in names:
                    continue
                c = next(c for c in containers if c["name"] == cs["name"])
                nginx = lookup(str(c.get("image", ""))).kind == "nginx"
                running = (cs.get("state") or {}).get("running") or {}
                cs["lastState"] = {
                    "terminated": {
                        "exitCode": 0 if nginx else 137,
                        "reason": "Completed" if nginx else "Error",
                        "startedAt": running.get("startedAt", stamp),
                        "finishedAt": stamp,
                        "containerID": cs.get("containerID", ""),
                    }
                }
                cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
                cs["containerID"] = "containerd://" + _digest(f"{cs['containerID']}/{stamp}")
                cs["state"] = {"running": {"startedAt": stamp}}
                cs["ready"] = not c.get("readinessProbe")
            _refresh_readiness(status, containers)

        updated = self._write_status(pod, restarted)
        for c in killed:
            self._image_events(updated, c, lookup(str(c.get("image", ""))), pulled)
        progress = self._progress.setdefault(str(meta(pod).get("uid")), Progress("running"))
        self._schedule_probes(updated, progress, first=True)
        return updated

    def _image_events(self, pod: Obj, c: Obj, image: Image, pulled: set[str]) -> None:
        ref = str(c.get("image", ""))
        policy = c.get("imagePullPolicy", "IfNotPresent")
        if policy == "Always" or ref not in pulled:
            started = self._pull_started.pop((str(meta(pod).get("uid")), str(c["name"])), None)
            took = go_duration(time.monotonic() - started if started is not None else 0.0)
            self._event(
                pod,
                NORMAL,
                "Pulled",
                f'Successfully pulled image "{ref}" in {took} ({took} including waiting). '
                f"Image size: {image_size(image)} bytes.",
                c["name"],
            )
            pulled.add(ref)
        else:
            self._event(
                pod,
                NORMAL,
                "Pulled",
                f'Container image "{ref}" already present on machine and can be accessed by the '
                "pod",
                c["name"],
            )
        self._event(pod, NORMAL, "Created", f"Created container: {c['name']}", c["name"])
        self._event(pod, NORMAL, "Started", f"Started container {c['name']}", c["name"])

    def _set_running(self, pod: Obj, started: list[str], failed: dict[str, str], ip: str) -> Obj:
        stamp = now()
        containers = self._containers(pod)

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
                    cs["containerID"] = "containerd://" + _digest(
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
            _refresh_readiness(status, containers)

        return self._write_status(pod, running)

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

    def _back_off(self, pod: Obj, uid: str, progress: Progress) -> None:
        """ErrImagePull -> ImagePullBackOff, then wait before pulling again."""
        waiting = self._waiting_containers(pod, "ErrImagePull")

        def back_off(p: Obj) -> None:
            for cs in (p.get("status") or {}).get("containerStatuses") or []:
                if cs.get("name") in waiting:
                    image = waiting[cs["name"]]
                    cs["state"] = {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": f'Back-off pulling image "{image}": ErrImagePull: '
                            + str(lookup(image).pull_error),
                        }
                    }

        updated = self._write_status(pod, back_off)
        for container, image in waiting.items():
            self._event(updated, NORMAL, "BackOff", f'Back-off pulling image "{image}"', container)
            self._event(updated, WARNING, "Failed", "Error: ImagePullBackOff", container)
        progress.stage = "back-off"
        delay = min(TIMINGS.back_off * (2**progress.attempt), TIMINGS.back_off_cap)
        progress.attempt += 1
        self.after(delay, ns_name(pod))

    def _pull_again(self, pod: Obj, uid: str, progress: Progress) -> None:
        waiting = self._waiting_containers(pod, "ImagePullBackOff")
        self._pull_events(pod, set(waiting))
        progress.stage = "creating"
        self.after(TIMINGS.pull_failure, ns_name(pod))

    def _waiting_containers(self, pod: Obj, reason: str) -> dict[str, str]:
        images = {c["name"]: str(c.get("image", "")) for c in self._containers(pod)}
        out: dict[str, str] = {}
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            if ((cs.get("state") or {}).get("waiting") or {}).get("reason") == reason:
                out[str(cs.get("name"))] = images.get(str(cs.get("name")), "")
        return out

    def _container_exited(self, pod: Obj, uid: str, progress: Progress) -> None:
        """The main process ended (exit 0): Completed, then restart per restartPolicy."""
        stamp = now()
        containers = self._containers(pod)
        exiting = {
            c["name"] for c in containers if exits_at_once(c, lookup(str(c.get("image", ""))))
        }
        policy = (pod.get("spec") or {}).get("restartPolicy", "Always")

        def exited(p: Obj) -> None:
            status = p.setdefault("status", {})
            for cs in status.get("containerStatuses") or []:
                if cs.get("name") in exiting:
                    running = (cs.get("state") or {}).get("running") or {}
                    cs["ready"] = False
                    cs["started"] = False
                    cs["state"] = {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": running.get("startedAt", stamp),
                            "finishedAt": stamp,
                            "containerID": cs.get("containerID", ""),
                        }
                    }
            _refresh_readiness(status, containers)
            if policy != "Always" and len(exiting) == len(containers):
                status["phase"] = "Succeeded"
                for cond in status.get("conditions") or []:
                    if cond.get("type") in ("Ready", "ContainersReady"):
                        cond["reason"] = "PodCompleted"
                        cond.pop("message", None)

        self._write_status(pod, exited)
        if policy != "Always":
            progress.stage = "done"
            return
        progress.stage = "crash-back-off"
        self.after(
            min(TIMINGS.crash_back_off * (2**progress.attempt), TIMINGS.back_off_cap), ns_name(pod)
        )

    def _restart(self, pod: Obj, uid: str, progress: Progress) -> None:
        """Back-off over: start the exited containers again (they exit again at once)."""
        containers = self._containers(pod)
        namespace, name = ns_name(pod)
        node = str((pod.get("spec") or {}).get("nodeName"))
        pulled = self._pulled.setdefault(node, set())
        restarting = [c for c in containers if exits_at_once(c, lookup(str(c.get("image", ""))))]
        stamp = now()
        delay = min(TIMINGS.crash_back_off * (2 ** (progress.attempt + 1)), TIMINGS.back_off_cap)
        for c in restarting:
            self._image_events(pod, c, lookup(str(c.get("image", ""))), pulled)
        names = {c["name"] for c in restarting}

        def crash_loop(p: Obj) -> None:
            status = p.setdefault("status", {})
            for cs in status.get("containerStatuses") or []:
                if cs.get("name") in names:
                    last = (cs.get("state") or {}).get("terminated")
                    if last:
                        last["finishedAt"] = stamp
                        cs["lastState"] = {"terminated": last}
                    cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
                    cs["ready"] = False
                    cs["started"] = False
                    cs["state"] = {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off {int(delay)}s restarting failed container="
                            f"{cs['name']} pod={name}_{namespace}({uid})",
                        }
                    }
            _refresh_readiness(status, containers)

        updated = self._write_status(pod, crash_loop)
        for c in restarting:
            self._event(
                updated,
                WARNING,
                "BackOff",
                f"Back-off restarting failed container {c['name']} in pod "
                f"{name}_{namespace}({uid})",
                c["name"],
            )
        progress.attempt += 1
        progress.stage = "exited"
        self.after(delay, ns_name(pod))

    def _terminate(self, pod: Obj, uid: str) -> None:
        if uid in self._killed:
            return
        self._killed.add(uid)
        self._progress[uid] = Progress("done")
        containers = self._containers(pod)
        status = pod.get("status") or {}
        running = {
            cs.get("name")
            for cs in status.get("containerStatuses") or []
            if (cs.get("state") or {}).get("running") is not None
        }
        for c in containers:
            if c["name"] in running:
                self._event(pod, NORMAL, "Killing", f"Stopping container {c['name']}", c["name"])

        def not_ready(p: Obj) -> None:
            st = p.setdefault("status", {})
            for cs in st.get("containerStatuses") or []:
                cs["ready"] = False
            _refresh_readiness(st, containers)

        if status.get("phase") == "Running":
            self._write_status(pod, not_ready)


def _images(pod: Obj) -> list[str]:
    return [
        str(c.get("image", ""))
        for c in (pod.get("spec") or {}).get("containers") or []
        if isinstance(c, dict)
    ]


_CONDITION_ORDER = {
    name: i
    for i, name in enumerate(
        ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
    )
}


def _order_conditions(conditions: list[Obj]) -> None:
    conditions.sort(key=lambda c: _CONDITION_ORDER.get(str(c.get("type")), 99))


def _refresh_readiness(status: Obj, containers: list[Obj]) -> None:
    """Phase and the Ready/ContainersReady conditions from the container statuses."""
    statuses = status.get("containerStatuses") or []
    unready = [cs.get("name") for cs in statuses if not cs.get("ready")]
    conditions = status.setdefault("conditions", [])
    sandbox = bool(status.get("podIP"))
    set_condition(
        conditions,
        {"type": "PodReadyToStartContainers", "status": "True" if sandbox else "False"},
        probe_time=True,
    )
    for kind in ("Ready", "ContainersReady"):
        if unready:
            cond = {
                "type": kind,
                "status": "False",
                "reason": "ContainersNotReady",
                "message": f"containers with unready status: [{' '.join(map(str, unready))}]",
            }
        else:
            cond = {"type": kind, "status": "True"}
        set_condition(conditions, cond, probe_time=True)
        if not unready:
            for existing in conditions:
                if existing.get("type") == kind:
                    existing.pop("reason", None)
                    existing.pop("message", None)
    _order_conditions(conditions)
    if any((cs.get("state") or {}).get("running") is not None for cs in statuses) or any(
        "terminated" in (cs.get("state") or {}) or cs.get("restartCount") for cs in statuses
    ):
        status["phase"] = "Running"
