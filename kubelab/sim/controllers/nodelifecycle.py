"""The node lifecycle controller's health monitor (pkg/controller/nodelifecycle/
node_lifecycle_controller.go, `tryUpdateNodeHealth`): a node whose kubelet stops reporting
(no new Ready heartbeat, no Lease renewal) for the node-monitor grace period gets its
conditions set to `Unknown`; one that never reported a Ready condition gets them after the
node-startup grace period. Its taint passes then taint the node `unreachable` (Ready Unknown)
or `not-ready` (Ready False), NoSchedule and NoExecute, and lift them when it is Ready again.

The nodes the simulator's own kubelet runs (`KUBELET_NODES` in the runtime table, by uid) report
for as long as the simulator runs; a Node created through the API has no kubelet behind it.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import NODES, Controller, meta, rt
from kubelab.sim.objects import Obj, now_rfc3339
from kubelab.sim.registry import parse_time
from kubelab.sim.runtime_table import KUBELET_NODES

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

LEASES = "coordination.k8s.io/leases"
LEASE_NAMESPACE = "kube-node-lease"
# nodeConditionTypes the controller marks Unknown (node_lifecycle_controller.go)
MONITORED = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
# The taints the controller sets from the Ready condition (staging/src/k8s.io/api/core/v1/
# well_known_taints.go)
NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"


@dataclass
class Health:
    """What the controller last saw of a node: its Ready heartbeat, its Lease's renewTime, and
    when (monotonic) it last saw either change (the `probeTimestamp`)."""

    heartbeat: str | None
    renew: str | None
    probe: float


def ready_heartbeat(node: Obj) -> str | None:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return str(cond.get("lastHeartbeatTime") or "")
    return None


def _age(timestamp: str | None) -> float:
    when = parse_time(timestamp) if timestamp else None
    if when is None:
        return 0.0
    return max((datetime.now(UTC) - when).total_seconds(), 0.0)


def mark_unknown(status: Obj, created: str | None, stamp: str) -> bool:
    """The node's monitored conditions set to Unknown, as the controller writes them; False if
    they already were."""
    conditions = status.setdefault("conditions", [])
    changed = False
    for kind in MONITORED:
        cond = next((c for c in conditions if c.get("type") == kind), None)
        if cond is None:
            conditions.append(
                {
                    "type": kind,
                    "status": "Unknown",
                    "lastHeartbeatTime": created,
                    "lastTransitionTime": stamp,
                    "reason": "NodeStatusNeverUpdated",
                    "message": "Kubelet never posted node status.",
                }
            )
            changed = True
        elif cond.get("status") != "Unknown":
            cond.update(
                status="Unknown",
                reason="NodeStatusUnknown",
                message="Kubelet stopped posting node status.",
                lastTransitionTime=stamp,
            )
            changed = True
    return changed


class NodeLifecycleController(Controller):
    name = "node-lifecycle"
    keys = frozenset({NODES, LEASES})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._health: dict[str, Health] = {}

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        obj_meta = meta(event.obj)
        if event.key == LEASES and obj_meta.get("namespace") != LEASE_NAMESPACE:
            return []
        return [str(obj_meta.get("name", ""))]

    def all_items(self) -> Iterable[Hashable]:
        nodes = self.store.list(rt(self.store, NODES), copy_items=False).items
        return [str(meta(n).get("name", "")) for n in nodes]

    def _renew_time(self, name: str) -> str | None:
        lease_rt = self.store.registry.by_key(LEASES)
        lease = self.store.try_get(lease_rt, LEASE_NAMESPACE, name)
        return str((lease.get("spec") or {}).get("renewTime") or "") if lease else None

    def reconcile(self, item: Hashable) -> None:
        name = str(item)
        node = self.store.try_get(rt(self.store, NODES), None, name)
        if node is None:
            self._health.pop(name, None)
            return
        if str(meta(node).get("uid")) in (self.store.runtime_get(KUBELET_NODES) or []):
            return  # the simulator's kubelet runs it
        if self._overdue(node):
            node = self._mark_unknown(node)
        self._sync_taints(node)

    def _overdue(self, node: Obj) -> bool:
        """The node has not reported for its grace period (else look again when it ends)."""
        name = str(meta(node).get("name"))
        heartbeat = ready_heartbeat(node)
        renew = self._renew_time(name)
        now = time.monotonic()
        seen = self._health.get(name)
        if seen is None:
            # first sight: as upstream, the node last reported when it was created
            seen = Health(heartbeat, renew, now - _age(meta(node).get("creationTimestamp")))
            self._health[name] = seen
        elif seen.heartbeat != heartbeat or seen.renew != renew:
            self._health[name] = seen = Health(heartbeat, renew, now)
        settings = self.store.settings
        grace = (
            settings.node_monitor_grace_period
            if heartbeat is not None
            else settings.node_startup_grace_period
        )
        left = seen.probe + grace - now
        if left > 0:
            self.after(left, name)
            return False
        return True

    def _mark_unknown(self, node: Obj) -> Obj:
        status = node.get("status")
        status = dict(status) if isinstance(status, dict) else {}
        conditions = status.get("conditions") or []
        status["conditions"] = [dict(c) for c in conditions if isinstance(c, dict)]
        if not mark_unknown(status, meta(node).get("creationTimestamp"), now_rfc3339()):
            return node

        def unknown(o: Obj) -> None:
            o["status"] = status

        name = str(meta(node).get("name"))
        return self.store.mutate(
            rt(self.store, NODES), None, name, unknown, subresource="status", hooks=False
        )

    def _sync_taints(self, node: Obj) -> None:
        """The taints of the node's Ready condition (doNoScheduleTaintingPass and
        doNoExecuteTaintingPass): `not-ready` when False, `unreachable` when Unknown."""
        spec = node.get("spec") if isinstance(node.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        current = [t for t in spec.get("taints") or [] if isinstance(t, dict)]
        wanted = condition_taints(node, current)
        if wanted == current:
            return

        def taint(o: Obj) -> None:
            o_spec = o.setdefault("spec", {})
            if wanted:
                o_spec["taints"] = wanted
            else:
                o_spec.pop("taints", None)

        name = str(meta(node).get("name"))
        self.store.mutate(rt(self.store, NODES), None, name, taint, hooks=False)


def condition_taints(node: Obj, current: list[Obj]) -> list[Obj]:
    """`current` with the controller's own taints set for the node's Ready condition (a taint
    already there keeps its timeAdded)."""
    ready = next(
        (c for c in (node.get("status") or {}).get("conditions") or []
         if isinstance(c, dict) and c.get("type") == "Ready"),
        None,
    )  # fmt: skip
    state = (ready or {}).get("status")
    key = {"False": NOT_READY, "Unknown": UNREACHABLE}.get(str(state))
    kept = [t for t in current if t.get("key") not in (NOT_READY, UNREACHABLE)]
    if key is None:
        return kept
    owned = {(t.get("key"), t.get("effect")): t for t in current}
    added = []
    for effect in ("NoSchedule", "NoExecute"):
        existing = owned.get((key, effect))
        if existing is not None:
            added.append(existing)
        elif effect == "NoExecute":
            added.append({"key": key, "effect": effect, "timeAdded": now_rfc3339()})
        else:
            added.append({"key": key, "effect": effect})
    return [*kept, *added]
