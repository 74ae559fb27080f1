"""The StatefulSet controller (pkg/controller/statefulset): Pods with stable names
`<set>-<ordinal>`, hostname and subdomain (the governing Service gives each its DNS name),
created in order and each Running and Ready before the next with `OrderedReady`, all at once
with `Parallel`; scale-down removes the highest ordinal first (one at a time with
`OrderedReady`); RollingUpdate replaces out-of-date Pods from the highest ordinal down to the
partition, one at a time; the status `kubectl rollout status` reads."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import (
    PODS,
    STATEFULSETS,
    Controller,
    controller_ref,
    is_pod_ready,
    is_terminating,
    meta,
    ns_name,
    rt,
)
from kubelab.sim.controllers.deployment import template_hash
from kubelab.sim.controllers.events import NORMAL, record
from kubelab.sim.controllers.replicaset import pod_from_template
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

COMPONENT = "statefulset-controller"
REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


@dataclass
class Plan:
    """One StatefulSet's view of its Pods for a reconcile."""

    name: str
    namespace: str
    ordinals: range
    by_ordinal: dict[int, Obj]
    parallel: bool
    revision: str


def ordinal_of(set_name: str, pod: Obj) -> int | None:
    """`web-3` -> 3 for the set `web` (getParentNameAndOrdinal)."""
    name = str(meta(pod).get("name") or "")
    parent, _, number = name.rpartition("-")
    if parent != set_name or not number.isdigit():
        return None
    return int(number)


