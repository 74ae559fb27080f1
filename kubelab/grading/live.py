"""Reading the live cluster for checks: the objects an `ObjectRef` names, and live values."""

from __future__ import annotations

from typing import Any

from kubelab.grading.context import CheckContext, GradingError
from kubelab.grading.matcher import ExpressionError, evaluate_expression
from kubelab.lessons.api_versions import UnknownKind, api_version_for
from kubelab.lessons.checks.base import LiveValue, ObjectRef
from kubelab.objects import Obj


def read_objects(ref: ObjectRef, ctx: CheckContext) -> list[Obj]:
    """The object `ref` names (empty list when it is missing) or every object its selector picks."""
    try:
        api_version = api_version_for(ref.kind, ref.api_version)
    except UnknownKind as exc:
        raise GradingError(str(exc)) from None
    namespace = ctx.namespace_of(ref.namespace)
    if ref.name is not None:
        obj = ctx.client.get(api_version, ref.kind, ref.name, namespace)
        return [] if obj is None else [obj]
    return ctx.client.list(api_version, ref.kind, namespace, ref.selector or {})


def describe_ref(ref: ObjectRef, ctx: CheckContext) -> str:
    where = ctx.namespace_of(ref.namespace)
    if ref.name is not None:
        return f"{ref.kind} {ref.name!r} in namespace {where}"
    labels = ",".join(f"{k}={v}" for k, v in (ref.selector or {}).items())
    return f"{ref.kind} with labels {labels} in namespace {where}"


class LiveValueMissing(Exception):
    """The object a live value reads does not exist (yet): the check fails, and is retried."""


def read_live(value: LiveValue, ctx: CheckContext) -> Any:
    objects = read_objects(value.from_, ctx)
    if value.from_.name is not None:
        if not objects:
            raise LiveValueMissing(f"{describe_ref(value.from_, ctx)} does not exist")
        data: Any = objects[0]
    else:
        data = objects
    try:
        return evaluate_expression(value.path, data)
    except ExpressionError as exc:
        raise GradingError(str(exc)) from exc


def resolve_value(value: Any, ctx: CheckContext) -> Any:
    """A check's expected value: literal, `${binding}` (already rendered), or live."""
    if isinstance(value, LiveValue):
        return read_live(value, ctx)
    return value


def expected_texts(items: list[str | LiveValue], ctx: CheckContext) -> list[str]:
    """Texts an output must (or must not) contain: literal, or read live (a list read live
    stands for each of its items). A live value that reads nothing fails the check for now."""
    texts: list[str] = []
    for item in items:
        if not isinstance(item, LiveValue):
            texts.append(item)
            continue
        value = read_live(item, ctx)
        values = value if isinstance(value, list) else [value]
        if value is None or not values:
            raise LiveValueMissing(f"{item.path!r} of {describe_ref(item.from_, ctx)} is empty")
        texts.extend(str(v) for v in values)
    return texts
