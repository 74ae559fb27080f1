"""The simulator's name for a Kubernetes object as it travels: a JSON-shaped dict."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
