"""YAML parsing that remembers where every value came from, and refuses duplicate keys.

`parse_marked` turns YAML text into plain Python data plus a table from each value's path
(`("steps", 0, "title")`) to its line and column, so validation errors can be reported as
`path:line:col`. PyYAML silently keeps the last of two equal keys; here that is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kubelab.lessons.problems import LessonProblem
from kubelab.lessons.yaml_size import TooManyNodes, check_expansion

MAX_NODES = 100_000
"""A lesson file or manifest may expand (aliases included) to at most this many YAML nodes: the
bundled lessons have a few hundred each."""

PathKey = str | int
DataPath = tuple[PathKey, ...]


@dataclass(frozen=True)
class Place:
    """1-based line and column."""

    line: int
    col: int


@dataclass
class Marked:
    """Parsed data, where each path's value (and, for map entries, its key) starts."""

    data: Any
    values: dict[DataPath, Place] = field(default_factory=dict)
    keys: dict[DataPath, Place] = field(default_factory=dict)
    problems: list[LessonProblem] = field(default_factory=list)
    """Problems that did not stop parsing (a duplicate key: the first value is kept)."""

    def place_of(self, path: DataPath, *, key: bool = False) -> Place:
        """The place of `path`, or of its longest prefix that exists."""
        table = self.keys if key else self.values
        if path in table:
            return table[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return Place(1, 1)


class _Failure(Exception):
    def __init__(self, problem: LessonProblem) -> None:
        self.problem = problem


def _place(node: Node) -> Place:
    return Place(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, source: Path) -> None:
        self.source = source
        self.marked = Marked(data=None)
        self.scalars = SafeConstructor()

    def fail(self, node: Node, message: str) -> _Failure:
        place = _place(node)
        return _Failure(LessonProblem(self.source, place.line, place.col, message))

    def build(self, node: Node, path: DataPath, active: frozenset[int]) -> Any:
        self.marked.values.setdefault(path, _place(node))
        if isinstance(node, ScalarNode):
            try:
                return self.scalars.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise self.fail(node, f"invalid YAML: {_describe(exc)}") from None
        if id(node) in active:
            raise self.fail(node, "invalid YAML: an alias refers to the node that contains it")
        inner = active | {id(node)}
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), inner) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise self.fail(key_node, "invalid YAML: a key must be a plain value")
                key = self.build(key_node, (*path, "<key>"), inner)
                try:
                    hash(key)
                except TypeError:
                    raise self.fail(key_node, "invalid YAML: a key must be a plain value") from None
                if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, "YAML merge keys ('<<') are not supported here")
                if key in result:
                    first = self.marked.keys[(*path, key)]
                    self.marked.problems.append(
                        self.fail(
                            key_node, f"duplicate key {key!r} (first given on line {first.line})"
                        ).problem
                    )
                    continue
                self.marked.keys[(*path, key)] = _place(key_node)
                result[key] = self.build(value_node, (*path, key), inner)
            self.marked.values.pop((*path, "<key>"), None)
            return result
        raise self.fail(node, "invalid YAML: unexpected node")


def _describe(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [exc.context, exc.problem]
        return " ".join(part for part in parts if part) or "cannot parse"
    return str(exc) or "cannot parse"


# PyYAML's contexts for a bracket or quote that is never closed: the error belongs where it opens,
# not where the parser gave up (often the next line).
_UNCLOSED = {
    "while parsing a flow sequence": "the '[' here is never closed",
    "while parsing a flow mapping": "the '{' here is never closed",
    "while scanning a quoted scalar": "the quote here is never closed",
}


def yaml_error_problem(exc: yaml.YAMLError, source: Path) -> LessonProblem:
    """A YAML syntax error as a located problem: at the opening bracket or quote when one is
    never closed, else where the parser stopped."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return LessonProblem(source, 1, 1, f"invalid YAML: {_describe(exc)}")
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    unclosed = _UNCLOSED.get(exc.context or "")
    if unclosed is not None and context_mark is not None:
        stopped = ""
        if problem_mark is not None:
            stopped = f" ({exc.problem} at line {problem_mark.line + 1}, column "
            stopped += f"{problem_mark.column + 1})"
        line, col = context_mark.line + 1, context_mark.column + 1
        return LessonProblem(source, line, col, f"invalid YAML: {unclosed}{stopped}")
    mark = problem_mark or context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return LessonProblem(source, line, col, f"invalid YAML: {_describe(exc)}")


def _compose(text: str, source: Path, *, many: bool) -> list[Node]:
    try:
        if many:
            nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        else:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            nodes = [] if node is None else [node]
    except yaml.YAMLError as exc:
        raise MarkedParseError(yaml_error_problem(exc, source)) from None
    except RecursionError:
        problem = LessonProblem(source, 1, 1, "invalid YAML: nested too deeply")
        raise MarkedParseError(problem) from None
    for node in nodes:
        # before anything is built: building walks every alias again, so a bomb would stall
        try:
            check_expansion(node, MAX_NODES)
        except TooManyNodes as exc:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
            raise MarkedParseError(
                LessonProblem(source, line, col, f"invalid YAML: {exc}")
            ) from None
    return nodes


def parse_marked(text: str, source: Path) -> Marked:
    """Parse one YAML document, or raise `MarkedParseError` with the located problem."""
    nodes = _compose(text, source, many=False)
    if not nodes:
        return Marked(data=None, values={(): Place(1, 1)})
    return _build(nodes[0], source)


def parse_marked_all(text: str, source: Path) -> list[Marked]:
    """Parse every document of a multi-document YAML stream (empty documents are left out)."""
    return [_build(node, source) for node in _compose(text, source, many=True)]


def _build(node: Node, source: Path) -> Marked:
    builder = _Builder(source)
    try:
        builder.marked.data = builder.build(node, (), frozenset())
    except _Failure as failure:
        raise MarkedParseError(failure.problem) from None
    except RecursionError:
        raise MarkedParseError(
            LessonProblem(source, 1, 1, "invalid YAML: nested too deeply")
        ) from None
    return builder.marked


class MarkedParseError(Exception):
    def __init__(self, problem: LessonProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))
