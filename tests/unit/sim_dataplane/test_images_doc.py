"""docs/images.md is generated from the image catalogue and stays in step with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "gen_images_doc.py"


def test_images_doc_is_current() -> None:
    """Fails when the catalogue changed and docs/images.md did not; rewrites it so the next run
    passes (commit the regenerated file)."""
    spec = importlib.util.spec_from_file_location("gen_images_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = module.render()
    shipped = module.OUT.read_text(encoding="utf-8") if module.OUT.exists() else ""
    if shipped != current:
        module.OUT.write_text(current, encoding="utf-8")
    assert shipped == current, f"{module.OUT} was stale: regenerated it, commit the new file"
    assert "| nginx (Debian) | `nginx:1.29` | nginx |" in current
    assert "`/hostname` (the pod's name)" in current
