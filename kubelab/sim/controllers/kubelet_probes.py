"""The kubelet's probes: readiness probes gate a container's `ready` (and so the Pod's
endpoints); a container failing its liveness probe `failureThreshold` times is killed and
started again. How a probe is answered is `probes.py`."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import PODS, is_terminating, meta, now, ns_name, rt
from kubelab.sim.controllers.events import NORMAL, WARNING
from kubelab.sim.controllers.kubelet_rules import Progress, digest, refresh_readiness
from kubelab.sim.controllers.probes import run_probe
from kubelab.sim.dataplane.images import Image, lookup
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import Store


class ProbesMixin:
    """Readiness and liveness rounds of the Kubelet (mixed into it)."""

    if TYPE_CHECKING:  # provided by Kubelet
        store: Store
        _progress: dict[str, Progress]
        _pulled: dict[str, set[str]]
        _live_failures: dict[tuple[str, str], int]

        def after(self, delay: float, item: Hashable) -> None: ...
        def _containers(self, pod: Obj) -> list[Obj]: ...
        def _write_status(self, pod: Obj, change: Any) -> Obj: ...
        def _event(
            self, pod: Obj, type_: str, reason: str, message: str, container: str = ""
        ) -> None: ...
        def _pull_events(self, pod: Obj, only: set[str] | None = None) -> None: ...
        def _image_events(self, pod: Obj, c: Obj, image: Image, pulled: set[str]) -> None: ...

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
                refresh_readiness(status, containers)

            pod = self._write_status(pod, ready)
        if pending:
            self._schedule_probes(pod, progress, first=False)
        else:
            progress.stage = "running"

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
                cs["containerID"] = "containerd://" + digest(f"{cs['containerID']}/{stamp}")
                cs["state"] = {"running": {"startedAt": stamp}}
                cs["ready"] = not c.get("readinessProbe")
            refresh_readiness(status, containers)

        updated = self._write_status(pod, restarted)
        for c in killed:
            self._image_events(updated, c, lookup(str(c.get("image", ""))), pulled)
        progress = self._progress.setdefault(str(meta(pod).get("uid")), Progress("running"))
        self._schedule_probes(updated, progress, first=True)
        return updated
