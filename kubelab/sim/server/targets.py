"""What a resource request targets (type, namespace, name, subresource), parsed from its
path, and the request context its handlers share (views, dry run, answers, query parameters)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from kubelab.sim import errors
from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType
from kubelab.sim.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from kubelab.sim.server import discovery, tables
from kubelab.sim.server.app import STORE
from kubelab.sim.server.responses import (
    json_response,
    page_not_found,
)
from kubelab.sim.store import Store

log = logging.getLogger("kubelab.sim.server")


@dataclass
class Target:
    rt: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None
    proxy_id: str = ""  # `[scheme:]name[:port]` of a proxy request
    proxy_path: str = ""  # the path below `.../proxy`

    @property
    def storage_rt(self) -> ResourceType:
        return self.rt


@dataclass
class Ctx:
    """One resource request: what it targets and the helpers that convert views."""

    request: web.Request
    store: Store
    target: Target
    warnings: list[str]

    @property
    def rt(self) -> ResourceType:
        return self.target.rt

    def show(self, obj: Obj) -> Obj:
        """A stored object as this request's type presents it."""
        return self.rt.from_storage(obj) if self.rt.from_storage else obj

    def stored(self, obj: Obj) -> Obj:
        return self.rt.to_storage(obj) if self.rt.to_storage else obj

    @property
    def view(self) -> Callable[[Obj], Obj] | None:
        return self.rt.from_storage

    @property
    def query(self) -> Any:
        return self.request.query

    @property
    def dry_run(self) -> bool:
        values = self.request.query.getall("dryRun", [])
        for v in values:
            if v != "All":
                raise errors.bad_request(f'Invalid dry run value: "{v}". Only "All" is supported')
        return bool(values)

    def respond(self, data: Any, status: int = 200) -> web.Response:
        return json_response(data, status, warnings=self.warnings)

    def written(self, obj: Obj, status: int = 200) -> web.Response:
        """The answer to a create/update/patch/apply: the object as this request's type shows
        it, with the type's warnings about it (`GetWarningsForService` ...) as headers."""
        shown = self.show(obj)
        warn = self.rt.warnings
        if warn is not None and self.target.subresource is None:
            self.warnings.extend(warn(shown))
        return self.respond(shown, status)


def parse_target(request: web.Request) -> Target | Obj:
    """The resource a path names, or the discovery document it asks for."""
    store = request.app[STORE]
    registry = store.registry
    parts = [p for p in request.path.split("/") if p]
    if parts[0] == "api":
        if len(parts) < 2:
            raise page_not_found()
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 2:
            raise page_not_found()
        group = parts[1]
        if len(parts) == 2:
            doc = discovery.api_group(registry, group)
            if doc is None:
                raise page_not_found()
            return doc
        version, rest = parts[2], parts[3:]
    if not rest:
        listing = discovery.resource_list(registry, group, version)
        if listing is None:
            raise page_not_found()
        return listing
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        candidate = registry.get(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    rt = registry.get(group, version, rest[0])
    if rt is not None and len(rest) >= 3 and rest[2] == "proxy" and "proxy" in rt.subresources:
        return proxy_target(request, rt, namespace, rest)
    if rt is None or len(rest) > 3:
        raise page_not_found()
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) == 3 else None
    if rt.namespaced and name is not None and namespace is None:
        raise page_not_found()
    if sub is not None and sub not in rt.subresources:
        raise page_not_found()
    return Target(rt, namespace, name, sub)


def proxy_target(
    request: web.Request, rt: ResourceType, namespace: str | None, rest: list[str]
) -> Target:
    """`{pods,services}/{[scheme:]name[:port]}/proxy[/path]`: every segment after `proxy` is
    the path to relay (a trailing slash kept)."""
    if rt.namespaced and namespace is None:
        raise page_not_found()
    raw_id = rest[1]
    if raw_id.count(":") > 2:
        raise errors.bad_request(f'invalid {rt.singular} request "{raw_id}"')
    name = raw_id.split(":")[1] if raw_id.count(":") == 2 else raw_id.split(":")[0]
    if len(rest) == 3 and not request.path.endswith("/"):
        path = ""  # `.../proxy`: redirected to `.../proxy/`, as kube-apiserver does
    else:
        path = "/" + "/".join(rest[3:])
        if request.path.endswith("/") and len(rest) > 3:
            path += "/"
    return Target(rt, namespace, name, "proxy", proxy_id=raw_id, proxy_path=path)


def selectors(ctx: Ctx) -> tuple[LabelSelector, FieldSelector]:
    labels = parse_label_selector(ctx.query.get("labelSelector"))
    fields = parse_field_selector(ctx.query.get("fieldSelector"), ctx.rt.field_selectors)
    return labels, fields


def wants_table(ctx: Ctx) -> bool:
    return tables.wants_table(ctx.request.headers.get("Accept", ""))


def include(ctx: Ctx) -> str:
    value = ctx.query.get("includeObject", "Metadata")
    if value not in ("None", "Metadata", "Object"):
        raise errors.bad_request(f'includeObject: unsupported value "{value}"')
    return str(value)


def int_param(ctx: Ctx, name: str) -> int | None:
    raw = ctx.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.bad_request(f'invalid value for {name}: "{raw}"') from None
    return value


async def read(ctx: Ctx) -> bytes:
    return await ctx.request.read()
