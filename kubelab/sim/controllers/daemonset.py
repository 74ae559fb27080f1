"""The DaemonSet controller: one Pod per eligible node (taints and nodeSelector respected),
pinned to its node by node affinity the scheduler honours, and the DaemonSet's status."""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import (
    DAEMONSETS,
    NODES,
    PODS,
    Controller,
    controller_ref,
    is_pod_ready,
    is_terminating,
    meta,
    ns_name,
    rt,
)
from kubelab.sim.controllers.deployment import resolve, template_hash
from kubelab.sim.controllers.events import NORMAL, record
from kubelab.sim.controllers.replicaset import pod_from_template
from kubelab.sim.controllers.scheduler import fit_problems
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

COMPONENT = "daemonset-controller"
REVISION_LABEL = "controller-revision-hash"
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)


def daemon_pod(ds: Obj, node_name: str) -> Obj:
    template = (ds.get("spec") or {}).get("template") or {}
    pod = pod_from_template(ds, template)
    pod["metadata"]["labels"] = {
        **(pod["metadata"].get("labels") or {}),
        REVISION_LABEL: template_hash(template),
        "pod-template-generation": str(meta(ds).get("generation") or 1),
    }
    spec = pod["spec"]
    spec["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchFields": [
                            {"key": "metadata.name", "operator": "In", "values": [node_name]}
                        ]
                    }
                ]
            }
        }
    }
    tolerations = copy.deepcopy(spec.get("tolerations") or [])
    keys = {t.get("key") for t in tolerations}
    for key, effect in DAEMON_TOLERATIONS:
        if key not in keys:
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    spec["tolerations"] = tolerations
    return pod


def _pod_node(pod: Obj) -> str:
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        return str(node)
    terms = (((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution", {}
    ).get("nodeSelectorTerms") or []
    for term in terms:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("values"):
                return str(field["values"][0])
    return ""


class DaemonSetController(Controller):
    name = COMPONENT
    keys = frozenset({DAEMONSETS, PODS, NODES})

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == DAEMONSETS:
            return [ns_name(event.obj)]
        if event.key == NODES:
            return list(self.all_items())
        ref = controller_ref(event.obj)
        if ref and ref.get("kind") == "DaemonSet":
            return [(ns_name(event.obj)[0], str(ref.get("name")))]
        return ()

    def all_items(self) -> Iterable[Hashable]:
        items = self.store.list(rt(self.store, DAEMONSETS), copy_items=False).items
        return [ns_name(d) for d in items]

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        ds = self.store.try_get(rt(self.store, DAEMONSETS), namespace, name)
        if ds is None or is_terminating(ds):
            return
        uid = meta(ds).get("uid")
        pods = [
            p
            for p in self.store.list(rt(self.store, PODS), namespace, copy_items=False).items
            if (controller_ref(p) or {}).get("uid") == uid and not is_terminating(p)
        ]
        eligible = self._eligible_nodes(ds)
        by_node = self._sync_pods(ds, pods, eligible)
        scheduled = [ps[0] for n, ps in by_node.items() if n in eligible and ps]
        ready = sum(1 for p in scheduled if is_pod_ready(p))
        current = template_hash((ds.get("spec") or {}).get("template") or {})
        updated = [
            p for p in scheduled if (meta(p).get("labels") or {}).get(REVISION_LABEL) == current
        ]
        self._roll(ds, scheduled, updated, ready)
        self._write_status(ds, len(scheduled), len(eligible), ready, len(updated))

    def _eligible_nodes(self, ds: Obj) -> list[str]:
        """The nodes a daemon pod fits on; a node that is not ready still counts, as in Go."""
        nodes = self.store.list(rt(self.store, NODES), copy_items=False).items
        probe = daemon_pod(ds, "")
        eligible = []
        for node in nodes:
            probe["spec"]["affinity"]["nodeAffinity"][
                "requiredDuringSchedulingIgnoredDuringExecution"
            ]["nodeSelectorTerms"][0]["matchFields"][0]["values"] = [meta(node)["name"]]
            problem = fit_problems(probe, node)
            if problem is None or problem == "node(s) were not ready":
                eligible.append(str(meta(node)["name"]))
        return eligible

    def _sync_pods(self, ds: Obj, pods: list[Obj], eligible: list[str]) -> dict[str, list[Obj]]:
        """Create a pod on each eligible node without one, delete the extras and the pods of
        nodes no longer eligible; the pods left, by node."""
        pods_rt = rt(self.store, PODS)
        namespace = str(meta(ds).get("namespace"))
        by_node: dict[str, list[Obj]] = {}
        for pod in pods:
            by_node.setdefault(_pod_node(pod), []).append(pod)
        for node_name in eligible:
            if node_name not in by_node:
                created = self.store.create(pods_rt, daemon_pod(ds, node_name), namespace=namespace)
                by_node[node_name] = [created]
                record(
                    self.store,
                    ds,
                    NORMAL,
                    "SuccessfulCreate",
                    f"Created pod: {meta(created)['name']}",
                    COMPONENT,
                )
        for node_name, node_pods in list(by_node.items()):
            extra = node_pods[1:] if node_name in eligible else node_pods
            for pod in extra:
                self.store.delete(pods_rt, namespace, str(meta(pod)["name"]))
                record(
                    self.store,
                    ds,
                    NORMAL,
                    "SuccessfulDelete",
                    f"Deleted pod: {meta(pod)['name']}",
                    COMPONENT,
                )
            if node_name not in eligible:
                by_node.pop(node_name)
        return by_node

    def _write_status(
        self, ds: Obj, scheduled: int, desired: int, ready: int, updated: int
    ) -> None:
        generation = meta(ds).get("generation")

        def status(o: Obj) -> None:
            o["status"] = {
                "currentNumberScheduled": scheduled,
                "desiredNumberScheduled": desired,
                "numberMisscheduled": 0,
                "numberReady": ready,
                "observedGeneration": generation,
                "updatedNumberScheduled": updated,
            }
            if ready:
                o["status"]["numberAvailable"] = ready
            if desired - ready:
                o["status"]["numberUnavailable"] = desired - ready

        namespace, name = ns_name(ds)
        self.store.mutate(
            rt(self.store, DAEMONSETS), namespace, name, status, subresource="status", hooks=False
        )

    def _roll(self, ds: Obj, scheduled: list[Obj], updated: list[Obj], ready: int) -> None:
        """RollingUpdate: replace out-of-date pods, at most maxUnavailable unavailable at once."""
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        names = {meta(p).get("name") for p in updated}
        outdated = [p for p in scheduled if meta(p).get("name") not in names]
        if not outdated:
            return
        limit = resolve(
            (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), len(scheduled), True
        )
        budget = max(limit, 1) - (len(scheduled) - ready)
        namespace = str(meta(ds).get("namespace"))
        for pod in sorted(outdated, key=lambda p: is_pod_ready(p))[: max(budget, 0)]:
            self.store.delete(rt(self.store, PODS), namespace, str(meta(pod)["name"]))
            record(self.store, ds, NORMAL, "SuccessfulDelete",
                   f"Deleted pod: {meta(pod)['name']}", COMPONENT)  # fmt: skip
