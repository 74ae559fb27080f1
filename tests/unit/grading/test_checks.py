"""Each check kind: pass, fail and error, against the in-memory fake cluster."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from kubelab.cluster.client import ExecResult
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import evaluate_once, run_check
from kubelab.grading.probe import PROBE_NAME
from kubelab.lessons.checks import CheckSpec

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)


def check(**fields: Any) -> Any:
    return SPEC.validate_python({"name": "n", "explain": "look here", **fields})


def status(spec: Any, ctx: CheckContext) -> str:
    return evaluate_once(spec, ctx).status


ASSERT_SVC = {
    "kind": "assert",
    "object": {"kind": "Service", "name": "my-nginx"},
    "match": {"spec": {"selector": {"run": "my-nginx"}, "(ports[?port == `80`] | length(@))": 1}},
}


def test_assert_pass_fail_and_missing(fake: Any, ctx: CheckContext, build: Any) -> None:
    spec = check(**ASSERT_SVC)
    missing = evaluate_once(spec, ctx)
    assert missing.status == "failed" and "not found" in missing.message
    fake.add(build.service("my-nginx", {"run": "nginx"}))
    wrong = evaluate_once(spec, ctx)
    assert wrong.status == "failed"
    assert "spec.selector.run" in wrong.message
    assert wrong.diff and "+    run: nginx" in wrong.diff
    fake.add(build.service("my-nginx", {"run": "my-nginx"}))
    assert status(spec, ctx) == "passed"


def test_assert_by_selector_needs_one_match(fake: Any, ctx: CheckContext, build: Any) -> None:
    spec = check(
        kind="assert",
        object={"kind": "Pod", "selector": {"run": "my-nginx"}},
        match={"status": {"phase": "Running"}},
    )
    assert status(spec, ctx) == "failed"
    fake.add(build.pod("a", {"run": "my-nginx"}, "10.244.0.5", waiting="ImagePullBackOff"))
    assert "closest" in evaluate_once(spec, ctx).message
    fake.add(build.pod("b", {"run": "my-nginx"}, "10.244.0.6"))
    assert status(spec, ctx) == "passed"


def test_errors_are_not_failures(fake: Any, ctx: CheckContext) -> None:
    bad_expression = check(
        kind="assert", object={"kind": "Service", "name": "x"}, match={"(spec.[)": 1}
    )
    fake.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {}})
    assert status(bad_expression, ctx) == "error"
    unknown_kind = check(kind="assert", object={"kind": "Widget", "name": "x"}, match={})
    assert "apiVersion" in evaluate_once(unknown_kind, ctx).message
    fake.unreachable = True
    outcome = evaluate_once(check(**ASSERT_SVC), ctx)
    assert outcome.status == "error" and "does not answer" in outcome.message


def test_absent(fake: Any, ctx: CheckContext, build: Any) -> None:
    spec = check(kind="absent", object={"kind": "Service", "name": "my-nginx"})
    assert status(spec, ctx) == "passed"
    fake.add(build.service("my-nginx", {"run": "my-nginx"}))
    assert "still exists" in evaluate_once(spec, ctx).message
    partial = check(
        kind="absent",
        object={"kind": "Service", "name": "my-nginx"},
        match={"spec": {"type": "NodePort"}},
    )
    assert status(partial, ctx) == "passed"


def test_endpoints_exact_min_and_selector(fake: Any, ctx: CheckContext, build: Any) -> None:
    exact = check(kind="endpoints", service="my-nginx", ready=2)
    assert "not found" in evaluate_once(exact, ctx).message
    fake.add(build.service("my-nginx", {"run": "my-nginx"}))
    fake.add(build.endpoint_slice("my-nginx", ["10.244.0.5"], ("10.244.0.7",)))
    assert evaluate_once(exact, ctx).message == (
        "Service my-nginx should have 2 ready endpoints; it has 1 (10.244.0.5)"
    )
    assert status(check(kind="endpoints", service="my-nginx", min_ready=1), ctx) == "passed"
    fake.add(build.endpoint_slice("my-nginx", ["10.244.0.5", "10.244.0.6"]))
    assert status(exact, ctx) == "passed"
    by_selector = check(kind="endpoints", service="my-nginx", match_selector=True)
    assert "no Ready pod" in evaluate_once(by_selector, ctx).message
    fake.add(build.pod("a", {"run": "my-nginx"}, "10.244.0.5"))
    fake.add(build.pod("b", {"run": "my-nginx"}, "10.244.0.6"))
    assert status(by_selector, ctx) == "passed"
    fake.add(build.pod("c", {"run": "my-nginx"}, "10.244.0.9"))
    assert "missing 10.244.0.9" in evaluate_once(by_selector, ctx).message


def _env_handler(env: dict[str, dict[str, str]]) -> Any:
    def run(pod_name: str, command: list[str]) -> ExecResult:
        assert command == ["env"]
        text = "".join(f"{k}={v}\n" for k, v in env[pod_name].items())
        return ExecResult(0, text, "")

    return run


def test_env_with_live_value(fake: Any, ctx: CheckContext, build: Any) -> None:
    fake.add(build.service("my-nginx", {"run": "my-nginx"}, cluster_ip="10.96.0.77"))
    fake.add(build.pod("a", {"run": "my-nginx"}, "10.244.0.5"))
    fake.add(build.pod("b", {"run": "my-nginx"}, "10.244.0.6"))
    env = {"a": {"MY_NGINX_SERVICE_HOST": "10.96.0.77"}, "b": {"HOME": "/root"}}
    fake.exec_handler = _env_handler(env)
    spec = check(
        kind="env",
        pod={"selector": {"run": "my-nginx"}},
        variable="MY_NGINX_SERVICE_HOST",
        equals={"from": {"kind": "Service", "name": "my-nginx"}, "path": "spec.clusterIP"},
    )
    outcome = evaluate_once(spec, ctx)
    assert outcome.status == "failed" and "pod b has no variable" in outcome.message
    env["b"]["MY_NGINX_SERVICE_HOST"] = "10.96.0.1"
    message = evaluate_once(spec, ctx).message
    assert "MY_NGINX_SERVICE_HOST should be '10.96.0.77'; it is '10.96.0.1'" in message
    env["b"]["MY_NGINX_SERVICE_HOST"] = "10.96.0.77"
    assert status(spec, ctx) == "passed"
    unset = check(kind="env", pod={"name": "a"}, variable="HOME", present=False)
    assert status(unset, ctx) == "passed"
    probe = check(kind="env", pod={"probe": True}, variable="HOME")
    assert status(probe, ctx) == "error"


def test_exec_expectations(fake: Any, ctx: CheckContext, build: Any) -> None:
    fake.add(build.pod("a", {"run": "x"}, "10.244.0.5"))
    fake.exec_handler = lambda pod, cmd: ExecResult(0, "hello world\n", "")
    spec = check(
        kind="exec",
        pod={"name": "a"},
        command=["echo", "hello", "world"],
        expect={"stdout_contains": ["hello"], "stdout_regex": "^hello w"},
    )
    assert status(spec, ctx) == "passed"
    fake.exec_handler = lambda pod, cmd: ExecResult(1, "bye\n", "oops")
    outcome = evaluate_once(spec, ctx)
    assert outcome.status == "failed"
    assert "the exit code should be 0; it is 1" in outcome.message
    assert "the output should contain 'hello'; it does not" in outcome.message
    assert "the output is not in the form this step expects" in outcome.message
    assert "^hello w" not in outcome.message  # the pattern is never shown
    missing_pod = check(kind="exec", pod={"name": "zzz"}, command=["true"])
    assert "does not exist" in evaluate_once(missing_pod, ctx).message
    bad_regex = check(kind="exec", pod={"name": "a"}, command=["x"], expect={"stdout_regex": "("})
    assert status(bad_regex, ctx) == "error"


def _ready_probe(fake: Any, build: Any) -> None:
    fake.add(build.pod(PROBE_NAME, {}, "10.244.0.99"))


NSLOOKUP_OK = (
    "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
    "Name:\tmy-nginx.lab.svc.cluster.local\nAddress: 10.96.0.77\n\n"
)
NSLOOKUP_NX = (
    "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
    "** server can't find nope.lab.svc.cluster.local: NXDOMAIN\n\n"
)


def test_dns_addresses_cname_and_nxdomain(fake: Any, ctx: CheckContext, build: Any) -> None:
    _ready_probe(fake, build)
    fake.add(build.service("my-nginx", {"run": "my-nginx"}, cluster_ip="10.96.0.77"))
    answers = {"my-nginx": (0, NSLOOKUP_OK), "nope": (1, NSLOOKUP_NX)}
    fake.exec_handler = lambda pod, cmd: ExecResult(answers[cmd[1]][0], answers[cmd[1]][1], "")
    live = {"from": {"kind": "Service", "name": "my-nginx"}, "path": "spec.clusterIP"}
    spec = check(kind="dns", query="my-nginx", expect={"addresses": live})
    assert status(spec, ctx) == "passed"
    wrong = check(kind="dns", query="my-nginx", expect={"addresses": ["10.96.0.8"]})
    assert (
        "should resolve to 10.96.0.8; it resolves to 10.96.0.77"
        in evaluate_once(wrong, ctx).message
    )
    assert status(check(kind="dns", query="nope", expect={"nxdomain": True}), ctx) == "passed"
    nx = evaluate_once(check(kind="dns", query="nope", expect={"addresses": "10.96.0.77"}), ctx)
    assert nx.status == "failed" and "NXDOMAIN" in nx.message
    not_nx = check(kind="dns", query="my-nginx", expect={"nxdomain": True})
    assert status(not_nx, ctx) == "failed"


def test_dns_cname(fake: Any, ctx: CheckContext, build: Any) -> None:
    _ready_probe(fake, build)
    out = (
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
        "ext.lab.svc.cluster.local\tcanonical name = example.com\n\n"
    )
    fake.exec_handler = lambda pod, cmd: ExecResult(0, out, "")
    assert status(check(kind="dns", query="ext", expect={"cname": "example.com"}), ctx) == (
        "passed"
    )
    assert status(check(kind="dns", query="ext", expect={"cname": "other.org"}), ctx) == "failed"


def test_http_in_cluster(fake: Any, ctx: CheckContext, build: Any) -> None:
    _ready_probe(fake, build)
    replies = {"http://my-nginx": (0, "<h1>Welcome to nginx!</h1>", "")}
    replies["http://my-nginx/missing"] = (
        1,
        "",
        "wget: server returned error: HTTP/1.1 404 Not Found\n",
    )
    replies["http://down"] = (
        1,
        "",
        "wget: can't connect to remote host (10.96.0.9): Connection refused\n",
    )
    fake.exec_handler = lambda pod, cmd: ExecResult(*replies[cmd[-1]])
    ok = check(kind="http", url="http://my-nginx", expect={"body_contains": ["Welcome to nginx"]})
    assert status(ok, ctx) == "passed"
    wrong_body = check(kind="http", url="http://my-nginx", expect={"body_contains": ["Apache"]})
    assert "lacks 'Apache'" in evaluate_once(wrong_body, ctx).message
    not_found = evaluate_once(check(kind="http", url="http://my-nginx/missing"), ctx)
    assert "the answer should be 200 OK; it is 404 Not Found" in not_found.message
    assert status(
        check(kind="http", url="http://my-nginx/missing", expect={"status": 404}), ctx
    ) == ("passed")
    refused = evaluate_once(check(kind="http", url="http://down"), ctx)
    assert refused.status == "failed" and "Connection refused" in refused.message


def test_probe_pod_is_created_on_demand(fake: Any, ctx: CheckContext) -> None:
    def make_ready(client: Any) -> None:
        probe = client.objects.get(("Pod", "lab", PROBE_NAME))
        if probe is not None and "status" not in probe:
            probe["status"] = {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True"}],
            }

    fake.on_call = make_ready
    fake.exec_handler = lambda pod, cmd: ExecResult(0, NSLOOKUP_OK, "")
    spec = check(kind="dns", query="my-nginx", expect={"addresses": "10.96.0.77"})
    assert status(spec, ctx) == "passed"
    created = fake.objects[("Pod", "lab", PROBE_NAME)]
    assert created["spec"]["containers"][0]["image"].startswith("busybox:")
    assert "lab" in ctx.probes_ready


def test_probe_pull_failure_is_an_error(fake: Any, ctx: CheckContext, build: Any) -> None:
    fake.add(build.pod(PROBE_NAME, {}, "", ready=False, waiting="ImagePullBackOff"))
    outcome = evaluate_once(check(kind="http", url="http://x"), ctx)
    assert outcome.status == "error" and "ImagePullBackOff" in outcome.message


def test_nslookup_short_name_found_despite_search_path_misses() -> None:
    """busybox >= 1.29 with ndots:5 prints the answer, then NXDOMAIN for the other search
    domains, and exits 1: the name did resolve."""
    from kubelab.grading.checks.dns import parse_nslookup

    out = (
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
        "Name:\tmy-nginx.default.svc.cluster.local\nAddress: 10.96.60.60\n\n"
        "** server can't find my-nginx.svc.cluster.local: NXDOMAIN\n\n"
        "*** Can't find my-nginx.default.svc.cluster.local: No answer\n\n"
    )
    found = parse_nslookup(out)
    assert found.addresses == {"10.96.60.60"} and not found.nxdomain
    old = (
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
        "Name:      my-nginx\nAddress 1: 10.96.162.149 my-nginx.default.svc.cluster.local\n"
    )
    assert parse_nslookup(old).addresses == {"10.96.162.149"}
    missing = "Server:    10.96.0.10\nAddress 1: 10.96.0.10\n\nnslookup: can't resolve 'foo'\n"
    assert parse_nslookup(missing).nxdomain


def test_nslookup_cname_with_search_path_misses() -> None:
    from kubelab.grading.checks.dns import parse_nslookup

    out = (
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
        "backend-alias.lab.svc.cluster.local\tcanonical name = my-nginx.lab.svc.cluster.local\n\n"
        "** server can't find backend-alias.svc.cluster.local: NXDOMAIN\n\n"
    )
    found = parse_nslookup(out)
    assert found.cnames == ("my-nginx.lab.svc.cluster.local",) and not found.nxdomain


def test_a_named_pod_that_is_not_ready_says_why(fake: Any, ctx: CheckContext, build: Any) -> None:
    stuck = build.pod("curl", {"run": "curl"}, "10.244.0.9", ready=False, waiting="ErrImagePull")
    stuck["spec"]["containers"][0]["image"] = "radial/busyboxplus:curl"
    fake.add(stuck)
    spec = check(
        kind="exec", pod={"name": "curl"}, command=["true"], expect={"exit_code": 0}, timeout=0.1
    )
    result = run_check(spec, ctx, poll=False, diagnose=False)
    assert result.status == "failed"
    assert result.message == (
        "pod 'curl' is not Ready (phase Pending, ErrImagePull: image radial/busyboxplus:curl)"
    )
