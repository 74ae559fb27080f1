"""What commands inside a pod see of the network: DNS answers, HTTP exchanges, connect errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

NOERROR = 0
NXDOMAIN = 3


@dataclass(frozen=True)
class DnsRecord:
    name: str
    type: str  # "A", "CNAME", "PTR"
    value: str


@dataclass(frozen=True)
class DnsAnswer:
    rcode: int
    records: tuple[DnsRecord, ...] = ()


@dataclass
class HttpRequest:
    method: str = "GET"
    path: str = "/"
    host: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    client_ip: str = ""
    client_port: int = 0


@dataclass
class HttpResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class ConnectError(Exception):
    """A TCP connect that failed: `kind` is "refused", "timeout" or "unreachable"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Network(Protocol):
    """The cluster network as seen from one pod."""

    def query(self, name: str, qtype: str) -> DnsAnswer:
        """One DNS query to the cluster DNS (kube-dns) for a name taken as fully qualified."""
        ...

    def getaddrinfo(self, host: str) -> list[str]:
        """libc-style resolution (search path, ndots, /etc/hosts); [] if the name is unknown."""
        ...

    def reverse(self, ip: str) -> str | None:
        """The PTR name of an address, if the cluster DNS has one."""
        ...

    def pingable(self, ip: str) -> bool:
        """Whether ICMP echo to this address is answered (pods and nodes, not Service VIPs)."""
        ...

    def connect(self, ip: str, port: int) -> None:
        """A TCP connection to ip:port succeeds, or raises `ConnectError`."""
        ...

    async def request(self, ip: str, port: int, request: HttpRequest) -> HttpResponse:
        """One HTTP exchange with ip:port; raises `ConnectError`."""
        ...
