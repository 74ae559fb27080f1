"""The image catalogue: what each container image contains, runs and serves.

`lookup(reference)` answers for any image reference: known images (nginx, busybox by tag,
curlimages/curl, agnhost, hashicorp/http-echo) carry their real userland, entrypoint and
shell; `radial/busyboxplus:curl` carries the pull error the container runtime gives today
(CLUSTER's kubelet reads `pull_error`); anything else is a generic image that runs, answers
HTTP on its declared container ports and has a busybox-like userland.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Archive and digest tools both userlands have (busybox applets; Debian's tar, gzip, coreutils).
ARCHIVE_COMMANDS = frozenset(
    {"gzip", "gunzip", "zcat", "tar", "base64", "md5sum", "sha1sum", "sha256sum", "sha512sum", "od"}
)

# Commands of busybox's userland that the command table implements.
BUSYBOX_COMMANDS = ARCHIVE_COMMANDS | frozenset(
    {
        "sh",
        "ash",
        "busybox",
        "cat",
        "echo",
        "printenv",
        "env",
        "nslookup",
        "wget",
        "hostname",
        "ls",
        "sleep",
        "seq",
        "date",
        "true",
        "false",
        "grep",
        "head",
        "tail",
        "wc",
        "sort",
        "uniq",
        "uptime",
        "pwd",
        "id",
        "whoami",
        "mkdir",
        "rm",
        "touch",
        "cut",
        "tr",
        "tee",
        "test",
        "[",
        "expr",
        "basename",
        "dirname",
        "printf",
        "xargs",
        "which",
        "uname",
        "ps",
        "clear",
        "timeout",
        "ping",
        "kill",
        "ip",
        "ifconfig",
        "nc",
        "sed",
        "awk",
    }
)

# Debian-based nginx: coreutils, grep, tar, gzip; no procps (ps/uptime); curl is installed.
DEBIAN_COMMANDS = ARCHIVE_COMMANDS | frozenset(
    {
        "sh",
        "dash",
        "bash",
        "cat",
        "echo",
        "printenv",
        "env",
        "hostname",
        "ls",
        "sleep",
        "seq",
        "date",
        "true",
        "false",
        "grep",
        "head",
        "tail",
        "wc",
        "sort",
        "uniq",
        "pwd",
        "id",
        "whoami",
        "mkdir",
        "rm",
        "touch",
        "cut",
        "tr",
        "tee",
        "test",
        "[",
        "expr",
        "basename",
        "dirname",
        "printf",
        "xargs",
        "which",
        "uname",
        "clear",
        "timeout",
        "kill",
        "curl",
        "sed",
        "awk",
        "nginx",
    }
)

BUSYBOX_LATEST = (1, 37)
NGINX_LATEST = "1.29.3"
NGINX_PATCHES = {
    "1.21": "1.21.6",
    "1.22": "1.22.1",
    "1.23": "1.23.4",
    "1.24": "1.24.0",
    "1.25": "1.25.5",
    "1.26": "1.26.3",
    "1.27": "1.27.5",
    "1.28": "1.28.0",
    "1.29": NGINX_LATEST,
}

SCHEMA1_PULL_ERROR = (
    'rpc error: code = Unimplemented desc = failed to pull and unpack image "{ref}": '
    'not implemented: media type "application/vnd.docker.distribution.manifest.v1+prettyjws" '
    "is no longer supported since containerd v2.1, please rebuild the image as "
    '"application/vnd.docker.distribution.manifest.v2+json" or '
    '"application/vnd.oci.image.manifest.v1+json"'
)

# Images whose manifests current runtimes refuse (schema 1), by repository.
SCHEMA1_IMAGES = frozenset({"radial/busyboxplus"})

# Control-plane and add-on images a kind cluster runs: distroless, no shell or tools inside.
DISTROLESS = {
    "registry.k8s.io/etcd": "etcd",
    "registry.k8s.io/coredns/coredns": "coredns",
    "registry.k8s.io/kube-apiserver": "kube-apiserver",
    "registry.k8s.io/kube-controller-manager": "kube-controller-manager",
    "registry.k8s.io/kube-scheduler": "kube-scheduler",
    "registry.k8s.io/kube-proxy": "kube-proxy",
    "kindest/kindnetd": "kindnetd",
}

STANDARD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Image:
    reference: str
    repository: str  # normalised, e.g. "nginx", "curlimages/curl"
    tag: str
    kind: str  # "nginx", "busybox", "curl", "agnhost", "http-echo", "generic"
    shell: str | None  # "busybox", "dash" or None (no /bin/sh in the image)
    commands: frozenset[str]
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    home: str = "/root"
    workdir: str = "/"
    pull_error: str | None = None
    known: bool = True
    version: str = ""

    @property
    def full_reference(self) -> str:
        """The reference as the runtime names it (`docker.io/library/nginx:latest`)."""
        repo = self.repository
        if "/" not in repo.split(":")[0] or "." not in repo.split("/")[0]:
            repo = ("docker.io/library/" if "/" not in repo else "docker.io/") + repo
        return f"{repo}:{self.tag}"

    @property
    def busybox_version(self) -> tuple[int, int]:
        """busybox's version for `nslookup`'s output format (busybox-based images only)."""
        if self.kind == "busybox":
            m = re.match(r"(\d+)\.(\d+)", self.tag)
            if m:
                return int(m.group(1)), int(m.group(2))
        return BUSYBOX_LATEST

    def process_argv(self, command: list[str] | None, args: list[str] | None) -> list[str]:
        """The main process: the pod's command/args over the image's ENTRYPOINT/CMD, as the
        kubelet combines them."""
        if command:
            return [*command, *(args or [])]
        if args is not None and args:
            return [*self.entrypoint, *args]
        return [*self.entrypoint, *self.cmd]

    def main_argv(self, command: list[str] | None, args: list[str] | None) -> list[str]:
        """The process after the image's entrypoint script has done its work (what runs)."""
        argv = self.process_argv(command, args)
        if self.kind == "curl" and argv[:1] == ["/entrypoint.sh"]:
            rest = argv[1:]
            return ["curl", *rest] if not rest or rest[0].startswith("-") else rest
        if self.kind == "nginx" and argv[:1] == ["/docker-entrypoint.sh"]:
            return argv[1:]
        return argv


