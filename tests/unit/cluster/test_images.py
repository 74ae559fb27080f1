"""The images kind pre-pulls: the defaults plus what the course's manifests and commands name."""

from __future__ import annotations

from pathlib import Path

from kubelab.cluster.images import DEFAULT_IMAGES, course_images


def test_course_images(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "lessons").mkdir()
    (tmp_path / "manifests" / "a.yaml").write_text(
        "spec:\n  containers:\n  - name: x\n    image: hashicorp/http-echo:1.0\n"
        "  - image: 'nginx:1.27'\n  - image: radial/busyboxplus:curl\n  - image: ${img}\n"
    )
    (tmp_path / "lessons" / "01.yaml").write_text(
        "body: 'run `kubectl run x --image=IMAGE` with image: nginx:9`'\n"
        "solution:\n  commands:\n  - [kubectl, run, c, --image=curlimages/curl:8.11.1]\n"
        '  - ["kubectl", "run", "d", "--image", "busybox:1.36"]\n'
    )
    images = course_images(tmp_path)
    assert images[: len(DEFAULT_IMAGES)] == list(DEFAULT_IMAGES)
    assert "hashicorp/http-echo:1.0" in images
    assert "busybox:1.36" in images and "curlimages/curl:8.11.1" in images
    assert "IMAGE" not in " ".join(images) and "nginx:9`" not in images
    assert images.count("nginx:1.27") == 1
    assert not [i for i in images if "radial" in i or "${" in i]


def test_the_bundled_course_loads() -> None:
    images = course_images()
    assert "busybox:1.37" in images
    assert all(":" in image or "@" in image for image in images), images
