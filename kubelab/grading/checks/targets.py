"""Which Service a check is about, from the names it uses (for the diagnosis)."""

from __future__ import annotations

from urllib.parse import urlsplit

from kubelab.grading.checks.kind import ServiceTarget


def service_of_dns_name(name: str) -> ServiceTarget | None:
    """`my-nginx`, `my-nginx.ns`, `my-nginx.ns.svc[.cluster.local]` -> (service, namespace)."""
    labels = name.rstrip(".").split(".")
    if not labels[0] or labels[0][0].isdigit():
        return None  # an IP address or an empty name
    if len(labels) == 1:
        return labels[0], None
    if len(labels) == 2 or labels[2] == "svc":
        return labels[0], labels[1]
    return None


def service_of_url(url: str) -> ServiceTarget | None:
    """The Service a URL's host names (`http://my-nginx.ns/`, `my-nginx:8080/x`), if any."""
    host = urlsplit(url if "//" in url else f"http://{url}").hostname
    return service_of_dns_name(host) if host else None