def split_reference(reference: str) -> tuple[str, str]:
    """(normalised repository, tag) of an image reference."""
    ref = reference.strip()
    digest = ""
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    last = ref.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    for prefix in (
        "docker.io/library/",
        "index.docker.io/library/",
        "docker.io/",
        "index.docker.io/",
    ):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
            break
    if ref.startswith("library/"):
        ref = ref[len("library/") :]
    return ref, tag or digest or "latest"


def _busybox(reference: str, repo: str, tag: str, kind: str = "busybox", **kw: object) -> Image:
    kw.setdefault("commands", BUSYBOX_COMMANDS)
    return Image(
        reference=reference,
        repository=repo,
        tag=tag,
        kind=kind,
        shell="busybox",
        env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
        **kw,  # type: ignore[arg-type]
    )


def lookup(reference: str) -> Image:
    """The catalogue entry for an image reference (never fails; see `Image.pull_error`)."""
    repo, tag = split_reference(reference)
    if repo in SCHEMA1_IMAGES:
        return _schema1(reference, repo, tag)
    if repo == "busybox":
        version = ".".join(map(str, _busybox_version(tag)))
        return _busybox(reference, repo, tag, cmd=("sh",), version=version)
    if repo == "nginx":
        return _nginx(reference, repo, tag)
    if repo == "curlimages/curl":
        return _curl(reference, repo, tag)
    if repo.endswith("e2e-test-images/agnhost") or repo == "k8s.gcr.io/e2e-test-images/agnhost":
        return _busybox(reference, repo, tag, kind="agnhost", entrypoint=("/agnhost",))
    if repo in DISTROLESS:
        return _distroless(reference, repo, tag, DISTROLESS[repo])
    if repo == "hashicorp/http-echo":
        return _http_echo(reference, repo, tag)
    return _busybox(reference, repo, tag, kind="generic", cmd=("sh",), known=False)


