"""The API server's proxy subresource: how the `[scheme:]name[:port]` id is read."""

from __future__ import annotations

import pytest

from kubelab.sim.dataplane.proxy import split_scheme_name_port


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("web", ("", "web", "")),
        ("web:8080", ("", "web", "8080")),
        ("web:http", ("", "web", "http")),
        ("https:web:443", ("https", "web", "443")),
        ("http:web:", ("http", "web", "")),
        ("ftp:web:21", None),
        (":80", None),
        ("a:b:c:d", None),
    ],
)
def test_split_scheme_name_port(text: str, expected: tuple[str, str, str] | None) -> None:
    assert split_scheme_name_port(text) == expected
