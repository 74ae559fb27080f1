"""Field errors rendered exactly as Kubernetes' `field.Error` prints them.

`spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`: the field path, the
error type, the value in Go syntax (strings quoted, numbers and bools plain, string lists as
`[]string{"a"}`), then the detail. Required and Forbidden errors print no value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

# error type -> StatusCause reason (k8s.io/apimachinery/pkg/util/validation/field/errors.go)
REASONS = {
    "Required value": "FieldValueRequired",
    "Invalid value": "FieldValueInvalid",
    "Duplicate value": "FieldValueDuplicate",
    "Unsupported value": "FieldValueNotSupported",
    "Forbidden": "FieldValueForbidden",
    "Not found": "FieldValueNotFound",
    "Too long": "FieldValueTooLong",
}

_NO_VALUE = ("Required value", "Forbidden")


@dataclass(frozen=True)
class GoValue:
    """A value already written in Go syntax (e.g. a struct literal)."""

    text: str


def go_repr(value: object) -> str:
    """Render a value the way `field.Error` does (`%#v`-like for the types used here)."""
    if isinstance(value, GoValue):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        if all(isinstance(v, str) for v in value):
            return "[]string{" + ", ".join(json.dumps(v) for v in value) + "}"
        return "[]interface {}{" + ", ".join(go_repr(v) for v in value) + "}"
    if value is None:
        return "null"
    return str(value)


@dataclass(frozen=True)
class FieldError:
    """One validation error about one field."""

    field: str
    type: str
    value: object = None
    detail: str = ""

    @property
    def reason(self) -> str:
        return REASONS.get(self.type, "FieldValueInvalid")

    def body(self) -> str:
        """The message without the field path (a StatusCause's `message`)."""
        if self.type in _NO_VALUE:
            return f"{self.type}: {self.detail}" if self.detail else self.type
        text = f"{self.type}: {go_repr(self.value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(path, "Required value", None, detail)


def invalid(path: str, value: object, detail: str) -> FieldError:
    return FieldError(path, "Invalid value", value, detail)


def duplicate(path: str, value: object) -> FieldError:
    return FieldError(path, "Duplicate value", value)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(path, "Forbidden", None, detail)


def not_supported(path: str, value: object, supported: Sequence[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(s) for s in supported)
    return FieldError(path, "Unsupported value", value, detail)


def aggregate_message(kind: str, name: str, errors: Sequence[FieldError], group: str = "") -> str:
    """The Status message of a 422: `Service "x" is invalid: <one>` or `[<a>, <b>]`."""
    what = f"{kind}.{group}" if group else kind
    if len(errors) == 1:
        return f"{what} {json.dumps(name)} is invalid: {errors[0]}"
    return f"{what} {json.dumps(name)} is invalid: [" + ", ".join(str(e) for e in errors) + "]"


# --- common name validators (k8s.io/apimachinery/pkg/util/validation) -----------------------

_DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def _is_dns1035(value: str) -> bool:
    return re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", value) is not None


def _is_dns1123_label(value: str) -> bool:
    return re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", value) is not None


def dns1035_label(path: str, value: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(value) > 63:
        errors.append(invalid(path, value, "must be no more than 63 characters"))
    if not _is_dns1035(value):
        errors.append(invalid(path, value, _DNS1035_MSG))
    return errors


def dns1123_label(path: str, value: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(value) > 63:
        errors.append(invalid(path, value, "must be no more than 63 characters"))
    if not _is_dns1123_label(value):
        errors.append(invalid(path, value, _DNS1123_LABEL_MSG))
    return errors


def dns1123_subdomain(path: str, value: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(value) > 253:
        errors.append(invalid(path, value, "must be no more than 253 characters"))
    pattern = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    if re.fullmatch(pattern, value) is None:
        errors.append(invalid(path, value, _DNS1123_SUBDOMAIN_MSG))
    return errors


def raise_invalid(kind: str, name: str, errors: Sequence[FieldError], group: str = "") -> None:
    """Raise the 422 Invalid `ApiError` for these errors (nothing when there are none)."""
    if not errors:
        return
    from kubelab.sim.errors import ApiError

    unique: list[FieldError] = []
    for err in errors:
        if err not in unique:
            unique.append(err)
    details: dict[str, object] = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [
        {"reason": e.reason, "message": e.body(), "field": e.field} for e in unique
    ]
    raise ApiError(422, "Invalid", aggregate_message(kind, name, unique, group), details)