def _schema1(reference: str, repo: str, tag: str) -> Image:
    """An image published only with a schema 1 manifest, which containerd 2.1+ refuses."""
    full = f"docker.io/{repo}:{tag}"
    return Image(
        reference=reference,
        repository=repo,
        tag=tag,
        kind="unpullable",
        shell=None,
        commands=frozenset(),
        pull_error=SCHEMA1_PULL_ERROR.format(ref=full),
    )


def _nginx(reference: str, repo: str, tag: str) -> Image:
    """nginx on Debian (dash), or on Alpine (busybox, with curl) for an `alpine` tag."""
    alpine = "alpine" in tag
    version = _nginx_version(tag)
    env = {
        "PATH": STANDARD_PATH,
        "NGINX_VERSION": version,
        "NJS_VERSION": "0.9.4",
        "NJS_RELEASE": "1~bookworm" if not alpine else "1",
        "PKG_RELEASE": "1~bookworm" if not alpine else "1",
        "DYNPKG_RELEASE": "1~bookworm" if not alpine else "1",
    }
    return Image(
        reference=reference,
        repository=repo,
        tag=tag,
        kind="nginx",
        shell="busybox" if alpine else "dash",
        commands=(BUSYBOX_COMMANDS | {"curl", "nginx"}) if alpine else DEBIAN_COMMANDS,
        entrypoint=("/docker-entrypoint.sh",),
        cmd=("nginx", "-g", "daemon off;"),
        env=env,
        version=version,
    )


def _curl(reference: str, repo: str, tag: str) -> Image:
    """curlimages/curl: busybox plus curl, run as curl_user."""
    return _busybox(
        reference,
        repo,
        tag,
        kind="curl",
        commands=BUSYBOX_COMMANDS | {"curl"},
        entrypoint=("/entrypoint.sh",),
        cmd=("curl",),
        user="curl_user",
        home="/home/curl_user",
        workdir="/home/curl_user",
        version="8.17.0" if tag == "latest" else tag,
    )


def _distroless(reference: str, repo: str, tag: str, program: str) -> Image:
    """A shell-less image running one program."""
    return Image(
        reference=reference,
        repository=repo,
        tag=tag,
        kind=program,
        shell=None,
        commands=frozenset(),
        entrypoint=(f"/usr/local/bin/{program}",) if program != "coredns" else ("/coredns",),
        env={"PATH": STANDARD_PATH},
    )


def _http_echo(reference: str, repo: str, tag: str) -> Image:
    """hashicorp/http-echo: no shell, only its own binary."""
    return Image(
        reference=reference,
        repository=repo,
        tag=tag,
        kind="http-echo",
        shell=None,
        commands=frozenset({"http-echo"}),
        entrypoint=("/http-echo",),
        env={"PATH": STANDARD_PATH},
    )


def _busybox_version(tag: str) -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", tag)
    return (int(m.group(1)), int(m.group(2))) if m else BUSYBOX_LATEST


def _nginx_version(tag: str) -> str:
    m = re.match(r"(\d+\.\d+)(\.\d+)?", tag)
    if not m:
        return NGINX_LATEST
    if m.group(2):
        return m.group(0)
    return NGINX_PATCHES.get(m.group(1), m.group(1) + ".0")


def pull_failure_event(reference: str) -> str | None:
    """The kubelet's `Failed` event message for a pull of this image, or None if it pulls."""
    image = lookup(reference)
    if image.pull_error is None:
        return None
    return f'Failed to pull image "{reference}": {image.pull_error}'
