"""The container images a lab needs, so kind can pre-pull and load them into its nodes."""

from __future__ import annotations

import re
from pathlib import Path

DEFAULT_IMAGES: tuple[str, ...] = (
    "nginx:1.27",
    "busybox:1.37",
    "curlimages/curl:8.11.1",
    "registry.k8s.io/e2e-test-images/agnhost:2.53",
)
"""Images the lessons and the grader's probe pod use (all current and pullable)."""

_IMAGE_FIELD = re.compile(r"""^\s*-?\s*image:\s*["']?([^\s"'#]+)""", re.MULTILINE)
_IMAGE_FLAG = re.compile(r"""--image[=\s]+["']?([^\s"',\]]+)""")


def _pullable(image: str) -> bool:
    return "${" not in image and "radial/busyboxplus" not in image


def course_images(root: Path | None = None) -> list[str]:
    """Images named in the course's manifests (`image:`) and lesson commands (`--image=`),
    plus the defaults; images that cannot be pulled on purpose (lessons about pull errors) and
    images with placeholders are left out."""
    found: list[str] = list(DEFAULT_IMAGES)
    if root is None:
        try:
            from kubelab.lessons.loader import bundled_course_root

            root = bundled_course_root()
        except (ImportError, OSError, LookupError):
            root = None
    files: list[Path] = []
    if root is not None:
        for folder in ("manifests", "lessons"):
            base = root / folder
            if base.is_dir():
                files.extend(sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml")))
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for match in [*_IMAGE_FIELD.findall(text), *_IMAGE_FLAG.findall(text)]:
            if _pullable(match) and match not in found:
                found.append(match)
    return found
