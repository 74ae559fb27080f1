"""The command table: one entry per program a simulated container can run.

Adding a command = one async function `(Invocation) -> int` plus one line here (and its name in
the images that ship it, `kubelab.sim.dataplane.images`). Shell builtins that need the shell's
own state (cd, export, exit, read, ...) live in the interpreter instead.
"""

from __future__ import annotations

from kubelab.sim.dataplane.commands import dnsclient, netinfo, system, text, textproc, webclients
from kubelab.sim.dataplane.process import CommandFn

COMMANDS: dict[str, CommandFn] = {
    "cat": text.cat,
    "echo": text.echo,
    "printf": text.printf,
    "grep": text.grep,
    "egrep": text.grep,
    "head": text.head,
    "tail": text.tail,
    "wc": text.wc,
    "sort": text.sort,
    "uniq": text.uniq,
    "cut": text.cut,
    "tr": text.tr,
    "tee": text.tee,
    "seq": text.seq,
    "true": system.true,
    "false": system.false,
    "printenv": system.printenv,
    "env": system.env,
    "hostname": system.hostname,
    "sleep": system.sleep,
    "date": system.date,
    "uptime": system.uptime,
    "id": system.id_,
    "whoami": system.whoami,
    "pwd": system.pwd,
    "ls": system.ls,
    "mkdir": system.mkdir,
    "rm": system.rm,
    "touch": system.touch,
    "basename": system.basename,
    "dirname": system.dirname,
    "uname": system.uname,
    "ps": system.ps,
    "clear": system.clear,
    "kill": system.kill,
    "which": system.which,
    "timeout": system.timeout,
    "xargs": system.xargs,
    "test": system.test,
    "[": system.test,
    "expr": system.expr,
    "nginx": system.nginx,
    "nslookup": dnsclient.nslookup,
    "wget": webclients.wget,
    "curl": webclients.curl,
    "ping": webclients.ping,
    "ip": netinfo.ip,
    "ifconfig": netinfo.ifconfig,
    "nc": netinfo.nc,
    "sed": textproc.sed,
    "awk": textproc.awk,
}

# Real programs of these images that the simulator does not emulate: a clear message instead
# of pretending they do not exist.
NOT_SIMULATED: dict[str, str] = {
    name: "not simulated in kubelab's simulated cluster"
    for name in (
        "vi",
        "less",
        "more",
        "top",
        "netstat",
        "dig",
        "host",
        "telnet",
        "find",
        "chmod",
        "chown",
        "tar",
        "gzip",
        "traceroute",
        "apk",
        "apt",
        "apt-get",
        "ss",
        "du",
        "df",
        "free",
        "mount",
        "stat",
        "diff",
    )
}