def running_and_ready(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_pod_ready(pod)


def revision_of(sts: Obj) -> str:
    """The update revision's name: `<set>-<hash of the template>` (a ControllerRevision's)."""
    template = (sts.get("spec") or {}).get("template") or {}
    return f"{meta(sts).get('name')}-{template_hash(template)}"


def new_pod(sts: Obj, ordinal: int, revision: str) -> Obj:
    """newVersionedStatefulSetPod: the template with the set's identity for `ordinal`."""
    spec = sts.get("spec") or {}
    pod = pod_from_template(sts, spec.get("template") or {})
    name = f"{meta(sts).get('name')}-{ordinal}"
    pod_meta = pod["metadata"]
    pod_meta.pop("generateName", None)
    pod_meta["name"] = name
    pod_meta["labels"] = {
        **(pod_meta.get("labels") or {}),
        REVISION_LABEL: revision,
        POD_NAME_LABEL: name,
        POD_INDEX_LABEL: str(ordinal),
    }
    pod["spec"]["hostname"] = name
    if spec.get("serviceName"):
        pod["spec"]["subdomain"] = str(spec["serviceName"])
    return pod


class StatefulSetController(Controller):
    name = COMPONENT
    keys = frozenset({STATEFULSETS, PODS})

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == STATEFULSETS:
            return [ns_name(event.obj)]
        ref = controller_ref(event.obj)
        if ref and ref.get("kind") == "StatefulSet":
            return [(ns_name(event.obj)[0], str(ref.get("name")))]
        return ()

    def all_items(self) -> Iterable[Hashable]:
        items = self.store.list(rt(self.store, STATEFULSETS), copy_items=False).items
        return [ns_name(s) for s in items]

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        sts = self.store.try_get(rt(self.store, STATEFULSETS), namespace, name)
        if sts is None or is_terminating(sts):
            return
        plan = self._plan(sts)
        if self._scale(sts, plan):
            self._roll(sts, plan)
        self._write_status(sts, plan)

    def _plan(self, sts: Obj) -> Plan:
        namespace, name = ns_name(sts)
        spec = sts.get("spec") or {}
        uid = meta(sts).get("uid")
        by_ordinal: dict[int, Obj] = {}
        for pod in self.store.list(rt(self.store, PODS), namespace, copy_items=False).items:
            if (controller_ref(pod) or {}).get("uid") != uid:
                continue
            ordinal = ordinal_of(name, pod)
            if ordinal is not None:
                by_ordinal[ordinal] = pod
        start = int((spec.get("ordinals") or {}).get("start") or 0)
        wanted = spec.get("replicas")
        replicas = int(wanted) if isinstance(wanted, int) else 1
        return Plan(
            name=name,
            namespace=namespace,
            ordinals=range(start, start + replicas),
            by_ordinal=by_ordinal,
            parallel=spec.get("podManagementPolicy") == "Parallel",
            revision=revision_of(sts),
        )

    def _scale(self, sts: Obj, plan: Plan) -> bool:
        """Create missing Pods and remove condemned ones; True when every wanted Pod is
        Running and Ready (what a rolling update waits for)."""
        settled = True
        for ordinal in plan.ordinals:
            pod = plan.by_ordinal.get(ordinal)
            if pod is None:
                created = self.store.create(
                    rt(self.store, PODS),
                    new_pod(sts, ordinal, plan.revision),
                    namespace=plan.namespace,
                )
                plan.by_ordinal[ordinal] = created
                self._event(sts, "SuccessfulCreate", "create", str(meta(created)["name"]))
                settled = False
                if not plan.parallel:
                    return False
            elif is_terminating(pod) or not running_and_ready(pod):
                settled = False
                if not plan.parallel:
                    return False
        condemned = sorted((o for o in plan.by_ordinal if o not in plan.ordinals), reverse=True)
        for ordinal in condemned:
            pod = plan.by_ordinal[ordinal]
            settled = False
            if not is_terminating(pod):
                self._delete(sts, plan, ordinal)
            if not plan.parallel:
                break  # the highest ordinal goes completely before the next one
        return settled

    def _roll(self, sts: Obj, plan: Plan) -> None:
        """RollingUpdate: the highest out-of-date ordinal at or above the partition goes (its
        replacement is made from the new template); OnDelete leaves Pods to the user."""
        strategy = (sts.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        for ordinal in sorted(plan.ordinals, reverse=True):
            pod = plan.by_ordinal[ordinal]
            if ordinal < partition + plan.ordinals.start:
                break
            if (meta(pod).get("labels") or {}).get(REVISION_LABEL) != plan.revision:
                self._delete(sts, plan, ordinal)
                return

    def _delete(self, sts: Obj, plan: Plan, ordinal: int) -> None:
        pod_name = f"{plan.name}-{ordinal}"
        plan.by_ordinal[ordinal] = self.store.delete(rt(self.store, PODS), plan.namespace, pod_name)
        self._event(sts, "SuccessfulDelete", "delete", pod_name)

    def _event(self, sts: Obj, reason: str, verb: str, pod_name: str) -> None:
        message = f"{verb} Pod {pod_name} in StatefulSet {meta(sts).get('name')} successful"
        record(self.store, sts, NORMAL, reason, message, COMPONENT)

    def _write_status(self, sts: Obj, plan: Plan) -> None:
        live = [p for p in plan.by_ordinal.values() if not is_terminating(p)]
        ready = sum(1 for p in live if running_and_ready(p))
        updated = sum(
            1 for p in live if (meta(p).get("labels") or {}).get(REVISION_LABEL) == plan.revision
        )
        status = sts.get("status") or {}
        current_revision = str(status.get("currentRevision") or plan.revision)
        current = len(live) - updated
        if updated == len(live) and len(live) == len(plan.ordinals):
            current_revision, current = plan.revision, updated  # the update is complete
        new: Obj = {
            "observedGeneration": meta(sts).get("generation"),
            "replicas": len(live),
            "readyReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": plan.revision,
            "collisionCount": 0,
            "availableReplicas": ready,
        }
        for key in ("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"):
            if not new[key]:
                del new[key]  # omitempty int32 fields
        if new == status:
            return

        def change(o: Obj) -> None:
            o["status"] = new

        self.store.mutate(
            rt(self.store, STATEFULSETS),
            plan.namespace,
            plan.name,
            change,
            subresource="status",
            hooks=False,
        )
