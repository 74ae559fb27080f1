"""Go's wording of decoding problems: encoding/json syntax errors (src/encoding/json/
scanner.go) and the unstructured converter's (staging/src/k8s.io/apimachinery/pkg/runtime/
converter.go) with the patch as fmt's %+v prints it."""

from __future__ import annotations

import pytest

from kubelab.sim.wire.conversion import conversion_error, patch_value_text
from kubelab.sim.wire.go_json import go_syntax_error


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b'{"a": 1}', None),
        (b' [1, 2.5e-3, true, null, "x\\u00e9"] ', None),
        (b"", "unexpected end of JSON input"),
        (b'{"a":', "unexpected end of JSON input"),
        (b"apiVersion: v1", "invalid character 'a' looking for beginning of value"),
        (b"not json", "invalid character 'o' in literal null (expecting 'u')"),
        (b"{a: 1}", "invalid character 'a' looking for beginning of object key string"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a": 1 "b": 2}', "invalid character '\"' after object key:value pair"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b"{} x", "invalid character 'x' after top-level value"),
        (b"01", "invalid character '1' after top-level value"),
        (b"1.x", "invalid character 'x' after decimal point in numeric literal"),
        (b"1e+", "unexpected end of JSON input"),
        (b"-a", "invalid character 'a' in numeric literal"),
        (b'"\\q"', "invalid character 'q' in string escape code"),
        (b'"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"),
        (b'"a\nb"', "invalid character '\\n' in string literal"),
        (b"'x'", "invalid character '\\'' looking for beginning of value"),
        (b"\xef\xbb\xbf{}", "invalid character '\u00ef' looking for beginning of value"),
    ],
)
def test_go_syntax_errors(data: bytes, error: str | None) -> None:
    assert go_syntax_error(data) == error


@pytest.mark.parametrize(
    ("patched", "error"),
    [
        ({"spec": {"replicas": 3}}, None),
        ({"spec": {"replicas": 3.0}}, None),
        ({"spec": {"replicas": 2.5}}, "cannot convert float64 to int32"),
        ({"spec": {"replicas": "3"}}, "unrecognized type: int32"),
        ({"spec": {"paused": 1}}, "unrecognized type: bool"),
        ({"metadata": {"labels": {"a": 1}}}, "cannot convert int64 to string"),
        ({"metadata": {"labels": {"a": True}}}, "unrecognized type: string"),
        ({"metadata": {"labels": "a=b"}}, "cannot convert string to map"),
        ({"spec": "x"}, "cannot convert string to struct"),
        ({"spec": {"template": {"spec": {"containers": {"name": "x"}}}}},
         "cannot convert map to slice"),
        ({"spec": {"template": {"spec": {"containers": [{"ports": [{"containerPort": "http"}]}]}}}},
         "unrecognized type: int32"),
        ({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "25%"}}}}, None),
    ],
)  # fmt: skip
def test_conversion_errors(patched: dict[str, object], error: str | None) -> None:
    assert conversion_error(patched, "apps", "v1", "Deployment") == error


def test_patch_printed_as_go_prints_a_map() -> None:
    patch = {"spec": {"z": None, "a": [1, 2.5, "x", {"k": True}], "big": 1.5e6, "tiny": 1e-5}}
    assert patch_value_text(patch) == (
        "map[spec:map[a:[1 2.5 x map[k:true]] big:1.5e+06 tiny:1e-05 z:<nil>]]"
    )
