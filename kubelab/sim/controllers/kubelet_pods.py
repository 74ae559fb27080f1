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
        self.pull_started: dict[tuple[str, str], float] = {}  # (pod uid, container)

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
            self.event(pod, NORMAL, "Pulling", f'Pulling image "{ref}"', c["name"])
            self.pull_started[(str(meta(pod).get("uid")), str(c["name"]))] = time.monotonic()

    def image_events(self, pod: Obj, c: Obj, image: Image, pulled: set[str]) -> None:
        ref = str(c.get("image", ""))
        policy = c.get("imagePullPolicy", "IfNotPresent")
        if policy == "Always" or ref not in pulled:
            started = self.pull_started.pop((str(meta(pod).get("uid")), str(c["name"])), None)
            took = go_duration(time.monotonic() - started if started is not None else 0.0)
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
