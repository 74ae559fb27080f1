"""Which kubectl commands a lesson's actions (setup, solutions) may run: a positive list.

A lesson file may come from anyone, and its commands run on the learner's machine with the
learner's cluster credentials. So a command is allowed only when every part of it is on the
lists below: its verb (and sub-command), every flag (with whether it takes a value), and every
resource kind it names. Anything else is refused with the reason, by `kubelab lint` (located
at the argument) and again right before the command runs.

The arguments are read as kubectl's flag parser (spf13/pflag under cobra) reads them: flags
may come anywhere before `--`, `--flag=value`, `--flag value`, `-f value`, `-fvalue` and
grouped short booleans (`-it`); a flag taking a value takes the next argument whatever it
looks like (`-f -`); after `--` every word is an ordinary argument, except for `exec` and
`run`, where the words after `--` are the command run in the container. Before the verb only
kubectl's global flags may appear (cobra finds the verb that way).

Never allowed, whatever the lists say: another kubeconfig, context, cluster, server, user,
token or impersonation; all namespaces, or a namespace other than the lab's; any verb that
writes to the host or the kubeconfig (`config`, `cp`, `proxy`, `plugin`, `port-forward`,
`edit`, `debug`, ...); files or URLs as input (`-f`, `--from-file`, `--patch-file`:
objects go in the action's `manifests`, which are checked object by object); and any write to
a cluster-scoped kind (namespaces, nodes, cluster roles: on a borrowed cluster they belong to
everyone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# -- kinds -------------------------------------------------------------------------------------
# Namespaced kinds a lesson may read and write: every name kubectl accepts (plural, singular,
# short), and the API group that may follow it (`deployments.apps`).
NAMESPACED: dict[str, str] = {}
for _group, _names in {
    "": "pods pod po services service svc endpoints endpoint ep configmaps configmap cm "
    "secrets secret serviceaccounts serviceaccount sa persistentvolumeclaims "
    "persistentvolumeclaim pvc events event ev replicationcontrollers replicationcontroller rc",
    "apps": "deployments deployment deploy replicasets replicaset rs daemonsets daemonset ds "
    "statefulsets statefulset sts",
    "batch": "jobs job cronjobs cronjob cj",
    "discovery.k8s.io": "endpointslices endpointslice",
    "networking.k8s.io": "ingresses ingress ing networkpolicies networkpolicy netpol",
    "autoscaling": "horizontalpodautoscalers horizontalpodautoscaler hpa",
    "policy": "poddisruptionbudgets poddisruptionbudget pdb",
}.items():
    for _name in _names.split():
        NAMESPACED[_name] = _group

# Cluster-scoped kinds a lesson may only read (get, describe, top).
CLUSTER_READABLE: dict[str, str] = {}
for _group, _names in {
    "": "nodes node no namespaces namespace ns persistentvolumes persistentvolume pv",
    "storage.k8s.io": "storageclasses storageclass sc",
    "networking.k8s.io": "ingressclasses ingressclass",
}.items():
    for _name in _names.split():
        CLUSTER_READABLE[_name] = _group

# -- flags -------------------------------------------------------------------------------------
GLOBAL_VALUE = frozenset({"--namespace", "-n", "--request-timeout", "-v", "--v"})
NAMESPACE_FLAGS = frozenset({"--namespace", "-n"})
# flags whose value is optional (pflag's NoOptDefVal): bare, they do not take the next argument
OPTIONAL_VALUE = frozenset({"--dry-run", "--cascade"})

ELSEWHERE = (
    "--kubeconfig --context --cluster --server -s --token --user --username --password --as "
    "--as-group --as-uid --certificate-authority --client-certificate --client-key "
    "--insecure-skip-tls-verify --tls-server-name --cache-dir --profile-output --log-file "
    "--log-dir --disable-compression"
)
NEVER: dict[str, str] = dict.fromkeys(
    ELSEWHERE.split(), "points kubectl at another cluster, user or configuration"
)
NEVER.update(
    {
        "-A": "acts in every namespace",
        "--all-namespaces": "acts in every namespace",
        "-f": "makes kubectl read objects from a file, a URL or stdin: list manifests under "
        "the action's `manifests` (their objects are checked one by one)",
        "--filename": "makes kubectl read objects from a file, a URL or stdin: list manifests "
        "under the action's `manifests` (their objects are checked one by one)",
        "-k": "makes kubectl read a kustomization from the host",
        "--kustomize": "makes kubectl read a kustomization from the host",
        "--from-file": "makes kubectl read a file of the host",
        "--from-env-file": "makes kubectl read a file of the host",
        "--patch-file": "makes kubectl read a file of the host",
        "--overrides": "rewrites the object kubectl sends, past the lesson's own flags",
        "-R": "makes kubectl read folders of the host",
        "--recursive": "makes kubectl read folders of the host",
    }
)

OUTPUT = ("-o", "--output", "--template", "--dry-run")
SELECT = ("-l", "--selector", "--field-selector")


@dataclass(frozen=True)
class Verb:
    """One allowed verb: its flags (taking a value or not) and how its arguments read."""

    value_flags: frozenset[str]
    bool_flags: frozenset[str] = frozenset()
    writes: bool = True
    arguments: str = "resources"  # resources | name | container-command | free | none
    subcommands: frozenset[str] = field(default_factory=frozenset)


def _verb(
    values: str = "",
    bools: str = "",
    *,
    writes: bool = True,
    arguments: str = "resources",
    subcommands: str = "",
    common: Sequence[str] = (),
) -> Verb:
    return Verb(
        frozenset(values.split()) | frozenset(common),
        frozenset(bools.split()),
        writes,
        arguments,
        frozenset(subcommands.split()),
    )


VERBS: dict[str, Verb] = {
    "get": _verb(
        "--sort-by -L --label-columns --chunk-size",
        "--show-kind --show-labels --no-headers --ignore-not-found --show-managed-fields",
        writes=False,
        common=OUTPUT + SELECT,
    ),
    "describe": _verb("--chunk-size", "--show-events", writes=False, common=SELECT),
    "delete": _verb(
        "--grace-period --timeout --cascade",
        "--wait --now --force --ignore-not-found --all",
        common=(*SELECT, "-o", "--output", "--dry-run"),
    ),
    "patch": _verb("-p --patch --type --subresource --field-manager", common=OUTPUT),
    "label": _verb(
        "--resource-version --field-manager", "--overwrite --all --list", common=OUTPUT + SELECT
    ),
    "annotate": _verb(
        "--resource-version --field-manager", "--overwrite --all --list", common=OUTPUT + SELECT
    ),
    "scale": _verb(
        "--replicas --current-replicas --resource-version --timeout",
        "--all",
        common=OUTPUT + SELECT,
    ),
    "expose": _verb(
        "--port --target-port --name --type --protocol --selector --cluster-ip --external-ip "
        "--labels -l --load-balancer-ip --session-affinity --field-manager",
        common=OUTPUT,
    ),
    "autoscale": _verb("--min --max --cpu-percent --name --field-manager", common=OUTPUT),
    "wait": _verb("--for --timeout", "--all", writes=False, common=OUTPUT + SELECT),
    "rollout": _verb(
        "--timeout --revision --to-revision",
        "-w --watch",
        subcommands="status restart undo history pause resume",
        common=OUTPUT + SELECT,
    ),
    "set": _verb(
        "-e --env -c --containers --from --prefix --keys --limits --requests --resource-version "
        "--field-manager",
        "--all --overwrite --list",
        subcommands="image env selector resources",
        common=OUTPUT + SELECT,
    ),
    "create": _verb(
        "--image --replicas --port --tcp --from-literal --schedule --restart --type "
        "--external-name --node-port --clusterip --field-manager --labels",
        "--save-config",
        arguments="name",
        subcommands="deployment service configmap cm secret job cronjob serviceaccount sa",
        common=OUTPUT,
    ),
    "run": _verb(
        "--image --port --labels -l --env --restart --image-pull-policy --annotations "
        "--field-manager --pod-running-timeout",
        "--command --expose --privileged=false",
        arguments="container-command",
        common=OUTPUT,
    ),
    "exec": _verb(
        "-c --container --pod-running-timeout",
        "-i --stdin -t --tty -q --quiet",
        writes=False,
        arguments="container-command",
    ),
    "logs": _verb(
        "-c --container --tail --since --since-time --limit-bytes --max-log-requests "
        "--pod-running-timeout",
        "--all-containers -p --previous --timestamps --prefix --ignore-errors",
        writes=False,
        common=SELECT,
    ),
    "top": _verb("--sort-by", "--no-headers --containers", writes=False, common=SELECT),
    "explain": _verb(
        "--api-version --output -o", "--recursive=false", writes=False, arguments="free"
    ),
    "api-resources": _verb(
        "--api-group --verbs --sort-by -o --output",
        "--namespaced --no-headers",
        writes=False,
        arguments="none",
    ),
    "api-versions": _verb(writes=False, arguments="none"),
    "version": _verb("-o --output", "--client", writes=False, arguments="none"),
}
SERVICE_TYPES = frozenset({"clusterip", "nodeport", "loadbalancer", "externalname"})
SECRET_TYPES = frozenset({"generic"})

REFUSED_VERBS: dict[str, str] = {
    "config": "changes kubectl's configuration (credentials, servers)",
    "cp": "copies files between the host and a pod",
    "proxy": "opens a port on the host",
    "port-forward": "opens a port on the host",
    "plugin": "runs programs of the host",
    "edit": "runs the host's editor",
    "debug": "starts privileged debugging containers",
    "diff": "runs the host's diff program",
    "apply": "reads objects from the host: list them under the action's `manifests`",
    "replace": "reads objects from the host: list them under the action's `manifests`",
    "kustomize": "reads the host's files",
    "attach": "attaches the host's terminal",
    "auth": "changes or probes credentials",
    "certificate": "approves certificates for the whole cluster",
    "cordon": "changes nodes",
    "uncordon": "changes nodes",
    "drain": "changes nodes",
    "taint": "changes nodes",
}


@dataclass(frozen=True)
class CommandProblem:
    """Why a command is refused; `index` is the argument at fault (0: the command itself)."""

    index: int
    message: str


def _flag(arg: str) -> tuple[str, str | None]:
    """`--name=value` -> (`--name`, value); `--name` -> (`--name`, None)."""
    name, eq, value = arg.partition("=")
    return name, (value if eq else None)


def _kind_problem(resource: str, verb: str, spec: Verb) -> str | None:
    name, _, group = resource.lower().partition(".")
    if name in NAMESPACED and group in ("", NAMESPACED[name]):
        return None
    if name in CLUSTER_READABLE and group in ("", CLUSTER_READABLE[name]):
        if spec.writes:
            return (
                f"`kubectl {verb}` of {resource}: a lesson does not change cluster-scoped objects"
            )
        return None
    return f"{resource!r} is not a kind a lesson may use with kubectl"


class _Reader:
    """Walks one argv (without the leading `kubectl`) the way pflag does."""

    def __init__(self, args: Sequence[str], namespace: str) -> None:
        self.args = list(args)
        self.namespace = namespace
        self.verb: str | None = None
        self.spec: Verb | None = None
        self.positionals: list[tuple[int, str]] = []
        self.container_command = False

    def allowed(self, name: str) -> tuple[bool, bool]:
        """(known, takes a value) for a flag name at this point of the command."""
        if name in GLOBAL_VALUE:
            return True, True
        if self.spec is None:
            return False, False
        if name in self.spec.value_flags:
            return True, True
        if name in self.spec.bool_flags or f"{name}=false" in self.spec.bool_flags:
            return True, False
        return False, False

    def check_flag(self, index: int, name: str, value: str | None) -> str | None:
        if name in NEVER:
            if name in ("--all-namespaces", "-A") and (value or "").lower() in ("false", "0"):
                return None
            return f"{name} {NEVER[name]}"
        known, _ = self.allowed(name)
        if not known:
            where = f"with `kubectl {self.verb}`" if self.verb else "before the verb"
            return f"flag {name} is not one a lesson may use {where}"
        if f"{name}=false" in (self.spec.bool_flags if self.spec else ()) and (
            value is None or value.lower() not in ("false", "0")
        ):
            return f"{name} may only be false"
        if name in OPTIONAL_VALUE and value is None:
            return None
        if name in NAMESPACE_FLAGS and value != self.namespace:
            return f"{name} {value or '(none)'} picks a namespace other than the lab's"
        if name in ("-o", "--output") and value is not None and "file=" in value:
            return f"{name} {value} makes kubectl read a file of the host"
        return None

    def read(self) -> CommandProblem | None:
        i = 0
        while i < len(self.args):
            arg = self.args[i]
            at = i + 1  # the index in the full argv (after `kubectl`)
            if arg == "--":
                rest = list(enumerate(self.args[i + 1 :], start=i + 2))
                if self.spec is not None and self.spec.arguments == "container-command":
                    self.container_command = True
                    return None
                self.positionals.extend(rest)
                return None
            if arg.startswith("--") and len(arg) > 2:
                name, value = _flag(arg)
                known, takes_value = self.allowed(name)
                if known and takes_value and value is None and name not in OPTIONAL_VALUE:
                    i += 1
                    value = self.args[i] if i < len(self.args) else ""
                problem = self.check_flag(at, name, value)
                if problem:
                    return CommandProblem(at, problem)
            elif arg.startswith("-") and len(arg) > 1:
                j = 1
                while j < len(arg):
                    name = "-" + arg[j]
                    if name in NEVER:
                        return CommandProblem(at, f"{name} {NEVER[name]}")
                    known, takes_value = self.allowed(name)
                    if not known:
                        return CommandProblem(at, self.check_flag(at, name, None) or "")
                    if takes_value:
                        value = arg[j + 1 :]
                        if value.startswith("="):
                            value = value[1:]
                        if not value:
                            i += 1
                            value = self.args[i] if i < len(self.args) else ""
                        problem = self.check_flag(at, name, value)
                        if problem:
                            return CommandProblem(at, problem)
                        break
                    j += 1
            elif self.verb is None:
                refused = self.take_verb(at, arg)
                if refused:
                    return refused
            elif (
                self.spec is not None
                and self.spec.arguments == "container-command"
                and self.positionals
            ):
                self.container_command = True  # `kubectl exec POD cmd` (without `--`)
                return None
            else:
                self.positionals.append((at, arg))
            i += 1
        return None

    def take_verb(self, at: int, verb: str) -> CommandProblem | None:
        if verb in REFUSED_VERBS:
            return CommandProblem(at, f"`kubectl {verb}` {REFUSED_VERBS[verb]}")
        if verb not in VERBS:
            return CommandProblem(at, f"`kubectl {verb}` is not a command a lesson may run")
        self.verb, self.spec = verb, VERBS[verb]
        return None


def _arguments_problem(reader: _Reader) -> CommandProblem | None:
    verb, spec = reader.verb, reader.spec
    if verb is None or spec is None:
        return CommandProblem(0, "no kubectl command given")
    words = list(reader.positionals)
    if spec.subcommands:
        if not words or words[0][1] not in spec.subcommands:
            at = words[0][0] if words else 0
            allowed = ", ".join(sorted(spec.subcommands))
            return CommandProblem(at, f"`kubectl {verb}` may be one of: {allowed}")
        sub = words.pop(0)[1]
        if verb == "create":
            return _create_problem(sub, words)
    if spec.arguments == "none":
        return (
            CommandProblem(words[0][0], f"`kubectl {verb}` takes no arguments") if words else None
        )
    if spec.arguments == "free":
        return None
    if spec.arguments == "container-command":
        if not words:
            return None
        at, target = words[0]
        if "/" in target:  # exec deploy/web: a resource; run NAME: a name
            kind = target.split("/", 1)[0]
            problem = _kind_problem(kind, verb, spec)
            return CommandProblem(at, problem) if problem else None
        return None
    if verb == "logs" and words and "/" not in words[0][1]:
        words = words[1:]  # `kubectl logs POD`
    first = True
    for at, word in words:
        if verb in ("label", "annotate") and ("=" in word or word.endswith("-")) and not first:
            continue  # a label or annotation change
        if "/" in word:
            kinds = [word.split("/", 1)[0]]
        elif first:
            kinds = [k for k in word.split(",") if k]
        else:
            first = False
            continue  # an object name
        first = False
        for kind in kinds:
            problem = _kind_problem(kind, verb, spec)
            if problem:
                return CommandProblem(at, problem)
    return None


def _create_problem(sub: str, words: list[tuple[int, str]]) -> CommandProblem | None:
    if sub == "service" and (not words or words[0][1] not in SERVICE_TYPES):
        at = words[0][0] if words else 0
        return CommandProblem(
            at, "`kubectl create service` takes one of: " + ", ".join(sorted(SERVICE_TYPES))
        )
    if sub == "secret" and (not words or words[0][1] not in SECRET_TYPES):
        at = words[0][0] if words else 0
        return CommandProblem(at, "`kubectl create secret` may only be `generic`")
    return None


def command_problem(argv: Sequence[str], namespace: str) -> CommandProblem | None:
    """Why the lesson command `argv` (starting with `kubectl`) may not run in the lab namespace
    `namespace`, or None when every part of it is allowed."""
    if not argv or argv[0] != "kubectl":
        return CommandProblem(0, "a command is an argument list starting with 'kubectl'")
    reader = _Reader(argv[1:], namespace)
    return reader.read() or _arguments_problem(reader)
