"""Switching from client-side to server-side apply, as kube-apiserver's field manager does it
(staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/lastappliedmanager.go and
lastappliedupdater.go): when the applier is `kubectl`, conflicts on fields the live object's
`kubectl.kubernetes.io/last-applied-configuration` annotation holds are not conflicts (they are
the same applier's, made by client-side apply), and the annotation follows each apply."""

from __future__ import annotations

import json
from typing import Any, Final

from kubelab.sim.objects import Obj

LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
# "Upgrade the client-side apply annotation only from kubectl server-side-apply."
UPGRADING_MANAGER: Final = "kubectl"


def _annotation(obj: Obj | None) -> str:
    meta = (obj or {}).get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    value = annotations.get(LAST_APPLIED) if isinstance(annotations, dict) else None
    return value if isinstance(value, str) else ""


def last_applied_object(live: Obj | None, manager: str) -> Obj | None:
    """The configuration client-side apply last applied to `live`, when `manager` may take its
    fields over (allowedConflictsFromLastApplied); None otherwise."""
    if manager != UPGRADING_MANAGER:
        return None
    text = _annotation(live)
    if not text:
        return None
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        return None  # an annotation that does not parse allows nothing
    return parsed if isinstance(parsed, dict) else None


def go_json(value: Any) -> str:
    """`encoding/json.Marshal` of decoded JSON: sorted keys, compact, `<>&` escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def sync_last_applied(result: Obj, live: Obj | None, applied: Obj, manager: str) -> None:
    """lastAppliedUpdater: after an apply by `kubectl` to an object that has the annotation, it
    holds the applied configuration (without the annotation itself)."""
    if manager != UPGRADING_MANAGER or not _annotation(live):
        return
    config = json.loads(json.dumps(applied))
    meta = config.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        meta["annotations"].pop(LAST_APPLIED, None)
        if not meta["annotations"]:
            del meta["annotations"]
    out_meta = result.setdefault("metadata", {})
    annotations = out_meta.get("annotations")
    if not isinstance(annotations, dict):
        annotations = out_meta["annotations"] = {}
    annotations[LAST_APPLIED] = go_json(config)
