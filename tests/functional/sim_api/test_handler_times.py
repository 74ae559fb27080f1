"""The simulator tells the time its handlers take: `X-Kubelab-Handler-Ms` on each plain answer
and the quantiles at `GET /metrics` (token required), so a bench can tell server time from
client time (`bench/classroom_load.py` prints both)."""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from typing import Any


def get(sim: Any, path: str, token: str | None) -> tuple[int, dict[str, str], str]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(sim.server + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def token_of(sim: Any) -> str:
    for line in sim.kubeconfig.read_text().splitlines():
        if line.strip().startswith("token:"):
            return str(line.split(":", 1)[1].strip())
    raise AssertionError("no token")


def test_answers_carry_their_handler_time_and_metrics_sum_them(sim: Any) -> None:
    token = token_of(sim)
    status, headers, _ = get(sim, "/api/v1/namespaces", token)
    assert status == 200
    assert float(headers["X-Kubelab-Handler-Ms"]) >= 0
    assert get(sim, "/metrics", None)[0] == 401
    status, _, text = get(sim, "/metrics", token)
    assert status == 200
    count = re.search(r"^kubelab_sim_request_handler_seconds_count (\d+)$", text, re.M)
    assert count is not None and int(count.group(1)) >= 1, text
    assert 'kubelab_sim_request_handler_seconds{quantile="0.99"}' in text
