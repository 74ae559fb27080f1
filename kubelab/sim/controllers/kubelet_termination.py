"""The kubelet's part in deleting a Pod (pkg/kubelet/kuberuntime/kuberuntime_container.go,
killContainer; pkg/kubelet/status/status_manager.go, the final delete): each running container
gets SIGTERM (a `Killing` event); a process that handles it exits about a second later, one
that does not is killed when the grace period ends (exit code 137); then the kubelet deletes
the Pod with grace 0 and it is gone. Until then the Pod is Terminating, still Ready as far as
its containers go (the EndpointSlice shows it `serving` and `terminating`, not `ready`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import PODS, is_terminating, meta, now, ns_name, rt
from kubelab.sim.controllers.events import NORMAL
from kubelab.sim.controllers.kubelet_pods import KubeletPods
from kubelab.sim.controllers.kubelet_rules import Progress, refresh_readiness, stops_on_sigterm
from kubelab.sim.controllers.timing import TIMINGS
from kubelab.sim.dataplane.images import lookup
from kubelab.sim.objects import Obj
from kubelab.sim.registry import parse_time

if TYPE_CHECKING:
    from kubelab.sim.store import Store

STOP = "stop"  # the kubelet's queue item (STOP, namespace, name, uid) ending a termination


class Terminations:
    def __init__(self, store: Store, pods: KubeletPods) -> None:
        self.store = store
        self.pods = pods
        self.stopping: set[str] = set()  # uids whose containers were sent SIGTERM

    def forget(self, uid: str) -> None:
        self.stopping.discard(uid)

    def begin(self, pod: Obj, uid: str) -> None:
        """SIGTERM to every running container; the end comes when the slowest has exited."""
        if uid in self.stopping:
            return
        self.stopping.add(uid)
        self.pods.progress[uid] = Progress("done")
        running = self._running(pod)
        for c in running:
            self.pods.event(pod, NORMAL, "Killing", f"Stopping container {c['name']}", c["name"])
        namespace, name = ns_name(pod)
        self.pods.after(self._stop_delay(pod, running), (STOP, namespace, name, uid))

    def _running(self, pod: Obj) -> list[Obj]:
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        names = {cs.get("name") for cs in statuses if (cs.get("state") or {}).get("running")}
        return [c for c in self.pods.containers(pod) if c["name"] in names]

    @staticmethod
    def _left(pod: Obj) -> float:
        """Seconds the containers get from now, when the kubelet sees the deletion: the pod's
        deletionGracePeriodSeconds, as the kubelet's pod workers take it
        (pkg/kubelet/pod_workers.go, calculateEffectiveGracePeriod). The deletionTimestamp
        stands in only when that is missing; it is stored at whole seconds, so counting down
        to it would end a grace period up to a second early."""
        grace = meta(pod).get("deletionGracePeriodSeconds")
        if isinstance(grace, int) and not isinstance(grace, bool):
            return float(max(grace, 0))
        deadline = parse_time(str(meta(pod).get("deletionTimestamp") or ""))
        if deadline is None:
            return 0.0
        return max((deadline - datetime.now(UTC)).total_seconds(), 0.0)

    def _stop_delay(self, pod: Obj, running: list[Obj]) -> float:
        left = self._left(pod)
        exits = [
            TIMINGS.sigterm_exit if stops_on_sigterm(c, lookup(str(c.get("image", "")))) else left
            for c in running
        ]
        return min(max(exits, default=0.0), left)

    def finish(self, namespace: str, name: str, uid: str) -> None:
        """The containers have exited: record how, then delete the Pod for good."""
        pods_rt = rt(self.store, PODS)
        pod = self.store.try_get(pods_rt, namespace, name)
        if pod is None or meta(pod).get("uid") != uid or not is_terminating(pod):
            return
        running = self._running(pod)
        if running:
            self.pods.write_status(pod, self._exited(pod, running))
        self.store.delete(pods_rt, namespace, name, grace_seconds=0, preconditions={"uid": uid})

    def _exited(self, pod: Obj, running: list[Obj]) -> Callable[[Obj], None]:
        stamp = now()
        codes = {
            c["name"]: 0 if stops_on_sigterm(c, lookup(str(c.get("image", "")))) else 137
            for c in running
        }
        containers = self.pods.containers(pod)

        def change(p: Obj) -> None:
            status = p.setdefault("status", {})
            for cs in status.get("containerStatuses") or []:
                if cs.get("name") not in codes:
                    continue
                started = ((cs.get("state") or {}).get("running") or {}).get("startedAt")
                code = codes[cs["name"]]
                cs["state"] = {
                    "terminated": {
                        "exitCode": code,
                        "reason": "Completed" if code == 0 else "Error",
                        "startedAt": started,
                        "finishedAt": stamp,
                        "containerID": cs.get("containerID"),
                    }
                }
                cs["ready"] = False
                cs["started"] = False
            refresh_readiness(status, containers)

        return change
