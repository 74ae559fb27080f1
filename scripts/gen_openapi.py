"""Generate the simulator's OpenAPI v3 documents from the official Python client's models.

The served types are read from the simulator's registry (`kubelab.sim.registry`). Run
`python scripts/gen_openapi.py` after upgrading the `kubernetes` client to a new release series
(`--check` tells); it rewrites the JSON files under `kubelab/sim/wire/openapi/` (committed, so
the server never imports the client's models at start-up). One document per served
group-version, shaped like the API server's
`/openapi/v3/<group-version>` answers: `components.schemas` named `io.k8s.api.core.v1.Service` ...
with `x-kubernetes-group-version-kind`, the strategic-merge tags of the Go API types
(`x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`), list types, and the paths of
every served resource with their operations (PATCH carries the `fieldValidation` parameter, which
is how kubectl decides to leave field validation to the server).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import json
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes.client.models as models

from kubelab.sim.registry import load_registry

CLIENT_VERSION = importlib.metadata.version("kubernetes")

Obj = dict[str, Any]

OUT_DIR = Path(__file__).resolve().parent.parent / "kubelab" / "sim" / "wire" / "openapi"
REF = "#/components/schemas/"

PACKAGES = {
    "": "io.k8s.api.core.v1",
    "apps": "io.k8s.api.apps.v1",
    "discovery.k8s.io": "io.k8s.api.discovery.v1",
    "events.k8s.io": "io.k8s.api.events.v1",
    "coordination.k8s.io": "io.k8s.api.coordination.v1",
    "networking.k8s.io": "io.k8s.api.networking.v1",
    "autoscaling": "io.k8s.api.autoscaling.v1",
    "meta": "io.k8s.apimachinery.pkg.apis.meta.v1",
}
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
TIME = f"{META}.Time"
MICRO_TIME = f"{META}.MicroTime"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"
FIELDS_V1 = f"{META}.FieldsV1"

# Python client classes that are meta.k8s.io/v1 types, whatever refers to them.
META_CLASSES = {
    "V1ObjectMeta",
    "V1ListMeta",
    "V1LabelSelector",
    "V1LabelSelectorRequirement",
    "V1OwnerReference",
    "V1ManagedFieldsEntry",
    "V1Status",
    "V1StatusDetails",
    "V1StatusCause",
    "V1DeleteOptions",
    "V1Preconditions",
    "V1WatchEvent",
    "V1APIResourceList",
    "V1APIResource",
    "V1Condition",
}


# (schema, field) -> extensions, following the `patchStrategy`/`patchMergeKey` tags and the
# `+listType`/`+listMapKey`/`+mapType` markers of k8s.io/api and k8s.io/apimachinery.
def _merge(key: str, *list_keys: str) -> Obj:
    out: Obj = {"x-kubernetes-patch-merge-key": key, "x-kubernetes-patch-strategy": "merge"}
    if list_keys:
        out["x-kubernetes-list-type"] = "map"
        out["x-kubernetes-list-map-keys"] = list(list_keys)
    return out


ATOMIC: Obj = {"x-kubernetes-list-type": "atomic"}
CORE = "io.k8s.api.core.v1"
APPS = "io.k8s.api.apps.v1"
FIELD_EXTENSIONS: dict[tuple[str, str], Obj] = {
    (f"{CORE}.Container", "ports"): _merge("containerPort", "containerPort", "protocol"),
    (f"{CORE}.Container", "env"): _merge("name", "name"),
    (f"{CORE}.Container", "volumeMounts"): _merge("mountPath", "mountPath"),
    (f"{CORE}.Container", "volumeDevices"): _merge("devicePath", "devicePath"),
    (f"{CORE}.Container", "envFrom"): ATOMIC,
    (f"{CORE}.Container", "command"): ATOMIC,
    (f"{CORE}.Container", "args"): ATOMIC,
    (f"{CORE}.Container", "resizePolicy"): ATOMIC,
    (f"{CORE}.Container", "restartPolicyRules"): ATOMIC,
    (f"{CORE}.EphemeralContainer", "ports"): _merge("containerPort", "containerPort", "protocol"),
    (f"{CORE}.EphemeralContainer", "env"): _merge("name", "name"),
    (f"{CORE}.EphemeralContainer", "volumeMounts"): _merge("mountPath", "mountPath"),
    (f"{CORE}.EphemeralContainer", "volumeDevices"): _merge("devicePath", "devicePath"),
    (f"{CORE}.PodSpec", "containers"): _merge("name", "name"),
    (f"{CORE}.PodSpec", "initContainers"): _merge("name", "name"),
    (f"{CORE}.PodSpec", "ephemeralContainers"): _merge("name", "name"),
    (f"{CORE}.PodSpec", "imagePullSecrets"): _merge("name", "name"),
    (f"{CORE}.PodSpec", "hostAliases"): _merge("ip", "ip"),
    (f"{CORE}.PodSpec", "volumes"): {
        **_merge("name", "name"),
        "x-kubernetes-patch-strategy": "merge,retainKeys",
    },
    (f"{CORE}.PodSpec", "resourceClaims"): {
        **_merge("name", "name"),
        "x-kubernetes-patch-strategy": "merge,retainKeys",
    },
    (f"{CORE}.PodSpec", "schedulingGates"): _merge("name", "name"),
    (f"{CORE}.PodSpec", "topologySpreadConstraints"): _merge(
        "topologyKey", "topologyKey", "whenUnsatisfiable"
    ),
    (f"{CORE}.PodSpec", "tolerations"): ATOMIC,
    (f"{CORE}.PodSpec", "readinessGates"): ATOMIC,
    (f"{CORE}.PodStatus", "conditions"): _merge("type", "type"),
    (f"{CORE}.PodStatus", "podIPs"): _merge("ip", "ip"),
    (f"{CORE}.PodStatus", "hostIPs"): _merge("ip", "ip"),
    (f"{CORE}.PodStatus", "resourceClaimStatuses"): {
        **_merge("name", "name"),
        "x-kubernetes-patch-strategy": "merge,retainKeys",
    },
    (f"{CORE}.PodStatus", "containerStatuses"): ATOMIC,
    (f"{CORE}.PodStatus", "initContainerStatuses"): ATOMIC,
    (f"{CORE}.PodStatus", "ephemeralContainerStatuses"): ATOMIC,
    (f"{CORE}.ServiceSpec", "ports"): _merge("port", "port", "protocol"),
    (f"{CORE}.ServiceSpec", "clusterIPs"): ATOMIC,
    (f"{CORE}.ServiceSpec", "externalIPs"): ATOMIC,
    (f"{CORE}.ServiceSpec", "ipFamilies"): ATOMIC,
    (f"{CORE}.ServiceSpec", "loadBalancerSourceRanges"): ATOMIC,
    (f"{CORE}.ServiceSpec", "selector"): {"x-kubernetes-map-type": "atomic"},
    (f"{CORE}.ServiceStatus", "conditions"): _merge("type", "type"),
    (f"{CORE}.LoadBalancerStatus", "ingress"): ATOMIC,
    (f"{CORE}.NodeSpec", "podCIDRs"): {
        "x-kubernetes-patch-strategy": "merge",
        "x-kubernetes-list-type": "set",
    },
    (f"{CORE}.NodeSpec", "taints"): ATOMIC,
    (f"{CORE}.NodeStatus", "conditions"): _merge("type", "type"),
    (f"{CORE}.NodeStatus", "addresses"): _merge("type", "type"),
    (f"{CORE}.NodeStatus", "images"): ATOMIC,
    (f"{CORE}.NodeStatus", "volumesInUse"): ATOMIC,
    (f"{CORE}.NodeStatus", "volumesAttached"): ATOMIC,
    (f"{CORE}.NamespaceStatus", "conditions"): _merge("type", "type"),
    (f"{CORE}.NamespaceSpec", "finalizers"): ATOMIC,
    (f"{CORE}.ReplicationControllerStatus", "conditions"): _merge("type", "type"),
    (f"{CORE}.ServiceAccount", "secrets"): _merge("name", "name"),
    (f"{CORE}.ServiceAccount", "imagePullSecrets"): ATOMIC,
    (f"{CORE}.Endpoints", "subsets"): ATOMIC,
    (f"{CORE}.EndpointSubset", "addresses"): ATOMIC,
    (f"{CORE}.EndpointSubset", "notReadyAddresses"): ATOMIC,
    (f"{CORE}.EndpointSubset", "ports"): ATOMIC,
    (f"{APPS}.DeploymentSpec", "strategy"): {"x-kubernetes-patch-strategy": "retainKeys"},
    (f"{APPS}.DeploymentStatus", "conditions"): _merge("type", "type"),
    (f"{APPS}.ReplicaSetStatus", "conditions"): _merge("type", "type"),
    (f"{APPS}.DaemonSetStatus", "conditions"): _merge("type", "type"),
    ("io.k8s.api.discovery.v1.EndpointSlice", "endpoints"): ATOMIC,
    ("io.k8s.api.discovery.v1.EndpointSlice", "ports"): ATOMIC,
    (f"{META}.ObjectMeta", "finalizers"): {
        "x-kubernetes-patch-strategy": "merge",
        "x-kubernetes-list-type": "set",
    },
    (f"{META}.ObjectMeta", "ownerReferences"): _merge("uid", "uid"),
    (f"{META}.ObjectMeta", "managedFields"): ATOMIC,
    (f"{META}.LabelSelector", "matchExpressions"): ATOMIC,
    (f"{META}.LabelSelector", "matchLabels"): {},
    (f"{META}.LabelSelectorRequirement", "values"): ATOMIC,
}
LABEL_SELECTOR_EXTRA: Obj = {"x-kubernetes-map-type": "atomic"}

# `+enum` string types of k8s.io/api (the client's models drop them): kubectl explain prints
# them as ENUM. Arrays get the enum on their items.
_PROTOCOLS = ["SCTP", "TCP", "UDP"]
_EFFECTS = ["NoExecute", "NoSchedule", "PreferNoSchedule"]
ENUMS: dict[tuple[str, str], list[str]] = {
    (f"{CORE}.ServiceSpec", "type"): ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
    (f"{CORE}.ServiceSpec", "sessionAffinity"): ["ClientIP", "None"],
    (f"{CORE}.ServiceSpec", "externalTrafficPolicy"): ["Cluster", "Local"],
    (f"{CORE}.ServiceSpec", "internalTrafficPolicy"): ["Cluster", "Local"],
    (f"{CORE}.ServiceSpec", "ipFamilyPolicy"): [
        "PreferDualStack",
        "RequireDualStack",
        "SingleStack",
    ],
    (f"{CORE}.ServicePort", "protocol"): _PROTOCOLS,
    (f"{CORE}.ContainerPort", "protocol"): _PROTOCOLS,
    (f"{CORE}.EndpointPort", "protocol"): _PROTOCOLS,
    ("io.k8s.api.discovery.v1.EndpointPort", "protocol"): _PROTOCOLS,
    ("io.k8s.api.discovery.v1.EndpointSlice", "addressType"): ["FQDN", "IPv4", "IPv6"],
    (f"{CORE}.Container", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    (f"{CORE}.Container", "terminationMessagePolicy"): ["FallbackToLogsOnError", "File"],
    (f"{CORE}.PodSpec", "restartPolicy"): ["Always", "Never", "OnFailure"],
    (f"{CORE}.PodSpec", "dnsPolicy"): [
        "ClusterFirst",
        "ClusterFirstWithHostNet",
        "Default",
        "None",
    ],
    (f"{CORE}.PodSpec", "preemptionPolicy"): ["Never", "PreemptLowerPriority"],
    (f"{CORE}.PodStatus", "phase"): ["Failed", "Pending", "Running", "Succeeded", "Unknown"],
    (f"{CORE}.PodStatus", "qosClass"): ["BestEffort", "Burstable", "Guaranteed"],
    (f"{CORE}.NamespaceStatus", "phase"): ["Active", "Terminating"],
    (f"{CORE}.NodeStatus", "phase"): ["Pending", "Running", "Terminated"],
    (f"{CORE}.Toleration", "effect"): _EFFECTS,
    (f"{CORE}.Toleration", "operator"): ["Equal", "Exists"],
    (f"{CORE}.Taint", "effect"): _EFFECTS,
    (f"{CORE}.LoadBalancerIngress", "ipMode"): ["Proxy", "VIP"],
    (f"{APPS}.DeploymentStrategy", "type"): ["Recreate", "RollingUpdate"],
    (f"{APPS}.DaemonSetUpdateStrategy", "type"): ["OnDelete", "RollingUpdate"],
}
# The "Possible enum values" text kube-openapi appends to a field's description, from the Go
# comments of the enum's constants.
ENUM_TEXT: dict[tuple[str, str], dict[str, str]] = {
    (f"{CORE}.ServiceSpec", "type"): {
        "ClusterIP": "means a service will only be accessible inside the cluster, via the "
        "cluster IP.",
        "ExternalName": "means a service consists of only a reference to an external name "
        "that kubedns or equivalent will return as a CNAME record, with no exposing or proxying "
        "of any pods involved.",
        "LoadBalancer": "means a service will be exposed via an external load balancer (if the "
        "cloud provider supports it), in addition to 'NodePort' type.",
        "NodePort": "means a service will be exposed on one port of every node, in addition to "
        "'ClusterIP' type.",
    },
    (f"{CORE}.ServiceSpec", "sessionAffinity"): {
        "ClientIP": "is the Client IP based.",
        "None": "- no session affinity.",
    },
    (f"{CORE}.ServiceSpec", "externalTrafficPolicy"): {
        "Cluster": "routes traffic to all endpoints.",
        "Local": "preserves the source IP of the traffic by routing only to endpoints on the "
        "same node as the traffic was received on (dropping the traffic if there are no local "
        "endpoints).",
    },
    (f"{CORE}.ServiceSpec", "internalTrafficPolicy"): {
        "Cluster": "routes traffic to all endpoints.",
        "Local": "routes traffic only to endpoints on the same node as the client pod "
        "(dropping the traffic if there are no local endpoints).",
    },
    (f"{CORE}.ServicePort", "protocol"): {
        "SCTP": "is the SCTP protocol.",
        "TCP": "is the TCP protocol.",
        "UDP": "is the UDP protocol.",
    },
}

INT64_FIELDS = {
    "generation",
    "observedGeneration",
    "deletionGracePeriodSeconds",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "tolerationSeconds",
    "expirationSeconds",
    "gracePeriodSeconds",
    "supplementalGroups",
    "sizeBytes",
}
QUANTITY_FIELDS = {"limits", "requests", "capacity", "allocatable", "overhead", "sizeLimit"}
MICRO_TIME_FIELDS = {"eventTime", "lastObservedTime", "acquireTime", "renewTime"}
SCALARS = {"str", "int", "bool", "float", "datetime", "object", "bytes"}


@dataclass(frozen=True)
class Resource:
    """A served type as the documents describe it: the registry's declaration and the Python
    client's model class of its objects."""

    group: str
    version: str
    plural: str
    kind: str
    model: str
    namespaced: bool
    subresources: tuple[str, ...] = ()


