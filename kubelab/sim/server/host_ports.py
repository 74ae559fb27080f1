"""`GET /kubelab.dev/v1/host-ports`: where this machine reaches each NodePort and load balancer
port the simulator serves on the host (kind's extraPortMappings and cloud-provider-kind's host
port have no API either). The answer lists, per Service, the entries the host-port controller
keeps in the runtime table; kubelab's `sim` provider reads it, kubectl never needs it."""

from __future__ import annotations

from kubelab.sim.objects import Obj
from kubelab.sim.runtime_table import HOST_PORTS
from kubelab.sim.store import Store

HOST_PORTS_PATH = "/kubelab.dev/v1/host-ports"


def host_port_list(store: Store) -> Obj:
    items = []
    for key in store.runtime_keys(HOST_PORTS):
        namespace, _, name = key[len(HOST_PORTS) :].partition("/")
        items.append({"namespace": namespace, "name": name, "ports": store.runtime_get(key)})
    return {"kind": "HostPortList", "apiVersion": "kubelab.dev/v1", "items": items}
