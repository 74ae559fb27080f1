"""The TUI's pure helpers: code block commands, keymaps, the namespace map, rendered results."""

from __future__ import annotations

from typing import Any

import pytest

from kubelab.grading.results import CheckResult, StepResult
from kubelab.tui.codeblocks import code_commands
from kubelab.tui.keys import KeymapError, parse_keymap
from kubelab.tui.nsmap import MIRRORING, NamespaceObjects, build_map
from kubelab.tui.widgets.lesson_list import lesson_state
from kubelab.tui.widgets.namespace_map import render_map
from kubelab.tui.widgets.results_panel import render_result


def test_kubectl_commands_come_from_fenced_blocks_only() -> None:
    body = (
        "Run `kubectl get nothing` inline.\n\n"
        "```\nkubectl apply -f nginx-svc.yaml\n$ kubectl get svc my-nginx\necho no\n```\n\n"
        "```yaml\nkind: Service\n```\n\n"
        "~~~sh\nkubectl get pods \\\n  -o wide\n~~~\n"
    )
    assert code_commands(body) == [
        "kubectl apply -f nginx-svc.yaml",
        "kubectl get svc my-nginx",
        "kubectl get pods -o wide",
    ]


def test_a_yaml_block_the_step_applies_is_typed_as_a_here_document() -> None:
    body = (
        "Create it:\n\n```yaml\nkind: Service\nmetadata: {name: web}\n```\n\n"
        "Save it, then:\n\n```\nkubectl apply -f web-svc.yaml\n```\n"
        "```yaml\nkind: Pod\n```\n"  # applied nowhere: not typed
    )
    assert code_commands(body) == [
        "cat > web-svc.yaml <<'EOF'\nkind: Service\nmetadata: {name: web}\nEOF",
        "kubectl apply -f web-svc.yaml",
    ]
    # a path, or YAML holding the end marker, is never typed
    assert code_commands("```yaml\na: 1\n```\nkubectl apply -f ../x.yaml\n") == []
    assert code_commands("```yaml\nEOF\n```\nkubectl apply -f x.yaml\n") == []


def test_keymaps_map_ids_to_keys() -> None:
    assert parse_keymap("check=f5, hint=ctrl+h|f2") == {"check": "f5", "hint": "ctrl+h,f2"}
    assert parse_keymap("") == {}
    with pytest.raises(KeymapError, match="expected id=key"):
        parse_keymap("check")


