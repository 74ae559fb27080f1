"""Mismatches in the learner's words: the field, what it should be, what it is.

A lesson's `(expr)` keys are JMESPath; the learner never sees that source. The expressions
lessons use (a field path, a list entry picked by a key, a count, "is set", a range) are read from
JMESPath's syntax tree and said in words: the key `(ports[?port == 8080].targetPort | [0])` with
the value 80 fails as "the targetPort of port 8080 in spec.ports should be 80; it is 8080". An
expression of another shape is named by the fields it reads, never by its source.
"""

from __future__ import annotations

from typing import Any

import jmespath
import jmespath.exceptions
import yaml

Node = dict[str, Any]
_COMPARE = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def value_text(value: Any) -> str:
    """A value as the learner would write it in YAML (one line); "not set" for a missing one."""
    if value is None:
        return "not set"
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("\n...").removesuffix("...").strip()
    return text if len(text) <= 80 else text[:77] + "..."


def count_text(count: int, noun: str) -> str:
    """`1 entry`, `2 entries`, `0 ready endpoints`."""
    if count == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
    return f"{count} {plural}"


def _parse(expression: str) -> Node | None:
    try:
        parsed: Node = dict(jmespath.compile(expression).parsed)
    except jmespath.exceptions.JMESPathError:
        return None
    return parsed


def _is_null(node: Node) -> bool:
    return (node["type"] == "literal" and node.get("value") is None) or (
        node["type"] == "field" and node.get("value") == "null"
    )


def _path(node: Node) -> str | None:
    """A plain field path (`ports[0].port`, `annotations."a/b"`), or None for anything else."""
    kind = node["type"]
    if kind == "field":
        name = str(node["value"])
        return name if name.replace("_", "").replace("-", "").isalnum() else f'"{name}"'
    if kind == "subexpression":
        parts = [_path(child) for child in node["children"]]
        if any(p is None for p in parts):
            return None
        return ".".join(p for p in parts if p)
    if kind == "index_expression":
        left, index = node["children"]
        base = "" if left["type"] == "identity" else _path(left)
        if base is None or index["type"] != "index":
            return None
        return f"{base}[{index['value']}]"
    if kind == "identity":
        return ""
    return None


def _in(path: str, prefix: str) -> str:
    return f"{prefix}.{path}" if prefix and path else (path or prefix or "the object")


def subject(node: Node, prefix: str) -> str:
    """What the expression reads, in words (`the targetPort of port 8080 in spec.ports`)."""
    path = _path(node)
    if path is not None:
        return _in(path, prefix)
    kind = node["type"]
    if kind == "pipe":
        left, right = node["children"]
        if right["type"] == "index_expression" and right["children"][0]["type"] == "identity":
            return subject(left, prefix)  # "the first one": the entry the filter picks
        if right["type"] == "function_expression" and right.get("value") == "length":
            if left["type"] == "filter_projection" and left["children"][1]["type"] == "identity":
                collection, _, picked = left["children"]
                where = _in(_path(collection) or "a list", prefix)
                return f"the number of {_picked(picked, collection)} entries in {where}"
            return f"the number of {subject(left, prefix)}"
    if kind == "filter_projection":
        collection, field, condition = node["children"]
        where = _in(_path(collection) or "a list", prefix)
        picked = _picked(condition, collection)
        if field["type"] == "identity":
            return f"{picked} in {where}"
        inner = _path(field) or "a value"
        return f"the {inner} of {picked} in {where}"
    if kind == "or_expression":
        left, right = node["children"]
        if right["type"] == "literal":
            return subject(left, prefix)
        return f"{subject(left, prefix)} (or {subject(right, '')})"
    if kind == "function_expression" and node.get("value") == "length":
        return f"the number of {subject(node['children'][0], prefix)}"
    fields = sorted(_fields(node))
    return _in(", ".join(fields), prefix) if fields else _in("", prefix)


def _picked(condition: Node, collection: Node) -> str:
    """The list entry a filter picks: `port 8080`, `the entry named http`."""
    if condition["type"] == "comparator" and condition.get("value") == "eq":
        key, literal = condition["children"]
        if key["type"] == "field" and literal["type"] == "literal":
            name, value = str(key["value"]), literal["value"]
            noun = (_path(collection) or "entry").split(".")[-1].rstrip("s") or "entry"
            if name == "name":
                return f"the {noun} named {value_text(value)}"
            if name == noun:
                return f"{noun} {value_text(value)}"
            return f"the {noun} whose {name} is {value_text(value)}"
    return "the matching entries"


