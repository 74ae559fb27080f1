"""The scheduler: binds each unscheduled Pod to a node that fits (ready, schedulable, taints
tolerated, nodeSelector and node affinity matched), spreading Pods over the least busy nodes."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import (
    NODES,
    PODS,
    Controller,
    Index,
    is_terminating,
    meta,
    ns_name,
    rt,
    set_condition,
)
from kubelab.sim.controllers.events import NORMAL, WARNING, record
from kubelab.sim.controllers.timing import TIMINGS
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

COMPONENT = "default-scheduler"


def tolerates(pod: Obj, taint: Obj) -> bool:
    for tol in (pod.get("spec") or {}).get("tolerations") or []:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol.get("key") == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and (tol.get("value") or "") == (
            taint.get("value") or ""
        ):
            return True
    return False


def _node_ready(node: Obj) -> bool:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def _affinity_allows(pod: Obj, node: Obj) -> bool:
    spec = pod.get("spec") or {}
    selector = spec.get("nodeSelector") or {}
    labels = meta(node).get("labels") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return False
    required = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms")
    if not required:
        return True
    return any(_term_matches(term, node) for term in required)


def _term_matches(term: Obj, node: Obj) -> bool:
    labels = meta(node).get("labels") or {}
    fields = {"metadata.name": meta(node).get("name")}
    for expr in term.get("matchExpressions") or []:
        if not _expr_matches(expr, labels):
            return False
    return all(_expr_matches(expr, fields) for expr in term.get("matchFields") or [])


def _expr_matches(expr: Obj, values: dict[str, Any]) -> bool:
    key = expr.get("key")
    op = expr.get("operator")
    wanted = expr.get("values") or []
    have = values.get(str(key))
    if op == "In":
        return have in wanted
    if op == "NotIn":
        return have not in wanted
    if op == "Exists":
        return key in values
    if op == "DoesNotExist":
        return key not in values
    return False


def fit_problems(pod: Obj, node: Obj) -> str | None:
    """Why `pod` cannot go to `node` (the scheduler's reason text), or None."""
    if not _node_ready(node):
        return "node(s) were not ready"
    if (node.get("spec") or {}).get("unschedulable"):
        return "node(s) were unschedulable"
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod, taint):
            value = taint.get("value") or ""
            return f"node(s) had untolerated taint {{{taint.get('key')}: {value}}}"
    if not _affinity_allows(pod, node):
        return "node(s) didn't match Pod's node affinity/selector"
    return None


def _node_of_active_pod(pod: Obj) -> list[str]:
    node = (pod.get("spec") or {}).get("nodeName")
    phase = (pod.get("status") or {}).get("phase")
    return [str(node)] if node and phase not in ("Succeeded", "Failed") else []


def _max_pods(node: Obj) -> int:
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    try:
        return int(allocatable.get("pods", 110))
    except (TypeError, ValueError):
        return 110


class Scheduler(Controller):
    name = "scheduler"
    keys = frozenset({PODS, NODES})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: set[tuple[str, str]] = set()
        self._by_node = Index(self.store, PODS, _node_of_active_pod)
        self._bound: dict[str, int] = {}  # this batch's bindings (events come after it)

    def begin_batch(self) -> None:
        self._bound = {}

    def stop(self) -> None:
        self._by_node.close()

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == NODES:
            return list(self.all_items())
        if event.type == "DELETED":
            return ()
        pod = event.obj
        if (pod.get("spec") or {}).get("nodeName") or is_terminating(pod):
            return ()
        return [ns_name(pod)]

    def all_items(self) -> Iterable[Hashable]:
        pods = self.store.list(rt(self.store, PODS), copy_items=False).items
        return [ns_name(p) for p in pods if not (p.get("spec") or {}).get("nodeName")]

    def _load(self, node: str) -> int:
        return len(self._by_node.get(node)) + self._bound.get(node, 0)

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        pods_rt = rt(self.store, PODS)
        pod = self.store.try_get(pods_rt, namespace, name)
        if pod is None or (pod.get("spec") or {}).get("nodeName") or is_terminating(pod):
            self._waiting.discard(item)
            return
        if (pod.get("spec") or {}).get("schedulerName", "default-scheduler") != COMPONENT:
            return
        if item not in self._waiting:
            self._waiting.add(item)
            self.after(TIMINGS.schedule, item)
            return
        nodes = self.store.list(rt(self.store, NODES), copy_items=False).items
        fitting: list[Obj] = []
        reasons: dict[str, int] = {}
        for node in nodes:
            problem = fit_problems(pod, node)
            if problem is None and self._load(meta(node)["name"]) >= _max_pods(node):
                problem = "Too many pods"
            if problem is None:
                fitting.append(node)
            else:
                reasons[problem] = reasons.get(problem, 0) + 1
        if not fitting:
            self._unschedulable(pod, len(nodes), reasons)
            return
        self._waiting.discard(item)
        chosen = min(fitting, key=lambda n: (self._load(meta(n)["name"]), meta(n)["name"]))
        node_name = str(meta(chosen)["name"])
        self._bound[node_name] = self._bound.get(node_name, 0) + 1

        def bind(p: Obj) -> None:
            p["spec"]["nodeName"] = node_name

        bound = self.store.mutate(pods_rt, namespace, name, bind, hooks=False)
        # The kubelet's first status write carries PodScheduled=True (one write less per pod).
        record(
            self.store,
            bound,
            NORMAL,
            "Scheduled",
            f"Successfully assigned {namespace}/{name} to {node_name}",
            COMPONENT,
        )

    def _unschedulable(self, pod: Obj, total: int, reasons: dict[str, int]) -> None:
        parts = ", ".join(sorted(f"{count} {reason}" for reason, count in reasons.items()))
        message = (
            f"0/{total} nodes are available: {parts}. preemption: 0/{total} nodes are available: "
            f"{total} Preemption is not helpful for scheduling."
        )
        namespace, name = ns_name(pod)
        conditions = (pod.get("status") or {}).get("conditions") or []
        already = any(
            c.get("type") == "PodScheduled" and c.get("message") == message for c in conditions
        )
        if already:
            return

        def unschedulable(p: Obj) -> None:
            status = p.setdefault("status", {})
            conds = status.setdefault("conditions", [])
            set_condition(
                conds,
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": message,
                },
                probe_time=True,
            )

        self.store.mutate(
            rt(self.store, PODS), namespace, name, unschedulable, subresource="status", hooks=False
        )
        record(self.store, pod, WARNING, "FailedScheduling", message, COMPONENT)
