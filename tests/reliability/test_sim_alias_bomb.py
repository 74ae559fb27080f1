"""The simulator refuses a YAML alias bomb in a request body (400, "excessive aliasing") without
expanding it (the refusal names the aliasing: it was decided on the composed graph), so no other
client waits behind the expansion."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from test_alias_bombs import bomb, post


def test_the_simulator_refuses_an_alias_bomb(sim_factory: Callable[..., Any]) -> None:
    server = sim_factory("bombed")
    token = next(
        line.split(":", 1)[1].strip()
        for line in server.kubeconfig.read_text().splitlines()
        if line.strip().startswith("token:")
    )
    answer: dict[str, Any] = {}

    def send() -> None:
        answer["bomb"] = post(
            server.server,
            token,
            "/api/v1/namespaces/default/configmaps",
            bomb().encode(),
            "application/yaml",
        )

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.2)
    status, _ = post(server.server, token, "/version", b"", "application/json")
    sender.join(timeout=60)
    code, text = answer["bomb"]
    assert code == 400, text
    assert "alias" in json.loads(text)["message"], text
    assert status == 200  # answered meanwhile
