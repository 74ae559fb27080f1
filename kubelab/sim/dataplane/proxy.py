"""`services/{[scheme:]name[:port]}/proxy/...` and `pods/{[scheme:]name[:port]}/proxy/...`: the
API server relays an HTTP request to the Service's endpoint or the pod (what `kubectl proxy`
users and the CoreDNS URL `kubectl cluster-info` prints reach).

As kube-apiserver's `ResourceLocation`: a Service port given by number is turned into its name,
the endpoint is a ready address carrying that port name; a pod without a port uses its first
container port. The request reaches the pod's simulated server from the control-plane node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from kubelab.sim import errors
from kubelab.sim.dataplane import pods, servers
from kubelab.sim.dataplane.cluster_net import ClusterNetwork
from kubelab.sim.dataplane.netmodel import ConnectError, HttpRequest
from kubelab.sim.dataplane.runner import ensure_runner
from kubelab.sim.dataplane.runtime import runtime_for
from kubelab.sim.dataplane.sessions import StoreView

Obj = Mapping[str, Any]
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "content-length", "date"}
)
DEFAULT_SOURCE_IP = "172.18.0.2"


def split_scheme_name_port(text: str) -> tuple[str, str, str] | None:
    """`utilnet.SplitSchemeNamePort`: "name", "name:port" or "scheme:name:port" (http/https)."""
    parts = text.split(":")
    if len(parts) == 1:
        scheme, name, port = "", parts[0], ""
    elif len(parts) == 2:
        scheme, name, port = "", parts[0], parts[1]
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        return None
    if not name or scheme not in ("", "http", "https"):
        return None
    return scheme, name, port


def _unavailable(message: str) -> errors.ApiError:
    return errors.ApiError(503, "ServiceUnavailable", message)


def _source_ip(view: StoreView) -> str:
    """The control-plane node's address: the API server runs there with the host network."""
    for node in view.nodes():
        labels = pods.meta(node).get("labels") or {}
        if "node-role.kubernetes.io/control-plane" in labels:
            for addr in (node.get("status") or {}).get("addresses") or []:
                if addr.get("type") == "InternalIP":
                    return str(addr.get("address"))
    return DEFAULT_SOURCE_IP


def _service_backend(net: ClusterNetwork, svc: Obj, raw_id: str, port: str) -> tuple[str, int]:
    ports = [p for p in (svc.get("spec") or {}).get("ports") or [] if isinstance(p, Mapping)]
    name = port
    if port.isdigit():
        match = next((p for p in ports if int(p.get("port") or 0) == int(port)), None)
        if match is None:
            raise _unavailable(f'no service port {port} found for service "{pods.name(svc)}"')
        name = str(match.get("name") or "")
    entry = next((p for p in ports if str(p.get("name") or "") == name), None)
    if entry is None:
        raise _unavailable(f'no endpoints available for service "{raw_id}"')
    try:
        backend = net.pick_backend(svc, entry)
    except ConnectError:
        raise _unavailable(f'no endpoints available for service "{raw_id}"') from None
    return backend.ip, backend.port


def _pod_backend(pod: Obj, port: str) -> tuple[str, int]:
    ip = pods.pod_ip(pod)
    if not ip:
        raise errors.bad_request("address not allowed")
    if not port:
        for c in pods.containers(pod):
            declared = [p for p in c.get("ports") or [] if isinstance(p, Mapping)]
            if declared:
                port = str(declared[0].get("containerPort"))
                break
    if not port:
        return ip, 80
    if not port.isdigit():
        raise _unavailable(
            f"error trying to reach service: dial tcp: address {ip}:{port}: unknown port"
        )
    return ip, int(port)


async def handle_proxy(
    request: web.Request, store: Any, obj: Obj, resource: str, raw_id: str, path: str
) -> web.StreamResponse:
    """Entry point CORE's server routes `{pods,services}/{id}/proxy{path}` to."""
    parsed = split_scheme_name_port(raw_id)
    if parsed is None:
        raise errors.bad_request(f'invalid {resource[:-1]} request "{raw_id}"')
    _scheme, _name, port = parsed
    ensure_runner(store)
    view = StoreView(store)
    runtime = runtime_for(store)
    net = ClusterNetwork(view.snapshot(), runtime, client_ip=_source_ip(view))
    if resource == "services":
        ip, target_port = _service_backend(net, obj, raw_id, port)
    else:
        ip, target_port = _pod_backend(obj, port)
    body = await request.read()
    query = request.query_string
    headers = {
        k: v for k, v in request.headers.items() if k.lower() not in ("authorization", "host")
    }
    req = HttpRequest(
        request.method,
        path + (f"?{query}" if query else ""),
        f"{ip}:{target_port}",
        headers,
        body.decode("utf-8", errors="replace"),
        client_ip=net.client_ip,
    )
    pod = net.pod_by_ip(ip)
    answer = (
        servers.serve(runtime, pod, target_port, req)
        if pod is not None and pods.is_running(pod)
        else None
    )
    if answer is None:
        raise _unavailable(
            f"error trying to reach service: dial tcp {ip}:{target_port}: connect: "
            "connection refused"
        )
    out = web.Response(
        status=answer.status,
        reason=answer.reason or None,
        body=b"" if request.method == "HEAD" else answer.body.encode(),
    )
    for key, value in answer.headers:
        if key.lower() not in HOP_BY_HOP:
            out.headers.add(key, value)
    return out
