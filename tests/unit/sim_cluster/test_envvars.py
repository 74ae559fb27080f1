"""The kubelet's Service environment variables."""

from __future__ import annotations

from typing import Any

from kubelab.sim.controllers.envvars import container_env, env_name, service_env

Obj = dict[str, Any]


def service(name: str, ns: str, ip: str, ports: list[Obj]) -> Obj:
    return {"metadata": {"name": name, "namespace": ns}, "spec": {"clusterIP": ip, "ports": ports}}


KUBERNETES = service("kubernetes", "default", "10.96.0.1", [{"name": "https", "port": 443}])
NGINX = service("my-nginx", "default", "10.96.162.149", [{"port": 80, "protocol": "TCP"}])


def test_env_name() -> None:
    assert env_name("my-nginx") == "MY_NGINX"


def test_kubernetes_only_before_the_service_exists() -> None:
    env = dict(service_env([KUBERNETES], "default"))
    assert env == {
        "KUBERNETES_SERVICE_HOST": "10.96.0.1",
        "KUBERNETES_SERVICE_PORT": "443",
        "KUBERNETES_SERVICE_PORT_HTTPS": "443",
        "KUBERNETES_PORT": "tcp://10.96.0.1:443",
        "KUBERNETES_PORT_443_TCP": "tcp://10.96.0.1:443",
        "KUBERNETES_PORT_443_TCP_PROTO": "tcp",
        "KUBERNETES_PORT_443_TCP_PORT": "443",
        "KUBERNETES_PORT_443_TCP_ADDR": "10.96.0.1",
    }


def test_same_namespace_services_are_added() -> None:
    env = dict(service_env([KUBERNETES, NGINX], "default"))
    assert env["MY_NGINX_SERVICE_HOST"] == "10.96.162.149"
    assert env["MY_NGINX_SERVICE_PORT"] == "80"
    assert env["MY_NGINX_PORT_80_TCP_ADDR"] == "10.96.162.149"
    assert "MY_NGINX_SERVICE_PORT_HTTP" not in env


def test_other_namespaces_headless_external_name_and_links_disabled() -> None:
    other = service("db", "prod", "10.96.7.7", [{"port": 5432}])
    headless = service("h", "default", "None", [{"port": 80}])
    external = {
        "metadata": {"name": "ext", "namespace": "default"},
        "spec": {"type": "ExternalName"},
    }
    env = dict(service_env([KUBERNETES, NGINX, other, headless, external], "default"))
    assert not any(k.startswith(("DB_", "H_", "EXT_")) for k in env)
    without_links = dict(service_env([KUBERNETES, NGINX], "default", enable_service_links=False))
    assert set(without_links) == {k for k in without_links if k.startswith("KUBERNETES_")}
    assert "KUBERNETES_SERVICE_HOST" in without_links
    in_prod = dict(service_env([KUBERNETES, NGINX, other], "prod"))
    assert "DB_SERVICE_HOST" in in_prod and "MY_NGINX_SERVICE_HOST" not in in_prod


def test_named_ports_and_udp() -> None:
    dns = service(
        "kube-dns",
        "kube-system",
        "10.96.0.10",
        [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53}],
    )
    env = dict(service_env([KUBERNETES, dns], "kube-system"))
    assert env["KUBE_DNS_SERVICE_PORT_DNS"] == "53"
    assert env["KUBE_DNS_SERVICE_PORT_DNS_TCP"] == "53"
    assert env["KUBE_DNS_PORT"] == "udp://10.96.0.10:53"
    assert env["KUBE_DNS_PORT_53_UDP_PROTO"] == "udp"
    assert env["KUBE_DNS_PORT_53_TCP"] == "tcp://10.96.0.10:53"


def test_container_env_wins_over_service_vars() -> None:
    container = {"env": [{"name": "MY_NGINX_SERVICE_HOST", "value": "override"}]}
    env = container_env(container, service_env([KUBERNETES, NGINX], "default"))
    assert env[0] == ("MY_NGINX_SERVICE_HOST", "override")
    assert [k for k, _ in env].count("MY_NGINX_SERVICE_HOST") == 1
