"""CI grading at scale: `kubelab grade LESSON/STEP --submission DIR --report junit` for N prepared
submissions (default 100) against ONE simulator, a few at a time, as a classroom's CI would.

The submissions are generated from kinds with a known verdict (a right Service, the right one in a
sub-folder beside files that are not manifests, a wrong selector, a wrong targetPort, invalid
YAML, an object the API refuses, an empty folder, a Service that names another namespace, and a
Namespace document beside the right Service). For each run, the bench checks:
- the exit code (0 passed, 1 a check failed; 2 would be "could not grade": never expected here);
- the JUnit file: it is valid against the JUnit schema CI systems read
  (tests/fixtures/junit/junit.xsd), has a testcase per check, and the failures are exactly the
  checks the kind must fail (by testcase name), nothing else fails and nothing is an error.
Reported: verdicts right/wrong, exit codes, the total wall time and the time per submission
(p50/p95/max). Exit status 1 when any verdict is wrong.

The lesson is the bundled `clusterip-service`, step `create-the-service`, with check timeouts cut
to --check-timeout seconds (default 3) in a copy of the course. Grading a submission waits for
the namespace to settle, not for check timeouts, so `--check-timeout 60` (the lessons' own) shows
the right-versus-wrong times a class sees: the per-kind lines give each.

    .venv/bin/python bench/ci_grading_scale.py [--submissions 100] [--jobs 4]

Bounded: each `kubelab grade` is stopped after 180 s; loopback only.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JUNIT_SCHEMA = ROOT / "tests" / "fixtures" / "junit" / "junit.xsd"
LESSON, STEP = "clusterip-service", "create-the-service"
ASSERT = "my-nginx is a ClusterIP Service for run=my-nginx on port 80"
ENDPOINTS = "the Service has both pods as endpoints"
HTTP = "nginx answers on http://my-nginx/ inside the cluster"
GRADE_TIMEOUT = 180.0
LAB_NAMESPACE = "ci"  # `kubelab up` once; each grading makes a fresh namespace of its own

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  labels:
    run: my-nginx
spec:
  ports:
  - port: 80
    protocol: TCP{target}
  selector:
    {selector}
"""
RIGHT = SERVICE.format(target="", selector="run: my-nginx")


@dataclass(frozen=True)
class Kind:
    name: str
    files: dict[str, str]
    exit_code: int
    failing: frozenset[str]  # testcase names that must fail (all others pass)


KINDS = [
    Kind("right", {"nginx-svc.yaml": RIGHT}, 0, frozenset()),
    Kind(
        "right-in-a-folder",
        {"k8s/service.yml": RIGHT, "README.md": "# my work\n", ".github/ci.yml": "on: [push"},
        0,
        frozenset(),
    ),
    Kind(
        "wrong-selector",
        {"nginx-svc.yaml": SERVICE.format(target="", selector="app: nginx")},
        1,
        frozenset({ASSERT, ENDPOINTS, HTTP}),
    ),
    Kind(
        "wrong-target-port",
        {
            "nginx-svc.yaml": SERVICE.format(
                target="\n    targetPort: 8080", selector="run: my-nginx"
            )
        },
        1,
        frozenset({ASSERT, HTTP}),
    ),
    Kind(
        "invalid-yaml",
        {"nginx-svc.yaml": RIGHT.replace("  selector:\n", "  selector: [\n")},
        1,
        frozenset({"apply nginx-svc.yaml", ASSERT, ENDPOINTS, HTTP}),
    ),
    Kind(
        "refused-by-the-api",
        {"nginx-svc.yaml": RIGHT.replace("- port: 80", "- port: 99999")},
        1,
        frozenset({"apply nginx-svc.yaml", ASSERT, ENDPOINTS, HTTP}),
    ),
    Kind("empty", {}, 1, frozenset({"apply {dir}", ASSERT, ENDPOINTS, HTTP})),
    Kind(
        "names-another-namespace",
        {
            "nginx-svc.yaml": RIGHT.replace(
                "  name: my-nginx\n", "  name: my-nginx\n  namespace: x\n"
            )
        },
        0,
        frozenset(),
    ),
    Kind(
        "with-a-namespace-document",
        {"all.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: mine}\n---\n" + RIGHT},
        0,
        frozenset(),
    ),
]


@dataclass
class Outcome:
    index: int
    kind: Kind
    seconds: float
    exit_code: int
    problems: list[str]


def course_copy(target: Path, check_timeout: int) -> Path:
    """The bundled course with every check timeout cut to at most `check_timeout` seconds."""
    shutil.copytree(ROOT / "lessons", target / "lessons")
    shutil.copytree(ROOT / "manifests", target / "manifests")

    def cut(match: re.Match[str]) -> str:
        return f"{match.group(1)}timeout: {min(int(match.group(2)), check_timeout)}"

    for lesson in (target / "lessons").glob("*.yaml"):
        text = re.sub(r"(\n\s+)timeout: (\d+)", cut, lesson.read_text())
        lesson.write_text(text)
    return target


@functools.cache
def junit_schema() -> Any:
    """The JUnit schema (xmlschema is in the dev extra); None when it cannot be used."""
    try:
        import xmlschema
    except ImportError:
        return None
    return xmlschema.XMLSchema(str(JUNIT_SCHEMA))


