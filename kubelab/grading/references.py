"""The objects a check is about, by kind and name: what its `object` (or a live value's `from`)
names, an `endpoints` check's Service, and the Service a URL or DNS query reaches by name. Reports
use it to point a check at the submitted file that defines that object."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from kubelab.lessons.checks.base import CheckBase

ObjectKey = tuple[str, str]
"""(kind, name)"""


def _named(data: Any) -> Iterator[ObjectKey]:
    """(kind, name) of every reference by name (`kind` with `name`) inside a check's fields."""
    if isinstance(data, dict):
        kind, name = data.get("kind"), data.get("name")
        if isinstance(kind, str) and isinstance(name, str):
            yield kind, name
        for value in data.values():
            yield from _named(value)
    elif isinstance(data, list):
        for value in data:
            yield from _named(value)


def _service_of_host(host: str | None) -> str | None:
    """`my-nginx` of `my-nginx`, `my-nginx.lab`, `my-nginx.lab.svc.cluster.local`; None for an
    address."""
    if not host or host.replace(".", "").isdigit():
        return None
    return host.split(".", 1)[0] or None


def named_objects(spec: CheckBase) -> list[ObjectKey]:
    """The objects `spec` is about, most specific first, without repeats."""
    data = spec.model_dump(by_alias=True, exclude_none=True)
    found = list(_named({key: value for key, value in data.items() if key != "kind"}))
    service = data.get("service")
    if isinstance(service, str):
        found.append(("Service", service))
    url = data.get("url")
    if isinstance(url, str):
        named = _service_of_host(urlsplit(url if "//" in url else f"//{url}").hostname)
        if named:
            found.append(("Service", named))
    query = data.get("query")
    if isinstance(query, str):
        named = _service_of_host(query)
        if named:
            found.append(("Service", named))
    return list(dict.fromkeys(found))
