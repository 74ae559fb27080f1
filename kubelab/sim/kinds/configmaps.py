"""core/v1 ConfigMap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim import errors
from kubelab.sim.objects import Obj
from kubelab.sim.registry import AGE_COLUMN, NAME_COLUMN, Cell, Column, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store


def _row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata", {})
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [meta.get("name", ""), count, age(meta.get("creationTimestamp"))]


def _validate(obj: Obj, store: Store) -> None:
    errs: list[errors.FieldError] = []
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    if not isinstance(data, dict) or not isinstance(binary, dict):
        raise errors.bad_request(
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: data and binaryData '
            "must be maps of strings"
        )
    for key in data:
        if key in binary:
            errs.append(errors.invalid_value("data", key, "duplicate of key present in binaryData"))
        if not _valid_key(key):
            errs.append(errors.invalid_value(f"data[{key}]", key, _KEY_MESSAGE))
    for key in binary:
        if not _valid_key(key):
            errs.append(errors.invalid_value(f"binaryData[{key}]", key, _KEY_MESSAGE))
    for value in data.values():
        if not isinstance(value, str):
            raise errors.bad_request(
                'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot '
                f"unmarshal {type(value).__name__} into Go struct field ConfigMap.data of type "
                "string"
            )
    if errs:
        raise errors.invalid("ConfigMap", obj["metadata"]["name"], errs)


_KEY_MESSAGE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)


def _valid_key(key: str) -> bool:
    import re

    return bool(re.fullmatch(r"[-._a-zA-Z0-9]+", key)) and len(key) <= 253


def _validate_update(new: Obj, old: Obj, store: Store) -> None:
    if old.get("immutable") and (
        new.get("data") != old.get("data") or new.get("binaryData") != old.get("binaryData")
    ):
        raise errors.invalid(
            "ConfigMap",
            new["metadata"]["name"],
            [errors.forbidden("data", "field is immutable when `immutable` is set")],
        )
    _validate(new, store)


CONFIGMAP = ResourceType(
    group="",
    version="v1",
    kind="ConfigMap",
    plural="configmaps",
    singular="configmap",
    namespaced=True,
    short_names=("cm",),
    columns=(NAME_COLUMN, Column("Data", "string"), AGE_COLUMN),
    row=_row,
    validate_create=_validate,
    validate_update=_validate_update,
    has_spec=False,
)

TYPES = (CONFIGMAP,)
