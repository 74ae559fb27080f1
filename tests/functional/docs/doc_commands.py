"""Every `kubelab ...` command line in README.md and docs/*.md: in fenced code blocks (shell lines,
and the `run:` steps of YAML workflows) and in inline code spans.

A line with metavariables (`LESSON`, `[--x]`, `...`) is a synopsis; `a | b` alternatives are
expanded; comments, prompts, redirections and `&&` chains are taken apart as a shell would."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
INLINE = re.compile(r"(?<!`)`(kubelab(?: [^`]*)?)`(?!`)")
METAVARIABLE = re.compile(r"\[|\.\.\.|…|(?<![-\w$])[A-Z][A-Z_]{1,}(?![\w])")
WORKFLOW_VALUES = {"${{ matrix.cluster }}": "sim"}


@dataclass(frozen=True)
class DocCommand:
    line: str
    where: str
    in_block: bool

    @property
    def synopsis(self) -> bool:
        return bool(METAVARIABLE.search(self.line))

    @property
    def words(self) -> list[str]:
        return shlex.split(self.line)


def _shell_commands(text: str) -> list[str]:
    """The `kubelab ...` commands of one shell line."""
    text = text.split(" # ", 1)[0].strip()
    text = re.sub(r"^\$ ", "", text)
    found = []
    for part in text.split("&&"):
        words = part.strip().split(" > ", 1)[0].split()
        if words and Path(words[0]).name == "kubelab":
            found.append(" ".join(["kubelab", *words[1:]]))
    expanded = []
    for command in found:
        if " | " in command and not METAVARIABLE.search(command):
            head, *others = command.split(" | ")
            expanded.append(head)
            expanded += [f"kubelab {other.strip()}" for other in others]
        else:
            expanded.append(command)
    return expanded


def _joined(body: str) -> list[str]:
    """Lines of a block, an indented line continuing the one before (a wrapped synopsis)."""
    rows: list[str] = []
    for row in body.splitlines():
        if rows and row.startswith("  ") and rows[-1].lstrip().startswith("kubelab"):
            rows[-1] += " " + row.strip()
        else:
            rows.append(row)
    return rows


def _workflow_commands(text: str) -> list[str]:
    workflow: Any = yaml.safe_load(text)
    if not isinstance(workflow, dict) or "jobs" not in workflow:
        return []
    found = []
    for job in workflow["jobs"].values():
        env = {str(k): str(v) for k, v in (job.get("env") or {}).items()}
        for step in job.get("steps") or []:
            run = str(step.get("run") or "")
            for key, value in {**WORKFLOW_VALUES, **{f'"${k}"': v for k, v in env.items()}}.items():
                run = run.replace(key, value)
            found += _shell_commands(" ".join(run.split()))
    return found


def doc_commands() -> list[DocCommand]:
    commands: list[DocCommand] = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        name = str(doc.relative_to(REPO))
        for match in FENCE.finditer(text):
            language, body = match.group(1), match.group(2)
            line_no = text[: match.start()].count("\n") + 1
            if language == "yaml":
                lines = _workflow_commands(body)
            elif language in ("", "sh", "bash", "console", "shell"):
                lines = [c for row in _joined(body) for c in _shell_commands(row)]
            else:
                lines = []
            commands += [DocCommand(line, f"{name}:{line_no}", True) for line in lines]
        for match in INLINE.finditer(FENCE.sub("", text)):
            for line in _shell_commands(" ".join(match.group(1).split())):
                commands.append(DocCommand(line, name, False))
    return list(dict.fromkeys(commands))


def workflow_lessons() -> list[tuple[str, str]]:
    """(lesson target, where) of every `LESSON:` a documented workflow grades."""
    found = []
    for doc in DOCS:
        for match in FENCE.finditer(doc.read_text(encoding="utf-8")):
            if match.group(1) == "yaml":
                workflow = yaml.safe_load(match.group(2))
                if not isinstance(workflow, dict):
                    continue  # a YAML example that is not a workflow (a lesson's list, say)
                for job in workflow.get("jobs", {}).values():
                    lesson = (job.get("env") or {}).get("LESSON")
                    if lesson:
                        found.append((str(lesson), doc.name))
    return found
