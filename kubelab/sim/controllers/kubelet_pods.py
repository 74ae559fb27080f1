"""What the kubelet's parts share about the Pods it runs: each Pod's progress, the images
pulled per node, status writes, events, and putting a Pod back on the kubelet's queue."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import PODS, meta, ns_name, rt
from kubelab.sim.controllers.events import NORMAL, record
from kubelab.sim.controllers.kubelet_rules import Progress, go_duration, image_size
from kubelab.sim.dataplane.images import Image
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import Store

COMPONENT = "kubelet"


class KubeletPods:
    """The Pods of every node as the kubelet tracks them. `after(delay, item)` puts an item
    back on the kubelet's queue (the Controller's timer)."""

    def __init__(self, store: Store, after: Callable[[float, Hashable], None]) -> None:
        self.store = store
        self.after = after
        self.progress: dict[str, Progress] = {}  # by pod uid
        self.pulled: dict[str, set[str]] = {}  # image references pulled, by node
        # (pod uid, container) -> the image whose pull was announced, and when
        self.pull_started: dict[tuple[str, str], tuple[str, float]] = {}

    def containers(self, pod: Obj) -> list[Obj]:
        return [c for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]

    def write_status(self, pod: Obj, change: Callable[[Obj], Any]) -> Obj:
        """Change the Pod's status with `change` (a function of the live Pod)."""
        namespace, name = ns_name(pod)
        result: Obj = self.store.mutate(
            rt(self.store, PODS), namespace, name, change, subresource="status", hooks=False
        )
        return result

    def event(self, pod: Obj, type_: str, reason: str, message: str, container: str = "") -> None:
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        path = f"spec.containers{{{container}}}" if container else ""
        record(self.store, pod, type_, reason, message, COMPONENT, host=node, field_path=path)

    def pull_events(self, pod: Obj, only: set[str] | None = None) -> None:
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        pulled = self.pulled.setdefault(node, set())
        for c in self.containers(pod):
            if only is not None and c["name"] not in only:
                continue
            ref = str(c.get("image", ""))
            policy = c.get("imagePullPolicy", "IfNotPresent")
            if policy == "Never" or (policy == "IfNotPresent" and ref in pulled):
                continue
            self._announce_pull(pod, c["name"], ref)

    def _announce_pull(self, pod: Obj, container: str, ref: str) -> None:
        self.event(pod, NORMAL, "Pulling", f'Pulling image "{ref}"', container)
        self.pull_started[(str(meta(pod).get("uid")), container)] = (ref, time.monotonic())

    def pull_began(self, pod: Obj, container: str, ref: str) -> float:
        """When the pull of `ref` for `container` began (monotonic seconds). The image manager
        announces every pull it makes (pkg/kubelet/images/image_manager.go, EnsureImageExists:
        `Pulling image` before the pull's outcome); a pull announced for another image (the
        spec changed after a retry was scheduled, and the retry came before the change was
        seen) or not yet announced is announced now. Forgets the pull: its outcome follows."""
        key = (str(meta(pod).get("uid")), container)
        announced = self.pull_started.get(key)
        if announced is None or announced[0] != ref:
            self._announce_pull(pod, container, ref)
        return self.pull_started.pop(key)[1]

    def image_events(self, pod: Obj, c: Obj, image: Image, pulled: set[str]) -> None:
        ref = str(c.get("image", ""))
        policy = c.get("imagePullPolicy", "IfNotPresent")
        if policy == "Always" or ref not in pulled:
            took = go_duration(time.monotonic() - self.pull_began(pod, c["name"], ref))
            self.event(
                pod,
                NORMAL,
                "Pulled",
                f'Successfully pulled image "{ref}" in {took} ({took} including waiting). '
                f"Image size: {image_size(image)} bytes.",
                c["name"],
            )
            pulled.add(ref)
        else:
            self.event(
                pod,
                NORMAL,
                "Pulled",
                f'Container image "{ref}" already present on machine and can be accessed by the '
                "pod",
                c["name"],
            )
        self.event(pod, NORMAL, "Created", f"Created container: {c['name']}", c["name"])
        self.event(pod, NORMAL, "Started", f"Started container {c['name']}", c["name"])
