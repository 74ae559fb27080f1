"""`env`: a pod's environment has (or lacks) a variable."""

from __future__ import annotations

from kubelab.grading.checks.kind import CheckKind
from kubelab.grading.context import CheckContext, GradingError
from kubelab.grading.live import resolve_value
from kubelab.grading.pods import run_in, target_pods
from kubelab.grading.results import CheckOutcome
from kubelab.lessons.checks.env import Spec


def parse_env(output: str) -> dict[str, str]:
    """`env` output as a dict (lines without `=`, e.g. continuation lines, are skipped)."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.partition("=")
        if sep and key and " " not in key:
            found[key] = value
    return found


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    if spec.pod.probe:
        raise GradingError("an env check looks at a learner's pod: give 'name' or 'selector'")
    expected = None if spec.equals is None else resolve_value(spec.equals, ctx)
    if isinstance(expected, list):
        expected = ",".join(str(v) for v in expected)
    targets = target_pods(spec.pod, ctx, every=True)
    for target in targets:
        ran = run_in(target, ["env"], ctx, timeout=min(spec.timeout, 10.0))
        if ran.exit_code != 0:
            return CheckOutcome.failed(
                f"`env` in pod {target.name} exited {ran.exit_code}: {ran.stderr.strip()}"
            )
        env = parse_env(ran.stdout)
        value = env.get(spec.variable)
        if not spec.present:
            if value is not None:
                return CheckOutcome.failed(
                    f"in pod {target.name}, {spec.variable} should be unset; it is {value!r}"
                )
            continue
        if value is None:
            return CheckOutcome.failed(f"pod {target.name} has no variable {spec.variable}")
        if expected is not None and value != str(expected):
            return CheckOutcome.failed(
                f"in pod {target.name}, {spec.variable} should be {str(expected)!r}; "
                f"it is {value!r}"
            )
    pods = ", ".join(t.name for t in targets)
    if not spec.present:
        return CheckOutcome.passed(f"{spec.variable} is not set in {pods}")
    return CheckOutcome.passed(f"{spec.variable} is set as expected in {pods}")


KIND = CheckKind(Spec, evaluate, reads_service_path=True)
