"""Label and field selectors, parsed the way `k8s.io/apimachinery/pkg/labels` and `fields` do."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubelab.sim.errors import ApiError, bad_request
from kubelab.sim.objects import Obj

_KEY = re.compile(
    r"^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$"
)
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "=":
            return present and value == self.values[0]
        if self.op == "in":
            return present and value in self.values
        if self.op == "!=":
            return not present or value != self.values[0]
        if self.op == "notin":
            return not present or value not in self.values
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("gt", "lt"):
            try:
                have = int(value or "")
            except ValueError:
                return False
            want = int(self.values[0])
            return have > want if self.op == "gt" else have < want
        return False


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        have = labels or {}
        return all(r.matches(have) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def word(self) -> str:
        self.skip_ws()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in " \t,()!=<>":
            self.pos += 1
        return self.text[start : self.pos]

    def take(self, token: str) -> bool:
        self.skip_ws()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False


def _check_key(key: str, text: str) -> None:
    if not key or len(key) > 317 or not _KEY.match(key):
        raise bad_request(
            f"unable to parse requirement: {_key_message(key)}"
            if key
            else f"unable to parse requirement: found '', expected: identifier in {text!r}"
        )


def _key_message(key: str) -> str:
    return (
        f"invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    )


def _check_value(value: str) -> None:
    if len(value) > 63 or not _VALUE.match(value):
        raise bad_request(
            f'unable to parse requirement: values[0][{value}]: Invalid value: "{value}": a valid '
            "label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
            "'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        )


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse `a=b,c!=d,e in (f,g),!h,i`; a malformed selector raises a 400 ApiError."""
    if not text or not text.strip():
        return LabelSelector()
    lex = _Lexer(text)
    reqs: list[Requirement] = []
    while True:
        reqs.append(_requirement(lex, text))
        if lex.peek() == "":
            break
        if not lex.take(","):
            raise bad_request(
                f"unable to parse requirement: found '{lex.peek()}', "
                "expected: ',' or 'end of string'"
            )
    return LabelSelector(tuple(reqs))


def _requirement(lex: _Lexer, text: str) -> Requirement:
    """One requirement: `!key`, `key`, `key op value` or `key in|notin (values)`."""
    if lex.take("!"):
        key = lex.word()
        _check_key(key, text)
        return Requirement(key, "!")
    key = lex.word()
    _check_key(key, text)
    op = _operator(lex)
    if op in ("=", "!=", "gt", "lt"):
        return Requirement(key, op, (_operand(lex, op),))
    if op in ("in", "notin"):
        return Requirement(key, op, _value_set(lex))
    return Requirement(key, "exists")


def _operator(lex: _Lexer) -> str:
    """The operator after a key (`==` is `=`); "exists" when none follows."""
    for token, op in (("==", "="), ("!=", "!="), ("=", "="), (">", "gt"), ("<", "lt")):
        if lex.take(token):
            return op
    save = lex.pos
    w = lex.word()
    if w in ("in", "notin"):
        return w
    lex.pos = save
    return "exists"


def _operand(lex: _Lexer, op: str) -> str:
    """The value of `=`, `!=` (a label value) or `>`, `<` (an integer)."""
    value = lex.word()
    if op in ("gt", "lt"):
        try:
            int(value)
        except ValueError:
            raise bad_request(
                f"unable to parse requirement: for 'Gt', 'Lt' operators, the value "
                f"must be an integer: {value!r}"
            ) from None
    else:
        _check_value(value)
    return value


def _value_set(lex: _Lexer) -> tuple[str, ...]:
    """`(v1,v2,...)` after `in` / `notin`; `()` is allowed."""
    if not lex.take("("):
        raise bad_request(f"unable to parse requirement: found '{lex.peek()}', expected: '('")
    values: list[str] = []
    while True:
        if lex.take(")"):
            break
        v = lex.word()
        _check_value(v)
        values.append(v)
        if lex.take(","):
            continue
        if lex.take(")"):
            break
        raise bad_request(
            f"unable to parse requirement: found '{lex.peek()}', expected: ',' or ')'"
        )
    return tuple(values)


def selector_from_match(selector: Mapping[str, Any] | None) -> LabelSelector:
    """A `metav1.LabelSelector` (matchLabels + matchExpressions) as a LabelSelector."""
    if not selector:
        return LabelSelector()
    reqs: list[Requirement] = []
    for k, v in sorted((selector.get("matchLabels") or {}).items()):
        reqs.append(Requirement(str(k), "=", (str(v),)))
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in selector.get("matchExpressions") or []:
        op = ops.get(str(expr.get("operator")))
        if op is None:
            continue
        reqs.append(Requirement(str(expr.get("key")), op, tuple(expr.get("values") or ())))
    return LabelSelector(tuple(reqs))


def selector_string(selector: Mapping[str, Any] | None) -> str:
    """A `metav1.LabelSelector` in its string form (`app=x,tier in (a,b)`), as Scale shows it."""
    parts: list[str] = []
    for r in selector_from_match(selector).requirements:
        if r.op == "=":
            parts.append(f"{r.key}={r.values[0]}")
        elif r.op in ("in", "notin"):
            parts.append(f"{r.key} {r.op} ({','.join(sorted(r.values))})")
        elif r.op == "exists":
            parts.append(r.key)
        elif r.op == "!":
            parts.append(f"!{r.key}")
    return ",".join(sorted(parts))


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    value: str
    negate: bool


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Obj) -> bool:
        for r in self.requirements:
            have = field_value(obj, r.path)
            if (have == r.value) == r.negate:
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.requirements

    def value_of(self, path: str) -> str | None:
        """The value an `=` requirement on `path` asks for (e.g. metadata.name), if any."""
        for r in self.requirements:
            if r.path == path and not r.negate:
                return r.value
        return None


def field_value(obj: Obj, path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def parse_field_selector(text: str | None, allowed: tuple[str, ...]) -> FieldSelector:
    """Parse `metadata.name=x,spec.nodeName!=y`; unknown fields raise a 400 ApiError."""
    if not text or not text.strip():
        return FieldSelector()
    reqs: list[FieldRequirement] = []
    for raw in _split_unescaped(text):
        part = raw.strip()
        if not part:
            continue
        for op in ("!=", "==", "="):
            if op in part:
                path, _, value = part.partition(op)
                negate = op == "!="
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        path = path.strip()
        # An allowed entry "label=path" is a field label that reads another path.
        aliases = dict(a.split("=", 1) for a in allowed if "=" in a)
        labels = {a.split("=", 1)[0] for a in allowed}
        if path not in ("metadata.name", "metadata.namespace", *labels):
            if allowed:  # a type with its own field labels (conversion function)
                raise ApiError(400, "BadRequest", f"field label not supported: {path}")
            raise ApiError(
                400,
                "BadRequest",
                f'"{path}" is not a known field selector: only "metadata.name", '
                '"metadata.namespace"',
            )
        path = aliases.get(path, path)
        reqs.append(FieldRequirement(path, value.strip().replace("\\,", ","), negate))
    return FieldSelector(tuple(reqs))


def _split_unescaped(text: str) -> list[str]:
    parts: list[str] = []
    cur = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur += text[i : i + 2]
            i += 2
            continue
        if ch == ",":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    parts.append(cur)
    return parts
