"""Whether a lesson's kubectl command stays in the lab namespace.

Used when a command runs (the grader refuses it before anything is sent) and by `kubelab lint`
(which reports it at the command's place in the lesson file).
"""

from __future__ import annotations

# kubectl's global flags that point a command at another cluster or identity
_ELSEWHERE_FLAGS = frozenset(
    {
        "--kubeconfig",
        "--context",
        "--cluster",
        "--server",
        "-s",
        "--token",
        "--user",
        "--username",
        "--password",
        "--as",
        "--as-group",
        "--as-uid",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "--insecure-skip-tls-verify",
        "--tls-server-name",
    }
)
_ALL_NAMESPACES = frozenset({"-A", "--all-namespaces"})
_NAMESPACE_FLAGS = frozenset({"-n", "--namespace"})
_CLUSTER_TARGETS = frozenset({"namespace", "namespaces", "ns", "node", "nodes", "no"})
_NODE_VERBS = frozenset({"cordon", "uncordon", "drain", "taint"})
_READ_VERBS = frozenset({"get", "describe", "explain", "top", "api-resources", "version"})


def command_scope_problem(args: list[str], namespace: str) -> str | None:
    """Why a lesson's kubectl command (argv without `kubectl`) would act outside the lab
    namespace `namespace` (None: it stays inside). Arguments after `--` belong to a command run
    in a pod (`kubectl exec POD -- ...`) and are not kubectl's."""
    own = args[: args.index("--")] if "--" in args else args
    verb: str | None = None
    index = 0
    while index < len(own):
        arg = own[index]
        name, has_value, value = arg.partition("=")
        if name in _ELSEWHERE_FLAGS:
            return f"{name} points kubectl at another cluster or identity"
        if name in _ALL_NAMESPACES:
            if not has_value or value.lower() not in ("false", "0"):
                return f"{name} acts in every namespace"
        elif name in _NAMESPACE_FLAGS or (arg.startswith("-n") and not arg.startswith("--")):
            if name in _NAMESPACE_FLAGS and not has_value:
                index += 1
                value = own[index] if index < len(own) else ""
            elif not has_value:
                value = arg[2:]  # -nNAME
            if value != namespace:
                return f"{arg} picks namespace {value or '(none)'}, not the lab namespace"
        elif not arg.startswith("-"):
            if verb is None:
                verb = arg
                if verb in _NODE_VERBS:
                    return f"`kubectl {verb}` acts on nodes"
            elif verb not in _READ_VERBS:
                resource = arg.split("/", 1)[0].lower()
                kinds = {part.split(".", 1)[0] for part in resource.split(",")}
                if kinds & _CLUSTER_TARGETS:
                    return f"`kubectl {verb} {arg}`: a lesson does not change namespaces or nodes"
        index += 1
    return None
