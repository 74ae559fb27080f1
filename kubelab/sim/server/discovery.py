"""Discovery documents: aggregated (apidiscovery.k8s.io/v2) and legacy (APIVersions, ...)."""

from __future__ import annotations

from kubelab.sim.objects import Obj
from kubelab.sim.registry import Registry, ResourceType

AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

# subresource -> (group, version, kind of what it answers with or "" for the parent's, verbs)
_SUBRESOURCES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "status": ("", "", "", ("get", "patch", "update")),
    "scale": ("autoscaling", "v1", "Scale", ("get", "patch", "update")),
    "log": ("", "v1", "Pod", ("get",)),
    "exec": ("", "v1", "PodExecOptions", ("create", "get")),
    "attach": ("", "v1", "PodAttachOptions", ("create", "get")),
    "portforward": ("", "v1", "PodPortForwardOptions", ("create", "get")),
    "proxy": ("", "v1", "PodProxyOptions", ("create", "delete", "get", "patch", "update")),
    "binding": ("", "v1", "Binding", ("create",)),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "finalize": ("", "v1", "Namespace", ("update",)),
    "ephemeralcontainers": ("", "", "", ("get", "patch", "update")),
}


def wants_aggregated(accept: str) -> bool:
    return (
        "g=apidiscovery.k8s.io" in accept
        and "v=v2" in accept
        and "as=APIGroupDiscoveryList" in accept
    )


def _sub(rt: ResourceType, name: str) -> tuple[str, str, str, tuple[str, ...]]:
    group, version, kind, verbs = _SUBRESOURCES.get(name, ("", "", "", ("get",)))
    if not kind:
        group, version, kind = rt.group, rt.version, rt.kind
    elif name == "proxy":
        kind = f"{rt.kind}ProxyOptions"  # PodProxyOptions, ServiceProxyOptions, NodeProxyOptions
    return group, version, kind, verbs


def _aggregated_resource(rt: ResourceType) -> Obj:
    entry: Obj = {
        "resource": rt.plural,
        "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": sorted(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    subs = []
    for name in rt.subresources:
        group, version, kind, verbs = _sub(rt, name)
        subs.append(
            {
                "subresource": name,
                "responseKind": {"group": group, "version": version, "kind": kind},
                "verbs": list(verbs),
            }
        )
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated(registry: Registry, core: bool) -> Obj:
    """The APIGroupDiscoveryList of `/api` (core=True) or `/apis`."""
    items = []
    for group, versions in registry.groups():
        if (group == "") != core:
            continue
        meta: Obj = {"name": group} if group else {}
        meta["creationTimestamp"] = None
        items.append(
            {
                "metadata": meta,
                "versions": [
                    {
                        "version": v,
                        "resources": [
                            _aggregated_resource(rt) for rt in registry.in_group_version(group, v)
                        ],
                        "freshness": "Current",
                    }
                    for v in versions
                ],
            }
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


def api_versions(host: str) -> Obj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
    }


def _group(group: str, versions: list[str]) -> Obj:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(registry: Registry) -> Obj:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(g, vs) for g, vs in registry.groups() if g],
    }


def api_group(registry: Registry, group: str) -> Obj | None:
    for g, vs in registry.groups():
        if g == group and g:
            out = _group(g, vs)
            out["kind"] = "APIGroup"
            out["apiVersion"] = "v1"
            return out
    return None


def resource_list(registry: Registry, group: str, version: str) -> Obj | None:
    types = registry.in_group_version(group, version)
    if not types:
        return None
    resources: list[Obj] = []
    for rt in types:
        entry: Obj = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": sorted(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        resources.append(entry)
        for name in rt.subresources:
            g, v, kind, verbs = _sub(rt, name)
            sub: Obj = {
                "name": f"{rt.plural}/{name}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": kind,
                "verbs": list(verbs),
            }
            if (g, v) != (rt.group, rt.version):
                sub["group"] = g
                sub["version"] = v
            resources.append(sub)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
