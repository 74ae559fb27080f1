"""Readiness and liveness probes as the kubelet runs them against the simulated processes.

An `httpGet` probe is answered by the container's server (`kubelab.sim.dataplane.servers`,
so nginx logs it with the `kube-probe` user agent); 200-399 passes. A `tcpSocket` probe passes
when something listens on the port. `exec` and `grpc` probes are taken as passing (the
simulator does not run them). Messages are the kubelet's (`pkg/kubelet/prober`).
"""

from __future__ import annotations

from typing import Any

from kubelab.sim.dataplane import servers
from kubelab.sim.dataplane.netmodel import HttpRequest
from kubelab.sim.dataplane.runtime import runtime_for
from kubelab.sim.objects import Obj

USER_AGENT = "kube-probe/1.37"


def probe_port(container: Obj, port: object) -> int | None:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        if port.isdigit():
            return int(port)
        for p in container.get("ports") or []:
            if p.get("name") == port and p.get("containerPort"):
                return int(p["containerPort"])
    return None


def run_probe(store: Any, pod: Obj, container: Obj, probe: Obj) -> str | None:
    """None if the probe passes, else the failure the kubelet reports."""
    ip = str((pod.get("status") or {}).get("podIP") or "")
    listening = servers.listening_ports(container)
    if "httpGet" in probe:
        action = probe.get("httpGet") or {}
        port = probe_port(container, action.get("port"))
        scheme = str(action.get("scheme") or "HTTP").lower()
        path = str(action.get("path") or "/")
        host = str(action.get("host") or ip)
        url = f"{scheme}://{host}:{port}{path}"
        if port is None or port not in listening:
            return f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
        request = HttpRequest(
            "GET", path, f"{host}:{port}", {"User-Agent": USER_AGENT, "Accept": "*/*"}
        )
        host_ip = str((pod.get("status") or {}).get("hostIP") or "")
        request.client_ip = host_ip
        response = servers.serve(runtime_for(store), pod, port, request)
        if response is None:
            return f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
        if not 200 <= response.status < 400:
            return f"HTTP probe failed with statuscode: {response.status}"
        return None
    if "tcpSocket" in probe:
        action = probe.get("tcpSocket") or {}
        port = probe_port(container, action.get("port"))
        host = str(action.get("host") or ip)
        if port is None or port not in listening:
            return f"dial tcp {host}:{port}: connect: connection refused"
        return None
    return None
