"""On the simulator: for every lesson, a mistake a learner really makes (a wrong selector, a wrong
targetPort, an unnamed or missing port, pods created before the Service, an image that cannot be
pulled, an IP where a name belongs...) fails the step, and the failure tells the learner what to
look at next: the report names the field, the selector, the port or the command involved, with
what the learner actually wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from kubelab.grading.actions import apply_actions
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.engine import grade_step
from kubelab.grading.reporters import render
from kubelab.grading.results import LessonResult, Report
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.lessons.model import Step, step_start_actions
from kubelab.lessons.render import substitute

if TYPE_CHECKING:
    from conftest import Lab

LESSONS = {item.lesson.id: item for item in load_course().lessons}


@dataclass(frozen=True)
class Mistake:
    """A learner's wrong attempt at `lesson/step`, after the earlier steps were done right."""

    lesson: str
    step: str
    why: str
    manifests: str = ""  # YAML documents the learner applies (placeholders filled)
    commands: tuple[tuple[str, ...], ...] = ()  # kubectl argv the learner runs
    failing: tuple[str, ...] = ()  # names of the checks that must fail
    # Each must appear in the report of the failing checks (message, diff, likely cause):
    # what the learner wrote and where to look, found by the grader, not the static explain.
    names: tuple[str, ...] = ()
    skip_wait: tuple[str, ...] = field(default=())  # Deployments not expected to become ready
    refused: tuple[str, ...] = ()  # a kubectl argv the learner tries first, which the API refuses


SERVICE = """
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
{spec}
"""


def service(name: str, spec: str) -> str:
    return SERVICE.format(name=name, spec=spec)


