"""In-cluster DNS (nslookup in both busybox formats, resolver search/ndots) and HTTP (wget,
curl) over Services, endpoints, node ports and LoadBalancer IPs."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kubelab.sim.dataplane.commands import webclients
from kubelab.sim.dataplane.container import NGINX_INDEX

NEW_HEADER = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"


async def test_nslookup_busybox_137_searches_dotless_names(world: Any) -> None:
    result = await world.run(["nslookup", "my-nginx"])
    assert result.stdout == (
        NEW_HEADER
        + "Name:\tmy-nginx.default.svc.cluster.local\nAddress: 10.96.162.149\n\n"
        + "** server can't find my-nginx.svc.cluster.local: NXDOMAIN\n\n"
        + "** server can't find my-nginx.cluster.local: NXDOMAIN\n\n"
        + "*** Can't find my-nginx.default.svc.cluster.local: No answer\n\n"
        + "** server can't find my-nginx.svc.cluster.local: NXDOMAIN\n\n"
        + "** server can't find my-nginx.cluster.local: NXDOMAIN\n\n"
    )
    assert result.status == 1  # busybox sets 1 once any query got NXDOMAIN


async def test_nslookup_busybox_137_dotted_names_are_not_searched(world: Any) -> None:
    result = await world.run(["nslookup", "my-nginx.default"])
    assert result.stdout == (NEW_HEADER + "** server can't find my-nginx.default: NXDOMAIN\n\n" * 2)
    fqdn = await world.run(["nslookup", "my-nginx.default.svc.cluster.local"])
    assert "Name:\tmy-nginx.default.svc.cluster.local\nAddress: 10.96.162.149\n" in fqdn.stdout


async def test_nslookup_busybox_128_format(world: Any) -> None:
    result = await world.run(["nslookup", "my-nginx"], pod="old")
    assert result.status == 0
    assert result.stdout == (
        "Server:    10.96.0.10\n"
        "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
        "Name:      my-nginx\n"
        "Address 1: 10.96.162.149 my-nginx.default.svc.cluster.local\n"
    )
    missing = await world.run(["nslookup", "nosuch"], pod="old")
    assert missing.status == 1
    assert missing.stderr == "nslookup: can't resolve 'nosuch'\n"
    assert missing.stdout.startswith("Server:    10.96.0.10\n")


async def test_nslookup_headless_lists_ready_endpoints(world: Any) -> None:
    result = await world.run(["nslookup", "headless.default.svc.cluster.local"])
    answers = re.findall(r"Address: (\S+)", result.stdout)
    assert answers == ["10.244.1.2", "10.244.2.3"]  # the not-ready 10.244.9.9 is left out
    old = await world.run(["nslookup", "headless"], pod="old")
    assert "Address 1: 10.244.1.2 " in old.stdout and "Address 2: 10.244.2.3 " in old.stdout


async def test_nslookup_external_name_is_a_cname(world: Any) -> None:
    result = await world.run(["nslookup", "ext.default.svc.cluster.local"])
    assert (
        "ext.default.svc.cluster.local\tcanonical name = my.database.example.com\n" in result.stdout
    )


async def test_nslookup_nxdomain(world: Any) -> None:
    result = await world.run(["nslookup", "nosuch.default.svc.cluster.local"])
    assert "** server can't find nosuch.default.svc.cluster.local: NXDOMAIN" in result.stdout
    assert result.status == 1


async def test_nslookup_ptr(world: Any) -> None:
    result = await world.run(["nslookup", "10.96.162.149"])
    assert (
        "149.162.96.10.in-addr.arpa\tname = my-nginx.default.svc.cluster.local\n" in result.stdout
    )


async def test_resolver_search_and_ndots(world: Any) -> None:
    net = world.context("client").network
    assert net.getaddrinfo("my-nginx") == ["10.96.162.149"]
    assert net.getaddrinfo("my-nginx.default") == ["10.96.162.149"]
    assert net.getaddrinfo("kube-dns.kube-system") == ["10.96.0.10"]
    assert net.getaddrinfo("my-nginx.default.svc.cluster.local.") == ["10.96.162.149"]
    assert net.getaddrinfo("10-244-1-2.default.pod.cluster.local") == ["10.244.1.2"]
    assert net.getaddrinfo("localhost") == ["127.0.0.1"]
    assert net.getaddrinfo("client") == ["10.244.1.50"]
    assert net.getaddrinfo("example.com") == []


async def test_resolv_conf_and_hosts(world: Any) -> None:
    result = await world.sh("cat /etc/resolv.conf; grep client /etc/hosts")
    assert result.stdout == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\noptions ndots:5\n10.244.1.50\tclient\n"
    )


@pytest.mark.parametrize(
    "target",
    [
        "my-nginx",
        "my-nginx.default.svc.cluster.local",
        "10.96.162.149",
        "172.18.0.3:30080",
        "172.18.0.2:30080",
        "172.18.255.200",
        "10.244.1.2",
        "http://my-nginx:80/",
    ],
)
async def test_wget_reaches_nginx_every_way(world: Any, target: str) -> None:
    result = await world.run(["wget", "-qO-", target])
    assert (result.status, result.stderr) == (0, "")
    assert result.stdout == NGINX_INDEX
    assert len(result.stdout.encode()) == 615


async def test_requests_spread_over_endpoints(world: Any) -> None:
    result = await world.sh("for i in $(seq 1 6); do wget -qO- hostnames; echo; done")
    names = result.stdout.split()
    assert sorted(set(names)) == [f"hostnames-xyz-{i}" for i in range(3)]
    assert len(names) == 6


async def test_session_affinity_client_ip_sticks(world: Any) -> None:
    world.services[2]["spec"]["sessionAffinity"] = "ClientIP"
    result = await world.sh("for i in 1 2 3 4; do wget -qO- hostnames; echo; done")
    assert len(set(result.stdout.split())) == 1


async def test_wget_messages(world: Any) -> None:
    bad = await world.run(["wget", "-qO-", "nosuch"])
    assert (bad.status, bad.stderr) == (1, "wget: bad address 'nosuch'\n")
    refused = await world.run(["wget", "-qO-", "empty"])
    assert refused.stderr == "wget: can't connect to remote host (10.96.7.7): Connection refused\n"
    missing = await world.run(["wget", "-qO-", "my-nginx/nope"])
    assert missing.stderr == "wget: server returned error: HTTP/1.1 404 Not Found\n"
    loud = await world.run(["wget", "-O-", "my-nginx"])
    assert loud.stderr.startswith("Connecting to my-nginx (10.96.162.149:80)\nwriting to stdout\n")
    saved = await world.sh("wget my-nginx 2>/dev/null && wc -c index.html")
    assert saved.stdout == "615 index.html\n"


async def test_curl_messages_and_exit_codes(world: Any) -> None:
    unresolved = await world.run(["curl", "-s", "nosuch"], pod="curler")
    assert (unresolved.status, unresolved.stderr) == (6, "")
    shown = await world.run(["curl", "-sS", "nosuch"], pod="curler")
    assert shown.stderr == "curl: (6) Could not resolve host: nosuch\n"
    refused = await world.run(["curl", "-sS", "empty"], pod="curler")
    assert refused.status == 7
    assert re.fullmatch(
        r"curl: \(7\) Failed to connect to empty port 80 after \d+ ms: "
        r"Could not connect to server\n",
        refused.stderr,
    )
    code = await world.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "my-nginx/x"], pod="curler"
    )
    assert (code.status, code.stdout) == (0, "404")
    failing = await world.run(["curl", "-sSf", "my-nginx/x"], pod="curler")
    assert (failing.status, failing.stderr) == (
        22,
        "curl: (22) The requested URL returned error: 404\n",
    )


async def test_curl_progress_meter_and_headers(world: Any) -> None:
    plain = await world.run(["curl", "my-nginx"], pod="curler")
    assert plain.stdout == NGINX_INDEX
    assert "% Total    % Received" in plain.stderr and "100   615  100   615" in plain.stderr
    head = await world.run(["curl", "-sI", "my-nginx"], pod="curler")
    assert head.stdout.startswith("HTTP/1.1 200 OK\r\nServer: nginx/")
    assert "Content-Length: 615\r\n" in head.stdout


async def test_other_images_answer(world: Any) -> None:
    echo = await world.run(["curl", "-s", "echo:8080"], pod="curler")
    assert echo.stdout == "hello from echo\n"
    custom = await world.run(["curl", "-s", "10.244.2.21:8080"], pod="curler")
    assert "not in the catalogue" in custom.stdout
    pod_port = await world.run(["wget", "-qO-", "10.244.1.11:9376"])
    assert pod_port.stdout == "hostnames-xyz-1"
    closed = await world.run(["wget", "-qO-", "10.244.1.11:80"])
    assert "Connection refused" in closed.stderr


async def test_nginx_serves_what_is_written_into_its_container(world: Any) -> None:
    await world.sh("echo changed > /usr/share/nginx/html/index.html", pod="my-nginx-abc-1")
    result = await world.run(["wget", "-qO-", "10.244.1.2"])
    assert result.stdout == "changed\n"
    untouched = await world.run(["wget", "-qO-", "10.244.2.3"])
    assert untouched.stdout == NGINX_INDEX


async def test_unreachable_address_times_out(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webclients, "SIMULATED_TIMEOUT", 0.01)
    wrong_port = await world.run(["curl", "-sS", "10.96.5.5:81"], pod="curler")
    assert wrong_port.status == 28
    assert "Timeout was reached" in wrong_port.stderr
    outside = await world.run(["wget", "-qO-", "192.0.2.1"])
    assert outside.stderr == "wget: download timed out\n"


async def test_ping_pod_answers_service_ip_does_not(world: Any) -> None:
    pod = await world.run(["ping", "-c", "1", "10.244.1.2"])
    assert pod.status == 0 and "64 bytes from 10.244.1.2: seq=0" in pod.stdout
    vip = await world.run(["ping", "-c", "1", "my-nginx"])
    assert vip.status == 1
    assert "1 packets transmitted, 0 packets received, 100% packet loss" in vip.stdout


async def test_coredns_health_endpoints(world: Any) -> None:
    world.pods.append(
        {
            "metadata": {"name": "coredns-1", "namespace": "kube-system", "uid": "dns-1"},
            "spec": {
                "containers": [
                    {
                        "name": "coredns",
                        "image": "registry.k8s.io/coredns/coredns:v1.12.1",
                        "args": ["-conf", "/etc/coredns/Corefile"],
                    }
                ]
            },
            "status": {"phase": "Running", "podIP": "10.244.0.2"},
        }
    )
    health = await world.run(["wget", "-qO-", "10.244.0.2:8080/health"])
    assert health.stdout == "OK"
    metrics = await world.run(["wget", "-qO-", "10.244.0.2:9153/metrics"])
    assert "coredns_build_info" in metrics.stdout


async def test_nslookup_srv_for_named_ports(world: Any) -> None:
    result = await world.run(["nslookup", "-type=SRV", "_http._tcp.echo.default.svc.cluster.local"])
    assert (
        "_http._tcp.echo.default.svc.cluster.local\tservice = 0 100 8080 "
        "echo.default.svc.cluster.local\n"
    ) in result.stdout
    missing = await world.run(
        ["nslookup", "-type=SRV", "_nope._tcp.echo.default.svc.cluster.local"]
    )
    assert "NXDOMAIN" in missing.stdout


async def test_ip_ifconfig_and_nc(world: Any) -> None:
    addr = await world.run(["ip", "addr"])
    assert "inet 10.244.1.50/24 brd 10.244.1.255 scope global eth0" in addr.stdout
    route = await world.run(["ip", "route"])
    assert route.stdout.startswith("default via 10.244.1.1 dev eth0")
    ifc = await world.run(["ifconfig"])
    assert "inet addr:10.244.1.50  Bcast:10.244.1.255  Mask:255.255.255.0" in ifc.stdout
    open_port = await world.run(["nc", "-zv", "my-nginx", "80"])
    assert (open_port.status, open_port.stderr) == (0, "my-nginx (10.96.162.149:80) open\n")
    closed = await world.run(["nc", "-zv", "10.244.1.2", "81"])
    assert (closed.status, closed.stderr) == (
        1,
        "nc: 10.244.1.2 (10.244.1.2:81): Connection refused\n",
    )
    raw = await world.sh("printf 'GET / HTTP/1.0\\r\\nHost: my-nginx\\r\\n\\r\\n' | nc my-nginx 80")
    assert raw.stdout.startswith("HTTP/1.1 200 OK\r\nServer: nginx/")
    assert raw.stdout.endswith("</html>\n")


async def test_local_traffic_policies(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webclients, "SIMULATED_TIMEOUT", 0.01)
    nginx_slice = world.slices[0]
    nginx_slice["endpoints"][0]["nodeName"] = "kubelab-worker"  # 10.244.1.2
    nginx_slice["endpoints"][1]["nodeName"] = "kubelab-worker2"  # 10.244.2.3
    world.services[1]["spec"]["externalTrafficPolicy"] = "Local"
    served = await world.run(["wget", "-qO-", "172.18.0.3:30080"])  # kubelab-worker
    assert served.status == 0
    dropped = await world.run(["wget", "-qO-", "172.18.0.2:30080"])  # control plane: no endpoint
    assert dropped.stderr == "wget: download timed out\n"
    world.services[1]["spec"]["internalTrafficPolicy"] = "Local"
    before = len(world.runtime.log_lines("uid-default-my-nginx-abc-1", "my"))
    same_node = await world.sh(
        "for i in 1 2 3 4; do wget -qO- 10.96.162.149 >/dev/null && echo ok; done"
    )
    assert same_node.stdout == "ok\n" * 4
    # the client runs on kubelab-worker: only that node's nginx (10.244.1.2) was asked
    assert len(world.runtime.log_lines("uid-default-my-nginx-abc-1", "my")) == before + 4
    assert world.runtime.log_lines("uid-default-my-nginx-abc-2", "my") == []
