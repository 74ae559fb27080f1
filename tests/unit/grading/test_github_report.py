"""The github report: a Markdown step summary and `::error` annotations naming the submitted
file (workflow-command escaping as the Actions runner's escapeData / escapeProperty)."""

from __future__ import annotations

from kubelab.grading.reporters.github import summary, workflow_commands
from kubelab.grading.results import (
    Adjustment,
    CheckResult,
    LessonResult,
    Location,
    Report,
    StepResult,
    SubmissionNotes,
)


def sample() -> Report:
    step = StepResult("clusterip-service", "create", "Create")
    step.checks = [
        CheckResult("apply svc.yaml", "submission", "passed", "applied Service/my-nginx"),
        CheckResult(
            "selector, port: 80 | 100%",
            "assert",
            "failed",
            "spec.selector.run: expected my-nginx\nfound nginx",
            explain="look at the selector",
            points=3,
            location=Location("submission/svc.yaml", 4),
        ),
        CheckResult("http", "http", "error", "probe down", location=Location("sub/a b.yaml")),
        CheckResult("lb", "http", "skipped", "skipped: loadbalancer"),
    ]
    lesson = LessonResult("clusterip-service", "A ClusterIP Service", [step], "kl-grade-x")
    lesson.submission = SubmissionNotes(
        "submission",
        [
            Adjustment(
                "dropped", "Namespace/mine", Location("submission/all.yaml", 1), "not created"
            ),
            Adjustment(
                "moved",
                "Service/x",
                Location("submission/all.yaml", 5),
                "names namespace kube-system",
            ),
        ],
    )
    return Report("grade", [lesson], cluster="sim:kubelab")


def test_annotations_name_the_file_and_line_escaped() -> None:
    lines = workflow_commands(sample()).splitlines()
    assert lines[0] == (
        "::error file=submission/svc.yaml,line=4,title=selector%2C port%3A 80 | 100%25::"
        "spec.selector.run: expected my-nginx%0Afound nginx%0Ahint: look at the selector"
    )
    assert lines[1] == "::error file=sub/a b.yaml,title=http::probe down"
    assert lines[2] == (
        "::warning file=submission/all.yaml,line=1,title=Namespace/mine dropped::not created"
    )
    assert lines[3].startswith("::warning file=submission/all.yaml,line=5,title=Service/x moved::")
    assert len(lines) == 4  # nothing for passed or skipped checks


def test_a_run_that_could_not_grade_is_one_error_annotation() -> None:
    report = Report("grade", error="no lesson 'services-101'\nsee `kubelab lessons`")
    assert workflow_commands(report) == (
        "::error title=kubelab grade%3A could not grade::"
        "no lesson 'services-101'%0Asee `kubelab lessons`\n"
    )


def test_summary_is_a_table_with_the_headline_points_and_adjustments() -> None:
    text = summary(sample())
    report = sample()
    assert text.splitlines()[0] == "### kubelab grade: " + " ".join(report.headline().split())
    assert report.headline().startswith("ERROR (could not grade)  score 1/5 points (20%)")
    rows = [line for line in text.splitlines() if line.startswith("| ❌")]
    assert rows == [
        "| ❌ | selector, port: 80 \\| 100% | create | 0/3 | submission/svc.yaml:4 | "
        "spec.selector.run: expected my-nginx found nginx |"
    ]
    assert "- dropped: `Namespace/mine` (submission/all.yaml:1): not created" in text
    assert "| ➖ | lb | create | 0/1 |" in text
