"""Who may use the served lab: loopback by default, the token compared in constant time."""

from __future__ import annotations

import pytest

from kubelab.browser_session import WEB_DRIVER, served_by_kubelab_web, session_environment
from kubelab.web.access import BindRefused, check_bind, is_loopback, token_matches


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_addresses_are_served_without_tls(host: str) -> None:
    assert is_loopback(host)
    check_bind(host, tls=False, insecure=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "example.org", "localhost.evil"])
def test_any_other_address_is_refused_in_clear_text_and_says_why(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(BindRefused) as refused:
        check_bind(host, tls=False, insecure=False)
    message = str(refused.value)
    assert host in message
    assert "clear text" in message
    assert "--certfile" in message and "--insecure-no-tls" in message


def test_tls_or_the_explicit_opt_out_allows_another_address() -> None:
    check_bind("0.0.0.0", tls=True, insecure=False)
    check_bind("0.0.0.0", tls=False, insecure=True)


def test_the_token_must_match_exactly() -> None:
    token = "abcDEF123_-xyz"
    assert token_matches(token, token)
    for wrong in [None, "", "abcDEF123_-xy", token + "z", "ABCdef123_-xyz", "é" * 14]:
        assert not token_matches(wrong, token)


def test_only_a_session_on_the_web_driver_counts_as_served() -> None:
    env = session_environment({}, 100, 30)
    assert served_by_kubelab_web(env)
    assert env["COLUMNS"] == "100" and env["ROWS"] == "30"
    # the marker alone (or the driver alone) does not relax the terminal check
    assert not served_by_kubelab_web({"KUBELAB_WEB_SESSION": "1"})
    assert not served_by_kubelab_web({"TEXTUAL_DRIVER": WEB_DRIVER})
