"""The kubelet's restarts and back-offs: image pulls that fail (ErrImagePull ->
ImagePullBackOff, retried with a growing delay), main processes that exit (Completed ->
CrashLoopBackOff), and containers whose image is changed on a bound Pod."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import PODS, is_terminating, meta, now, ns_name, rt
from kubelab.sim.controllers.events import NORMAL, WARNING
from kubelab.sim.controllers.kubelet_pods import KubeletPods
from kubelab.sim.controllers.kubelet_probes import Probes
from kubelab.sim.controllers.kubelet_rules import Progress, exits_at_once, refresh_readiness
from kubelab.sim.controllers.timing import TIMINGS
from kubelab.sim.dataplane.images import lookup
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    pass


class Restarts:
    """Back-offs and restarts of the kubelet's containers (a restarted container's probes start
    again)."""

    def __init__(self, pods: KubeletPods, probes: Probes) -> None:
        self.pods = pods
        self.probes = probes

    def image_changed(self, namespace: str, name: str) -> None:
        """A container's image was changed on a bound Pod: the kubelet kills the container and
        starts it again with the new image (pulling it, with no back-off from the old one)."""
        pod = self.pods.store.try_get(rt(self.pods.store, PODS), namespace, name)
        if pod is None or is_terminating(pod):
            return
        uid = str(meta(pod).get("uid"))
        statuses = {
            cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
        }
        changed = []
        for c in self.pods.containers(pod):
            cs = statuses.get(c["name"]) or {}
            wanted = lookup(str(c.get("image", ""))).full_reference
            have = str(cs.get("image") or "")
            if have and have != wanted and have != str(c.get("image", "")):
                changed.append(c)
        if not changed:
            return
        names = {c["name"] for c in changed}
        for c in changed:
            if (((statuses.get(c["name"]) or {}).get("state") or {}).get("running")) is not None:
                self.pods.event(
                    pod, NORMAL, "Killing",
                    f"Container {c['name']} definition changed, will be restarted", c["name"],
                )  # fmt: skip
        stamp = now()

        def restarting(p: Obj) -> None:
            for cs in (p.get("status") or {}).get("containerStatuses") or []:
                if cs.get("name") not in names:
                    continue
                running = (cs.get("state") or {}).get("running")
                if running is not None:
                    cs["lastState"] = {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": running.get("startedAt", stamp),
                            "finishedAt": stamp,
                            "containerID": cs.get("containerID", ""),
                        }
                    }
                    cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
                cs["ready"] = False
                cs["started"] = False
                cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
            refresh_readiness(p.setdefault("status", {}), self.pods.containers(p))

        updated = self.pods.write_status(pod, restarting)
        self.pods.pull_events(updated, names)
        self.pods.progress[uid] = Progress("creating")
        failing = any(lookup(str(c.get("image", ""))).pull_error for c in changed)
        self.pods.after(TIMINGS.pull_failure if failing else TIMINGS.create, (namespace, name))

    def back_off(self, pod: Obj, uid: str, progress: Progress) -> None:
        """ErrImagePull -> ImagePullBackOff, then wait before pulling again."""
        waiting = self._waiting_containers(pod, "ErrImagePull")

        def back_off(p: Obj) -> None:
            for cs in (p.get("status") or {}).get("containerStatuses") or []:
                if cs.get("name") in waiting:
                    image = waiting[cs["name"]]
                    cs["state"] = {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": f'Back-off pulling image "{image}": ErrImagePull: '
                            + str(lookup(image).pull_error),
                        }
                    }

        updated = self.pods.write_status(pod, back_off)
        for container, image in waiting.items():
            self.pods.event(
                updated, NORMAL, "BackOff", f'Back-off pulling image "{image}"', container
            )
            self.pods.event(updated, WARNING, "Failed", "Error: ImagePullBackOff", container)
        progress.stage = "back-off"
        delay = min(TIMINGS.back_off * (2**progress.attempt), TIMINGS.back_off_cap)
        progress.attempt += 1
        self.pods.after(delay, ns_name(pod))

    def pull_again(self, pod: Obj, uid: str, progress: Progress) -> None:
        waiting = self._waiting_containers(pod, "ImagePullBackOff")
        self.pods.pull_events(pod, set(waiting))
        progress.stage = "creating"
        self.pods.after(TIMINGS.pull_failure, ns_name(pod))

    def _waiting_containers(self, pod: Obj, reason: str) -> dict[str, str]:
        images = {c["name"]: str(c.get("image", "")) for c in self.pods.containers(pod)}
        out: dict[str, str] = {}
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            if ((cs.get("state") or {}).get("waiting") or {}).get("reason") == reason:
                out[str(cs.get("name"))] = images.get(str(cs.get("name")), "")
        return out

    def container_exited(self, pod: Obj, uid: str, progress: Progress) -> None:
        """The main process ended (exit 0): Completed, then restart per restartPolicy."""
        stamp = now()
        containers = self.pods.containers(pod)
        exiting = {
            c["name"] for c in containers if exits_at_once(c, lookup(str(c.get("image", ""))))
        }
        policy = (pod.get("spec") or {}).get("restartPolicy", "Always")

        def exited(p: Obj) -> None:
            status = p.setdefault("status", {})
            for cs in status.get("containerStatuses") or []:
                if cs.get("name") in exiting:
                    running = (cs.get("state") or {}).get("running") or {}
                    cs["ready"] = False
                    cs["started"] = False
                    cs["state"] = {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": running.get("startedAt", stamp),
                            "finishedAt": stamp,
                            "containerID": cs.get("containerID", ""),
                        }
                    }
            refresh_readiness(status, containers)
            if policy != "Always" and len(exiting) == len(containers):
                status["phase"] = "Succeeded"
                for cond in status.get("conditions") or []:
                    if cond.get("type") in ("Ready", "ContainersReady"):
                        cond["reason"] = "PodCompleted"
                        cond.pop("message", None)

        self.pods.write_status(pod, exited)
        if policy != "Always":
            progress.stage = "done"
            return
        progress.stage = "crash-back-off"
        self.pods.after(
            min(TIMINGS.crash_back_off * (2**progress.attempt), TIMINGS.back_off_cap), ns_name(pod)
        )

    def restart(self, pod: Obj, uid: str, progress: Progress) -> None:
        """Back-off over: start the exited containers again (they exit again at once)."""
        containers = self.pods.containers(pod)
        namespace, name = ns_name(pod)
        node = str((pod.get("spec") or {}).get("nodeName"))
        pulled = self.pods.pulled.setdefault(node, set())
        restarting = [c for c in containers if exits_at_once(c, lookup(str(c.get("image", ""))))]
        stamp = now()
        delay = min(TIMINGS.crash_back_off * (2 ** (progress.attempt + 1)), TIMINGS.back_off_cap)
        for c in restarting:
            self.pods.image_events(pod, c, lookup(str(c.get("image", ""))), pulled)
        names = {c["name"] for c in restarting}

        def crash_loop(p: Obj) -> None:
            status = p.setdefault("status", {})
            for cs in status.get("containerStatuses") or []:
                if cs.get("name") in names:
                    last = (cs.get("state") or {}).get("terminated")
                    if last:
                        last["finishedAt"] = stamp
                        cs["lastState"] = {"terminated": last}
                    cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
                    cs["ready"] = False
                    cs["started"] = False
                    cs["state"] = {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off {int(delay)}s restarting failed container="
                            f"{cs['name']} pod={name}_{namespace}({uid})",
                        }
                    }
            refresh_readiness(status, containers)

        updated = self.pods.write_status(pod, crash_loop)
        for c in restarting:
            self.pods.event(
                updated,
                WARNING,
                "BackOff",
                f"Back-off restarting failed container {c['name']} in pod "
                f"{name}_{namespace}({uid})",
                c["name"],
            )
        progress.attempt += 1
        progress.stage = "exited"
        self.pods.after(delay, ns_name(pod))
