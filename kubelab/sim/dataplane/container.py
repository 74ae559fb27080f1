"""One running container as its processes see it: identity, image, environment, files, network."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from kubelab.sim.dataplane.images import Image
from kubelab.sim.dataplane.netmodel import Network
from kubelab.sim.dataplane.vfs import FileSystem

CLUSTER_DOMAIN = "cluster.local"
CLUSTER_DNS = "10.96.0.10"

NGINX_INDEX = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

DEBIAN_OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""

ALPINE_OS_RELEASE = """NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.22.2
PRETTY_NAME="Alpine Linux v3.22"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
"""

NGINX_DEFAULT_CONF = """server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
"""


@dataclass(frozen=True)
class ResolvConf:
    search: tuple[str, ...]
    nameserver: str = CLUSTER_DNS
    ndots: int = 5

    def text(self) -> str:
        return (
            f"search {' '.join(self.search)}\n"
            f"nameserver {self.nameserver}\n"
            f"options ndots:{self.ndots}\n"
        )


def resolv_for(namespace: str) -> ResolvConf:
    """The kubelet's ClusterFirst resolv.conf for a pod in `namespace`."""
    d = CLUSTER_DOMAIN
    return ResolvConf((f"{namespace}.svc.{d}", f"svc.{d}", d))


def hosts_file(pod_ip: str, hostname: str) -> str:
    """The kubelet-managed /etc/hosts."""
    return (
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n"
        f"{pod_ip}\t{hostname}\n"
    )


def base_filesystem(image: Image, hostname: str, pod_ip: str, resolv: ResolvConf) -> FileSystem:
    dirs = {
        "/bin",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/proc",
        "/root",
        "/sys",
        "/tmp",
        "/usr/bin",
        "/usr/sbin",
        "/var",
        "/var/log",
    }
    files = {
        "/etc/resolv.conf": resolv.text(),
        "/etc/hosts": hosts_file(pod_ip, hostname),
        "/etc/hostname": hostname + "\n",
        "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
        "/etc/group": "root:x:0:\n",
        "/etc/shadow": "root:*:19000:0:99999:7:::\n",
        "/etc/nsswitch.conf": "hosts: files dns\n",
        "/dev/null": "",
    }
    if image.shell == "dash":
        files["/etc/os-release"] = DEBIAN_OS_RELEASE
        files["/etc/debian_version"] = "12.12\n"
    elif image.kind in ("curl", "nginx") or image.repository.endswith("agnhost"):
        files["/etc/os-release"] = ALPINE_OS_RELEASE
        files["/etc/alpine-release"] = "3.22.2\n"
    if image.user != "root":
        files["/etc/passwd"] += f"{image.user}:x:100:101::{image.home}:/bin/sh\n"
    if image.kind == "nginx":
        dirs |= {
            "/usr/share/nginx/html",
            "/etc/nginx/conf.d",
            "/var/log/nginx",
            "/docker-entrypoint.d",
        }
        files["/usr/share/nginx/html/index.html"] = NGINX_INDEX
        files["/usr/share/nginx/html/50x.html"] = (
            "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n"
            "<h1>An error occurred.</h1>\n</body>\n</html>\n"
        )
        files["/etc/nginx/conf.d/default.conf"] = NGINX_DEFAULT_CONF
    if image.home != "/root":
        dirs.add(image.home)
    return FileSystem(files, dirs)


@dataclass
class ContainerContext:
    namespace: str
    pod_name: str
    container_name: str
    image: Image
    network: Network
    env: dict[str, str]
    pod_ip: str = ""
    node_name: str = ""
    hostname: str = ""
    started_at: float = field(default_factory=time.time)
    fs: FileSystem | None = None
    resolv: ResolvConf | None = None

    def __post_init__(self) -> None:
        if not self.hostname:
            self.hostname = self.pod_name
        if self.resolv is None:
            self.resolv = resolv_for(self.namespace)
        if self.fs is None:
            self.fs = base_filesystem(self.image, self.hostname, self.pod_ip, self.resolv)

    @property
    def files(self) -> FileSystem:
        assert self.fs is not None
        return self.fs

    def has_command(self, name: str) -> bool:
        return name in self.image.commands
