"""What a submission may hold: alias bombs and links out of the folder are that file's failure,
decided before anything is expanded or read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubelab.grading.submission import apply_submission, manifest_files

LAB = "lab"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)  # 10^9 nodes once expanded, in about 500 bytes


def test_an_alias_bomb_fails_at_once(fake: Any, tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(BOMB)
    step = apply_submission(fake, tmp_path, LAB, {"namespace": LAB})  # never expanded
    [result] = step.checks
    assert result.status == "failed" and "excessive aliasing" in result.message


def test_a_recursive_alias_fails(fake: Any, tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text("a: &a [*a]\n")
    [result] = apply_submission(fake, tmp_path, LAB, {"namespace": LAB}).checks
    assert result.status == "failed" and "recursive alias" in result.message


def test_links_out_of_the_submission_are_not_read(fake: Any, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text('secret_token: "TOPSECRET" : :\n')
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: o}\n")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "x.yaml").symlink_to(secret)
    (submission / "linked-folder").symlink_to(outside, target_is_directory=True)
    (submission / ".git").mkdir()
    (submission / ".git" / "c.yaml").write_text("not: [valid")
    (submission / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert [p.name for p in manifest_files(submission)] == ["cm.yaml", "x.yaml"]
    step = apply_submission(fake, submission, LAB, {"namespace": LAB})
    by_name = {c.name: c for c in step.checks}
    assert by_name["apply cm.yaml"].status == "passed"
    linked = by_name["apply x.yaml"]
    assert linked.status == "failed" and "outside the submission" in linked.message
    assert "TOPSECRET" not in linked.message
    assert fake.get("v1", "ConfigMap", "o", LAB) is None