# The subresources whose operations `build_paths` writes (the others are not documented).
DOCUMENTED_SUBRESOURCES = ("status", "scale", "log", "exec", "attach")
# Client model classes not named `V1<Kind>` (two groups serve an Event).
MODEL_NAMES = {("", "Event"): "CoreV1Event", ("events.k8s.io", "Event"): "EventsV1Event"}


def served_resources() -> list[Resource]:
    """Every type the simulator's registry serves and stores objects of (reviews, which are
    computed per request and never stored, have no document)."""
    return [
        Resource(
            rt.group,
            rt.version,
            rt.plural,
            rt.kind,
            MODEL_NAMES.get((rt.group, rt.kind), f"{rt.version.upper()}{rt.kind}"),
            rt.namespaced,
            tuple(s for s in rt.subresources if s in DOCUMENTED_SUBRESOURCES),
        )
        for rt in load_registry().types
        if not rt.ephemeral
    ]


SCALE_GVK = {"group": "autoscaling", "version": "v1", "kind": "Scale"}


def _strip_prefix(class_name: str) -> str:
    return re.sub(r"^(V1|CoreV1|DiscoveryV1|EventsV1|AppsV1|AutoscalingV1)", "", class_name)


def _class_doc(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    doc = doc.split("Attributes:")[0]
    return " ".join(doc.split())


def _field_info(cls: Any, attr: str, json_name: str) -> Any:
    if attr in cls.model_fields:
        return cls.model_fields[attr]
    for info in cls.model_fields.values():
        if json_name in (info.serialization_alias, info.alias):
            return info
    for name, info in cls.model_fields.items():
        if name.endswith(attr.lstrip("_")):
            return info
    raise KeyError(f"{cls.__name__}.{attr}")


class Builder:
    """Turns model classes into OpenAPI schemas, naming each after its Go package."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # python class -> schema name
        self.schemas: dict[str, Obj] = {}
        self.refs: dict[str, set[str]] = {}  # schema -> schemas it refers to
        self._base_schemas()

    def _base_schemas(self) -> None:
        self.schemas[TIME] = {
            "description": "Time is a wrapper around time.Time which supports correct marshaling "
            "to YAML and JSON.  Wrappers are provided for many of the factory methods that the "
            "time package offers.",
            "type": "string",
            "format": "date-time",
        }
        self.schemas[MICRO_TIME] = {
            "description": "MicroTime is version of Time with microsecond level precision.",
            "type": "string",
            "format": "date-time",
        }
        self.schemas[INT_OR_STRING] = {
            "description": "IntOrString is a type that can hold an int32 or a string.  When used "
            "in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner "
            "type.  This allows you to have, for example, a JSON field that can accept a name or "
            "number.",
            "format": "int-or-string",
            "oneOf": [{"type": "integer"}, {"type": "string"}],
        }
        self.schemas[QUANTITY] = {
            "description": "Quantity is a fixed-point representation of a number. It provides "
            "convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and "
            "AsInt64() accessors.",
            "oneOf": [{"type": "string"}, {"type": "number"}],
        }
        self.schemas[RAW_EXTENSION] = {
            "description": "RawExtension is used to hold extensions in external versions.",
            "type": "object",
        }
        self.schemas[FIELDS_V1] = {
            "description": "FieldsV1 stores a set of fields in a data structure like a Trie, in "
            "JSON format.",
            "type": "object",
        }
        self.schemas[f"{META}.Patch"] = {
            "description": "Patch is provided to give a concrete name and type to the Kubernetes "
            "PATCH request body.",
            "type": "object",
        }
        for name in self.schemas:
            self.refs[name] = set()

    def name_of(self, class_name: str, group: str) -> str:
        known = self.names.get(class_name)
        if known is not None:
            return known
        if class_name in META_CLASSES:
            group = "meta"
        name = f"{PACKAGES[group]}.{_strip_prefix(class_name)}"
        self.names[class_name] = name
        return name

    def add(self, class_name: str, group: str) -> str:
        name = self.name_of(class_name, group)
        if name in self.schemas:
            return name
        cls = getattr(models, class_name)
        own_group = "meta" if class_name in META_CLASSES else group
        schema: Obj = {"description": _class_doc(cls), "type": "object", "properties": {}}
        self.schemas[name] = schema
        self.refs[name] = set()
        required: list[str] = []
        for attr, type_text in cls.openapi_types.items():
            info = _field_info(cls, attr, cls.attribute_map[attr])
            json_name = cls.attribute_map[attr]
            prop = self._property(name, json_name, type_text, info.annotation, own_group)
            if info.description:
                prop["description"] = " ".join(info.description.split())
            elif "allOf" in prop:
                # Swagger 2 drops descriptions beside `$ref`; use the referenced type's instead.
                target = prop["allOf"][0]["$ref"][len(REF) :]
                if self.schemas[target].get("description"):
                    prop["description"] = self.schemas[target]["description"]
            prop.update(FIELD_EXTENSIONS.get((name, json_name), {}))
            enum = ENUMS.get((name, json_name))
            if enum is not None:
                (prop["items"] if prop.get("type") == "array" else prop)["enum"] = enum
                texts = ENUM_TEXT.get((name, json_name))
                if texts:
                    lines = [f' - `"{value}"` {texts[value]}' for value in enum]
                    prop["description"] = (
                        prop.get("description", "")
                        + "\n\nPossible enum values:\n"
                        + "\n".join(lines)
                    )
            if not prop.get("x-kubernetes-list-type") and prop.get("type") == "array":
                # Lists without a merge key are atomic in the Go types, unless tagged otherwise.
                prop["x-kubernetes-list-type"] = "atomic"
            schema["properties"][json_name] = prop
            if info.is_required():
                required.append(json_name)
        if required:
            schema["required"] = required
        if name == f"{META}.LabelSelector":
            schema.update(LABEL_SELECTOR_EXTRA)
        return name

    def _ref(self, owner: str, target: str) -> Obj:
        self.refs[owner].add(target)
        return {"$ref": REF + target}

    def _property(
        self, owner: str, json_name: str, type_text: str, annotation: Any, group: str
    ) -> Obj:
        if type_text.startswith("List["):
            inner = type_text[5:-1]
            return {"type": "array", "items": self._items(owner, json_name, inner, group)}
        if type_text.startswith("Dict[str, "):
            inner = type_text[len("Dict[str, ") : -1]
            if inner == "str" and json_name in QUANTITY_FIELDS:
                return {"type": "object", "additionalProperties": self._ref(owner, QUANTITY)}
            return {
                "type": "object",
                "additionalProperties": self._items(owner, json_name, inner, group),
            }
        if type_text in SCALARS:
            return self._scalar(owner, json_name, type_text, annotation)
        target = self.add(type_text, group)
        return {"allOf": [self._ref(owner, target)], "default": {}}

    def _items(self, owner: str, json_name: str, inner: str, group: str) -> Obj:
        if inner in SCALARS:
            out = self._scalar(owner, json_name, inner, None)
            if inner == "str":
                out["default"] = ""
            return out
        if inner.startswith("List["):
            return {"type": "array", "items": self._items(owner, json_name, inner[5:-1], group)}
        target = self.add(inner, group)
        return {"allOf": [self._ref(owner, target)], "default": {}}

    def _scalar(self, owner: str, json_name: str, type_text: str, annotation: Any) -> Obj:
        if type_text == "str":
            if json_name == "sizeLimit":
                return {"allOf": [self._ref(owner, QUANTITY)]}
            return {"type": "string"}
        if type_text == "int":
            return {"type": "integer", "format": "int64" if json_name in INT64_FIELDS else "int32"}
        if type_text == "bytes":
            return {"type": "string", "format": "byte"}
        if type_text == "bool":
            return {"type": "boolean"}
        if type_text == "float":
            return {"type": "number", "format": "double"}
        if type_text == "datetime":
            target = MICRO_TIME if json_name in MICRO_TIME_FIELDS else TIME
            return {"allOf": [self._ref(owner, target)]}
        # "object": IntOrString (int | str), FieldsV1, RawExtension.
        args = set(typing.get_args(annotation)) if annotation is not None else set()
        flat: set[Any] = set()
        for arg in args:
            flat.add((typing.get_origin(arg) and typing.get_args(arg)[0]) or arg)
        if int in flat and str in flat:
            return {"allOf": [self._ref(owner, INT_OR_STRING)]}
        if json_name == "fieldsV1":
            return {"allOf": [self._ref(owner, FIELDS_V1)]}
        return {"allOf": [self._ref(owner, RAW_EXTENSION)]}

    def closure(self, roots: set[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo.extend(self.refs.get(name, ()))
        return seen


def _gv_key(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _op_prefix(group: str, version: str) -> str:
    base = {
        "": "Core",
        "apps": "Apps",
        "discovery.k8s.io": "Discovery",
        "events.k8s.io": "Events",
        "coordination.k8s.io": "Coordination",
        "networking.k8s.io": "Networking",
    }
    return f"{base[group]}{version.capitalize()}"


def _tag(group: str, version: str) -> str:
    base = {
        "": "core",
        "apps": "apps",
        "discovery.k8s.io": "discovery",
        "events.k8s.io": "events",
        "coordination.k8s.io": "coordination",
        "networking.k8s.io": "networking",
    }
    return f"{base[group]}_{version}"


def _param(name: str, where: str, description: str, kind: str = "string", **extra: Any) -> Obj:
    out: Obj = {"name": name, "in": where, "description": description, "schema": {"type": kind}}
    if kind == "string":
        out["schema"]["uniqueItems"] = True
    out.update(extra)
    return out


PRETTY = _param("pretty", "query", "If 'true', then the output is pretty printed.")
DRY_RUN = _param(
    "dryRun",
    "query",
    "When present, indicates that modifications should not be persisted. An invalid or "
    "unrecognized dryRun directive will result in an error response and no further processing of "
    "the request. Valid values are: - All: all dry run stages will be processed",
)
FIELD_MANAGER = _param(
    "fieldManager",
    "query",
    "fieldManager is a name associated with the actor or entity that is making these changes. The "
    "value must be less than or 128 characters long, and only contain printable characters, as "
    "defined by https://golang.org/pkg/unicode/#IsPrint.",
)
FIELD_VALIDATION = _param(
    "fieldValidation",
    "query",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) "
    "containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any "
    "unknown fields that are silently dropped from the object, and will ignore all but the last "
    "duplicate field that the decoder encounters. - Warn: This will send a warning via the "
    "standard warning response header for each unknown field that is dropped from the object, and "
    "for each duplicate field that is encountered. - Strict: This will fail the request with a "
    "BadRequest error if any unknown fields would be dropped from the object, or if any duplicate "
    "fields are present. The error returned from the server will contain all unknown and "
    "duplicate fields encountered.",
)
FORCE = _param(
    "force",
    "query",
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields '
    "owned by other people. Force flag must be unset for non-apply patch requests.",
    "boolean",
)
LIST_PARAMS = [
    _param(
        "allowWatchBookmarks",
        "query",
        'allowWatchBookmarks requests watch events with type "BOOKMARK".',
        "boolean",
    ),
    _param(
        "continue",
        "query",
        "The continue option should be set when retrieving more results from the server.",
    ),
    _param(
        "fieldSelector",
        "query",
        "A selector to restrict the list of returned objects by "
        "their fields. Defaults to everything.",
    ),
    _param(
        "labelSelector",
        "query",
        "A selector to restrict the list of returned objects by "
        "their labels. Defaults to everything.",
    ),
    _param(
        "limit",
        "query",
        "limit is a maximum number of responses to return for a list call.",
        "integer",
    ),
    _param(
        "resourceVersion",
        "query",
        "resourceVersion sets a constraint on what resource versions a request may be served from.",
    ),
    _param(
        "resourceVersionMatch",
        "query",
        "resourceVersionMatch determines how resourceVersion is applied to list calls.",
    ),
    _param(
        "sendInitialEvents",
        "query",
        "`sendInitialEvents=true` may be set together with `watch=true`.",
        "boolean",
    ),
    _param("timeoutSeconds", "query", "Timeout for the list/watch call.", "integer"),
    _param(
        "watch",
        "query",
        "Watch for changes to the described resources and return them as a "
        "stream of add, update, and remove notifications.",
        "boolean",
    ),
]
MEDIA = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
PATCH_MEDIA = [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
]


def _content(schema_name: str, media: list[str] = MEDIA) -> Obj:
    return {m: {"schema": {"$ref": REF + schema_name}} for m in media}


def _responses(schema_name: str, codes: tuple[str, ...] = ("200",)) -> Obj:
    text = {"200": "OK", "201": "Created", "202": "Accepted"}
    out: Obj = {c: {"description": text[c], "content": _content(schema_name)} for c in codes}
    out["401"] = {"description": "Unauthorized"}
    return out


def _op(
    action: str,
    op_id: str,
    tag: str,
    description: str,
    gvk: Obj,
    params: list[Obj],
    responses: Obj,
    body: Obj | None = None,
) -> Obj:
    op: Obj = {
        "tags": [tag],
        "description": description,
        "operationId": op_id,
        "parameters": params,
        "responses": responses,
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
    }
    if body is not None:
        op["requestBody"] = body
    return op


def build_paths(builder: Builder, res: Resource) -> dict[str, Obj]:
    base = "/api/v1" if not res.group else f"/apis/{res.group}/{res.version}"
    schema = builder.names[res.model]
    list_schema = schema + "List"
    prefix = _op_prefix(res.group, res.version)
    tag = _tag(res.group, res.version)
    gvk = {"group": res.group, "version": res.version, "kind": res.kind}
    ns = "Namespaced" if res.namespaced else ""
    coll = (
        f"{base}/namespaces/{{namespace}}/{res.plural}"
        if res.namespaced
        else f"{base}/{res.plural}"
    )
    path_params = (
        [
            _param(
                "namespace",
                "path",
                "object name and auth scope, such as for teams and projects",
                required=True,
            )
        ]
        if res.namespaced
        else []
    )
    name_param = _param("name", "path", f"name of the {res.kind}", required=True)
    body = {"content": _content(schema, MEDIA[:1] + MEDIA[2:] + MEDIA[1:2]), "required": True}
    patch_body = {
        "content": {m: {"schema": {"$ref": REF + f"{META}.Patch"}} for m in PATCH_MEDIA},
        "required": True,
    }
    status = f"{META}.Status"
    write = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]
    kind = res.kind
    paths: dict[str, Obj] = {}
    paths[coll] = {
        "get": _op(
            "list",
            f"list{prefix}{ns}{kind}",
            tag,
            f"list or watch objects of kind {kind}",
            gvk,
            LIST_PARAMS,
            _responses(list_schema),
        ),
        "post": _op(
            "post",
            f"create{prefix}{ns}{kind}",
            tag,
            f"create a {kind}",
            gvk,
            write,
            _responses(schema, ("200", "201", "202")),
            body,
        ),
        "delete": _op(
            "deletecollection",
            f"delete{prefix}Collection{ns}{kind}",
            tag,
            f"delete collection of {kind}",
            gvk,
            [DRY_RUN, *LIST_PARAMS],
            _responses(status),
        ),
        "parameters": [*path_params, PRETTY],
    }
    paths[f"{coll}/{{name}}"] = {
        "get": _op(
            "get",
            f"read{prefix}{ns}{kind}",
            tag,
            f"read the specified {kind}",
            gvk,
            [],
            _responses(schema),
        ),
        "put": _op(
            "put",
            f"replace{prefix}{ns}{kind}",
            tag,
            f"replace the specified {kind}",
            gvk,
            write,
            _responses(schema, ("200", "201")),
            body,
        ),
        "patch": _op(
            "patch",
            f"patch{prefix}{ns}{kind}",
            tag,
            f"partially update the specified {kind}",
            gvk,
            [*write, FORCE],
            _responses(schema, ("200", "201")),
            patch_body,
        ),
        "delete": _op(
            "delete",
            f"delete{prefix}{ns}{kind}",
            tag,
            f"delete a {kind}",
            gvk,
            [
                DRY_RUN,
                _param(
                    "gracePeriodSeconds",
                    "query",
                    "The duration in seconds before the object should be deleted.",
                    "integer",
                ),
                _param(
                    "propagationPolicy",
                    "query",
                    "Whether and how garbage collection will be performed.",
                ),
            ],
            _responses(schema, ("200", "202")),
            {"content": _content(f"{META}.DeleteOptions")},
        ),
        "parameters": [name_param, *path_params, PRETTY],
    }
    if res.namespaced:
        paths[f"{base}/{res.plural}"] = {
            "get": _op(
                "list",
                f"list{prefix}{kind}ForAllNamespaces",
                tag,
                f"list or watch objects of kind {kind}",
                gvk,
                [],
                _responses(list_schema),
            ),
            "parameters": [*LIST_PARAMS, PRETTY],
        }
    for sub in res.subresources:
        sub_path = f"{coll}/{{name}}/{sub}"
        title = sub.capitalize()
        if sub in ("status", "scale"):
            target = schema if sub == "status" else builder.names["V1Scale"]
            sub_gvk = gvk if sub == "status" else SCALE_GVK
            paths[sub_path] = {
                "get": _op(
                    "get",
                    f"read{prefix}{ns}{kind}{title}",
                    tag,
                    f"read {sub} of the specified {kind}",
                    sub_gvk,
                    [],
                    _responses(target),
                ),
                "put": _op(
                    "put",
                    f"replace{prefix}{ns}{kind}{title}",
                    tag,
                    f"replace {sub} of the specified {kind}",
                    sub_gvk,
                    write,
                    _responses(target, ("200", "201")),
                    {"content": _content(target), "required": True},
                ),
                "patch": _op(
                    "patch",
                    f"patch{prefix}{ns}{kind}{title}",
                    tag,
                    f"partially update {sub} of the specified {kind}",
                    sub_gvk,
                    [*write, FORCE],
                    _responses(target, ("200", "201")),
                    patch_body,
                ),
                "parameters": [name_param, *path_params, PRETTY],
            }
        elif sub == "log":
            paths[sub_path] = {
                "get": _op(
                    "get",
                    f"read{prefix}{ns}PodLog",
                    tag,
                    "read log of the specified Pod",
                    gvk,
                    [
                        _param(p, "query", f"the {p} of the log request")
                        for p in (
                            "container",
                            "follow",
                            "previous",
                            "sinceSeconds",
                            "tailLines",
                            "timestamps",
                        )
                    ],
                    {
                        "200": {
                            "description": "OK",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        },
                        "401": {"description": "Unauthorized"},
                    },
                ),
                "parameters": [name_param, *path_params],
            }
        else:
            connect = {
                "200": {"description": "OK", "content": {"*/*": {"schema": {"type": "string"}}}},
                "401": {"description": "Unauthorized"},
            }
            params = [
                _param(p, "query", f"the {p} of the {sub} request")
                for p in ("command", "container", "stderr", "stdin", "stdout", "tty")
                if not (sub == "attach" and p == "command")
            ]
            paths[sub_path] = {
                "get": _op(
                    "connect",
                    f"connect{prefix}GetNamespacedPod{title}",
                    tag,
                    f"connect GET requests to {sub} of Pod",
                    gvk,
                    params,
                    connect,
                ),
                "post": _op(
                    "connect",
                    f"connect{prefix}PostNamespacedPod{title}",
                    tag,
                    f"connect POST requests to {sub} of Pod",
                    gvk,
                    params,
                    connect,
                ),
                "parameters": [name_param, *path_params],
            }
    return paths


def _list_schema(builder: Builder, res: Resource) -> str:
    item = builder.names[res.model]
    name = item + "List"
    if name in builder.schemas:
        return name
    list_class = res.model + "List"
    builder.add(list_class, res.group)
    return builder.names[list_class]


def generate() -> dict[str, Obj]:
    resources = served_resources()
    builder = Builder()
    for cls in ("V1ObjectMeta", "V1Status", "V1DeleteOptions", "V1WatchEvent", "V1APIResourceList"):
        builder.add(cls, "meta")
    # core first: types shared with other groups (PodTemplateSpec, ObjectReference) are core's.
    for res in sorted(resources, key=lambda r: r.group != ""):
        builder.add(res.model, res.group)
        _list_schema(builder, res)
    builder.add("V1Scale", "autoscaling")
    gvk_of: dict[str, list[Obj]] = {}
    for res in resources:
        gvk = {"group": res.group, "kind": res.kind, "version": res.version}
        gvk_of.setdefault(builder.names[res.model], []).append(gvk)
        gvk_of.setdefault(builder.names[res.model] + "List", []).append(
            {**gvk, "kind": res.kind + "List"}
        )
    gvk_of[builder.names["V1Scale"]] = [{"group": "autoscaling", "kind": "Scale", "version": "v1"}]
    gvs = sorted({(r.group, r.version) for r in resources})
    for meta_kind in ("Status", "APIResourceList"):
        gvk_of[f"{META}.{meta_kind}"] = [{"group": "", "kind": meta_kind, "version": "v1"}]
    for meta_kind in ("DeleteOptions", "WatchEvent"):
        gvk_of[f"{META}.{meta_kind}"] = [
            {"group": g, "kind": meta_kind, "version": v} for g, v in [*gvs, ("autoscaling", "v1")]
        ]
    for name, gvks in gvk_of.items():
        builder.schemas[name]["x-kubernetes-group-version-kind"] = gvks

    docs: dict[str, Obj] = {}
    for group, version in gvs:
        paths: dict[str, Obj] = {}
        for res in resources:
            if (res.group, res.version) == (group, version):
                paths.update(build_paths(builder, res))
        base = "/api/v1" if not group else f"/apis/{group}/{version}"
        paths[f"{base}/"] = {
            "get": {
                "tags": [_tag(group, version)],
                "description": "get available resources",
                "operationId": f"get{_op_prefix(group, version)}APIResources",
                "responses": _responses(f"{META}.APIResourceList"),
            }
        }
        roots: set[str] = set()
        text = json.dumps(paths)
        for match in re.finditer(r'"#/components/schemas/([^"]+)"', text):
            roots.add(match.group(1))
        names = sorted(builder.closure(roots))
        docs[_gv_key(group, version)] = {
            "openapi": "3.0.0",
            "info": {
                "title": "Kubernetes",
                "version": "v1.37.1",
                "x-kubelab-generated-from": f"kubernetes=={CLIENT_VERSION}",
            },
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "BearerToken": {
                        "type": "apiKey",
                        "description": "Bearer Token authentication",
                        "name": "authorization",
                        "in": "header",
                    }
                },
                "schemas": {n: builder.schemas[n] for n in names},
            },
        }
    return docs


def file_name(gv_key: str) -> str:
    return gv_key.replace("/", "__") + ".json"


def release_series(stamp: str) -> str:
    """`kubernetes==37.0.3` -> `kubernetes==37.0`. The client's patch releases carry the models
    of one Kubernetes release, so the documents generated from any of them are the same: a check
    compares within the series and ignores the patch number the files were written with."""
    name, _, version = stamp.partition("==")
    return f"{name}==" + ".".join(version.split(".")[:2])


def comparable(doc: Obj) -> Obj:
    """`doc` with its generated-from stamp reduced to the release series."""
    info = dict(doc.get("info") or {})
    info["x-kubelab-generated-from"] = release_series(str(info.get("x-kubelab-generated-from")))
    return {**doc, "info": info}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed files differ from what would be generated (a file written "
        "by another patch release of the same client series counts as the same)",
    )
    args = parser.parse_args(argv)
    docs = generate()
    stale: list[str] = []
    args.out.mkdir(parents=True, exist_ok=True)
    for key, doc in docs.items():
        path = args.out / file_name(key)
        data = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode() + b"\n"
        if args.check:
            if not path.exists() or comparable(json.loads(path.read_bytes())) != comparable(doc):
                stale.append(str(path))
            continue
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes, {len(doc['components']['schemas'])} schemas)")
    if stale:
        print(
            f"out of date for kubernetes=={CLIENT_VERSION} (run scripts/gen_openapi.py): "
            + ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
