"""Process and system commands: printenv, env, hostname, ls, sleep, date, uptime, id, ..."""

from __future__ import annotations

import asyncio
import posixpath
import re
import time
from datetime import UTC, datetime

from kubelab.sim.dataplane.commands.common import UsageError, is_gnu, split_flags
from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FsError

BOOT_TIME = time.time() - 3 * 3600 - 17 * 60
KERNEL = "6.8.0-79-generic"


async def true(inv: Invocation) -> int:
    return 0


async def false(inv: Invocation) -> int:
    return 1


async def printenv(inv: Invocation) -> int:
    names = [a for a in inv.args if not a.startswith("-")]
    if not names:
        await inv.out("".join(f"{k}={v}\n" for k, v in inv.env.items()))
        return 0
    status = 0
    for name in names:
        if name in inv.env:
            await inv.out(inv.env[name] + "\n")
        else:
            status = 1
    return status


async def env(inv: Invocation) -> int:
    args = list(inv.args)
    environ = dict(inv.env)
    while args:
        if args[0] in ("-i", "-"):
            environ = {}
            args.pop(0)
        elif args[0] == "-u" and len(args) > 1:
            environ.pop(args[1], None)
            del args[:2]
        elif "=" in args[0] and not args[0].startswith("="):
            name, _, value = args.pop(0).partition("=")
            environ[name] = value
        else:
            break
    if not args:
        await inv.out("".join(f"{k}={v}\n" for k, v in environ.items()))
        return 0
    status = await inv.spawn(args, inv.stdin, inv.stdout, inv.stderr, environ)
    if status == -1:
        if is_gnu(inv):
            await inv.err(f"env: '{args[0]}': No such file or directory\n")
        else:
            await inv.err(f"env: can't execute '{args[0]}': No such file or directory\n")
        return 127
    return status


async def hostname(inv: Invocation) -> int:
    flags, _ = split_flags(inv.args)
    ctx = inv.container
    if "i" in flags or "I" in flags:
        await inv.out(ctx.pod_ip + ("\n" if "i" in flags else " \n"))
    elif "s" in flags:
        await inv.out(ctx.hostname.split(".")[0] + "\n")
    else:
        await inv.out(ctx.hostname + "\n")
    return 0


async def sleep(inv: Invocation) -> int:
    if not inv.args:
        if is_gnu(inv):
            await inv.err("sleep: missing operand\nTry 'sleep --help' for more information.\n")
        else:
            await inv.err("Usage: sleep [N]...\n")
        return 1
    total = 0.0
    for arg in inv.args:
        m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", arg)
        if not m:
            if arg == "infinity":
                total = float("inf")
                continue
            if is_gnu(inv):
                await inv.err(f"sleep: invalid time interval '{arg}'\n")
                return 1
            return await inv.fail(f"invalid number '{arg}'")
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if total == float("inf"):
        await asyncio.Event().wait()
    await asyncio.sleep(total)
    return 0


def _format_date(now: datetime, fmt: str) -> str:
    return now.strftime(fmt.replace("%N", f"{now.microsecond * 1000:09d}"))


async def date(inv: Invocation) -> int:
    now = datetime.now(UTC)
    fmt = next((a[1:] for a in inv.args if a.startswith("+")), None)
    if fmt is not None:
        await inv.out(_format_date(now, fmt) + "\n")
    else:
        await inv.out(now.strftime("%a %b %e %H:%M:%S UTC %Y").replace("  ", "  ") + "\n")
    return 0


