"""The ReplicationController controller: a ReplicaSet controller with a plain map selector."""

from __future__ import annotations

from kubelab.sim.controllers.base import PODS, RCS
from kubelab.sim.controllers.replicaset import ReplicaSetController
from kubelab.sim.kinds.printer_helpers import map_matches
from kubelab.sim.objects import Obj


class ReplicationManager(ReplicaSetController):
    name = "replication-controller"
    owner_key = RCS
    owner_kind = "ReplicationController"
    keys = frozenset({RCS, PODS})

    def selects(self, owner: Obj, labels: dict[str, str]) -> bool:
        return map_matches((owner.get("spec") or {}).get("selector"), labels)
