"""Pod spec defaults (`pkg/apis/core/v1/defaults.go` plus the admission plugins a kind cluster
runs: ServiceAccount, DefaultTolerationSeconds, Priority) and the pod spec validation shared by
Pods and the pod templates of workloads."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from kubelab.sim.kinds.field_errors import (
    FieldError,
    dns1123_label,
    duplicate,
    invalid,
    not_supported,
    required,
)
from kubelab.sim.objects import Obj

SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
RESTART_POLICIES = ("Always", "Never", "OnFailure")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(n: int = 5) -> str:
    """`k8s.io/apimachinery/pkg/util/rand.String`: n characters from the safe alphabet."""
    return "".join(random.choice(_SUFFIX_ALPHABET) for _ in range(n))


def image_tag(image: str) -> str:
    """The tag of an image reference (`latest` when none; digests count as a tag)."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def default_container(container: Obj) -> None:
    image = str(container.get("image") or "")
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = "Always" if image_tag(image) == "latest" else "IfNotPresent"
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict) and not port.get("protocol"):
            port["protocol"] = "TCP"


# pkg/apis/core/v1/defaults.go: the volume sources whose DefaultMode defaults to 0644.
_MODE_DEFAULTED_SOURCES = ("configMap", "secret", "downwardAPI", "projected")


def default_volume(volume: Obj) -> None:
    """SetDefaults_Volume (no source at all is an emptyDir), SetDefaults_HostPathVolumeSource
    and the sources' DefaultMode (0644)."""
    if not any(value is not None for key, value in volume.items() if key != "name"):
        volume["emptyDir"] = {}
    for key in _MODE_DEFAULTED_SOURCES:
        source = volume.get(key)
        if isinstance(source, dict) and source.get("defaultMode") is None:
            source["defaultMode"] = 420
    host_path = volume.get("hostPath")
    if isinstance(host_path, dict) and host_path.get("type") is None:
        host_path["type"] = ""


def default_pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec, volume and container defaults (templates and pods alike)."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict):
            default_volume(volume)
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                default_container(container)


def default_template(template: Obj | None) -> None:
    if not isinstance(template, dict):
        return
    meta = template.setdefault("metadata", {})
    if isinstance(meta, dict):
        meta.setdefault("creationTimestamp", None)
    spec = template.get("spec")
    if isinstance(spec, dict):
        default_pod_spec(spec)


def admit_pod(pod: Obj) -> None:
    """What admission adds to a new Pod: service account token volume, tolerations, priority."""
    spec = pod.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    default_pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = account
    spec["serviceAccount"] = account
    tolerations = spec.setdefault("tolerations", [])
    if isinstance(tolerations, list):
        keys = {t.get("key") for t in tolerations if isinstance(t, dict)}
        for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
            if key not in keys:
                tolerations.append(
                    {
                        "key": key,
                        "operator": "Exists",
                        "effect": "NoExecute",
                        "tolerationSeconds": 300,
                    }
                )
    if spec.get("automountServiceAccountToken") is False:
        return
    volumes = spec.setdefault("volumes", [])
    if not isinstance(volumes, list):
        return
    existing = [v for v in volumes if str(v.get("name", "")).startswith("kube-api-access-")]
    if existing:
        return
    volume_name = f"kube-api-access-{random_suffix()}"
    volumes.append(_token_volume(volume_name))
    for container in spec.get("containers") or []:
        if isinstance(container, dict):
            mounts = container.setdefault("volumeMounts", [])
            if isinstance(mounts, list) and not any(
                m.get("mountPath") == SERVICE_ACCOUNT_MOUNT for m in mounts
            ):
                mounts.append(
                    {"name": volume_name, "readOnly": True, "mountPath": SERVICE_ACCOUNT_MOUNT}
                )


def _token_volume(name: str) -> Obj:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
        },
    }


def validate_pod_spec(spec: Mapping[str, Any] | None, path: str) -> list[FieldError]:
    """The parts of ValidatePodSpec a learner can trip over."""
    errors: list[FieldError] = []
    spec = spec or {}
    containers = spec.get("containers")
    if not containers:
        errors.append(required(f"{path}.containers"))
        containers = []
    names: set[str] = set()
    for i, container in enumerate(containers):
        cpath = f"{path}.containers[{i}]"
        if not isinstance(container, Mapping):
            errors.append(invalid(cpath, str(container), "must be an object"))
            continue
        name = container.get("name")
        if not name:
            errors.append(required(f"{cpath}.name"))
        else:
            errors.extend(dns1123_label(f"{cpath}.name", str(name)))
            if name in names:
                errors.append(duplicate(f"{cpath}.name", name))
            names.add(str(name))
        if not str(container.get("image") or "").strip():
            errors.append(required(f"{cpath}.image"))
        for j, port in enumerate(container.get("ports") or []):
            number = port.get("containerPort") if isinstance(port, Mapping) else None
            if not isinstance(number, int) or not 1 <= number <= 65535:
                errors.append(
                    invalid(
                        f"{cpath}.ports[{j}].containerPort",
                        number if number is not None else 0,
                        "must be between 1 and 65535, inclusive",
                    )
                )
        policy = container.get("imagePullPolicy")
        if policy and policy not in PULL_POLICIES:
            errors.append(not_supported(f"{cpath}.imagePullPolicy", policy, PULL_POLICIES))
    restart = spec.get("restartPolicy")
    if restart and restart not in RESTART_POLICIES:
        errors.append(not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = spec.get("dnsPolicy")
    if dns and dns not in DNS_POLICIES:
        errors.append(not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    return errors
