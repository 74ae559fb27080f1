"""core/v1 Secret."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from kubelab.sim import errors
from kubelab.sim.objects import Obj
from kubelab.sim.registry import AGE_COLUMN, NAME_COLUMN, Cell, Column, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store


def _defaults(obj: Obj, store: Store) -> None:
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _validate(obj: Obj, store: Store) -> None:
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        raise errors.bad_request(
            'Secret in version "v1" cannot be handled as a Secret: data must be a map'
        )
    for key, value in data.items():
        try:
            base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise errors.bad_request(
                'Secret in version "v1" cannot be handled as a Secret: illegal base64 data '
                f"at input byte 0 (key {key!r})"
            ) from None
    if obj.get("type") == "kubernetes.io/service-account-token":
        annotations = obj["metadata"].get("annotations") or {}
        if not annotations.get("kubernetes.io/service-account.name"):
            raise errors.invalid(
                "Secret",
                obj["metadata"]["name"],
                [errors.required("metadata.annotations[kubernetes.io/service-account.name]")],
            )


def _validate_update(new: Obj, old: Obj, store: Store) -> None:
    if new.get("type") != old.get("type"):
        raise errors.invalid(
            "Secret",
            new["metadata"]["name"],
            [errors.invalid_value("type", new.get("type"), "field is immutable")],
        )
    _validate(new, store)


def _row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata", {})
    return [
        meta.get("name", ""),
        obj.get("type", ""),
        len(obj.get("data") or {}),
        age(meta.get("creationTimestamp")),
    ]


SECRET = ResourceType(
    group="",
    version="v1",
    kind="Secret",
    plural="secrets",
    singular="secret",
    namespaced=True,
    columns=(NAME_COLUMN, Column("Type"), Column("Data"), AGE_COLUMN),
    row=_row,
    defaults=_defaults,
    validate_create=_validate,
    validate_update=_validate_update,
    has_spec=False,
    field_selectors=("type",),
)

TYPES = (SECRET,)