def obj(kind: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": name, **fields.pop("metadata", {})}, **fields}


def pod(name: str, labels: dict[str, str], ready: bool, ip: str) -> dict[str, Any]:
    return obj(
        "Pod",
        name,
        metadata={"labels": labels},
        spec={"nodeName": "node-1"},
        status={
            "podIP": ip,
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    )


def test_the_map_follows_watch_events_and_flags_empty_selectors() -> None:
    objects = NamespaceObjects()
    service = obj(
        "Service",
        "web",
        spec={
            "type": "ClusterIP",
            "clusterIP": "10.96.0.10",
            "selector": {"app": "web"},
            "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
        },
    )
    assert objects.apply_event("Service", {"type": "ADDED", "object": service})
    found = build_map(objects)
    assert found.services[0].selects_nothing
    assert "MATCHES NO POD" in render_map("lab", found).plain
    assert "80->8080/TCP" in render_map("lab", found).plain

    objects.apply_event(
        "Pod", {"type": "ADDED", "object": pod("web-1", {"app": "web"}, True, "10.244.0.5")}
    )
    objects.apply_event(
        "Pod", {"type": "ADDED", "object": pod("db-1", {"app": "db"}, False, "10.244.0.6")}
    )
    endpoint_slice = obj(
        "EndpointSlice",
        "web-abc",
        metadata={"labels": {"kubernetes.io/service-name": "web"}},
        endpoints=[
            {
                "addresses": ["10.244.0.5"],
                "conditions": {"ready": True},
                "targetRef": {"kind": "Pod", "name": "web-1"},
                "nodeName": "node-1",
            }
        ],
    )
    objects.apply_event("EndpointSlice", {"type": "ADDED", "object": endpoint_slice})
    found = build_map(objects)
    row = found.services[0]
    assert not row.selects_nothing
    assert [e.pod for e in row.endpoints] == ["web-1"]
    assert [p.name for p in found.unselected_pods] == ["db-1"]
    text = render_map("lab", found).plain
    assert "endpoint 10.244.0.5 ✔\n      web-1 @ node-1" in text
    assert "pod db-1 10.244.0.6 not ready (Running)" in text

    assert objects.apply_event("Pod", {"type": "DELETED", "object": pod("web-1", {}, True, "")})
    assert not objects.apply_event("Pod", {"type": "DELETED", "object": pod("web-1", {}, True, "")})
    assert not objects.apply_event("Pod", {"type": "BOOKMARK", "object": {}})
    assert build_map(objects).services[0].pods == []


def test_results_show_every_check_with_message_explain_and_diff() -> None:
    result = StepResult(
        "lesson",
        "step",
        "Step",
        checks=[
            CheckResult("exists", "assert", "passed", "Service web exists"),
            CheckResult(
                "selector",
                "assert",
                "failed",
                "spec.selector.app should be web; it is wbe",
                explain="look at the selector",
                diff="-  app: web\n+  app: wbe",
                diagnosis=["no pod has app=wbe"],
            ),
        ],
    )
    text = render_result(result).plain
    assert "✘ 1 of 2 checks failed" in text
    assert "✔ exists: Service web exists" in text
    assert "→ look at the selector" in text and "? no pod has app=wbe" in text
    assert "-  app: web" in text and "+  app: wbe" in text
    assert "Not checked yet" in render_result(None).plain
    passed = StepResult("l", "s", "S", checks=[CheckResult("a", "assert", "passed", "ok")])
    assert render_result(passed).plain.startswith("✔ Step passed")


def test_lesson_states() -> None:
    assert lesson_state(3, 3)[1] == "done"
    assert lesson_state(3, 1)[1] == "in progress"
    assert lesson_state(3, 0)[1] == "not started"


def test_worker_errors_become_a_message_and_what_to_do() -> None:
    from pathlib import Path

    from kubelab.cluster.base import ClusterError
    from kubelab.grading.actions import ActionFailed
    from kubelab.lessons.loader import LessonLoadError, LessonProblem
    from kubelab.tui.screens.error import describe_error

    assert describe_error(ClusterError("down", hint="run kubelab up")) == ("down", "run kubelab up")
    message, hint = describe_error(ActionFailed("Service/x was refused: bad port"))
    assert message == "Service/x was refused: bad port" and hint and "resets" in hint
    problem = LessonProblem(Path("l.yaml"), 3, 5, "unknown key 'x'")
    message, hint = describe_error(LessonLoadError([problem]))
    assert message == "l.yaml:3:5: unknown key 'x'" and hint and "kubelab lint" in hint
    assert describe_error(RuntimeError("boom")) == ("RuntimeError: boom", None)


def test_progress_that_cannot_be_saved_is_a_notice_not_a_crash(tmp_path: Any) -> None:
    from kubelab.tui.progress_adapter import StoreProgress

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state dir should be")
    progress = StoreProgress(blocker / "progress.json")
    progress.record_pass("lesson", "step", assisted=True)
    progress.record_hint("lesson", "step", 1)
    notices = progress.notices()
    assert notices and all("progress not saved" in n for n in notices)
    assert progress.notices() == []  # shown once

    saved = StoreProgress(tmp_path / "ok" / "progress.json")
    saved.record_solution("lesson", "a")  # "apply for me", then the pass
    saved.record_pass("lesson", "a", assisted=False)
    saved.record_pass("lesson", "b", assisted=False)
    saved.record_hint("lesson", "b", 2)
    saved.set_current("lesson", "b")
    saved.set_bindings("lesson", {"namespace": "lab", "node_port": 30080})
    again = StoreProgress(tmp_path / "ok" / "progress.json")
    assert again.passed_steps("lesson") == {"a": True, "b": False}
    assert again.hints_shown("lesson", "b") == 2
    assert again.current() == ("lesson", "b")
    assert again.bindings("lesson") == {"namespace": "lab", "node_port": 30080}


def test_the_map_says_where_a_services_endpoints_come_from() -> None:
    objects = NamespaceObjects()
    services = [
        obj("Service", "db", spec={"type": "ExternalName", "externalName": "db.example.com"}),
        obj("Service", "kubernetes", spec={"clusterIP": "10.96.0.1", "ports": [{"port": 443}]}),
        obj("Service", "legacy", spec={"clusterIP": "10.96.0.7", "ports": [{"port": 80}]}),
        obj("Service", "mine", spec={"clusterIP": "10.96.0.8", "ports": [{"port": 80}]}),
        obj("Service", "peers", spec={"clusterIP": "None", "selector": {"app": "p"}}),
    ]
    for service in services:
        objects.apply_event("Service", {"type": "ADDED", "object": service})
    mirrored = obj(
        "EndpointSlice",
        "legacy-x",
        metadata={
            "labels": {
                "kubernetes.io/service-name": "legacy",
                "endpointslice.kubernetes.io/managed-by": MIRRORING,
            }
        },
        endpoints=[{"addresses": ["192.0.2.7"]}],
    )
    objects.apply_event("EndpointSlice", {"type": "ADDED", "object": mirrored})
    text = render_map("default", build_map(objects, "default")).plain
    alias = text[text.index("Service db") :].split("\n\n")[0]
    assert "an alias: DNS answers with db.example.com (a CNAME)" in alias
    assert "no endpoints" in alias and "└ no endpoints" not in alias  # not a warning
    assert "the API server keeps its endpoints" in text
    assert "endpoints copied from an Endpoints object you wrote" in text
    assert "its endpoints are EndpointSlices you create" in text
    assert "managed by hand" not in text
    assert "Service peers  ClusterIP  headless" in text
    # elsewhere, a Service called kubernetes is just a Service
    elsewhere = render_map("lab", build_map(objects, "lab")).plain
    assert "the API server keeps its endpoints" not in elsewhere
