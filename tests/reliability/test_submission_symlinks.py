"""A submission cannot make the grader read files outside it: a manifest that is a symlink out of
the submission folder is that file's failure, and the linked file's content never reaches the
report (which a classroom publishes on the pull request)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubelab.grading.submission import apply_submission

SECRET = "abc123-TOPSECRET"


class NoApi:
    """Nothing may be applied in these tests."""

    namespace = "lab"

    def apply(self, obj: Any, namespace: str | None = None) -> Any:
        raise AssertionError(f"applied {obj}")

    def is_namespaced(self, api_version: str, kind: str) -> bool:
        return True


def test_a_manifest_linked_out_of_the_submission_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "host"
    outside.mkdir()
    (outside / "secret.txt").write_text(f'token: "{SECRET}"\n  broken: [yaml\n')
    (outside / "object.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata: {{t: {SECRET}}}\n"
    )
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "a.yaml").symlink_to(outside / "secret.txt")
    (submission / "b.yaml").symlink_to(outside / "object.yaml")
    step = apply_submission(NoApi(), submission, "lab", {"namespace": "lab"})
    results = {c.name: c for c in step.checks}
    for name in ("apply a.yaml", "apply b.yaml"):
        assert results[name].status == "failed", results[name]
        assert "outside" in results[name].message, results[name].message
    for check in step.checks:
        assert SECRET not in check.message + (check.diff or "")


def test_a_link_inside_the_submission_is_fine(tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    (submission / "real").mkdir(parents=True)
    (submission / "real" / "svc.yaml").write_text("not: [valid\n")
    (submission / "alias.yaml").symlink_to(submission / "real" / "svc.yaml")
    step = apply_submission(NoApi(), submission, "lab", {"namespace": "lab"})
    messages = {c.name: c.message for c in step.checks}
    # read through the link: its content's YAML error, located in the file as submitted
    assert messages["apply alias.yaml"].startswith("alias.yaml:1:6: invalid YAML: ")
