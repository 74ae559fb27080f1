"""What `kubelab lint` checks in a lesson beyond its model: rules on the raw data, so they are
reported even when validation fails, all in one pass.

Duplicate step ids and empty solutions; placeholders (declared, lowercase, used); kubectl commands
that would leave the lab namespace; JMESPath expressions (`(expr)` keys, live-value paths) that do
not compile, and live-value paths naming fields the object's type does not have; and every
manifest the lesson references (`manifest_lint.py`), each file read once per course.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jmespath
import jmespath.exceptions

from kubelab.lessons.api_versions import DEFAULT_API_VERSIONS
from kubelab.lessons.kubectl_policy import command_problem
from kubelab.lessons.manifest_lint import ManifestCache, lint_manifest, placeholder_name_problem
from kubelab.lessons.marked_yaml import DataPath, Marked
from kubelab.lessons.problems import LessonProblem
from kubelab.lessons.render import fill, find_placeholders
from kubelab.lessons.served_types import served_types

Locate = Callable[[DataPath, str], LessonProblem]
LINT_NAMESPACE = "kubelab-lint"
UNREAD = "<a manifest that could not be read>"
"""Marks the placeholders used as unknown: no binding is then reported as unused."""


def human_path(path: DataPath) -> str:
    text = ""
    for item in path:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text


def _items(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _strings(data: Any, path: DataPath) -> Iterator[tuple[DataPath, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield (*path, key), key
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


def _binding_names(data: Any) -> dict[str, DataPath]:
    names: dict[str, DataPath] = {}
    for index, binding in enumerate(_items(data, "bindings")):
        if isinstance(binding, dict) and isinstance(binding.get("name"), str):
            names[binding["name"]] = ("bindings", index, "name")
    return names


def _actions(data: Any) -> Iterator[tuple[DataPath, Any]]:
    """Every `Actions` mapping of a lesson (setup, step setups, solutions), with its path."""
    if isinstance(data, dict) and isinstance(data.get("setup"), dict):
        yield ("setup",), data["setup"]
    for index, step in enumerate(_items(data, "steps")):
        if not isinstance(step, dict):
            continue
        for key in ("setup", "solution"):
            if isinstance(step.get(key), dict):
                yield ("steps", index, key), step[key]


def _manifest_refs(data: Any) -> Iterator[tuple[DataPath, Any]]:
    for path, actions in _actions(data):
        for index, ref in enumerate(_items(actions, "manifests")):
            yield (*path, "manifests", index), ref
    for step_index, step in enumerate(_items(data, "steps")):
        for wrong_index, wrong in enumerate(_items(step, "wrong_answers")):
            for index, ref in enumerate(_items(wrong, "manifests")):
                path = ("steps", step_index, "wrong_answers", wrong_index, "manifests", index)
                yield path, ref


def semantic_problems(
    marked: Marked, source: Path, root: Path, manifest_cache: ManifestCache
) -> list[LessonProblem]:
    """Every problem the model cannot see, located in the lesson file or its manifests."""
    data = marked.data

    def at(path: DataPath, message: str) -> LessonProblem:
        place = marked.place_of(path)
        return LessonProblem(source, place.line, place.col, message)

    declared = _binding_names(data)
    used: set[str] = set()
    problems = [
        *_step_problems(data, at),
        *_placeholder_problems(data, {"namespace", *declared}, used, at),
        *_manifest_problems(data, source, root, {"namespace", *declared}, used, manifest_cache, at),
        *_command_problems(data, at),
        *_expression_problems(data, at, strict=manifest_cache.strict),
    ]
    for name, path in declared.items():
        if name not in used and UNREAD not in used:
            problems.append(
                at(path, f"{human_path(path)}: binding {name!r} is never used as ${{{name}}}")
            )
    return problems


def _step_problems(data: Any, at: Locate) -> Iterator[LessonProblem]:
    seen: dict[str, int] = {}
    for index, step in enumerate(_items(data, "steps")):
        step_id = step.get("id") if isinstance(step, dict) else None
        if not isinstance(step_id, str):
            continue
        if step_id in seen:
            yield at(
                ("steps", index, "id"),
                f"steps[{index}].id: duplicate step id {step_id!r} (also steps[{seen[step_id]}])",
            )
        else:
            seen[step_id] = index
        solution = step.get("solution")
        if (
            isinstance(solution, dict)
            and not solution.get("manifests")
            and not solution.get("commands")
        ):
            yield at(
                ("steps", index, "solution"),
                f"steps[{index}].solution: give 'manifests' or 'commands' (the self-test and "
                "'apply for me' use them)",
            )


def _placeholder_problems(
    data: Any, known: set[str], used: set[str], at: Locate
) -> Iterator[LessonProblem]:
    for path, text in _strings(data, ()):
        for found in find_placeholders(text):
            if not found.valid:
                yield at(path, f"{human_path(path)}: {placeholder_name_problem(found.name)}")
            elif found.name not in known:
                yield at(
                    path,
                    f"{human_path(path)}: unknown placeholder ${{{found.name}}} (declare it "
                    f"under 'bindings'; known: {', '.join(sorted(known))})",
                )
            else:
                used.add(found.name)


def _manifest_problems(
    data: Any,
    source: Path,
    root: Path,
    known: set[str],
    used: set[str],
    manifest_cache: ManifestCache,
    at: Locate,
) -> Iterator[LessonProblem]:
    resolved_root = root.resolve()
    for path, ref in _manifest_refs(data):
        if not isinstance(ref, str):
            continue  # reported by validation
        where = human_path(path)
        target = (source.parent / ref).resolve()
        if (
            Path(ref).is_absolute()
            or not target.is_file()
            or not target.is_relative_to(resolved_root)
        ):
            used.add(UNREAD)
        if Path(ref).is_absolute():
            yield at(path, f"{where}: manifest path must be relative to the lesson file: {ref!r}")
        elif not target.is_relative_to(resolved_root):
            yield at(path, f"{where}: manifest path {ref!r} escapes the course root {root}")
        elif not target.is_file():
            yield at(path, f"{where}: manifest file not found: {ref!r} (looked for {target})")
        else:
            if target not in manifest_cache:
                manifest_cache[target] = lint_manifest(target, strict=manifest_cache.strict)
            report = manifest_cache[target]
            yield from report.problems
            if report.problems:
                used.add(UNREAD)  # what it would use once fixed is not known
            for placeholder in report.placeholders:
                if placeholder.name in known:
                    used.add(placeholder.name)
                    continue
                message = (
                    f"unknown placeholder ${{{placeholder.name}}} (bindings here: "
                    f"{', '.join(sorted(known))})"
                )
                yield LessonProblem(target, placeholder.line, placeholder.col, message)


def _lint_sample(data: Any) -> dict[str, str]:
    """Sample values for the placeholders of a command: the lint namespace, and per declared
    binding a value of the kind it allocates (a port number or an address)."""
    values = {"namespace": LINT_NAMESPACE}
    for index, binding in enumerate(_items(data, "bindings")):
        if isinstance(binding, dict) and isinstance(binding.get("name"), str):
            port = binding.get("allocate") == "nodePort"
            values[binding["name"]] = str(30000 + index) if port else f"10.96.0.{200 + index}"
    return values


def _command_problems(data: Any, at: Locate) -> Iterator[LessonProblem]:
    """Every action command checked against the allowed kubectl commands (`kubectl_policy`),
    with sample values in its placeholders."""
    sample = _lint_sample(data)
    for path, actions in _actions(data):
        for index, argv in enumerate(_items(actions, "commands")):
            if not isinstance(argv, list) or not argv or argv[0] != "kubectl":
                continue  # reported by validation
            filled = [fill(str(arg), lambda name: sample.get(name, name)) for arg in argv]
            problem = command_problem(filled, LINT_NAMESPACE)
            if problem is not None:
                where = (*path, "commands", index)
                yield at(
                    where,
                    f"{human_path(where)}: a lesson acts in its lab namespace only: "
                    f"{problem.message}",
                )


def _expression_problems(data: Any, at: Locate, *, strict: bool) -> Iterator[LessonProblem]:
    """`(expr)` keys of partial objects and live values' paths, under every step's checks."""
    for step_index, step in enumerate(_items(data, "steps")):
        for check_index, check in enumerate(_items(step, "checks")):
            where = ("steps", step_index, "checks", check_index)
            yield from _expressions_in(check, where, at, strict)


def _expressions_in(
    value: Any, path: DataPath, at: Locate, strict: bool
) -> Iterator[LessonProblem]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _expressions_in(item, (*path, index), at, strict)
        return
    if not isinstance(value, dict):
        return
    if isinstance(value.get("from"), dict) and isinstance(value.get("path"), str):
        yield from _live_path_problems(value["from"], value["path"], (*path, "path"), at, strict)
    for key, item in value.items():
        if isinstance(key, str) and len(key) > 2 and key.startswith("(") and key.endswith(")"):
            error = _compile_error(key[1:-1])
            if error is not None:
                yield at((*path, key), f"{human_path((*path, key))}: {error}")
        yield from _expressions_in(item, (*path, key), at, strict)


def _compile_error(expression: str) -> str | None:
    try:
        jmespath.compile(expression)
    except jmespath.exceptions.ParseError as exc:
        first = str(exc).splitlines()[0].removeprefix("Invalid jmespath expression: ")
        reason = "it ends too early" if first.startswith("Incomplete") else first.rstrip(":")
        column = getattr(exc, "lex_position", None)
        where = f" at character {column + 1}" if isinstance(column, int) else ""
        return f"invalid JMESPath expression {expression!r}{where}: {reason}"
    except jmespath.exceptions.JMESPathError as exc:
        reason = str(exc).splitlines()[0]
        return f"invalid JMESPath expression {expression!r}: {reason}"
    except RecursionError:
        return f"invalid JMESPath expression {expression[:40]!r}...: nested too deeply"
    return None


def _live_path_problems(
    ref: dict[str, Any], expression: str, path: DataPath, at: Locate, strict: bool
) -> Iterator[LessonProblem]:
    error = _compile_error(expression)
    if error is not None:
        yield at(path, f"{human_path(path)}: {error}")
        return
    kind = ref.get("kind")
    if not strict:
        return
    if not isinstance(kind, str):
        return
    api_version = ref.get("apiVersion") or DEFAULT_API_VERSIONS.get(kind)
    served = served_types()
    found = served.find(str(api_version), kind) if api_version else None
    if found is None:
        return
    many = "selector" in ref
    ast: dict[str, Any] = dict(jmespath.compile(expression).parsed)
    schema = served.schemas[found.schema]
    try:
        missing = _missing_field(ast, {"type": "array", "items": schema} if many else schema)
    except RecursionError:
        return  # compiled, so only absurdly deep: nothing to say about its fields
    if missing is not None:
        shown = f"a list of {kind}s" if many else f"a {kind}"
        yield at(
            path,
            f"{human_path(path)}: {expression!r} reads {missing!r}, which {shown} does not have",
        )


def _missing_field(node: dict[str, Any], schema: Any) -> str | None:
    """The first field `node` (a JMESPath AST) reads that `schema` lacks; None when every field
    it reads exists or the expression goes where the schema cannot follow (functions, pipes)."""
    served = served_types()
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        if schema is None:
            return None
        resolved = served.resolve(schema)
        if "properties" not in resolved and "additionalProperties" not in resolved:
            return None
        if served.property_schema(resolved, node["value"]) is None:
            return str(node["value"])
        return None
    if kind == "subexpression":
        left, right = children
        missing = _missing_field(left, schema)
        return missing or _missing_field(right, _schema_of(left, schema))
    if kind in ("index_expression",):
        left, right = children
        missing = _missing_field(left, schema)
        return missing or _missing_field(right, _schema_of(left, schema))
    if kind in ("projection", "filter_projection"):
        left, right = children[0], children[1]
        missing = _missing_field(left, schema)
        if missing:
            return missing
        items = _items_of(_schema_of(left, schema))
        if kind == "filter_projection":
            missing = _missing_field(children[2], items)
            if missing:
                return missing
        return _missing_field(right, items)
    return None


def _items_of(schema: Any) -> Any:
    if schema is None:
        return None
    resolved = served_types().resolve(schema)
    return resolved.get("items")


def _schema_of(node: dict[str, Any], schema: Any) -> Any:
    """The schema of what `node` evaluates to, when it can be followed (None: unknown)."""
    if schema is None:
        return None
    served = served_types()
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        return served.property_schema(schema, node["value"])
    if kind == "subexpression":
        return _schema_of(children[1], _schema_of(children[0], schema))
    if kind == "index_expression":
        return _schema_of(children[1], _schema_of(children[0], schema))
    if kind == "index":
        return _items_of(schema)
    if kind == "identity" or kind == "current":
        return schema
    if kind in ("projection", "filter_projection"):
        items = _items_of(_schema_of(children[0], schema))
        inner = _schema_of(children[1], items)
        return None if inner is None else {"type": "array", "items": inner}
    if kind == "flatten":
        return _schema_of(children[0], schema)
    return None