MISTAKES = [
    Mistake(
        "why-services",
        "run-my-nginx",
        "the pods are labelled app: my-nginx, not run: my-nginx",
        manifests="""
apiVersion: apps/v1
kind: Deployment
metadata: {name: my-nginx}
spec:
  replicas: 2
  selector: {matchLabels: {app: my-nginx}}
  template:
    metadata: {labels: {app: my-nginx}}
    spec:
      containers: [{name: my-nginx, image: "nginx:1.29", ports: [{containerPort: 80}]}]
""",
        failing=("the Deployment my-nginx asks for 2 pods labelled run=my-nginx",),
        names=("spec.selector.matchLabels", "run", "my-nginx"),
    ),
    Mistake(
        "why-services",
        "a-lonely-pod",
        "a Deployment named lonely instead of a pod: its pod is called lonely-<hash>",
        commands=(("kubectl", "create", "deployment", "lonely", "--image=nginx:1.29"),),
        failing=("the pod lonely is running",),
        names=("Pod", "lonely", "not found"),
    ),
    Mistake(
        "clusterip-service",
        "create-the-service",
        "the Service selects app: my-nginx; the pods carry run: my-nginx",
        manifests=service(
            "my-nginx", "  selector: {app: my-nginx}\n  ports: [{port: 80, protocol: TCP}]"
        ),
        failing=(
            "my-nginx is a ClusterIP Service for run=my-nginx on port 80",
            "the Service has both pods as endpoints",
        ),
        names=("spec.selector", "app=my-nginx", "run=my-nginx", "it has 0 (none)"),
    ),
    Mistake(
        "clusterip-service",
        "port-and-targetport",
        "port and targetPort both 8080 (changed with kubectl edit): nginx does not listen on 8080",
        commands=(
            (
                "kubectl",
                "patch",
                "service",
                "my-nginx",
                "--type=json",
                "-p",
                '[{"op": "replace", "path": "/spec/ports",'
                ' "value": [{"port": 8080, "targetPort": 8080, "protocol": "TCP"}]}]',
            ),
        ),
        failing=(
            "the Service's port 8080 forwards to targetPort 80",
            "nginx answers on http://my-nginx:8080/",
        ),
        names=("targetPort", "8080", "listen on 80"),
    ),
    Mistake(
        "endpoints",
        "fix-the-selector",
        "the learner changes the Service's labels instead of its selector",
        manifests="""
apiVersion: v1
kind: Service
metadata: {name: my-nginx, labels: {run: my-nginx}}
spec:
  selector: {run: nginx}
  ports: [{port: 80, protocol: TCP}]
""",
        failing=("the selector is run=my-nginx", "both pods are endpoints of my-nginx"),
        names=("spec.selector.run", "run=nginx", "run=my-nginx"),
    ),
    Mistake(
        "environment-variables",
        "recreate-the-pods",
        "the pods were created before the Service and never replaced",
        failing=(
            "every my-nginx pod has MY_NGINX_SERVICE_HOST = the Service's clusterIP",
            "every my-nginx pod has MY_NGINX_SERVICE_PORT = 80",
        ),
        names=("MY_NGINX_SERVICE_HOST", "MY_NGINX_SERVICE_PORT", "my-nginx-"),
    ),
    Mistake(
        "dns",
        "client-pod",
        "the tutorial's radial/busyboxplus:curl, which cannot be pulled",
        commands=(
            ("kubectl", "run", "curl", "--image=radial/busyboxplus:curl", "--", "sleep", "3600"),
        ),
        failing=("the pod curl is running",),
        names=("phase", "Pending", "ErrImagePull", "radial/busyboxplus:curl"),
    ),
    Mistake(
        "nodeport",
        "expose-on-a-nodeport",
        "type NodePort without the nodePort the lab reserved: Kubernetes picks another one",
        manifests=service(
            "my-nginx",
            "  type: NodePort\n  selector: {run: my-nginx}\n  ports: [{port: 80, targetPort: 80}]",
        ),
        failing=("my-nginx is a NodePort Service on the chosen nodePort",),
        names=("nodePort", "${node_port}"),
    ),
    Mistake(
        "nodeport",
        "let-kubernetes-choose",
        "my-nginx-auto created without `type: NodePort`: a ClusterIP Service has no nodePort",
        manifests=service(
            "my-nginx-auto", "  selector: {run: my-nginx}\n  ports: [{port: 80, targetPort: 80}]"
        ),
        failing=("my-nginx-auto is a NodePort Service with a nodePort in 30000-32767",),
        names=("spec.type", "NodePort", "ClusterIP"),
    ),
    Mistake(
        "loadbalancer",
        "make-it-a-loadbalancer",
        "a new Service my-nginx-lb of type LoadBalancer instead of changing my-nginx",
        manifests=service(
            "my-nginx-lb",
            "  type: LoadBalancer\n  selector: {run: my-nginx}\n  ports: [{port: 80}]",
        ),
        failing=(
            "my-nginx is a LoadBalancer Service with a nodePort",
            "the load balancer has an external address",
        ),
        names=("spec.type", "ClusterIP", "LoadBalancer"),
    ),
    Mistake(
        "multiple-ports",
        "two-named-ports",
        "the learner silences the API error by dropping the https port",
        manifests=service(
            "webserver", "  selector: {app: web}\n  ports: [{port: 80, targetPort: 80}]"
        ),
        failing=("webserver has the ports http 80 and https 443",),
        names=("spec.ports", "https", "443"),
    ),
    Mistake(
        "multiple-ports",
        "two-named-ports",
        "the names are swapped: http on 443, https on 80",
        manifests=service(
            "webserver",
            "  selector: {app: web}\n"
            "  ports: [{name: https, port: 80, targetPort: 80},"
            " {name: http, port: 443, targetPort: 443}]",
        ),
        failing=("webserver has the ports http 80 and https 443",),
        names=("spec.ports[0].name", "https", "http"),
    ),
    Mistake(
        "multiple-ports",
        "target-a-port-name",
        "targetPort names a port the container does not have (web instead of http)",
        manifests=service(
            "webserver",
            "  selector: {app: web}\n"
            "  ports: [{name: http, port: 80, targetPort: web},"
            " {name: https, port: 443, targetPort: 443}]",
        ),
        failing=("the http port targets the container port named http",),
        names=("targetPort", "web", "http"),
    ),
    Mistake(
        "services-without-pods",
        "no-selector",
        "the tutorial's repeated block: the selector app: web is still there",
        manifests=service(
            "external-backend",
            "  selector: {app: web}\n  ports: [{protocol: TCP, port: 3000, targetPort: 3000}]",
        ),
        failing=("external-backend has port 3000 and no selector",),
        names=("spec.selector", "app"),
    ),
    Mistake(
        "services-without-pods",
        "write-the-endpoints",
        "an EndpointSlice without the kubernetes.io/service-name label",
        manifests="""
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: external-backend-1}
addressType: IPv4
ports: [{name: "", protocol: TCP, port: 3000}]
endpoints: [{addresses: ["192.0.2.10"]}]
""",
        failing=(
            "external-backend has one ready endpoint",
            "the slice points at 192.0.2.10 port 3000",
        ),
        names=("external-backend", "kubernetes.io/service-name"),
    ),
    Mistake(
        "services-without-pods",
        "externalname",
        "externalName is the short name my-nginx, which only resolves inside a pod's namespace",
        manifests=(
            "apiVersion: v1\nkind: Service\nmetadata: {name: backend-alias}\n"
            "spec: {type: ExternalName, externalName: my-nginx}\n"
        ),
        failing=("backend-alias is a CNAME for my-nginx",),
        names=("backend-alias", "my-nginx.${namespace}.svc.cluster.local"),
    ),
    Mistake(
        "fixed-cluster-ip",
        "choose-the-ip",
        "no clusterIP in the manifest: Kubernetes picks one",
        manifests=service(
            "my-nginx", "  selector: {run: my-nginx}\n  ports: [{port: 80, targetPort: 80}]"
        ),
        failing=(
            "my-nginx has the chosen clusterIP",
            "my-nginx resolves to the chosen clusterIP",
            "nginx answers on the chosen clusterIP",
        ),
        names=("spec.clusterIP", "${fixed_ip}"),
    ),
    Mistake(
        "fixed-cluster-ip",
        "move-the-ip",
        "the learner edits clusterIP in place: refused, the Service keeps its old address",
        refused=(
            "kubectl",
            "patch",
            "service",
            "my-nginx",
            "-p",
            '{"spec":{"clusterIP":"${other_ip}","clusterIPs":["${other_ip}"]}}',
        ),
        failing=(
            "my-nginx has the new clusterIP",
            "my-nginx resolves to the new clusterIP",
            "nginx answers on the new clusterIP",
        ),
        names=("spec.clusterIP", "${other_ip}", "${fixed_ip}"),
    ),
    Mistake(
        "headless",
        "create-headless",
        "a normal ClusterIP Service: clusterIP None left out",
        manifests=service(
            "my-nginx-headless",
            "  selector: {run: my-nginx}\n  ports: [{port: 80, targetPort: 80}]",
        ),
        failing=(
            "my-nginx-headless is headless",
            "my-nginx-headless resolves to every ready pod IP",
        ),
        names=("spec.clusterIP", "None"),
    ),
    Mistake(
        "dns",
        "full-name",
        "web selects app: web (copied from another lesson); the my-nginx pods carry run: my-nginx",
        manifests=service("web", "  selector: {app: web}\n  ports: [{port: 80, targetPort: 80}]"),
        failing=(
            "web has the two my-nginx pods as endpoints",
            "the nginx page through the full name of web",
        ),
        names=("web", "app=web", "run=my-nginx", "it has 0 (none)"),
    ),
    Mistake(
        "capstone",
        "backend",
        "the Service targets port 80, where http-echo does not listen",
        manifests="""
apiVersion: apps/v1
kind: Deployment
metadata: {name: backend}
spec:
  replicas: 2
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec:
      containers:
        - name: echo
          image: hashicorp/http-echo:1.0
          args: ["-listen=:5678", "-text=hello from the backend"]
          ports: [{name: http, containerPort: 5678}]
---
apiVersion: v1
kind: Service
metadata: {name: backend}
spec:
  selector: {app: backend}
  ports: [{name: http, port: 80, targetPort: 80}]
""",
        failing=('http://backend/ answers "hello from the backend"',),
        names=("backend", "targets 80", "5678"),
    ),
    Mistake(
        "capstone",
        "frontend",
        "BACKEND_URL holds the backend's clusterIP instead of its name",
        manifests="""
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  replicas: 1
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers:
        - name: frontend
          image: busybox:1.37
          command: ["sh", "-c", "while true; do wget -qO- \\"$BACKEND_URL\\"; sleep 5; done"]
          env: [{name: BACKEND_URL, value: "http://${backend_ip}/"}]
""",
        failing=("BACKEND_URL names the backend Service, not an IP",),
        names=("BACKEND_URL", "http://${backend_ip}/"),
    ),
    Mistake(
        "debug-broken-service",
        "broken-again",
        "the learner moves the targetPort to another port nginx does not listen on",
        commands=(
            (
                "kubectl",
                "patch",
                "svc",
                "web",
                "-p",
                '{"spec":{"ports":[{"port":80,"targetPort":8081}]}}',
            ),
        ),
        failing=(
            "the Service web targets port 80 or the port named http",
            "http://web/ answers again",
        ),
        names=("targets 8081", "targetPort: 8081"),
    ),
]


