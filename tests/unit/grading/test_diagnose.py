"""One test per diagnosis rule (pure functions over a snapshot), and the check -> Service map."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from kubelab.grading.diagnose import (
    no_selector,
    other_namespace,
    pods_not_ready,
    selector_no_pods,
    service_of,
    target_port,
    typo_name,
)
from kubelab.grading.diagnose.facts import ServiceFacts
from kubelab.grading.probe import PROBE_NAME
from kubelab.lessons.checks import CheckSpec


def with_ns(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    obj["metadata"]["namespace"] = namespace
    return obj


def test_selector_matches_no_pod_names_the_labels_pods_have(build: Any) -> None:
    svc = build.service("my-nginx", {"app": "nginx"})
    pods = [
        build.pod("a", {"run": "my-nginx"}, "10.244.0.5"),
        build.pod("b", {"run": "my-nginx"}, "10.244.0.6"),
        build.pod(PROBE_NAME, {"app.kubernetes.io/name": "kubelab-probe"}, "10.244.0.9"),
    ]
    text = selector_no_pods.rule(ServiceFacts("my-nginx", "lab", svc, pods))
    assert text is not None
    assert "selects app=nginx" in text and "run=my-nginx (2 pods)" in text
    assert "kubelab-probe" not in text
    good = build.service("my-nginx", {"run": "my-nginx"})
    assert selector_no_pods.rule(ServiceFacts("my-nginx", "lab", good, pods)) is None
    assert "no pods" in str(selector_no_pods.rule(ServiceFacts("my-nginx", "lab", svc, [])))


def test_target_port_matching_no_container_port(build: Any) -> None:
    pods = [build.pod("a", {"run": "x"}, "10.244.0.5", ports=[{"containerPort": 80}])]
    wrong = build.service("s", {"run": "x"}, port=80, target=8080)
    text = target_port.rule(ServiceFacts("s", "lab", wrong, pods))
    assert text is not None and "targets 8080" in text and "listen on 80" in text
    right = build.service("s", {"run": "x"}, port=8000, target=80)
    assert target_port.rule(ServiceFacts("s", "lab", right, pods)) is None
    named = build.service("s", {"run": "x"}, target="http")
    assert "named port 'http'" in str(target_port.rule(ServiceFacts("s", "lab", named, pods)))
    undeclared = [build.pod("a", {"run": "x"}, "10.244.0.5")]
    assert target_port.rule(ServiceFacts("s", "lab", wrong, undeclared)) is None


def test_pods_selected_but_not_ready(build: Any) -> None:
    svc = build.service("s", {"run": "x"})
    pods = [
        build.pod("a", {"run": "x"}, "10.244.0.5"),
        build.pod("b", {"run": "x"}, "", ready=False, waiting="ImagePullBackOff"),
    ]
    text = pods_not_ready.rule(ServiceFacts("s", "lab", svc, pods))
    assert text is not None and "1 of the 2 pods" in text and "b (ImagePullBackOff)" in text
    assert pods_not_ready.rule(ServiceFacts("s", "lab", svc, pods[:1])) is None


def test_object_in_another_namespace(build: Any) -> None:
    elsewhere = [with_ns(build.service("my-nginx", {"run": "x"}), "default")]
    text = other_namespace.rule(ServiceFacts("my-nginx", "lab", None, elsewhere=elsewhere))
    assert text is not None and "exists in default" in text
    assert other_namespace.rule(ServiceFacts("my-nginx", "lab", None)) is None


def test_typo_in_a_name(build: Any) -> None:
    services = [build.service("my-nginx", {"run": "x"}), build.service("kubernetes", None)]
    text = typo_name.rule(ServiceFacts("my-ngnix", "lab", None, services=services))
    assert text is not None and "'my-nginx'" in text
    assert typo_name.rule(ServiceFacts("database", "lab", None, services=services)) is None


def test_the_learners_misspelt_service_is_named_beside_the_expected_one(build: Any) -> None:
    """The expected my-nginx exists (the lesson's setup made it) and the learner's fix went to
    my-ngnix: the diagnosis names my-ngnix."""
    expected = build.service("my-nginx", {"run": "wrong"})
    services = [expected, build.service("my-ngnix", {"run": "my-nginx"})]
    text = typo_name.rule(ServiceFacts("my-nginx", "lab", expected, services=services))
    assert text is not None and "'my-ngnix'" in text and "one edit away" in text


@pytest.mark.parametrize(
    ("a", "b", "one"),
    [
        ("my-nginx", "my-ngnix", True),  # two neighbours swapped
        ("my-nginx", "my-ngin", True),  # deleted
        ("my-nginx", "my-nginxx", True),  # inserted
        ("my-nginx", "my-nginy", True),  # replaced
        ("my-nginx", "my-nginx", False),
        ("my-nginx", "my-gnixn", False),  # a swap and more
        ("my-nginx", "ym-ngixn", False),  # two swaps
        ("web", "bew", False),  # not neighbours
        ("web", "webapp", False),
    ],
)
def test_one_edit_is_damerau_levenshtein_distance_one(a: str, b: str, one: bool) -> None:
    assert typo_name.one_edit_apart(a, b) is one
    assert typo_name.one_edit_apart(b, a) is one


def test_which_service_a_check_is_about() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(CheckSpec)
    base = {"name": "n", "explain": "e"}

    def of(**fields: Any) -> Any:
        return service_of(adapter.validate_python({**base, **fields}))

    assert of(kind="endpoints", service="a", ready=1) == ("a", None)
    assert of(kind="dns", query="a.other.svc.cluster.local", expect={"addresses": "1.2.3.4"}) == (
        "a",
        "other",
    )
    assert of(kind="dns", query="example.com.x", expect={"cname": "y"}) is None
    assert of(kind="http", url="http://my-nginx:80/") == ("my-nginx", None)
    assert of(kind="http", url="http://10.96.0.5/") is None
    assert of(kind="http", host={"service": "web", "port": 80}) == ("web", None)
    assert of(kind="assert", object={"kind": "Service", "name": "s"}, match={}) == ("s", None)
    assert of(kind="exec", pod={"name": "p"}, command=["true"]) is None
    curl = ["curl", "-s", "http://web.lab.svc.cluster.local/"]
    assert of(kind="exec", pod={"name": "p"}, command=curl) == ("web", "lab")
    wget = ["wget", "-qO-", "http://backend:8080/x"]
    assert of(kind="exec", pod={"name": "p"}, command=wget) == ("backend", None)


def test_pods_in_another_namespace(build: Any) -> None:
    svc = build.service("my-nginx", {"run": "my-nginx"})
    there = [with_ns(build.pod("a", {"run": "my-nginx"}, "10.244.0.5"), "default")]
    text = selector_no_pods.rule(ServiceFacts("my-nginx", "lab", svc, [], pods_elsewhere=there))
    assert text is not None and "exist in namespace default, not in lab" in text


def test_own_pods_labels_come_before_pods_in_another_namespace(build: Any) -> None:
    # The learner's own pods carry the labels they most likely mistyped; matching pods that happen
    # to exist in another namespace are a second clue, never a replacement for the first.
    svc = build.service("web", {"app": "web"})
    own = [build.pod("a", {"run": "my-nginx"}, "10.244.0.5")]
    there = [with_ns(build.pod("b", {"app": "web"}, "10.244.0.6"), "other")]
    text = selector_no_pods.rule(ServiceFacts("web", "lab", svc, own, pods_elsewhere=there))
    assert text is not None
    assert "the pods have: run=my-nginx (1 pod)" in text
    assert text.index("run=my-nginx") < text.index("exist in namespace other, not in lab")


def test_service_without_selector_and_endpoints(build: Any) -> None:
    svc = build.service("external", None)
    text = no_selector.rule(ServiceFacts("external", "lab", svc))
    assert text is not None and "kubernetes.io/service-name=external" in text
    written = [build.endpoint_slice("external", ["192.0.2.10"])]
    assert no_selector.rule(ServiceFacts("external", "lab", svc, endpoint_slices=written)) is None
    alias = build.service("alias", None)
    alias["spec"]["type"] = "ExternalName"
    assert no_selector.rule(ServiceFacts("alias", "lab", alias)) is None


def test_gather_collects_what_the_rules_need(fake: Any, ctx: Any, build: Any) -> None:
    from kubelab.grading.diagnose import diagnose_facts, gather

    fake.add(build.service("my-nginx", {"run": "my-nginx"}))
    fake.add(with_ns(build.pod("a", {"run": "my-nginx"}, "10.244.0.5"), "default"))
    causes = diagnose_facts(gather(ctx, "my-nginx", "lab"))
    assert any("exist in namespace default" in c for c in causes), causes
    fake.add(with_ns(build.service("web", {"app": "web"}), "default"))
    causes = diagnose_facts(gather(ctx, "web", "lab"))
    assert any("exists in default" in c for c in causes), causes


def test_other_learners_labs_never_appear_in_a_diagnosis(fake: Any, ctx: Any, build: Any) -> None:
    """On a shared cluster a learner's diagnosis names the learner's own slips (a Service in
    `default`), never another kubelab lab's objects."""
    from kubelab.grading.diagnose import gather

    managed = {"app.kubernetes.io/managed-by": "kubelab"}
    for name, labels in (("lab", managed), ("learner-b", managed), ("default", {})):
        fake.add(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
        )
    fake.add(with_ns(build.service("web", {"app": "web"}), "learner-b"))
    fake.add(with_ns(build.service("web", {"app": "web"}), "default"))
    fake.add(with_ns(build.pod("b", {"run": "x"}, "10.244.0.7"), "learner-b"))
    facts = gather(ctx, "web", "lab")
    assert [s["metadata"]["namespace"] for s in facts.elsewhere] == ["default"]
    fake.add(build.service("api", {"run": "x"}))
    assert gather(ctx, "api", "lab").pods_elsewhere == []
