"""The kubelet's probes: readiness probes gate a container's `ready` (and so the Pod's
endpoints); a container failing its liveness probe `failureThreshold` times is killed and
started again. How a probe is answered is `probes.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import PODS, is_terminating, meta, now, ns_name, rt
from kubelab.sim.controllers.events import NORMAL, WARNING
from kubelab.sim.controllers.kubelet_pods import KubeletPods
from kubelab.sim.controllers.kubelet_rules import Progress, digest, refresh_readiness
from kubelab.sim.controllers.probes import run_probe
from kubelab.sim.dataplane.images import lookup
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    pass


class Probes:
    """Readiness and liveness rounds of the kubelet's Pods."""

    def __init__(self, pods: KubeletPods) -> None:
        self.pods = pods
        self.live_failures: dict[tuple[str, str], int] = {}  # (pod uid, container)

    def schedule_probes(self, pod: Obj, progress: Progress, *, first: bool) -> None:
        """Arm the next readiness probe round (initialDelaySeconds, then periodSeconds)."""
        probes = [c["readinessProbe"] for c in self.pods.containers(pod) if c.get("readinessProbe")]
        if not probes:
            return
        key = "initialDelaySeconds" if first else "periodSeconds"
        default = 0 if first else 10
        delay = min(float(p.get(key, default) or default) for p in probes)
        progress.stage = "probing"
        self.pods.after(max(delay, 0.05), ns_name(pod))

    def probe(self, pod: Obj, uid: str, progress: Progress) -> None:
        containers = self.pods.containers(pod)
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
            failure = run_probe(self.pods.store, pod, c, probe)
            if failure is None:
                passed.append(c["name"])
            else:
                pending = True
                self.pods.event(pod, WARNING, "Unhealthy", f"Readiness probe failed: {failure}",
                            c["name"])  # fmt: skip
        if passed:

            def ready(p: Obj) -> None:
                status = p.setdefault("status", {})
                for cs in status.get("containerStatuses") or []:
                    if cs.get("name") in passed:
                        cs["ready"] = True
                refresh_readiness(status, containers)

            pod = self.pods.write_status(pod, ready)
        if pending:
            self.schedule_probes(pod, progress, first=False)
        else:
            progress.stage = "running"

    def arm_liveness(self, pod: Obj, *, first: bool) -> None:
        """The next liveness round: initialDelaySeconds after a start, then periodSeconds."""
        probes = [c["livenessProbe"] for c in self.pods.containers(pod) if c.get("livenessProbe")]
        if not probes:
            return
        key = "initialDelaySeconds" if first else "periodSeconds"
        default = 0 if first else 10
        delay = min(float(p.get(key, default) or default) for p in probes)
        namespace, name = ns_name(pod)
        self.pods.after(max(delay, 0.05), ("live", namespace, name))

    def liveness(self, namespace: str, name: str) -> None:
        pod = self.pods.store.try_get(rt(self.pods.store, PODS), namespace, name)
        if pod is None or is_terminating(pod):
            return
        uid = str(meta(pod).get("uid"))
        statuses = {
            cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
        }
        restart: list[Obj] = []
        for c in self.pods.containers(pod):
            probe = c.get("livenessProbe")
            running = ((statuses.get(c["name"]) or {}).get("state") or {}).get("running")
            if not probe or running is None:
                continue
            key = (uid, str(c["name"]))
            failure = run_probe(self.pods.store, pod, c, probe)
            if failure is None:
                self.live_failures.pop(key, None)
                continue
            count = self.live_failures.get(key, 0) + 1
            self.live_failures[key] = count
            self.pods.event(
                pod, WARNING, "Unhealthy", f"Liveness probe failed: {failure}", c["name"]
            )
            if count >= int(probe.get("failureThreshold") or 3):
                self.live_failures.pop(key, None)
                self.pods.event(
                    pod, NORMAL, "Killing",
                    f"Container {c['name']} failed liveness probe, will be restarted", c["name"],
                )  # fmt: skip
                restart.append(c)
        if restart:
            pod = self._restart_after_kill(pod, restart)
        self.arm_liveness(pod, first=bool(restart))

    def _restart_after_kill(self, pod: Obj, killed: list[Obj]) -> Obj:
        """Kill and start again the containers that failed their liveness probe."""
        stamp = now()
        node = str((pod.get("spec") or {}).get("nodeName"))
        pulled = self.pods.pulled.setdefault(node, set())
        names = {c["name"] for c in killed}
        containers = self.pods.containers(pod)

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

        updated = self.pods.write_status(pod, restarted)
        for c in killed:
            self.pods.image_events(updated, c, lookup(str(c.get("image", ""))), pulled)
        progress = self.pods.progress.setdefault(str(meta(pod).get("uid")), Progress("running"))
        self.schedule_probes(updated, progress, first=True)
        return updated
