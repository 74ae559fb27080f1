"""`nslookup`, in the two output formats busybox has had.

busybox <= 1.28 resolves through libc (search path and ndots apply) and prints
`Server:    IP` / `Address 1: IP name`; busybox >= 1.29 sends its own A and AAAA queries,
expands only dotless names over the search domains, prints one block per answer and sets
exit status 1 when any query got NXDOMAIN (networking/nslookup.c).
"""

from __future__ import annotations

import ipaddress

from kubelab.sim.dataplane.netmodel import NXDOMAIN
from kubelab.sim.dataplane.process import Invocation

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}


def ptr_name(ip: str) -> str | None:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    return addr.reverse_pointer


async def nslookup(inv: Invocation) -> int:
    args = [a for a in inv.args if not a.startswith("-")]
    qtype_opt = next(
        (
            a.split("=", 1)[1].upper()
            for a in inv.args
            if a.startswith(("-type=", "-query=", "-q="))
        ),
        None,
    )
    if not args:
        await inv.err(
            "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\n"
            "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\n"
            "Query DNS about HOST\n\n"
            "QUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any\n"
        )
        return 1
    name = args[0]
    server = (
        args[1]
        if len(args) > 1
        else (inv.container.resolv.nameserver if inv.container.resolv else "10.96.0.10")
    )
    if inv.container.image.busybox_version <= (1, 28):
        return await _nslookup_old(inv, name, server)
    return await _nslookup_new(inv, name, server, qtype_opt)


async def _nslookup_old(inv: Invocation, name: str, server: str) -> int:
    net = inv.container.network

    def host_block(header: str, host: str, addresses: list[str]) -> str:
        lines = [f"{header:<10} {host}"]
        for i, ip in enumerate(addresses, 1):
            rev = net.reverse(ip)
            lines.append(f"Address {i}: {ip}" + (f" {rev}" if rev else ""))
        return "\n".join(lines) + "\n"

    await inv.out(host_block("Server:", server, [server]) + "\n")
    addresses = net.getaddrinfo(name)
    if not addresses:
        await inv.err(f"nslookup: can't resolve '{name}'\n")
        return 1
    await inv.out(host_block("Name:", name, addresses))
    return 0


async def _nslookup_new(inv: Invocation, name: str, server: str, qtype: str | None) -> int:
    net = inv.container.network
    resolv = inv.container.resolv
    queries: list[tuple[str, str]] = []
    ptr = ptr_name(name)
    if qtype:
        queries.append((qtype, name))
    elif ptr:
        queries.append(("PTR", ptr))
    else:
        names = [name]
        if "." not in name and resolv is not None and resolv.search:
            names = [f"{name}.{d}" for d in resolv.search]
        queries.extend(("A", n) for n in names)
        queries.extend(("AAAA", n) for n in names)
    out = [f"Server:\t\t{server}\n", f"Address:\t{server}:53\n", "\n"]
    status = 0
    for qt, qname in queries:
        answer = net.query(qname, qt)
        if answer.rcode != 0:
            out.append(
                f"** server can't find {qname}: {RCODES.get(answer.rcode, str(answer.rcode))}\n"
            )
            status = 1 if answer.rcode == NXDOMAIN or answer.rcode else status
        else:
            shown = 0
            for rec in answer.records:
                if rec.type == "A" and qt in ("A", "ANY"):
                    out.append(f"Name:\t{rec.name}\nAddress: {rec.value}\n")
                elif rec.type == "CNAME":
                    out.append(f"{rec.name}\tcanonical name = {rec.value}\n")
                elif rec.type == "PTR":
                    out.append(f"{rec.name}\tname = {rec.value}\n")
                elif rec.type == "SRV" and qt in ("SRV", "ANY"):
                    out.append(f"{rec.name}\tservice = {rec.value}\n")
                else:
                    continue
                shown += 1
            if not shown:
                out.append(f"*** Can't find {qname}: No answer\n")
        out.append("\n")
    await inv.out("".join(out))
    return status