async def uptime(inv: Invocation) -> int:
    now = time.time()
    up = int(now - BOOT_TIME)
    hours, minutes = divmod(up // 60, 60)
    days, hours = divmod(hours, 24)
    span = f"{hours}:{minutes:02d}" if hours else f"{minutes} min"
    if days:
        span = f"{days} day{'s' if days > 1 else ''}, " + span
    clock = datetime.now(UTC).strftime("%H:%M:%S")
    await inv.out(f" {clock} up {span},  0 users,  load average: 0.42, 0.35, 0.30\n")
    return 0


def _user(inv: Invocation) -> tuple[int, str, int, str]:
    image = inv.container.image
    if image.user == "root":
        return 0, "root", 0, "root"
    return 100, image.user, 101, image.user.replace("_user", "_group")


async def id_(inv: Invocation) -> int:
    uid, user, gid, group = _user(inv)
    if "-u" in inv.args:
        await inv.out(f"{user if '-n' in inv.args else uid}\n")
        return 0
    groups = f"{gid}({group})" + (",10(wheel)" if uid == 0 and not is_gnu(inv) else "")
    await inv.out(f"uid={uid}({user}) gid={gid}({group}) groups={groups}\n")
    return 0


async def whoami(inv: Invocation) -> int:
    await inv.out(_user(inv)[1] + "\n")
    return 0


async def pwd(inv: Invocation) -> int:
    await inv.out(inv.cwd + "\n")
    return 0


async def ls(inv: Invocation) -> int:
    flags, names = split_flags(inv.args)
    fs = inv.container.files
    status = 0
    outputs: list[str] = []
    tty = inv.extra.get("tty") == "1"
    for name in names or ["."]:
        path = inv.path(name)
        if not fs.exists(path):
            if is_gnu(inv):
                await inv.err(f"ls: cannot access '{name}': No such file or directory\n")
                status = 2
            else:
                await inv.err(f"ls: {name}: No such file or directory\n")
                status = 1
            continue
        entries = fs.listdir(path) if fs.is_dir(path) and "d" not in flags else [name]
        if "a" in flags and fs.is_dir(path):
            entries = [".", "..", *entries]
        if len(names) > 1 and fs.is_dir(path):
            outputs.append(f"{name}:")
        if "l" in flags:
            lines = []
            for entry in entries:
                full = posixpath.join(path, entry) if fs.is_dir(path) else path
                is_dir = fs.is_dir(full) or entry in (".", "..")
                size = 4096 if is_dir else fs.size(full)
                mode = "drwxr-xr-x" if is_dir else "-rw-r--r--"
                lines.append(f"{mode}    2 root     root     {size:>9} Nov 26 08:00 {entry}")
            if fs.is_dir(path):
                outputs.append(f"total {len(entries) * 4}")
            outputs.extend(lines)
        elif tty:
            outputs.extend(_columns(entries))
        else:
            outputs.extend(entries)
    if outputs:
        await inv.out("\n".join(outputs) + "\n")
    return status


def _columns(names: list[str], width: int = 80) -> list[str]:
    """Names in columns, filled top to bottom, as ls prints them on a terminal."""
    if not names:
        return []
    col = max(len(n) for n in names) + 2
    ncols = max(1, width // col)
    nrows = -(-len(names) // ncols)
    rows = []
    for r in range(nrows):
        cells = [names[i] for i in range(r, len(names), nrows)]
        rows.append("".join(c.ljust(col) for c in cells[:-1]) + cells[-1])
    return rows


async def mkdir(inv: Invocation) -> int:
    flags, names = split_flags(inv.args)
    status = 0
    for name in names:
        path = inv.path(name)
        if inv.container.files.exists(path) and "p" not in flags:
            await inv.err(f"mkdir: can't create directory '{name}': File exists\n")
            status = 1
            continue
        try:
            inv.container.files.mkdir(path, parents="p" in flags)
        except FsError as exc:
            await inv.err(f"mkdir: can't create directory '{name}': {exc.reason}\n")
            status = 1
    return status


async def rm(inv: Invocation) -> int:
    flags, names = split_flags(inv.args)
    fs = inv.container.files
    status = 0
    for name in names:
        path = inv.path(name)
        if fs.is_dir(path):
            if "r" not in flags and "R" not in flags:
                await inv.err(f"rm: '{name}' is a directory\n")
                status = 1
                continue
            fs.remove_tree(path)
            continue
        try:
            fs.remove(path)
        except FsError as exc:
            if "f" not in flags:
                await inv.err(f"rm: can't remove '{name}': {exc.reason}\n")
                status = 1
    return status


async def touch(inv: Invocation) -> int:
    _, names = split_flags(inv.args)
    status = 0
    for name in names:
        path = inv.path(name)
        if not inv.container.files.exists(path):
            try:
                inv.container.files.write(path, "")
            except FsError as exc:
                await inv.err(f"touch: {name}: {exc.reason}\n")
                status = 1
    return status


async def basename(inv: Invocation) -> int:
    if not inv.args:
        await inv.err("Usage: basename FILE [SUFFIX]\n")
        return 1
    name = posixpath.basename(inv.args[0].rstrip("/")) or "/"
    if len(inv.args) > 1 and name.endswith(inv.args[1]) and name != inv.args[1]:
        name = name[: -len(inv.args[1])]
    await inv.out(name + "\n")
    return 0


async def dirname(inv: Invocation) -> int:
    if not inv.args:
        await inv.err("Usage: dirname FILENAME\n")
        return 1
    await inv.out((posixpath.dirname(inv.args[0].rstrip("/")) or ".") + "\n")
    return 0


async def uname(inv: Invocation) -> int:
    flags, _ = split_flags(inv.args)
    host = inv.container.hostname
    if "a" in flags:
        text = f"Linux {host} {KERNEL} #79-Ubuntu SMP PREEMPT_DYNAMIC x86_64 GNU/Linux"
    elif "r" in flags:
        text = KERNEL
    elif "n" in flags:
        text = host
    elif "m" in flags:
        text = "x86_64"
    else:
        text = "Linux"
    await inv.out(text + "\n")
    return 0


async def ps(inv: Invocation) -> int:
    image = inv.container.image
    main = " ".join(image.main_argv(None, None)) or "sh"
    await inv.out(
        "PID   USER     TIME  COMMAND\n"
        f"    1 {image.user:<8}  0:00 {main}\n"
        f"    7 {image.user:<8}  0:00 ps {' '.join(inv.args)}".rstrip()
        + "\n"
    )
    return 0


async def clear(inv: Invocation) -> int:
    await inv.out("\x1b[H\x1b[J")
    return 0


async def kill(inv: Invocation) -> int:
    pids = [a for a in inv.args if not a.startswith("-")]
    if not pids:
        await inv.err("Usage: kill [-s SIG | -SIG | -l] PID...\n")
        return 1
    status = 0
    for pid in pids:
        if pid != "1":
            await inv.err(f"kill: can't kill pid {pid}: No such process\n")
            status = 1
    return status


async def which(inv: Invocation) -> int:
    status = 0
    where = "/usr/bin/" if is_gnu(inv) else "/bin/"
    for name in inv.args:
        if inv.container.has_command(name):
            await inv.out(where + name + "\n")
        else:
            status = 1
    return status


SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "TERM": 15}


def _timeout_options(args: list[str]) -> tuple[str, list[str]]:
    """(the signal, SECS PROG ARGS): options end at the first word that is not one, so the
    program keeps its own (`timeout -s KILL 5 ls -l`)."""
    signal = "TERM"
    i = 0
    while i < len(args) and args[i].startswith("-") and len(args[i]) > 1:
        opt = args[i]
        if opt == "--":
            i += 1
            break
        if opt[1] in "sk":
            value = opt[2:]
            if not value:
                i += 1
                if i >= len(args):
                    raise UsageError(f"option requires an argument -- '{opt[1]}'")
                value = args[i]
            if opt[1] == "s":
                signal = value
        i += 1
    return signal, args[i:]


async def timeout(inv: Invocation) -> int:
    """busybox timeout (coreutils/timeout.c): PROG runs as the process itself and a watcher
    sends it the signal, so a timed-out run ends with 128+signal (143 for TERM); GNU's
    timeout answers 124."""
    try:
        signal, args = _timeout_options(inv.args)
    except UsageError as exc:
        return await inv.fail(exc.message)
    if len(args) < 2:
        await inv.err("Usage: timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS\n")
        return 1
    name = signal.upper().removeprefix("SIG")
    number = int(name) if name.isdigit() else SIGNALS.get(name)
    if number is None:
        return await inv.fail(f"bad signal name '{signal}'")
    try:
        secs = float(args[0].rstrip("s"))
    except ValueError:
        return await inv.fail(f"invalid number '{args[0]}'")
    try:
        status = await asyncio.wait_for(
            inv.spawn(args[1:], inv.stdin, inv.stdout, inv.stderr, inv.env), secs
        )
    except TimeoutError:
        return 124 if is_gnu(inv) else 128 + number
    if status == -1:
        await inv.err(f"timeout: can't execute '{args[1]}': No such file or directory\n")
        return 127
    return status


async def xargs(inv: Invocation) -> int:
    try:
        flags, cmd = split_flags(inv.args, with_value="nI")
    except UsageError as exc:
        return await inv.fail(exc.message)
    words = (await inv.stdin.read_all()).split()
    cmd = cmd or ["echo"]
    size = int(flags["n"]) if "n" in flags else max(len(words), 1)
    status = 0
    for start in range(0, max(len(words), 1), size):
        chunk = words[start : start + size]
        if not chunk and start > 0:
            break
        rc = await inv.spawn([*cmd, *chunk], inv.stdin, inv.stdout, inv.stderr, inv.env)
        if rc == -1:
            await inv.err(f"xargs: {cmd[0]}: No such file or directory\n")
            return 127
        status = status or (123 if rc else 0)
    return status


def _test(args: list[str], inv: Invocation) -> bool:
    if not args:
        return False
    if args[0] == "!":
        return not _test(args[1:], inv)
    for joiner in ("-o", "-a"):
        if joiner in args:
            i = args.index(joiner)
            left, right = _test(args[:i], inv), _test(args[i + 1 :], inv)
            return (left or right) if joiner == "-o" else (left and right)
    if len(args) == 1:
        return args[0] != ""
    fs = inv.container.files
    if len(args) == 2:
        op, val = args
        path = inv.path(val) if val else ""
        unary = {
            "-z": lambda: val == "",
            "-n": lambda: val != "",
            "-e": lambda: fs.exists(path),
            "-f": lambda: fs.is_file(path),
            "-d": lambda: fs.is_dir(path),
            "-s": lambda: fs.size(path) > 0,
            "-r": lambda: fs.exists(path),
            "-w": lambda: fs.exists(path),
            "-x": lambda: fs.is_dir(path),
        }
        if op in unary:
            return unary[op]()
        raise UsageError(f"{op}: unknown operand", 2)
    a, op, b = args[0], args[1], args[2]
    if op in ("=", "=="):
        return a == b
    if op == "!=":
        return a != b
    ints = {"-eq": "==", "-ne": "!=", "-lt": "<", "-le": "<=", "-gt": ">", "-ge": ">="}
    if op in ints:
        try:
            x, y = int(a), int(b)
        except ValueError:
            bad = a if not a.lstrip("-").isdigit() else b
            raise UsageError(
                f"{bad}: bad number"
                if inv.container.image.shell != "dash"
                else f"Illegal number: {bad}",
                2,
            ) from None
        return {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[
            ints[op]
        ]
    raise UsageError(f"{op}: unknown operand", 2)


async def test(inv: Invocation) -> int:
    args = list(inv.args)
    if inv.name == "[":
        if not args or args[-1] != "]":
            return await inv.fail("missing ]", 2)
        args = args[:-1]
    try:
        return 0 if _test(args, inv) else 1
    except UsageError as exc:
        return await inv.fail(exc.message, exc.status)


async def nginx(inv: Invocation) -> int:
    """The nginx binary of the nginx image: version, config test, reload; a second server
    cannot bind port 80 (the main process has it)."""
    version = inv.container.image.version
    args = inv.args
    if "-v" in args or "-V" in args:
        await inv.err(f"nginx version: nginx/{version}\n")
        return 0
    if "-t" in args or "-T" in args:
        await inv.err(
            "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
            "nginx: configuration file /etc/nginx/nginx.conf test is successful\n"
        )
        return 0
    if "-s" in args:
        return 0
    stamp = datetime.now(UTC).strftime("%Y/%m/%d %H:%M:%S")
    await inv.err(
        f"{stamp} [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address in use)\n"
        "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address in use)\n"
    )
    return 1


async def expr(inv: Invocation) -> int:
    args = inv.args
    try:
        if len(args) == 1:
            result: int | str = args[0]
        elif len(args) == 2 and args[0] == "length":
            result = len(args[1])
        elif len(args) == 3:
            a, op, b = args
            if op in ("+", "-", "*", "/", "%"):
                x, y = int(a), int(b)
                if op in "/%" and y == 0:
                    return await inv.fail("division by zero", 2)
                result = {
                    "+": x + y,
                    "-": x - y,
                    "*": x * y,
                    "/": int(x / y),
                    "%": x - y * int(x / y),
                }[op]
            elif op in ("=", "!=", "<", ">", "<=", ">="):
                try:
                    order = (int(a) > int(b)) - (int(a) < int(b))
                except ValueError:
                    order = (a > b) - (a < b)
                cmp = {
                    "=": order == 0,
                    "!=": order != 0,
                    "<": order < 0,
                    ">": order > 0,
                    "<=": order <= 0,
                    ">=": order >= 0,
                }
                result = int(cmp[op])
            else:
                return await inv.fail("syntax error", 2)
        else:
            return await inv.fail("syntax error", 2)
    except ValueError:
        return await inv.fail("non-numeric argument", 2)
    await inv.out(f"{result}\n")
    return 0 if result not in (0, "") else 1