def test_every_lesson_has_a_realistic_mistake() -> None:
    assert {m.lesson for m in MISTAKES} == set(LESSONS)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.lesson}/{m.step}" for m in MISTAKES])
def test_a_learner_mistake_fails_and_names_what_to_look_at(mistake: Mistake, lab: Lab) -> None:
    client, cluster = lab.client, lab.cluster
    loaded: LoadedLesson = LESSONS[mistake.lesson]
    lesson = loaded.lesson
    bindings = allocate_bindings(client, lesson, cluster.namespace)
    try:
        # the cluster as the step starts: setup, earlier steps' setups and solutions, its setup
        for actions in step_start_actions(lesson, mistake.step):
            apply_actions(client, loaded, actions, bindings)
            lab.settle()
        extra = {"namespace": cluster.namespace, **bindings}
        backend = client.get("v1", "Service", "backend", cluster.namespace)
        if backend is not None:
            extra["backend_ip"] = backend["spec"]["clusterIP"]
        # The learner's own work, typed with kubectl as they would.
        if mistake.manifests:
            done = lab.kubectl("apply", "-f", "-", stdin=substitute(mistake.manifests, extra))
            assert done.returncode == 0, done.stderr
        for argv in mistake.commands:
            done = lab.kubectl(*argv[1:])
            assert done.returncode == 0, done.stderr
        if mistake.refused:
            done = lab.kubectl(*(substitute(arg, extra) for arg in mistake.refused[1:]))
            assert done.returncode != 0 and "Invalid value" in done.stderr, done.stderr
        lab.settle(mistake.skip_wait)
        result = grade_step(cluster, loaded, mistake.step, bindings, client, poll=False)

        assert not result.passed, mistake.why
        by_name = {check.name: check for check in result.checks}
        for name in mistake.failing:
            assert by_name[name].status == "failed", f"{name}: {by_name[name].status}"
        failed = [check for check in result.checks if check.status == "failed"]
        found = " ".join(
            " ".join([check.message, check.diff or "", *check.diagnosis]) for check in failed
        )
        for word in mistake.names:
            wanted = substitute(word, extra)
            assert wanted in found, f"{mistake.why}: the report does not name {wanted!r}:\n{found}"
        report = Report(mode="grade", lessons=[LessonResult(lesson.id, lesson.title, [result])])
        text = " ".join(render(report, "text").split())
        for check in failed:
            assert check.explain and " ".join(check.explain.split())[:50] in text

        # "Apply for me" from where the learner got stuck puts the step right.
        apply_actions(client, loaded, mistake_step(loaded, mistake).solution, bindings)
        lab.settle()
        fixed = grade_step(cluster, loaded, mistake.step, bindings, client)
        assert fixed.passed, [(c.name, c.status, c.message) for c in fixed.checks]
    finally:
        release_bindings(bindings)


