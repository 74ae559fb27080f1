"""The cluster network over API objects: CoreDNS answers and kube-proxy routing.

DNS follows the Kubernetes DNS specification (`<svc>.<ns>.svc.cluster.local` -> clusterIP;
headless -> one A per ready endpoint, NXDOMAIN when none; ExternalName -> CNAME; endpoint
hostnames; `a-b-c-d.<ns>.pod.cluster.local`; PTR for Service and endpoint IPs). Names outside
the cluster domain do not resolve: the simulated cluster has no Internet.

Routing follows kube-proxy: a Service's clusterIP, LoadBalancer ingress IP, external IPs and
every node's IP + nodePort lead to a ready endpoint of the Service (round robin, or the same
one per client with `sessionAffinity: ClientIP`); a Service without ready endpoints rejects
(connection refused); a port the address does not serve times out.
"""

from __future__ import annotations

import ipaddress
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kubelab.sim.dataplane import pods, servers
from kubelab.sim.dataplane.container import CLUSTER_DNS, CLUSTER_DOMAIN, ResolvConf
from kubelab.sim.dataplane.netmodel import (
    NOERROR,
    NXDOMAIN,
    ConnectError,
    DnsAnswer,
    DnsRecord,
    HttpRequest,
    HttpResponse,
)
from kubelab.sim.dataplane.runtime import DataplaneRuntime

Obj = Mapping[str, Any]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


# CNAME chains CoreDNS follows inside the zone before it answers with what it has.
MAX_CNAME_DEPTH = 7


class ClusterView(Protocol):
    """Read access to the API objects the data plane needs."""

    def services(self) -> list[Obj]: ...

    def endpoint_slices(self) -> list[Obj]: ...

    def pods(self) -> list[Obj]: ...

    def nodes(self) -> list[Obj]: ...

    def namespaces(self) -> list[str]: ...


@dataclass
class StaticView:
    """A fixed set of objects (tests, and one consistent snapshot per request)."""

    service_list: list[Obj]
    slice_list: list[Obj]
    pod_list: list[Obj]
    node_list: list[Obj]
    namespace_list: list[str] | None = None

    def services(self) -> list[Obj]:
        return self.service_list

    def endpoint_slices(self) -> list[Obj]:
        return self.slice_list

    def pods(self) -> list[Obj]:
        return self.pod_list

    def nodes(self) -> list[Obj]:
        return self.node_list

    def namespaces(self) -> list[str]:
        if self.namespace_list is not None:
            return self.namespace_list
        return sorted({pods.namespace(o) for o in [*self.service_list, *self.pod_list]})


@dataclass(frozen=True)
class Backend:
    ip: str
    port: int
    node: str = ""


def _spec(obj: Obj) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def cluster_ips(svc: Obj) -> list[str]:
    spec = _spec(svc)
    ips = [str(ip) for ip in spec.get("clusterIPs") or [] if ip and ip != "None"]
    if not ips and spec.get("clusterIP") and spec.get("clusterIP") != "None":
        ips = [str(spec["clusterIP"])]
    return ips


def is_headless(svc: Obj) -> bool:
    return _spec(svc).get("clusterIP") == "None"


def ingress_ips(svc: Obj) -> list[str]:
    lb = (svc.get("status") or {}).get("loadBalancer") or {}
    return [str(i["ip"]) for i in lb.get("ingress") or [] if isinstance(i, Mapping) and i.get("ip")]


def dashed(ip: str) -> str:
    return ip.replace(".", "-").replace(":", "-")


