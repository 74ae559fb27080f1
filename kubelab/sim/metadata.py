"""Object metadata rules every type shares (`ValidateObjectMeta`): the type's name rule and the
shapes of labels and annotations; and what counts as a change of an object."""

from __future__ import annotations

from kubelab.sim import errors
from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType

# Set by the server only: a write keeps the stored values (or their absence).
SYSTEM_FIELDS = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
)


def validate_meta(rt: ResourceType, obj: Obj) -> None:
    """The type's name rule, and labels/annotations as maps of strings (422 / 400)."""
    meta = obj["metadata"]
    name = str(meta.get("name", ""))
    errs = rt.name_rule.errors(name)
    for what in ("labels", "annotations"):
        value = meta.get(what)
        if value is None:
            continue
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise errors.bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"json: cannot unmarshal into Go struct field ObjectMeta.metadata.{what} of type "
                "string"
            )
    if errs:
        raise errors.invalid(rt.kind, name, errs, rt.group)


def same_ignoring_managed(a: Obj, b: Obj) -> bool:
    """Equal apart from resourceVersion and the times in managedFields (a time changes only
    with its manager's fields, so an apply that changes ownership alone is still a change)."""

    def strip(o: Obj) -> Obj:
        c = dict(o)
        m = dict(c.get("metadata") or {})
        managed = m.get("managedFields")
        if isinstance(managed, list):
            m["managedFields"] = [
                {k: v for k, v in e.items() if k != "time"} if isinstance(e, dict) else e
                for e in managed
            ]
        m.pop("resourceVersion", None)
        c["metadata"] = m
        return c

    return strip(a) == strip(b)
