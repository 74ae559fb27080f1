"""The container images a lab needs, so kind can pre-pull and load them into its nodes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

DEFAULT_IMAGES: tuple[str, ...] = (
    "busybox:1.37",
    "curlimages/curl:8.17.0",
    "nginx:1.29",
    "registry.k8s.io/e2e-test-images/agnhost:2.53",
)
"""Images the lessons and the grader's probe pod use (all current and pullable)."""

NOT_PULLABLE = ("radial/busyboxplus",)
"""Images lessons use on purpose to show a pull failure."""


def _pullable(image: str) -> bool:
    return bool(image) and "${" not in image and not image.startswith(NOT_PULLABLE)


def _manifest_images(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "image" and isinstance(value, str):
                yield value
            else:
                yield from _manifest_images(value)
    elif isinstance(data, list):
        for item in data:
            yield from _manifest_images(item)


def _command_images(data: Any) -> Iterator[str]:
    """`--image=X` / `--image X` in the argv lists under any `commands:` key."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "commands" and isinstance(value, list):
                for argv in value:
                    if isinstance(argv, list):
                        yield from _image_flags([str(a) for a in argv])
            else:
                yield from _command_images(value)
    elif isinstance(data, list):
        for item in data:
            yield from _command_images(item)


def _image_flags(argv: list[str]) -> Iterator[str]:
    for index, arg in enumerate(argv):
        if arg.startswith("--image="):
            yield arg.split("=", 1)[1]
        elif arg == "--image" and index + 1 < len(argv):
            yield argv[index + 1]


def _documents(path: Path) -> list[Any]:
    try:
        return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError):
        return []  # `kubelab lint` reports broken files; here they only contribute no images


def course_images(root: Path | None = None) -> list[str]:
    """The defaults plus the images named in the course's manifests (`image:` fields) and in
    its lessons' kubectl commands (`--image`); images with placeholders and images lessons use
    to show a pull failure are left out."""
    if root is None:
        try:
            from kubelab.lessons.loader import bundled_course_root

            root = bundled_course_root()
        except (ImportError, OSError, LookupError):
            root = None
    found: list[str] = list(DEFAULT_IMAGES)
    if root is None:
        return found
    for folder, extract in (("manifests", _manifest_images), ("lessons", _command_images)):
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml")):
            for document in _documents(path):
                for image in extract(document):
                    if _pullable(image) and image not in found:
                        found.append(image)
    return found
