"""The rules a type's `metadata.name` follows (`k8s.io/apimachinery/pkg/api/validation/path` and
`.../util/validation`): most types take a DNS-1123 subdomain, namespaces a DNS-1123 label,
services a DNS-1035 label (`ValidateServiceName`), and core events any name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubelab.sim import errors

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"


@dataclass(frozen=True)
class NameRule:
    """A name matches `pattern` (whole) and is at most `max_length` long, else `message`."""

    pattern: re.Pattern[str] | None
    max_length: int
    message: str

    def errors(self, name: str) -> list[errors.FieldError]:
        if self.pattern is None:
            return []
        if len(name) <= self.max_length and self.pattern.fullmatch(name):
            return []
        return [errors.invalid_value("metadata.name", name, self.message)]


DNS1123_SUBDOMAIN = NameRule(
    re.compile(rf"{_LABEL}(\.{_LABEL})*"),
    253,
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
)
DNS1123_LABEL = NameRule(
    re.compile(_LABEL),
    63,
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
)
DNS1035_LABEL = NameRule(
    re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?"),
    63,
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
)
ANY_NAME = NameRule(None, 0, "")
