"""The pod's network as busybox shows it: `ip addr`/`ip route`, `ifconfig`, and `nc` (port
checks with `-z`, or a raw HTTP exchange piped through it)."""

from __future__ import annotations

import ipaddress

from kubelab.sim.dataplane.commands.common import UsageError, split_flags
from kubelab.sim.dataplane.netmodel import ConnectError, HttpRequest
from kubelab.sim.dataplane.process import Invocation

ETH0_FLAGS = "<BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN>"


def _mac(ip: str) -> str:
    """kindnet's veth MACs look random; derive a stable one from the IP."""
    octets = [int(x) for x in ip.split(".")] if ip else [0, 0, 0, 0]
    raw = [0x6A, 0x3F ^ octets[1], octets[2], octets[3], 0x1C, 0x2D]
    return ":".join(f"{b:02x}" for b in raw)


def _subnet(ip: str) -> tuple[str, str]:
    """(gateway, broadcast) of the pod's /24 (the node's pod CIDR)."""
    net = ipaddress.ip_network(f"{ip}/24", strict=False)
    return str(net.network_address + 1), str(net.broadcast_address)


async def ip(inv: Invocation) -> int:
    args = [a for a in inv.args if not a.startswith("-")]
    obj = args[0] if args else ""
    pod_ip = inv.container.pod_ip
    gateway, broadcast = _subnet(pod_ip) if pod_ip else ("", "")
    if obj in ("a", "addr", "address"):
        await inv.out(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "    inet 127.0.0.1/8 scope host lo\n"
            "       valid_lft forever preferred_lft forever\n"
            f"2: eth0@if7: {ETH0_FLAGS} mtu 1500 qdisc noqueue qlen 1000\n"
            f"    link/ether {_mac(pod_ip)} brd ff:ff:ff:ff:ff:ff\n"
            f"    inet {pod_ip}/24 brd {broadcast} scope global eth0\n"
            "       valid_lft forever preferred_lft forever\n"
        )
        return 0
    if obj in ("r", "ro", "route"):
        await inv.out(
            f"default via {gateway} dev eth0 \n{gateway} dev eth0 scope link  src {pod_ip} \n"
        )
        return 0
    if obj in ("l", "link"):
        await inv.out(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            f"2: eth0@if7: {ETH0_FLAGS} mtu 1500 qdisc noqueue qlen 1000\n"
            f"    link/ether {_mac(pod_ip)} brd ff:ff:ff:ff:ff:ff\n"
        )
        return 0
    await inv.err(
        "Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]\n"
        if not obj
        else f"ip: unknown command or object '{obj}' in the simulated cluster\n"
    )
    return 1


async def ifconfig(inv: Invocation) -> int:
    pod_ip = inv.container.pod_ip
    _, broadcast = _subnet(pod_ip) if pod_ip else ("", "")
    await inv.out(
        f"eth0      Link encap:Ethernet  HWaddr {_mac(pod_ip).upper()}  \n"
        f"          inet addr:{pod_ip}  Bcast:{broadcast}  Mask:255.255.255.0\n"
        "          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n"
        "          RX packets:14 errors:0 dropped:0 overruns:0 frame:0\n"
        "          TX packets:9 errors:0 dropped:0 overruns:0 carrier:0\n"
        "          collisions:0 txqueuelen:0 \n"
        "          RX bytes:1148 (1.1 KiB)  TX bytes:682 (682.0 B)\n"
        "\n"
        "lo        Link encap:Local Loopback  \n"
        "          inet addr:127.0.0.1  Mask:255.0.0.0\n"
        "          UP LOOPBACK RUNNING  MTU:65536  Metric:1\n"
        "          RX packets:0 errors:0 dropped:0 overruns:0 frame:0\n"
        "          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0\n"
        "          collisions:0 txqueuelen:1000 \n"
        "          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)\n"
        "\n"
    )
    return 0


def _parse_request(text: str, host: str) -> HttpRequest | None:
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    parts = lines[0].split()
    if len(parts) < 2 or not parts[0].isupper():
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip()] = value.strip()
    return HttpRequest(parts[0], parts[1], headers.get("Host", host), headers, body)


async def nc(inv: Invocation) -> int:
    try:
        flags, rest = split_flags(inv.args, with_value="wWpsq")
    except UsageError as exc:
        return await inv.fail(exc.message)
    if len(rest) < 2 or not rest[1].isdigit():
        await inv.err("Usage: nc [OPTIONS] HOST PORT  - connect\n")
        return 1
    host, port = rest[0], int(rest[1])
    net = inv.container.network
    addresses = net.getaddrinfo(host)
    if not addresses:
        return await inv.fail(f"bad address '{host}'")
    addr = addresses[0]
    where = f"{host} ({addr}:{port})"
    if "z" in flags:
        try:
            net.connect(addr, port)
        except ConnectError as exc:
            if "v" in flags:
                reason = {"refused": "Connection refused", "timeout": "Connection timed out"}.get(
                    exc.kind, "No route to host"
                )
                await inv.err(f"nc: {where}: {reason}\n")
            return 1
        if "v" in flags:
            await inv.err(f"{where} open\n")
        return 0
    payload = await inv.stdin.read_all()
    request = _parse_request(payload, host)
    try:
        if request is None:
            net.connect(addr, port)
            return 0
        resp = await net.request(addr, port, request)
    except ConnectError as exc:
        reason = {"refused": "Connection refused", "timeout": "Connection timed out"}.get(
            exc.kind, "No route to host"
        )
        return await inv.fail(f"can't connect to remote host ({addr}): {reason}")
    head = f"HTTP/1.1 {resp.status} {resp.reason}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in resp.headers) + "\r\n"
    await inv.out(head + ("" if request.method == "HEAD" else resp.body))
    return 0
