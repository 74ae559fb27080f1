"""`Obj`: a Kubernetes object (or list item, watch event) as the JSON the API server sends.

Every layer outside the simulator names objects with this one alias; the simulator, which imports
nothing of kubelab's, keeps its own.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