def _fields(node: Node) -> set[str]:
    if node["type"] == "field" and node.get("value") != "null":
        return {str(node["value"])}
    found: set[str] = set()
    for child in node.get("children") or []:
        if isinstance(child, dict):
            found |= _fields(child)
    return found


def _value_of(node: Node, actual: Any) -> Any:
    """The value a plain operand has in `actual` (ValueError for one that is not plain)."""
    try:
        return jmespath.search(_source(node), actual)
    except jmespath.exceptions.JMESPathError as exc:
        raise ValueError(str(exc)) from exc


def _source(node: Node) -> str:
    """Back from a syntax-tree node to an expression (the parts `condition` evaluates)."""
    kind = node["type"]
    if kind == "field":
        return '"' + str(node["value"]).replace('"', '\\"') + '"'
    if kind == "subexpression":
        return ".".join(_source(child) for child in node["children"])
    if kind == "index_expression":
        left, index = node["children"]
        base = "@" if left["type"] == "identity" else _source(left)
        return f"{base}[{index['value']}]"
    if kind == "or_expression":
        return " || ".join(f"({_source(child)})" for child in node["children"])
    raise ValueError(f"not a plain value: {kind}")


def condition(node: Node, want: bool, actual: Any, prefix: str) -> str | None:
    """A boolean expression that should be `want`, said as what should hold and what is (None:
    not a shape said here)."""
    kind = node["type"]
    if kind == "comparator":
        left, right = node["children"]
        op = str(node["value"])
        if _is_null(left):
            left, right = right, left
        try:
            now = _value_of(left, actual)
        except ValueError:
            return None
        what = subject(left, prefix)
        if _is_null(right) and op in ("ne", "eq"):
            should_be_set = (op == "ne") == want
            if should_be_set:
                return f"{what} should be set; it is not"
            return f"{what} should not be set; it is {value_text(now)}"
        if right["type"] == "literal" and op in _COMPARE and want:
            bound = value_text(right["value"])
            return f"{what} should be {_COMPARE[op]} {bound}; it is {value_text(now)}"
        return None
    if kind == "and_expression" and want:
        parts = [condition(child, True, actual, prefix) for child in node["children"]]
        bounds = _range(node, actual, prefix)
        if bounds is not None:
            return bounds
        if all(parts):
            return " and ".join(p for p in parts if p)
    return None


def _range(node: Node, actual: Any, prefix: str) -> str | None:
    """`x >= a && x <= b`: `x should be between a and b; it is v`."""
    low_high: dict[str, Any] = {}
    operands = set()
    for child in node["children"]:
        if child["type"] != "comparator" or child["children"][1]["type"] != "literal":
            return None
        operands.add(repr(child["children"][0]))
        if child["value"] in ("gte", "gt"):
            low_high["low"] = child["children"][1]["value"]
        elif child["value"] in ("lte", "lt"):
            low_high["high"] = child["children"][1]["value"]
    if len(operands) != 1 or set(low_high) != {"low", "high"}:
        return None
    operand = node["children"][0]["children"][0]
    try:
        now = _value_of(operand, actual)
    except ValueError:
        return None
    return (
        f"{subject(operand, prefix)} should be between {low_high['low']} and "
        f"{low_high['high']}; it is {value_text(now)}"
    )


def expression_mismatch(expression: str, want: Any, got: Any, actual: Any, prefix: str) -> str:
    """The sentence for an `(expr)` key whose value `got` does not match `want`."""
    node = _parse(expression)
    if node is None:
        return f"{prefix or 'the object'} is not as expected"
    if isinstance(want, bool):
        said = condition(node, want, actual, prefix)
        if said is not None:
            return said
        if node["type"] in ("comparator", "and_expression", "or_expression", "not_expression"):
            fields = ", ".join(sorted(_fields(node))) or "the object"
            return f"{_in(fields, prefix)}: not as this step asks (see what to look at)"
    what = subject(node, prefix)
    if what.startswith("the number of") and isinstance(want, int) and isinstance(got, int):
        return f"{what} should be {want}; it is {got}"
    return f"{what} should be {value_text(want)}; it is {value_text(got)}"


def readable_key(expression: str, prefix: str = "") -> str:
    """An `(expr)` key as the learner reads it (its subject, in words), under `prefix`."""
    node = _parse(expression)
    return subject(node, prefix) if node is not None else _in("(a computed value)", prefix)
