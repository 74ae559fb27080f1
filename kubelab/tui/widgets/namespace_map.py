"""The live map of the lesson's namespace: Service -> selector -> endpoints -> pods -> nodes."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kubelab.tui.nsmap import NamespaceMap, NamespaceObjects, build_map

NO_SELECTOR = {
    "apiserver": "the API server keeps its endpoints (its own addresses)",
    "mirrored": "endpoints copied from an Endpoints object you wrote",
    "own-slices": "its endpoints are EndpointSlices you create",
}


def render_map(namespace: str, found: NamespaceMap, errors: list[str] | None = None) -> Text:
    text = Text()
    text.append(f"namespace {namespace}", style="bold")
    text.append("  (live from watch events)\n", style="dim")
    if not found.services and not found.unselected_pods:
        text.append("\nNothing here yet: no Services, no Pods.\n")
    for service in found.services:
        text.append("\n")
        text.append(f"Service {service.name}", style="bold cyan")
        if service.type == "ExternalName":
            text.append("  ExternalName\n")
            text.append(f"  an alias: DNS answers with {service.external_name or '?'} (a CNAME)\n")
            text.append("  no cluster IP, no endpoints, no pods\n", style="dim")
            continue
        address = "headless" if service.cluster_ip == "None" else service.cluster_ip
        text.append(f"  {service.type}  {address}  {service.ports}\n")
        if service.selector:
            selector = ",".join(f"{k}={v}" for k, v in sorted(service.selector.items()))
            text.append(f"  selector {selector}")
            if service.selects_nothing:
                text.append("  ⚠ MATCHES NO POD", style="bold reverse red")
                text.append(" (check the labels of your pods)")
            text.append("\n")
        else:
            text.append(f"  no selector: {NO_SELECTOR[service.kind_of_backends]}\n", style="dim")
        if service.endpoints:
            for endpoint in service.endpoints:
                mark = "✔" if endpoint.ready else "✘ not ready"
                text.append(f"  └ endpoint {endpoint.address} {mark}\n")
                if endpoint.pod or endpoint.node:
                    text.append("      ")
                    if endpoint.pod:
                        text.append(f"{endpoint.pod} ")
                    if endpoint.node:
                        text.append(f"@ {endpoint.node}", style="dim")
                    text.append("\n")
        else:
            text.append("  └ no endpoints\n", style="yellow")
        listed = {e.pod for e in service.endpoints}
        for pod in service.pods:
            if pod.name in listed:
                continue
            mark = "ready" if pod.ready else f"not ready ({pod.phase})"
            text.append(f"  └ pod {pod.name} {pod.ip} {mark} on {pod.node}\n", style="dim")
    if found.unselected_pods:
        text.append("\nPods no Service selects:\n", style="bold")
        for pod in found.unselected_pods:
            mark = "ready" if pod.ready else f"not ready ({pod.phase})"
            text.append(f"  pod {pod.name} {pod.ip} {mark} on {pod.node}\n")
    for error in errors or []:
        text.append(f"\n! watch: {error}", style="yellow")
    return text


class NamespaceMapView(Static):
    """Redrawn from `NamespaceObjects` whenever a watch event changes it."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("Waiting for the lesson to start…", id=id)
        self.objects = NamespaceObjects()
        self.namespace = ""

    def redraw(self, errors: list[str] | None = None) -> None:
        self.update(render_map(self.namespace, build_map(self.objects, self.namespace), errors))