def mistake_step(loaded: LoadedLesson, mistake: Mistake) -> Step:
    step = loaded.lesson.step(mistake.step)
    assert step is not None
    return step


@pytest.mark.timeout(120)
def test_the_learner_applies_their_file_after_apply_for_me(lab: Lab) -> None:
    """Step 1 done with "apply for me", step 2 by editing nginx-svc.yaml and `kubectl apply`."""
    loaded = LESSONS["clusterip-service"]
    bindings = {"namespace": lab.namespace}
    apply_actions(lab.client, loaded, loaded.lesson.setup, bindings)
    first = loaded.lesson.step("create-the-service")
    assert first is not None
    apply_actions(lab.client, loaded, first.solution, bindings)
    lab.settle()
    edited = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: my-nginx\n  labels:\n    run: my-nginx\n"
        "spec:\n  ports:\n  - port: 8080\n    targetPort: 80\n    protocol: TCP\n"
        "  selector:\n    run: my-nginx\n"
    )
    done = lab.kubectl("apply", "-f", "-", stdin=edited)
    assert done.returncode == 0, done.stderr
    assert "last-applied-configuration" not in done.stderr  # no warning for the learner
    result = grade_step(lab.cluster, loaded, "port-and-targetport", bindings, lab.client)
    assert result.passed, [(c.name, c.status, c.message) for c in result.checks]