def write_submission(folder: Path, kind: Kind) -> None:
    folder.mkdir(parents=True)
    for name, text in kind.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def judge(kind: Kind, folder: Path, exit_code: int, junit: Path) -> list[str]:
    problems = []
    if exit_code != kind.exit_code:
        problems.append(f"exit code {exit_code}, expected {kind.exit_code}")
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError) as exc:
        return [*problems, f"no readable JUnit report: {exc}"]
    schema = junit_schema()
    if schema is not None:
        errors = list(schema.iter_errors(str(junit)))
        if errors:
            problems.append(f"the JUnit report breaks the schema: {errors[0].reason}")
    failing = {name.replace("{dir}", str(folder)) for name in kind.failing}
    cases = root.findall(".//testcase")
    if not cases:
        problems.append("the JUnit report has no testcase")
    names = {case.get("name", "") for case in cases}
    for case in cases:
        name = case.get("name", "")
        if case.find("error") is not None:
            problems.append(f"testcase {name!r} is an error")
        failed = case.find("failure") is not None
        if failed != (name in failing):
            problems.append(f"testcase {name!r} {'failed' if failed else 'passed'}")
    missing = failing - names
    if missing:
        problems.append(f"no testcase for {sorted(missing)}")
    return problems


def start_simulator(directory: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], Path]:
    kubeconfig = directory / "kubeconfig"
    log = (directory / "sim.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--port", "0", "--kubeconfig",
         str(kubeconfig)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while not kubeconfig.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the simulator did not start: see {directory / 'sim.log'}")
        time.sleep(0.05)
    return process, kubeconfig


def kubelab_env(work: Path, kubeconfig: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "KUBECONFIG": str(kubeconfig),
        "KUBELAB_STATE_DIR": str(work / "state"),
        "HOME": str(work),
        "NO_COLOR": "1",
    }
    env.pop("KUBELAB_CLUSTER", None)
    return env


def lab_up(directory: Path, kubeconfig: Path) -> None:
    """What the CI job does once: `kubelab up` on the borrowed context (its lab namespace)."""
    done = subprocess.run(
        [sys.executable, "-m", "kubelab", "up", "--cluster", "context:kubelab-sim",
         "--namespace", LAB_NAMESPACE, "--yes"],
        capture_output=True, text=True, env=kubelab_env(directory, kubeconfig), cwd=directory,
        timeout=GRADE_TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"kubelab up failed ({done.returncode}): {done.stderr.strip()}")


def grader(directory: Path, course: Path, kubeconfig: Path) -> Callable[[int], Outcome]:
    def grade(index: int) -> Outcome:
        kind = KINDS[index % len(KINDS)]
        work = directory / f"sub-{index:03d}"
        folder = work / "submission"
        write_submission(folder, kind)
        junit = work / "reports" / "kubelab.xml"
        env = kubelab_env(work, kubeconfig)
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "kubelab", "grade", f"{LESSON}/{STEP}",
                 "--submission", str(folder), "--lessons", str(course),
                 "--cluster", "context:kubelab-sim", "--namespace", LAB_NAMESPACE, "--yes",
                 "--report", "junit", "--output", str(junit)],
                capture_output=True, text=True, env=env, cwd=work, timeout=GRADE_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
            code = done.returncode
            problems = judge(kind, folder, code, junit)
            if "Traceback" in done.stderr:
                problems.append("a traceback on stderr")
            if problems and code == 2:
                problems.append(f"stderr: {done.stderr.strip()[-300:]}")
        except subprocess.TimeoutExpired:
            code, problems = -1, [f"did not finish within {GRADE_TIMEOUT:g}s"]
        return Outcome(index, kind, time.perf_counter() - started, code, problems)

    return grade


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {pick(0.5):.2f}  p95 {pick(0.95):.2f}  max {ordered[-1]:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=4, help="gradings at a time")
    parser.add_argument("--check-timeout", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kubelab-ci-grading-") as temp:
        directory = Path(temp)
        course = course_copy(directory / "course", args.check_timeout)
        process, kubeconfig = start_simulator(directory)
        try:
            lab_up(directory, kubeconfig)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                outcomes = list(
                    pool.map(grader(directory, course, kubeconfig), range(args.submissions))
                )
            wall = time.perf_counter() - started
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    wrong = [o for o in outcomes if o.problems]
    codes = {code: sum(1 for o in outcomes if o.exit_code == code) for code in (0, 1, 2, -1)}
    print(f"ci grading: {args.submissions} submissions of {LESSON}/{STEP}, {args.jobs} at a time, "
          f"one simulator, check timeouts <= {args.check_timeout}s")  # fmt: skip
    print(f"verdicts right: {len(outcomes) - len(wrong)}/{len(outcomes)}   exit codes: "
          + ", ".join(f"{c}: {n}" for c, n in codes.items() if n))  # fmt: skip
    print(f"total {wall:.1f} s   per submission s: {percentiles([o.seconds for o in outcomes])}")
    for kind in KINDS:
        mine = [o for o in outcomes if o.kind is kind]
        if mine:
            bad = sum(1 for o in mine if o.problems)
            print(f"  {kind.name:26} x{len(mine):3}  exit {kind.exit_code}  "
                  f"{percentiles([o.seconds for o in mine])}  wrong: {bad}")  # fmt: skip
    for outcome in wrong[:10]:
        print(f"  WRONG #{outcome.index} {outcome.kind.name}: {'; '.join(outcome.problems)}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