class ClusterNetwork:
    """`Network` for one client (a pod, or the host for NodePort/LoadBalancer traffic)."""

    def __init__(
        self,
        view: ClusterView,
        runtime: DataplaneRuntime,
        *,
        client_ip: str = "",
        resolv: ResolvConf | None = None,
        hosts: dict[str, str] | None = None,
        own_pod: Obj | None = None,
    ) -> None:
        self.view = view
        self.runtime = runtime
        self.client_ip = client_ip
        self.resolv = resolv
        self.hosts = {"localhost": "127.0.0.1", **(hosts or {})}
        self.own_pod = own_pod

    # -- lookups ---------------------------------------------------------------------------
    def _service(self, ns: str, name: str) -> Obj | None:
        for svc in self.view.services():
            if pods.namespace(svc) == ns and pods.name(svc) == name:
                return svc
        return None

    def _slices(self, svc: Obj) -> list[Obj]:
        ns, name = pods.namespace(svc), pods.name(svc)
        return [
            s
            for s in self.view.endpoint_slices()
            if pods.namespace(s) == ns
            and (pods.meta(s).get("labels") or {}).get(SERVICE_NAME_LABEL) == name
        ]

    def ready_endpoints(self, svc: Obj) -> list[tuple[Mapping[str, Any], Obj]]:
        """(endpoint, slice) for every ready endpoint of the Service, deduplicated by IP."""
        seen: set[str] = set()
        out: list[tuple[Mapping[str, Any], Obj]] = []
        for sl in self._slices(svc):
            for ep in sl.get("endpoints") or []:
                if not isinstance(ep, Mapping):
                    continue
                if (ep.get("conditions") or {}).get("ready") is False:
                    continue
                addrs = [str(a) for a in ep.get("addresses") or []]
                if not addrs or addrs[0] in seen:
                    continue
                seen.add(addrs[0])
                out.append((ep, sl))
        return out

    def _backends(self, svc: Obj, port: Mapping[str, Any]) -> list[Backend]:
        name = str(port.get("name") or "")
        protocol = str(port.get("protocol") or "TCP")
        out: list[Backend] = []
        for ep, sl in self.ready_endpoints(svc):
            for sp in sl.get("ports") or []:
                if (
                    str(sp.get("name") or "") == name
                    and str(sp.get("protocol") or "TCP") == protocol
                    and sp.get("port") is not None
                ):
                    node = str(ep.get("nodeName") or "")
                    out.append(Backend(str(ep["addresses"][0]), int(sp["port"]), node))
                    break
        return out

    # -- DNS -------------------------------------------------------------------------------
    def query(self, name: str, qtype: str, depth: int = 0) -> DnsAnswer:
        """CoreDNS's answer; `depth` counts the in-zone CNAMEs followed to get here."""
        qname = name.lower().rstrip(".")
        if qtype == "PTR":
            return self._ptr_query(qname)
        suffix = "." + CLUSTER_DOMAIN
        if qname in (CLUSTER_DOMAIN, "svc" + suffix, "pod" + suffix):
            return DnsAnswer(NOERROR)
        if not qname.endswith(suffix):
            return DnsAnswer(NXDOMAIN)
        labels = qname[: -len(suffix)].split(".")
        namespaces = set(self.view.namespaces())
        if len(labels) == 3 and labels[2] == "pod":
            ip = labels[0].replace("-", ".")
            if labels[1] in namespaces and _is_ipv4(ip):
                return self._a(qname, [ip], qtype)
            return DnsAnswer(NXDOMAIN)
        if len(labels) < 2 or labels[-1] != "svc":
            return DnsAnswer(NXDOMAIN)
        labels = labels[:-1]
        if len(labels) == 1:
            return DnsAnswer(NOERROR) if labels[0] in namespaces else DnsAnswer(NXDOMAIN)
        if len(labels) == 2:
            svc = self._service(labels[1], labels[0])
            if svc is None:
                return DnsAnswer(NXDOMAIN)
            spec = _spec(svc)
            if spec.get("type") == "ExternalName":
                target = str(spec.get("externalName") or "").rstrip(".")
                return self._cname(qname, target, qtype, depth)
            if is_headless(svc):
                ips = [str(ep["addresses"][0]) for ep, _ in self.ready_endpoints(svc)]
                if not ips:
                    return DnsAnswer(NXDOMAIN)
                return self._a(qname, ips, qtype)
            return self._a(qname, cluster_ips(svc), qtype)
        if len(labels) == 4 and labels[0].startswith("_") and labels[1].startswith("_"):
            return self._srv(qname, labels, qtype)
        if len(labels) == 3:
            svc = self._service(labels[2], labels[1])
            if svc is None:
                return DnsAnswer(NXDOMAIN)
            for ep, _ in self.ready_endpoints(svc):
                ip = str(ep["addresses"][0])
                if labels[0] in (str(ep.get("hostname") or ""), dashed(ip)):
                    return self._a(qname, [ip], qtype)
        return DnsAnswer(NXDOMAIN)

    def _cname(self, qname: str, target: str, qtype: str, depth: int) -> DnsAnswer:
        """An ExternalName's CNAME; a target in the cluster zone is followed and its records
        added to the answer, as CoreDNS's backend lookup does (plugin/backend_lookup.go, A:
        `case dns.TypeCNAME` looks the target up in the zone; loops and errors keep the
        CNAME alone)."""
        records = [DnsRecord(qname, "CNAME", target)]
        in_zone = target.lower().endswith("." + CLUSTER_DOMAIN)
        if in_zone and target.lower() != qname and depth < MAX_CNAME_DEPTH:
            followed = self.query(target, qtype, depth + 1)
            if followed.rcode == NOERROR:
                records.extend(followed.records)
        return DnsAnswer(NOERROR, tuple(records))

    def _srv(self, qname: str, labels: list[str], qtype: str) -> DnsAnswer:
        """`_<port>._<proto>.<svc>.<ns>.svc.cluster.local`: one SRV per named port (per ready
        endpoint of a headless Service)."""
        svc = self._service(labels[3], labels[2])
        if svc is None:
            return DnsAnswer(NXDOMAIN)
        port_name, proto = labels[0][1:], labels[1][1:].upper()
        port = next(
            (
                p
                for p in _spec(svc).get("ports") or []
                if str(p.get("name") or "") == port_name
                and str(p.get("protocol") or "TCP") == proto
            ),
            None,
        )
        if port is None:
            return DnsAnswer(NXDOMAIN)
        if qtype not in ("SRV", "ANY"):
            return DnsAnswer(NOERROR)
        base = f"{pods.name(svc)}.{pods.namespace(svc)}.svc.{CLUSTER_DOMAIN}"
        if not is_headless(svc):
            return DnsAnswer(NOERROR, (DnsRecord(qname, "SRV", f"0 100 {port['port']} {base}"),))
        endpoints = self.ready_endpoints(svc)
        weight = 100 // max(len(endpoints), 1)
        records = []
        for ep, _ in endpoints:
            host = str(ep.get("hostname") or dashed(str(ep["addresses"][0])))
            target = f"{host}.{base}"
            records.append(DnsRecord(qname, "SRV", f"0 {weight} {port['port']} {target}"))
        return DnsAnswer(NOERROR, tuple(records))

    @staticmethod
    def _a(qname: str, ips: list[str], qtype: str) -> DnsAnswer:
        if qtype not in ("A", "ANY"):
            return DnsAnswer(NOERROR)
        return DnsAnswer(NOERROR, tuple(DnsRecord(qname, "A", ip) for ip in ips if _is_ipv4(ip)))

    def _ptr_query(self, qname: str) -> DnsAnswer:
        if not qname.endswith(".in-addr.arpa"):
            return DnsAnswer(NXDOMAIN)
        octets = qname[: -len(".in-addr.arpa")].split(".")
        if len(octets) != 4:
            return DnsAnswer(NXDOMAIN)
        target = self.reverse(".".join(reversed(octets)))
        if target is None:
            return DnsAnswer(NXDOMAIN)
        return DnsAnswer(NOERROR, (DnsRecord(qname, "PTR", target),))

    def reverse(self, ip: str) -> str | None:
        if ip == CLUSTER_DNS and self._service("kube-system", "kube-dns") is None:
            return f"kube-dns.kube-system.svc.{CLUSTER_DOMAIN}"
        for svc in self.view.services():
            if ip in cluster_ips(svc):
                return f"{pods.name(svc)}.{pods.namespace(svc)}.svc.{CLUSTER_DOMAIN}"
        for svc in self.view.services():
            for ep, _ in self.ready_endpoints(svc):
                if str(ep["addresses"][0]) == ip:
                    host = str(ep.get("hostname") or dashed(ip))
                    return f"{host}.{pods.name(svc)}.{pods.namespace(svc)}.svc.{CLUSTER_DOMAIN}"
        return None

    def getaddrinfo(self, host: str) -> list[str]:
        """musl/glibc resolution: literal IPs, /etc/hosts, then the search list with ndots."""
        host = host.lower()
        if _is_ipv4(host):
            return [host]
        if host in self.hosts:
            return [self.hosts[host]]
        resolv = self.resolv
        absolute = host.endswith(".")
        bare = host.rstrip(".")
        candidates: list[str] = []
        if absolute or resolv is None:
            candidates = [bare]
        else:
            searched = [f"{bare}.{d}" for d in resolv.search]
            candidates = [bare, *searched] if bare.count(".") >= resolv.ndots else [*searched, bare]
        for name in candidates:
            ips = self._resolve_a(name, depth=0)
            if ips:
                return ips
        return []

    def _resolve_a(self, name: str, depth: int) -> list[str]:
        answer = self.query(name, "A")
        if answer.rcode != NOERROR:
            return []
        ips = [r.value for r in answer.records if r.type == "A"]
        if ips:
            return ips
        cname = next((r.value for r in answer.records if r.type == "CNAME"), None)
        if cname and depth < 8:
            return self._resolve_a(cname, depth + 1)
        return []

    # -- routing ---------------------------------------------------------------------------
    def route(self, ip: str, port: int) -> Backend:
        """Where a TCP connection to ip:port ends up; raises `ConnectError`."""
        for svc in self.view.services():
            spec = _spec(svc)
            if spec.get("type") == "ExternalName":
                continue
            vips = (
                cluster_ips(svc)
                + ingress_ips(svc)
                + [str(x) for x in spec.get("externalIPs") or []]
            )
            if ip not in vips:
                continue
            for p in spec.get("ports") or []:
                if int(p.get("port") or 0) == port and str(p.get("protocol") or "TCP") == "TCP":
                    local = spec.get("internalTrafficPolicy") == "Local" and ip in cluster_ips(svc)
                    return self.pick_backend(svc, p, self._client_node() if local else None)
            if ip in ingress_ips(svc):
                raise ConnectError("refused")
            raise ConnectError("timeout")
        for node in self.view.nodes():
            addresses = [
                str(a.get("address")) for a in (node.get("status") or {}).get("addresses") or []
            ]
            if ip not in addresses:
                continue
            for svc in self.view.services():
                spec = _spec(svc)
                if spec.get("type") not in ("NodePort", "LoadBalancer"):
                    continue
                for p in spec.get("ports") or []:
                    if (
                        int(p.get("nodePort") or 0) == port
                        and str(p.get("protocol") or "TCP") == "TCP"
                    ):
                        local = spec.get("externalTrafficPolicy") == "Local"
                        return self.pick_backend(svc, p, pods.name(node) if local else None)
            raise ConnectError("refused")
        if ip.startswith("127.") and self.own_pod is not None:
            return Backend(pods.pod_ip(self.own_pod) or ip, port)
        return Backend(ip, port)

    def _client_node(self) -> str:
        return str(((self.own_pod or {}).get("spec") or {}).get("nodeName") or "")

    def pick_backend(self, svc: Obj, port: Mapping[str, Any], node: str | None = None) -> Backend:
        """A ready endpoint for this Service port (ConnectError "refused" if none). With `node`
        (a Local traffic policy) only that node's endpoints count, and none means the packet
        is dropped (a timeout), as kube-proxy does."""
        backends = self._backends(svc, port)
        if not backends:
            raise ConnectError("refused")
        if node is not None and any(b.node for b in backends):
            backends = [b for b in backends if b.node == node]
            if not backends:
                raise ConnectError("timeout")
        if _spec(svc).get("sessionAffinity") == "ClientIP" and self.client_ip:
            return backends[zlib.crc32(self.client_ip.encode()) % len(backends)]
        key = f"{pods.uid(svc)}/{port.get('port')}"
        return backends[self.runtime.next_index(key, len(backends))]

    def pod_by_ip(self, ip: str) -> Obj | None:
        if self.own_pod is not None and pods.pod_ip(self.own_pod) == ip:
            return self.own_pod
        for pod in self.view.pods():
            if pods.pod_ip(pod) == ip and not (pod.get("spec") or {}).get("hostNetwork"):
                return pod
        return None

    def pingable(self, ip: str) -> bool:
        if ip.startswith("127."):
            return True
        pod = self.pod_by_ip(ip)
        if pod is not None:
            return pods.is_running(pod)
        return any(
            ip in [str(a.get("address")) for a in (n.get("status") or {}).get("addresses") or []]
            for n in self.view.nodes()
        )

    def connect(self, ip: str, port: int) -> None:
        backend = self.route(ip, port)
        pod = self.pod_by_ip(backend.ip)
        if pod is None:
            raise ConnectError("timeout")
        if not pods.is_running(pod) or backend.port not in servers.pod_listeners(pod):
            raise ConnectError("refused")

    async def request(self, ip: str, port: int, request: HttpRequest) -> HttpResponse:
        backend = self.route(ip, port)
        pod = self.pod_by_ip(backend.ip)
        if pod is None:
            raise ConnectError("timeout")
        if not pods.is_running(pod):
            raise ConnectError("refused" if pods.pod_ip(pod) else "timeout")
        request.client_ip = request.client_ip or self.client_ip
        response = servers.serve(self.runtime, pod, backend.port, request)
        if response is None:
            raise ConnectError("refused")
        return response


def _is_ipv4(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv4Address)
    except ValueError:
        return False
