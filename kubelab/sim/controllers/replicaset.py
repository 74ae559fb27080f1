"""The ReplicaSet controller: keeps `spec.replicas` Pods of the template alive, names them
`<replicaset>-<5 random characters>`, records SuccessfulCreate/SuccessfulDelete events and
keeps `status` (replicas, ready, available) current. ReplicationControllers share this code
(`replicationcontroller.py`) with a plain map selector."""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import (
    PODS,
    REPLICASETS,
    Controller,
    Index,
    controller_ref,
    is_pod_ready,
    is_terminating,
    meta,
    ns_name,
    owner_ref,
    rt,
)
from kubelab.sim.controllers.events import NORMAL, record
from kubelab.sim.kinds.printer_helpers import selector_matches
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent


def pod_from_template(owner: Obj, template: Obj) -> Obj:
    name = str(meta(owner).get("name"))
    tmeta = copy.deepcopy(template.get("metadata") or {})
    tmeta.pop("creationTimestamp", None)
    pod_meta: Obj = {
        "generateName": f"{name}-",
        "namespace": meta(owner).get("namespace"),
        "labels": tmeta.get("labels") or {},
        "ownerReferences": [owner_ref(owner)],
    }
    if tmeta.get("annotations"):
        pod_meta["annotations"] = tmeta["annotations"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def _rank(pod: Obj) -> tuple[int, int, int, str]:
    """Which Pods to delete first when scaling down: unscheduled, pending, not ready, newest."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    created = str(meta(pod).get("creationTimestamp") or "")
    inverted = "".join(chr(0x10FFFF - ord(ch)) for ch in created)
    return (
        0 if not spec.get("nodeName") else 1,
        0 if status.get("phase") != "Running" else 1,
        0 if not is_pod_ready(pod) else 1,
        inverted,
    )


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    owner_key = REPLICASETS
    owner_kind = "ReplicaSet"
    keys = frozenset({REPLICASETS, PODS})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.owner_kind
        self._by_owner = Index(
            self.store, PODS, lambda p: [str(r.get("uid"))]
            if (r := controller_ref(p)) and r.get("kind") == kind else []
        )  # fmt: skip

    def stop(self) -> None:
        self._by_owner.close()

    def selects(self, owner: Obj, labels: dict[str, str]) -> bool:
        return selector_matches((owner.get("spec") or {}).get("selector"), labels)

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == self.owner_key:
            return [ns_name(event.obj)]
        ref = controller_ref(event.obj)
        if ref and ref.get("kind") == self.owner_kind:
            return [(ns_name(event.obj)[0], str(ref.get("name")))]
        return ()

    def all_items(self) -> Iterable[Hashable]:
        owners = self.store.list(rt(self.store, self.owner_key), copy_items=False).items
        return [ns_name(o) for o in owners]

    def owned_pods(self, owner: Obj) -> list[Obj]:
        """The Pods this owner controls."""
        return self._by_owner.get(str(meta(owner).get("uid")))

    def _release(self, pod: Obj, owner_uid: str) -> None:
        """A Pod whose labels no longer match is orphaned (its ownerReference dropped), as the
        controller manager does: it leaves the set, and a replacement is created."""
        namespace, name = ns_name(pod)

        def drop(p: Obj) -> None:
            refs = [r for r in p["metadata"].get("ownerReferences") or []
                    if r.get("uid") != owner_uid]  # fmt: skip
            if refs:
                p["metadata"]["ownerReferences"] = refs
            else:
                p["metadata"].pop("ownerReferences", None)

        self.store.mutate(rt(self.store, PODS), namespace, name, drop, hooks=False)

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        owners_rt = rt(self.store, self.owner_key)
        owner = self.store.try_get(owners_rt, namespace, name)
        if owner is None or is_terminating(owner):
            return
        spec = owner.get("spec") or {}
        replicas = spec.get("replicas")
        want = int(replicas) if replicas is not None else 1
        pods_rt = rt(self.store, PODS)
        pods = []
        for pod in self.owned_pods(owner):
            if self.selects(owner, meta(pod).get("labels") or {}) or is_terminating(pod):
                pods.append(pod)
            else:
                self._release(pod, str(meta(owner).get("uid")))
        active = [p for p in pods if not is_terminating(p) and _active(p)]
        if len(active) < want:
            template = spec.get("template") or {}
            for _ in range(want - len(active)):
                created = self.store.create(
                    pods_rt, pod_from_template(owner, template), namespace=namespace
                )
                record(
                    self.store,
                    owner,
                    NORMAL,
                    "SuccessfulCreate",
                    f"Created pod: {meta(created)['name']}",
                    self.name,
                )
                active.append(created)
        elif len(active) > want:
            doomed = sorted(active, key=_rank)[: len(active) - want]
            for pod in doomed:
                pod_name = str(meta(pod)["name"])
                self.store.delete(pods_rt, namespace, pod_name)
                record(
                    self.store,
                    owner,
                    NORMAL,
                    "SuccessfulDelete",
                    f"Deleted pod: {pod_name}",
                    self.name,
                )
            names = {str(meta(p)["name"]) for p in doomed}
            active = [p for p in active if meta(p)["name"] not in names]
        labels_ok = [p for p in active if self.selects(owner, meta(p).get("labels") or {})]
        ready = [p for p in active if is_pod_ready(p)]
        min_ready = int(spec.get("minReadySeconds") or 0)
        available = ready if min_ready == 0 else [p for p in ready if _ready_since(p, min_ready)]
        generation = meta(owner).get("generation")

        def update_status(o: Obj) -> None:
            status: Obj = {
                "replicas": len(active),
                "fullyLabeledReplicas": len(labels_ok),
                "observedGeneration": generation,
            }
            if ready:
                status["readyReplicas"] = len(ready)
            if available:
                status["availableReplicas"] = len(available)
            o["status"] = status

        self.store.mutate(
            owners_rt, namespace, name, update_status, subresource="status", hooks=False
        )
        if min_ready and len(ready) > len(available):
            self.after(min_ready, item)


def _active(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _ready_since(pod: Obj, seconds: int) -> bool:
    from datetime import UTC, datetime

    from kubelab.sim.registry import parse_time

    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            when = parse_time(str(cond.get("lastTransitionTime") or ""))
            return when is not None and (datetime.now(UTC) - when).total_seconds() >= seconds
    return False
