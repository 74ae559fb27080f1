"""The simulated shell: parsing, expansion, control flow, pipes, redirections, messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubelab.sim.dataplane.shell.jobs import end_jobs, session_jobs
from kubelab.sim.dataplane.shell.lexer import ShellSyntaxError
from kubelab.sim.dataplane.shell.parser import parse

CASES = [
    # (script, stdout, stderr, status)
    ("echo hello world", "hello world\n", "", 0),
    ("echo 'single $HOME' \"double $HOME\"", "single $HOME double /root\n", "", 0),
    ("x=5; echo $x ${x} ${#x} ${nope:-dflt} ${x:+set}", "5 5 1 dflt set\n", "", 0),
    ("echo a; echo b && echo c || echo d", "a\nb\nc\n", "", 0),
    ("false || echo fallback", "fallback\n", "", 0),
    ("false && echo never; echo $?", "1\n", "", 0),
    ("true; ! true; echo $?", "1\n", "", 0),
    ("exit 3", "", "", 3),
    ("exit 300", "", "", 44),
    ("echo $(echo inner) `echo back`", "inner back\n", "", 0),
    ("echo $((3 + 4 * 2)) $(( (1+2) % 2 ))", "11 1\n", "", 0),
    ("for i in $(seq 1 3); do echo n$i; done", "n1\nn2\nn3\n", "", 0),
    ("for i in a b c; do [ $i = b ] && continue; echo $i; done", "a\nc\n", "", 0),
    ("i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done", "1\n2\n3\n", "", 0),
    ("i=0; until [ $i -ge 2 ]; do i=$((i+1)); done; echo $i", "2\n", "", 0),
    ("while true; do echo x; break; done", "x\n", "", 0),
    (
        "for i in 1 2 3; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; done",
        "1a\n2a\n3a\n",
        "",
        0,
    ),
    (
        "for i in 1 2; do for j in a b; do break 2; done; echo never; done; echo after",
        "after\n",
        "",
        0,
    ),
    ("if [ -f /etc/hosts ]; then echo yes; else echo no; fi", "yes\n", "", 0),
    ("if false; then echo 1; elif true; then echo 2; fi", "2\n", "", 0),
    ("echo a b | tr a-z A-Z", "A B\n", "", 0),
    ("seq 1 5 | grep -v 3 | wc -l", "4\n", "", 0),
    ("while true; do echo y; done | head -n 2", "y\ny\n", "", 0),
    ("echo out; echo err >&2", "out\n", "err\n", 0),
    ("echo err 2>&1 >&2", "err\n", "", 0),
    ("echo err >&2 2>&1", "", "err\n", 0),
    ("(echo to-err >&2) 2>&1", "to-err\n", "", 0),
    ("nope 2>/dev/null; echo $?", "127\n", "", 0),
    ("echo saved > /tmp/f; echo more >> /tmp/f; cat /tmp/f", "saved\nmore\n", "", 0),
    ("cat < /etc/hostname", "client\n", "", 0),
    ("echo x > /nodir/f", "", "sh: can't create /nodir/f: nonexistent directory\n", 2),
    ("foo", "", "sh: foo: not found\n", 127),
    ("/bin/foo arg", "", "sh: /bin/foo: not found\n", 127),
    ('echo "unterminated', "", "sh: syntax error: unterminated quoted string\n", 2),
    (
        "for x in a; do echo $x",
        "",
        'sh: syntax error: unexpected end of file (expecting "done")\n',
        2,
    ),
    ("done", "", 'sh: syntax error: unexpected "done"\n', 2),
    ('set -- a b c; echo $# $2 "$@"', "3 b a b c\n", "", 0),
    ("x=outer; (x=inner); echo $x", "outer\n", "", 0),
    ("{ echo one; echo two; } | wc -l", "2\n", "", 0),
    ("echo a | { read v; echo got $v; }", "got a\n", "", 0),
    ("export FOO=bar; printenv FOO", "bar\n", "", 0),
    ("FOO=once env | grep FOO", "FOO=once\n", "", 0),
    ("echo 'a\nb' | sh -c 'read first; echo $first'", "a\n", "", 0),
    ("sh -c 'exit 7'; echo $?", "7\n", "", 0),
    (
        "cd /etc && pwd && cd /nope",
        "/etc\n",
        "sh: cd: can't cd to /nope: No such file or directory\n",
        2,
    ),
    ("ls /etc/host*", "/etc/hostname\n/etc/hosts\n", "", 0),
    ("echo a\\ b \\$HOME", "a b $HOME\n", "", 0),
    ("# a comment\necho after  # trailing", "after\n", "", 0),
    ("echo one \\\n two", "one two\n", "", 0),
    ("set -e; false; echo not-reached", "", "", 1),
    ("command -v wget; command -v nope; echo $?", "/bin/wget\n127\n", "", 0),
    ("busybox echo via-busybox", "via-busybox\n", "", 0),
    ('cat <<EOF\nhello $HOME "q"\nEOF', 'hello /root "q"\n', "", 0),
    (
        "for x in a.txt b.log c; do case $x in *.txt|*.md) echo doc;; *.log) echo log;;"
        " *) echo other;; esac; done",
        "doc\nlog\nother\n",
        "",
        0,
    ),
    ("case foo in\n  (f*)\n    echo starts-with-f\n    ;;\nesac", "starts-with-f\n", "", 0),
    ("greet() { echo hi $1; return 3; echo never; }; greet you; echo $?", "hi you\n3\n", "", 0),
    ('f() {\n  echo $# "$@"\n}\nf a b; echo $#', "2 a b\n0\n", "", 0),
    ("cat <<'EOF'\n$HOME\nEOF\necho after", "$HOME\nafter\n", "", 0),
    ("cat <<-EOF | wc -l\n\tone\n\ttwo\n\tEOF", "2\n", "", 0),
    ("cat > /tmp/page <<EOF\n<h1>$(hostname)</h1>\nEOF\ncat /tmp/page", "<h1>client</h1>\n", "", 0),
]


@pytest.mark.parametrize(("script", "stdout", "stderr", "status"), CASES)
async def test_busybox_shell(
    world: Any, script: str, stdout: str, stderr: str, status: int
) -> None:
    result = await world.sh(script)
    assert (result.stdout, result.stderr, result.status) == (stdout, stderr, status)


async def test_dash_and_bash_messages(world: Any) -> None:
    dash = await world.sh("foo", pod="my-nginx-abc-1")
    assert (dash.stderr, dash.status) == ("sh: 1: foo: not found\n", 127)
    bash = await world.run(["bash", "-c", "echo ok; foo"], pod="my-nginx-abc-1")
    assert bash.stdout == "ok\n"
    assert bash.stderr == "bash: line 1: foo: command not found\n"
    missing = await world.sh("nslookup x", pod="my-nginx-abc-1")
    assert missing.stderr == "sh: 1: nslookup: not found\n"


async def test_a_program_the_image_lacks_is_not_found(world: Any) -> None:
    # busybox ash (shell/ash.c, `%s: not found`) for anything the image does not have
    result = await world.sh("apt-get install curl")
    assert (result.status, result.stderr) == (127, "sh: apt-get: not found\n")


async def test_stdin_is_streamed_to_cat(world: Any) -> None:
    result = await world.sh("cat; echo done", stdin="line1\nline2\n")
    assert result.stdout == "line1\nline2\ndone\n"


def test_parse_reports_incomplete_input() -> None:
    for source in ("for i in 1 2; do", "echo 'open", "if true; then echo", "a &&", "cat <<E\nx"):
        with pytest.raises(ShellSyntaxError) as info:
            parse(source)
        assert info.value.incomplete, source
    with pytest.raises(ShellSyntaxError) as info:
        parse("fi")
    assert not info.value.incomplete


async def test_background_jobs(world: Any) -> None:
    result = await world.sh("(sleep 0.05; echo late) & echo started; wait; echo done")
    assert result.stdout == "started\nlate\ndone\n"
    pid = await world.sh("sleep 0.01 & echo $!")
    assert pid.stdout.strip().isdigit()
    with session_jobs() as jobs:
        forever = await world.sh("while true; do sleep 0.01; done & echo bg")
    assert forever.stdout == "bg\n" and len(jobs) == 1 and not jobs[0].done()
    task = jobs[0]
    end_jobs(jobs)  # the session is over: its jobs end with it
    await asyncio.sleep(0.05)
    assert task.cancelled()


SED_AWK = [
    ("echo hello world | sed 's/o/0/'", "hell0 world\n"),
    ("echo hello world | sed -e 's/o/0/g' -e 's|w|W|'", "hell0 W0rld\n"),
    ("printf 'a\\nb\\nc\\n' | sed -n '2p'", "b\n"),
    ("printf 'a\\nb\\nc\\n' | sed '/b/d'", "a\nc\n"),
    ("printf 'a\\nb\\nc\\n' | sed '1,2d'", "c\n"),
    ("echo 'k=v' | sed -E 's/(.*)=(.*)/\\2=\\1/'", "v=k\n"),
    ("echo a.b | sed 's/a/[&]/'", "[a].b\n"),
    ("echo one two three | awk '{print $2}'", "two\n"),
    ("echo one two three | awk '{print $NF, NF}'", "three 3\n"),
    ("printf 'a:1\\nb:2\\n' | awk -F: '$2 > 1 {print $1}'", "b\n"),
    ("printf 'x\\ny\\n' | awk 'NR==2'", "y\n"),
    ("printf 'x 1\\ny 2\\n' | awk '{s = s + $2} END {print \"sum\", s}'", "sum 3\n"),
    ("echo ab | awk '/b/ {printf \"%s-%d\\n\", $1, 7}'", "ab-7\n"),
    ("ip addr | grep 'inet ' | awk '{print $2}' | tail -1", "10.244.1.50/24\n"),
]


@pytest.mark.parametrize(("script", "stdout"), SED_AWK)
async def test_sed_and_awk(world: Any, script: str, stdout: str) -> None:
    result = await world.sh(script)
    assert (result.stdout, result.stderr, result.status) == (stdout, "", 0)


async def test_sed_in_place_and_unsupported(world: Any) -> None:
    edited = await world.sh("echo 'listen 80;' > /tmp/c; sed -i 's/80/8080/' /tmp/c; cat /tmp/c")
    assert edited.stdout == "listen 8080;\n"
    unsupported = await world.sh("echo x | awk '{ gsub(/x/, \"y\"); print }'")
    assert unsupported.status == 2
    assert "not supported by kubelab's simulated awk" in unsupported.stderr
    nginx = await world.sh("nginx -v; nginx -t", pod="my-nginx-abc-1")
    assert nginx.stderr.startswith("nginx version: nginx/1.29.3\nnginx: the configuration file")
