"""The files `kubelab init-assignment` writes for a class: the learner's README, the GitHub
workflow that grades every push, the submission folder, and where kubelab is installed from.

Everything here is text made from the lesson and the options; `init_assignment.py` writes it.
Values that reach YAML are written as JSON strings (valid YAML scalars) and values that reach a
shell are quoted, so no lesson title or package source can change the workflow's meaning.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from importlib import metadata
from typing import Final

from kubelab import __version__
from kubelab.lessons.model import Lesson

SUBMISSION: Final = "submission"
WORKFLOW: Final = ".github/workflows/grade.yml"
REPORTS: Final = "reports"
REQUIREMENT = re.compile(r"kubelab(\s*(==|@)\s*\S+)?")
"""`kubelab`, `kubelab==0.1.0` or `kubelab @ git+https://...`: one line, no spaces in the URL."""


class SourceUnknown(Exception):
    """Where kubelab comes from in CI cannot be told from how it was installed here."""


@dataclass(frozen=True)
class Assignment:
    lesson: Lesson
    target: str
    """what `kubelab grade` is given: LESSON or LESSON/STEP"""
    requirement: str
    """what `pip install` is given in CI"""
    course: str | None
    """the course folder inside the repository (`--lessons`), None for the bundled course"""


def valid_requirement(value: str) -> str:
    value = value.strip()
    if not REQUIREMENT.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a pip requirement for kubelab: give `kubelab==VERSION` or "
            "`kubelab @ git+https://HOST/OWNER/kubelab@REF`"
        )
    return value


def installed_requirement() -> str:
    """How CI can install the kubelab running now: the git URL and commit it was installed from
    (pip's direct_url.json, PEP 610), or `kubelab==VERSION` when it came from a package index."""
    try:
        raw = metadata.distribution("kubelab").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        raise SourceUnknown("kubelab is not installed as a package here") from None
    if raw is None:
        return f"kubelab=={__version__}"
    origin = json.loads(raw)
    vcs = origin.get("vcs_info") or {}
    url = str(origin.get("url", ""))
    if vcs.get("vcs") == "git" and url.startswith(("https://", "ssh://", "git://")):
        return valid_requirement(f"kubelab @ git+{url}@{vcs.get('commit_id') or 'HEAD'}")
    raise SourceUnknown(
        f"kubelab was installed from {url or 'a local folder'}, which CI cannot reach"
    )


def _yaml(value: str) -> str:
    return json.dumps(value)


def workflow(assignment: Assignment) -> str:
    """`.github/workflows/grade.yml`: grade the submission on the simulator on every push."""
    lessons = f" --lessons {shlex.quote(assignment.course)}" if assignment.course else ""
    grade = (
        f'kubelab grade "$LESSON" --submission {SUBMISSION}/ --cluster sim{lessons} '
        f"--report junit:{REPORTS}/kubelab.xml --report json:{REPORTS}/kubelab.json "
        "--report github --report text"
    )
    install = f"python -m pip install {shlex.quote(assignment.requirement)}"
    return f"""\
# Grades the manifests in {SUBMISSION}/ against the kubelab lesson below, on every push.
# Written by `kubelab init-assignment`; docs/ci-grading.md in kubelab explains each step.
name: grade

on:
  push:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read
  checks: write          # the JUnit report is published as a check run

jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    env:
      LESSON: {_yaml(assignment.target)}
      KUBELAB_STATE_DIR: ${{{{ runner.temp }}}}/kubelab
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"

      - name: Install kubelab (it brings its own kubectl)
        run: {_yaml(install)}

      - name: Grade the submission
        run: {_yaml(grade)}

      - name: Publish the report
        if: always()
        uses: mikepenz/action-junit-report@v5
        with:
          report_paths: {REPORTS}/kubelab.xml
          check_name: kubelab
          include_passed: true

      - name: Keep the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: kubelab-reports
          path: {REPORTS}/

      - name: Stop the simulator
        if: always()
        run: kubelab down --cluster sim --yes
"""


def check_command(assignment: Assignment) -> str:
    """What a learner runs before pushing: the same grading, on the simulator, locally."""
    lessons = f" --lessons {shlex.quote(assignment.course)}" if assignment.course else ""
    return f"kubelab grade {assignment.target} --submission {SUBMISSION}/ --cluster sim{lessons}"


def readme(assignment: Assignment) -> str:
    """The learner's README: what to do, where to put it, how to check it before pushing."""
    lesson = assignment.lesson
    steps = "\n".join(f"{i}. {step.title}" for i, step in enumerate(lesson.steps, start=1))
    return f"""\
# Assignment: {lesson.title}

{lesson.summary}

This assignment is the kubelab lesson `{lesson.id}`. Work through it in the lab
(`kubelab`, then open the lesson), then put the manifests that make your final state
(Services, Deployments, ...) in `{SUBMISSION}/` as `.yaml` files and push.

Steps of the lesson:

{steps}

## Set up

With Python 3.11 or newer:

```
python3 -m venv .venv
.venv/bin/pip install {shlex.quote(assignment.requirement)}
```

## Check locally before you push

```
{check_command(assignment)}
```

It grades `{SUBMISSION}/` exactly as CI does, on kubelab's built-in simulated cluster (no
Docker needed), and exits 0 when every check passes. `kubelab down --cluster sim` stops the
simulator afterwards.

## How it is graded

On every push, `{WORKFLOW}` applies your manifests in a fresh namespace of its own and grades
the lesson's end state. Each check is worth points; the job summary shows the score, every
check, and where a failing check's object is defined in your files. Your manifests are applied
in that fresh namespace: do not set `metadata.namespace` (an object naming another namespace is
moved into the grading namespace, a `Namespace` object is not created, and the report says so).
Where a manifest needs the namespace's name, such as the DNS name
`backend.NAMESPACE.svc.cluster.local`, write `${{namespace}}`: kubelab fills it in.
"""


def submission_readme(assignment: Assignment) -> str:
    return f"""\
# Your manifests

Put the `.yaml` files of your solution to `{assignment.lesson.id}` here. Every `.yaml`, `.yml`
and `.json` file in this folder (and its sub-folders, except hidden ones) is applied.
"""


def files(assignment: Assignment) -> dict[str, str]:
    """Relative path -> text, for every file of the layout."""
    return {
        "README.md": readme(assignment),
        WORKFLOW: workflow(assignment),
        f"{SUBMISSION}/README.md": submission_readme(assignment),
        ".gitignore": f"/{REPORTS}/\n/.venv/\n",
    }
