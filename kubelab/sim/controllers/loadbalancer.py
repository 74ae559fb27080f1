"""The LoadBalancer controller, standing in for cloud-provider-kind / MetalLB: gives each
LoadBalancer Service an ingress IP from a pool on the kind network (honouring
`spec.loadBalancerIP` when it is free and in the pool), so EXTERNAL-IP leaves `<pending>`;
clears it when the Service stops being a LoadBalancer.

Like cloud-provider-kind, which starts a proxy container per load balancer, the address comes a
moment (`TIMINGS.load_balancer`) after the controller starts ensuring it: `kubectl get svc`
shows `<pending>` in between."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import SERVICES, Controller, ns_name, rt
from kubelab.sim.controllers.events import NORMAL, WARNING, record
from kubelab.sim.controllers.timing import TIMINGS
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

COMPONENT = "service-controller"
POOL_FIRST = ipaddress.IPv4Address("172.18.255.200")
POOL_LAST = ipaddress.IPv4Address("172.18.255.250")
POOL = f"{POOL_FIRST}-{POOL_LAST}"


def ingress_ips(service: Obj) -> list[str]:
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [str(i.get("ip")) for i in ingress if isinstance(i, dict) and i.get("ip")]


def in_pool(ip: str) -> bool:
    try:
        address = ipaddress.IPv4Address(ip)
    except ValueError:
        return False
    return POOL_FIRST <= address <= POOL_LAST


def _managed(spec: Obj) -> bool:
    return spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass")


class LoadBalancerController(Controller):
    name = COMPONENT
    keys = frozenset({SERVICES})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._failed: dict[tuple[str, str], str] = {}
        # Services whose load balancer is being made: the uid it is made for, when it is ready.
        self._ensuring: dict[tuple[str, str], tuple[str, float]] = {}

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.type == "DELETED":
            # its IP returns to the pool: pending LoadBalancers may get it now
            return list(self.all_items())
        return [ns_name(event.obj)]

    def all_items(self) -> Iterable[Hashable]:
        items = self.store.list(rt(self.store, SERVICES), copy_items=False).items
        return [ns_name(s) for s in items if _managed(s.get("spec") or {})]

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        svc_rt = rt(self.store, SERVICES)
        service = self.store.try_get(svc_rt, namespace, name)
        if service is None:
            self._failed.pop(item, None)
            self._ensuring.pop(item, None)
            return
        spec = service.get("spec") or {}
        current = ingress_ips(service)
        if not _managed(spec):
            self._ensuring.pop(item, None)
            if current or (service.get("status") or {}).get("loadBalancer"):
                record(self.store, service, NORMAL, "DeletingLoadBalancer",
                       "Deleting load balancer", COMPONENT)  # fmt: skip

                def clear(o: Obj) -> None:
                    o.setdefault("status", {})["loadBalancer"] = {}

                self.store.mutate(svc_rt, namespace, name, clear, subresource="status",
                                  hooks=False)  # fmt: skip
                record(self.store, service, NORMAL, "DeletedLoadBalancer",
                       "Deleted load balancer", COMPONENT)  # fmt: skip
            return
        wanted = str(spec.get("loadBalancerIP") or "")
        if current and (not wanted or wanted in current):
            return
        used = {
            ip
            for s in self.store.list(svc_rt, copy_items=False).items
            if ns_name(s) != item
            for ip in ingress_ips(s)
        }
        ip, problem = self._choose(wanted, used)
        if ip is None:
            if self._failed.get(item) != problem:
                self._failed[item] = problem
                record(self.store, service, NORMAL, "EnsuringLoadBalancer",
                       "Ensuring load balancer", COMPONENT)  # fmt: skip
                record(
                    self.store,
                    service,
                    WARNING,
                    "SyncLoadBalancerFailed",
                    f"Error syncing load balancer: failed to ensure load balancer: {problem}",
                    COMPONENT,
                )
            return
        self._failed.pop(item, None)
        uid = str((service.get("metadata") or {}).get("uid", ""))
        ensuring = self._ensuring.get(item)
        if ensuring is None or ensuring[0] != uid:
            # the load balancer is being made: its address comes when it is ready
            self._ensuring[item] = (uid, time.monotonic() + TIMINGS.load_balancer)
            record(self.store, service, NORMAL, "EnsuringLoadBalancer",
                   "Ensuring load balancer", COMPONENT)  # fmt: skip
            self.after(TIMINGS.load_balancer, item)
            return
        left = ensuring[1] - time.monotonic()
        if left > 0:  # woken by another change of the Service: not ready yet
            self.after(left, item)
            return
        del self._ensuring[item]

        def assign(o: Obj) -> None:
            o.setdefault("status", {})["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"}]}

        self.store.mutate(svc_rt, namespace, name, assign, subresource="status", hooks=False)
        record(self.store, service, NORMAL, "EnsuredLoadBalancer", "Ensured load balancer",
               COMPONENT)  # fmt: skip

    def _choose(self, wanted: str, used: set[str]) -> tuple[str | None, str]:
        if wanted:
            if not in_pool(wanted):
                return None, (
                    f"requested loadBalancerIP {wanted} is not in the address pool {POOL}"
                )
            if wanted in used:
                return None, f"requested loadBalancerIP {wanted} is already in use"
            return wanted, ""
        address = POOL_FIRST
        while address <= POOL_LAST:
            if str(address) not in used:
                return str(address), ""
            address += 1
        return None, f"no available IP in the address pool {POOL}"
