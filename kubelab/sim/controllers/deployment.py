"""The Deployment controller: one ReplicaSet per pod template (`<deployment>-<pod-template-hash>`),
rolling updates within maxSurge/maxUnavailable (or Recreate), scaling, revision history, and
the status and conditions `kubectl get`/`rollout status` read."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import (
    DEPLOYMENTS,
    REPLICASETS,
    Controller,
    Index,
    controller_ref,
    is_terminating,
    meta,
    now,
    ns_name,
    owner_ref,
    rt,
)
from kubelab.sim.controllers.events import NORMAL, record
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

COMPONENT = "deployment-controller"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
# pkg/controller/deployment: MaxRevHistoryLengthInChars
MAX_REVISION_HISTORY_CHARS = 2000
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX = "deployment.kubernetes.io/max-replicas"
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each character mapped onto the 27 safe characters."""
    return "".join(_ALPHANUMS[ord(ch) % len(_ALPHANUMS)] for ch in text)


def template_hash(template: Obj, collision_count: int = 0) -> str:
    """A pod-template-hash like `7c5ddbdf54`: FNV-32a of the template, safe-encoded."""
    data = json.dumps(_without_hash(template), sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += str(collision_count).encode()
    return safe_encode(str(fnv32a(data)))


def _without_hash(template: Obj) -> Obj:
    t = copy.deepcopy(template or {})
    labels = (t.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    if isinstance(t.get("metadata"), dict):
        t["metadata"].pop("creationTimestamp", None)
    return t


def resolve(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            percent = int(value[:-1])
        except ValueError:
            return 0
        raw = percent * total / 100
        return math.ceil(raw) if round_up else math.floor(raw)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def revision_history(history: str, old_revision: str) -> str | None:
    """The revision-history annotation of a ReplicaSet rolled back to, which had revision
    `old_revision` (SetNewReplicaSetAnnotations in pkg/controller/deployment/util/
    deployment_util.go): the old revisions it had, oldest dropped past 2000 characters; None
    when it stays as it is."""
    if not old_revision:
        return None
    if not history:
        return old_revision
    kept = history.split(",")
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > MAX_REVISION_HISTORY_CHARS and start < len(kept):
        total -= len(kept[start]) + 1
        start += 1
    if total > MAX_REVISION_HISTORY_CHARS:
        return None
    return ",".join([*kept[start:], old_revision])


def _revision(rs: Obj) -> int:
    try:
        return int((meta(rs).get("annotations") or {}).get(REVISION, "0") or 0)
    except ValueError:
        return 0


def _replicas(rs: Obj) -> int:
    return int((rs.get("spec") or {}).get("replicas") or 0)


def _status(rs: Obj, key: str) -> int:
    return int((rs.get("status") or {}).get(key) or 0)


class DeploymentController(Controller):
    name = COMPONENT
    keys = frozenset({DEPLOYMENTS, REPLICASETS})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_owner = Index(
            self.store, REPLICASETS, lambda rs: [str(r.get("uid"))]
            if (r := controller_ref(rs)) and r.get("kind") == "Deployment" else []
        )  # fmt: skip

    def stop(self) -> None:
        self._by_owner.close()

    def owned(self, deploy: Obj) -> list[Obj]:
        """The ReplicaSets a Deployment controls."""
        return self._by_owner.get(str(meta(deploy).get("uid")))

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == DEPLOYMENTS:
            return [ns_name(event.obj)]
        ref = controller_ref(event.obj)
        if ref and ref.get("kind") == "Deployment":
            return [(ns_name(event.obj)[0], str(ref.get("name")))]
        return ()

    def all_items(self) -> Iterable[Hashable]:
        items = self.store.list(rt(self.store, DEPLOYMENTS), copy_items=False).items
        return [ns_name(d) for d in items]

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        deploy = self.store.try_get(rt(self.store, DEPLOYMENTS), namespace, name)
        if deploy is None or is_terminating(deploy):
            return
        spec = deploy.get("spec") or {}
        owned = self.owned(deploy)
        template = spec.get("template") or {}
        wanted = _without_hash(template)
        new_rs = next((rs for rs in owned if _without_hash(rs["spec"]["template"]) == wanted), None)
        olds = [rs for rs in owned if rs is not new_rs]
        replicas = spec.get("replicas")
        desired = int(replicas) if replicas is not None else 1
        created = False
        if new_rs is None and not spec.get("paused"):
            new_rs = self._create_rs(deploy, olds, desired)
            created = True
        if new_rs is not None and not spec.get("paused"):
            new_rs = self._sync_revision(deploy, new_rs, olds)
            strategy = spec.get("strategy") or {}
            if strategy.get("type") == "Recreate":
                self._recreate(deploy, new_rs, olds, desired)
            else:
                self._rolling(deploy, new_rs, olds, desired, strategy.get("rollingUpdate") or {})
            self._cleanup(deploy, olds)
        self._update_status(deploy, new_rs, olds, desired, created)

    # -- replica sets ------------------------------------------------------------------------

    def _create_rs(self, deploy: Obj, olds: list[Obj], desired: int) -> Obj:
        spec = deploy["spec"]
        namespace, name = ns_name(deploy)
        rs_rt = rt(self.store, REPLICASETS)
        collisions = int((deploy.get("status") or {}).get("collisionCount") or 0)
        digest = template_hash(spec.get("template") or {}, collisions)
        template = copy.deepcopy(spec.get("template") or {})
        tmeta = template.setdefault("metadata", {})
        tmeta.setdefault("labels", {})[HASH_LABEL] = digest
        selector = copy.deepcopy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = digest
        revision = 1 + max(
            (int((meta(rs).get("annotations") or {}).get(REVISION, "0") or 0) for rs in olds),
            default=0,
        )
        any_old_pods = any(_replicas(rs) or _status(rs, "replicas") for rs in olds)
        strategy = spec.get("strategy") or {}
        if any_old_pods and strategy.get("type") != "Recreate":
            surge = resolve(
                (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%"), desired, True
            )
            current = sum(_replicas(rs) for rs in olds)
            initial = max(0, min(desired, desired + surge - current))
        elif any_old_pods:
            initial = 0
        else:
            initial = desired
        max_surge = resolve(
            (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%"), desired, True
        )
        labels = dict(tmeta["labels"])
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{name}-{digest}",
                "namespace": namespace,
                "labels": labels,
                "annotations": {
                    DESIRED: str(desired),
                    MAX: str(desired + (max_surge if strategy.get("type") != "Recreate" else 0)),
                    REVISION: str(revision),
                },
                "ownerReferences": [owner_ref(deploy)],
            },
            "spec": {
                "replicas": initial,
                "minReadySeconds": int(spec.get("minReadySeconds") or 0),
                "selector": selector,
                "template": template,
            },
        }
        if not rs["spec"]["minReadySeconds"]:
            rs["spec"].pop("minReadySeconds")
        created = self.store.create(rs_rt, rs, namespace=namespace)
        if initial:
            self._event_scaled(deploy, created, 0, initial)
        return created

    def _event_scaled(self, deploy: Obj, rs: Obj, old: int, new: int) -> None:
        verb = "up" if new > old else "down"
        record(
            self.store,
            deploy,
            NORMAL,
            "ScalingReplicaSet",
            f"Scaled {verb} replica set {meta(rs)['name']} from {old} to {new}",
            COMPONENT,
        )

    def _scale(self, deploy: Obj, rs: Obj, replicas: int, desired: int, surge: int) -> Obj:
        old = _replicas(rs)
        annotations = meta(rs).get("annotations") or {}
        if old == replicas and annotations.get(DESIRED) == str(desired):
            return rs
        namespace, name = ns_name(rs)

        def change(o: Obj) -> None:
            o["spec"]["replicas"] = replicas
            ann = o["metadata"].setdefault("annotations", {})
            ann[DESIRED] = str(desired)
            ann[MAX] = str(desired + surge)

        updated: Obj = self.store.mutate(
            rt(self.store, REPLICASETS), namespace, name, change, hooks=False
        )
        if old != replicas:
            self._event_scaled(deploy, updated, old, replicas)
        return updated

    def _recreate(self, deploy: Obj, new_rs: Obj, olds: list[Obj], desired: int) -> None:
        for rs in olds:
            if _replicas(rs):
                self._scale(deploy, rs, 0, desired, 0)
        if all(_status(rs, "replicas") == 0 for rs in olds):
            self._scale(deploy, new_rs, desired, desired, 0)

    def _rolling(
        self, deploy: Obj, new_rs: Obj, olds: list[Obj], desired: int, params: Obj
    ) -> None:
        surge = resolve(params.get("maxSurge", "25%"), desired, True)
        unavailable = resolve(params.get("maxUnavailable", "25%"), desired, False)
        if surge == 0 and unavailable == 0:
            unavailable = 1
        active_olds = [rs for rs in olds if _replicas(rs) > 0]
        if not active_olds:
            self._scale(deploy, new_rs, desired, desired, surge)
            return
        # scale up the new ReplicaSet within the surge
        old_total = sum(_replicas(rs) for rs in active_olds)
        new_count = _replicas(new_rs)
        target = min(desired, max(new_count, desired + surge - old_total))
        if target != new_count:
            new_rs = self._scale(deploy, new_rs, target, desired, surge)
        # scale down old ReplicaSets: unhealthy replicas first, then within maxUnavailable
        min_available = desired - unavailable
        available = _status(new_rs, "availableReplicas") + sum(
            _status(rs, "availableReplicas") for rs in active_olds
        )
        budget = max(0, available - min_available)
        for rs in sorted(active_olds, key=lambda r: str(meta(r).get("creationTimestamp"))):
            count = _replicas(rs)
            unhealthy = max(0, count - _status(rs, "availableReplicas"))
            remove = min(count, unhealthy + budget)
            budget -= max(0, remove - unhealthy)
            if remove:
                self._scale(deploy, rs, count - remove, desired, surge)
        total_after = _replicas(new_rs) + sum(_replicas(rs) for rs in active_olds)
        if total_after < desired + surge and _replicas(new_rs) < desired:
            self.after(0.05, ns_name(deploy))

    def _sync_revision(self, deploy: Obj, new_rs: Obj, olds: list[Obj]) -> Obj:
        """An old ReplicaSet that becomes current again (rollout undo) gets the next revision;
        the Deployment carries the current revision."""
        revision = (meta(new_rs).get("annotations") or {}).get(REVISION)
        newest = max((_revision(rs) for rs in olds), default=0)
        if revision and int(revision or 0) <= newest:
            revision = str(newest + 1)
            rs_ns, rs_name = ns_name(new_rs)

            def bump(o: Obj) -> None:
                annotations = o["metadata"].setdefault("annotations", {})
                previous = str(annotations.get(REVISION) or "")
                annotations[REVISION] = revision
                history = revision_history(str(annotations.get(REVISION_HISTORY) or ""), previous)
                if history is not None:
                    annotations[REVISION_HISTORY] = history

            new_rs = self.store.mutate(
                rt(self.store, REPLICASETS), rs_ns, rs_name, bump, hooks=False
            )
        if not revision or (meta(deploy).get("annotations") or {}).get(REVISION) == revision:
            return new_rs
        namespace, name = ns_name(deploy)

        def annotate(o: Obj) -> None:
            o["metadata"].setdefault("annotations", {})[REVISION] = revision

        self.store.mutate(rt(self.store, DEPLOYMENTS), namespace, name, annotate, hooks=False)
        return new_rs

    def _cleanup(self, deploy: Obj, olds: list[Obj]) -> None:
        limit = int((deploy.get("spec") or {}).get("revisionHistoryLimit", 10))
        idle = [rs for rs in olds if _replicas(rs) == 0 and _status(rs, "replicas") == 0]
        idle.sort(key=lambda r: int((meta(r).get("annotations") or {}).get(REVISION, "0") or 0))
        for rs in idle[: max(0, len(idle) - limit)]:
            namespace, name = ns_name(rs)
            self.store.delete(rt(self.store, REPLICASETS), namespace, name)

    # -- status --------------------------------------------------------------------------------

    def _update_status(
        self, deploy: Obj, new_rs: Obj | None, olds: list[Obj], desired: int, created: bool
    ) -> None:
        namespace, name = ns_name(deploy)
        everything = ([new_rs] if new_rs else []) + olds
        replicas = sum(_status(rs, "replicas") for rs in everything)
        updated = _status(new_rs, "replicas") if new_rs else 0
        ready = sum(_status(rs, "readyReplicas") for rs in everything)
        available = sum(_status(rs, "availableReplicas") for rs in everything)
        params = ((deploy.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
        max_unavailable = resolve(params.get("maxUnavailable", "25%"), desired, False)
        if (deploy.get("spec") or {}).get("strategy", {}).get("type") == "Recreate":
            max_unavailable = 0
        generation = meta(deploy).get("generation")
        rs_name = str(meta(new_rs)["name"]) if new_rs else ""
        complete = (
            new_rs is not None
            and updated == desired
            and replicas == updated
            and available >= updated
            and _replicas(new_rs) == desired
        )
        stamp = now()

        def change(o: Obj) -> None:
            old_status = o.get("status") or {}
            status: Obj = {"observedGeneration": generation}
            if replicas:
                status["replicas"] = replicas
            if updated:
                status["updatedReplicas"] = updated
            if ready:
                status["readyReplicas"] = ready
            if available:
                status["availableReplicas"] = available
            if desired - available > 0:
                status["unavailableReplicas"] = desired - available
            if old_status.get("collisionCount"):
                status["collisionCount"] = old_status["collisionCount"]
            conditions = [dict(c) for c in old_status.get("conditions") or []]
            if available >= desired - max_unavailable:
                avail = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
            else:
                avail = (
                    "False",
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                )
            _set_condition(conditions, "Available", *avail, stamp)
            if created:
                progress = ("True", "NewReplicaSetCreated", f'Created new replica set "{rs_name}"')
            elif complete:
                progress = (
                    "True",
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{rs_name}" has successfully progressed.',
                )
            else:
                progress = ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
            if new_rs is not None:
                _set_condition(conditions, "Progressing", *progress, stamp)
            status["conditions"] = conditions
            o["status"] = status

        self.store.mutate(
            rt(self.store, DEPLOYMENTS), namespace, name, change, subresource="status", hooks=False
        )


def _set_condition(
    conditions: list[Obj], kind: str, status: str, reason: str, message: str, stamp: str
) -> None:
    for cond in conditions:
        if cond.get("type") == kind:
            if cond.get("status") != status:
                cond["lastTransitionTime"] = stamp
            if cond.get("reason") != reason or cond.get("message") != message:
                cond["lastUpdateTime"] = stamp
            cond.update({"status": status, "reason": reason, "message": message})
            return
    conditions.append(
        {
            "type": kind,
            "status": status,
            "lastUpdateTime": stamp,
            "lastTransitionTime": stamp,
            "reason": reason,
            "message": message,
        }
    )
