"""The KPIO shell (apps/sh) end to end through kpio-wasm: every program it
starts is a WebAssembly module spawned through the kpio API, joined by
kpio pipes. Where POSIX fixes the answer, pipelines are also run by the
host's /bin/sh with GNU tools on the same files and must print the same."""
import os
import subprocess

import pytest

from conftest import HOST_ENV, needs_kpio

pytestmark = needs_kpio()


def words(apps):
    text = ("the quick brown fox jumps over the lazy dog\n" * 3 +
            "kpio runs wasm\nthe end\n\nwasm wasm kpio\n")
    apps.write("words.txt", text)
    apps.write("nums.txt", "10\n9\n100\n-3\n7\n")
    return text


def host_sh(apps, script):
    return subprocess.run(["/bin/sh", "-c", script], cwd=apps.root, capture_output=True,
                          env=HOST_ENV, timeout=20)


@pytest.mark.parametrize("script", [
    "cat words.txt | wc -l",
    "cat words.txt | grep -o -E '[a-z]+' | sort | uniq -c | sort -rn | head -3",
    "sort -n nums.txt | tail -2 | head -1",
    "grep -c the words.txt; grep -v the words.txt | wc -w",
    "cat < words.txt | grep kpio | sort -r",
    "echo one two three | wc -w",
    "head -2 words.txt | cat -n | tail -1",
])
def test_pipelines_match_host(apps, script):
    words(apps)
    ours = apps.sh(script)
    theirs = host_sh(apps, script)
    assert ours.stdout == theirs.stdout, (ours.stdout, theirs.stdout, ours.stderr)
    assert ours.returncode == theirs.returncode


def test_redirections(apps):
    words(apps)
    r = apps.sh("echo first > out.txt; echo second >> out.txt; cat out.txt; "
                "wc -l < out.txt; ls missing 2> err.txt; cat err.txt | wc -l; "
                "ls missing > both.txt 2>&1; grep -c missing both.txt; "
                "echo to-stderr >&2; echo after")
    assert r.stdout == b"first\nsecond\n2\n1\n1\nafter\n"
    assert r.stderr == b"to-stderr\n"
    assert apps.read("out.txt") == b"first\nsecond\n"
    r = apps.sh("echo x > /nodir/f; echo status $?")
    assert r.stdout == b"status 1\n" and b"/nodir/f" in r.stderr
    r = apps.sh("cat < nosuchfile; echo status $?")
    assert r.stdout == b"status 1\n"
    r = apps.sh("echo kept >out2.txt 2>/dev/null || true; echo closed >&-; cat out2.txt")
    assert r.stdout == b"kept\n"


def test_status_and_lists(apps):
    r = apps.sh("true; echo $?; false; echo $?; nosuch; echo $?; ! true; echo $?; ! false; echo $?")
    assert r.stdout == b"0\n1\n127\n1\n0\n"
    assert b"sh: nosuch: command not found" in r.stderr
    r = apps.sh("true && echo a; false && echo b; false || echo c; true || echo d; "
                "false || false || echo e; true && false || echo f; echo $?")
    assert r.stdout == b"a\nc\ne\nf\n0\n"
    r = apps.sh("ls nosuch && echo no || echo recovered $?")
    assert r.stdout == b"recovered 2\n"
    r = apps.sh("exit 3")
    assert r.returncode == 3
    r = apps.sh("false; exit")
    assert r.returncode == 1


def test_cd_and_pwd(apps):
    os.makedirs(apps.path("a/b/c"))
    apps.write("a/b/file.txt", "in b\n")
    r = apps.sh("pwd; cd a/b; pwd; cat file.txt; ls; cd ..; pwd; cd /a/b/c; pwd; cd ../../..; "
                "pwd; cd -; cd nosuch; echo $?; cd /a/b/file.txt; echo $?; cd; pwd",
                env={"HOME": "/a"})
    assert r.stdout == b"/\n/a/b\nin b\nc\nfile.txt\n/a\n/a/b/c\n/\n/a/b/c\n1\n1\n/a\n"
    assert b"cd: nosuch" in r.stderr and b"Not a directory" in r.stderr
    # programs start in the shell's directory
    r = apps.sh("cd a && pwd && ls && env | grep ^PWD=")
    assert r.stdout == b"/a\nb\nPWD=/a\n"


def test_variables(apps):
    r = apps.sh("X=hello; echo $X ${X}s \"$X world\" '$X'; Y=1 env | grep ^Y=; echo [$Y]; "
                "export Z=exported; env | grep ^Z=; unset X; echo [$X] ${X:-default} ${#Z}; "
                "A='a   b'; for=1; echo $A \"$A\"; echo ~/x", env={"HOME": "/home/me"})
    assert r.stdout == (b"hello hellos hello world $X\nY=1\n[]\nZ=exported\n[] default 8\n"
                        b"a b a   b\n/home/me/x\n")
    r = apps.sh("echo $0 $# $1 \"$2\"; echo \"$@\" | wc -w", "name", "one", "two words")
    assert r.stdout == b"name 2 one two words\n3\n"
    r = apps.sh("echo ${bad")
    assert r.returncode == 2 and b"unexpected end of file" in r.stderr


def test_globbing(apps):
    for name in ["b.txt", "a.txt", "c.log", "d.txt"]:
        apps.write(name, name)
    r = apps.sh("echo *.txt; echo ?.log; echo '*.txt' \"*\"; echo *.none; cat [ab].txt")
    assert r.stdout == b"a.txt b.txt d.txt\nc.log\n*.txt *\n*.none\na.txtb.txt"


def test_scripts(apps):
    apps.write("script.sh", """# a script with arguments
echo "script $0 got $# args: $1 $2"
echo one \\
  two
cat /words.txt |
  grep -c kpio
false || echo "line continues"
exit 4
echo never
""")
    words(apps)
    r = apps.run("sh", "/script.sh", "a", "b c")
    assert r.stdout.startswith(b"script /script.sh got 2 args: a b c\n")
    assert b"one two\n2\nline continues\n" in r.stdout
    assert b"never" not in r.stdout
    assert r.returncode == 4
    apps.write("vars.sh", "GREETING=hi\nexport SHARED=yes\n")
    r = apps.sh(". /vars.sh; echo $GREETING; source vars.sh; env | grep SHARED")
    assert r.stdout == b"hi\nSHARED=yes\n"
    apps.write("bad.sh", "echo fine\necho 'unterminated\n")
    r = apps.run("sh", "/bad.sh")
    assert r.stdout == b"fine\n" and b"line 2: unexpected end of file" in r.stderr
    apps.write("syntax.sh", "echo ok\n| nope\necho after\n")
    r = apps.run("sh", "/syntax.sh")
    assert r.stdout == b"ok\nafter\n" and b"line 2: syntax error" in r.stderr


def test_commands_from_stdin(apps):
    """Non-interactive input: programs the shell starts read the rest of it."""
    r = apps.run("sh", stdin=b"echo from stdin\ncat\nthis line is read by cat\n")
    assert r.stdout == b"from stdin\nthis line is read by cat\n"


def test_background_jobs(apps):
    r = apps.sh("sleep 0.3 & echo started; jobs | wc -l; wait; echo waited $?; jobs | wc -l")
    assert r.stdout == b"started\n1\nwaited 0\n0\n"
    r = apps.sh("sleep 10 & kill $!; wait $!; echo $?")
    assert r.stdout == b"137\n"


def test_crash_containment(apps):
    """A trapping, runaway or hostile program ends alone; the shell goes on."""
    r = apps.sh("/tests/hostile trap; echo after $?; /tests/hostile oob; echo after $?; "
                "/tests/hostile recurse; echo after $?; /tests/hostile badptr; echo after $?")
    assert r.stdout == b"after 134\nafter 134\nafter 134\nbadptr: 21 21 -1\nafter 0\n", r.stdout
    err = r.stderr.decode()
    assert "kpio: hostile: wasm trap: unreachable" in err
    assert "sh: /tests/hostile: crashed: unreachable executed" in err
    assert "crashed: out of bounds memory access" in err
    assert "crashed: call stack exhausted" in err
    apps.write("notwasm.wasm", "#!/bin/sh\necho I am not a module\n")
    r = apps.sh("./notwasm; echo status $?")
    assert r.stdout == b"status 126\n"
    assert b"not a valid program" in r.stderr


def test_builtins(apps):
    r = apps.sh("type cd ls nosuch; help | head -1")
    assert r.stdout == b"cd is a shell builtin\nls is /bin/ls.wasm\nKPIO shell builtins:\n"
    assert b"type: nosuch: not found" in r.stderr
    r = apps.sh("set | grep ^PATH=; export | grep PATH")
    assert r.stdout == b"PATH=/bin\nexport PATH=/bin\n"
    r = apps.sh("pwd | cat; cd /bin | cat; pwd")
    assert r.stdout == b"/\n/\n"   # a builtin in a pipeline changes nothing


def test_syntax_errors(apps):
    for script, message in [("| a", "syntax error"), ("a && && b", "syntax error"),
                            ("cat <<EOF", "here-documents"), ("(ls)", "subshells"),
                            ("echo 'open", "unexpected end of file")]:
        r = apps.sh(script)
        assert r.returncode == 2 and message in r.stderr.decode(), (script, r.stderr)


def test_interactive_line_editing(apps):
    """-i: the line editor reads keys from stdin (here a pipe, as a terminal
    in raw mode would give them); the prompt and echo go to stderr."""
    keys = (b"echo abc\x1b[D\x1b[DX\r"        # cursor left twice, insert
            b"echo second\r"
            b"\x1b[A\x1b[A\r"                  # history: two back = the first line
            b"echo ab\x7fc\x01# \r"             # backspace, home, comment it out
            b"echo wrong\x15echo right\r"      # ^U kills the line
            b"history\r"
            b"exit 5\r")
    r = apps.run("sh", "-i", stdin=keys, env={"HOME": "/"})
    assert r.stdout.decode().splitlines()[:4] == ["aXbc", "second", "aXbc", "right"]
    hist = [line.split(None, 1)[1] for line in r.stdout.decode().splitlines()[4:]]
    assert hist == ["echo aXbc", "echo second", "echo aXbc", "# echo ac", "echo right", "history"]
    assert r.returncode == 5
    assert b"/ $ " in r.stderr
    # the history was saved to $HOME/.sh_history and comes back next time
    assert apps.read(".sh_history").decode().splitlines()[-1] == "exit 5"
    r = apps.run("sh", "-i", stdin=b"\x1b[A\x1b[A\x1b[A\r", env={"HOME": "/"})
    assert r.stdout == b"right\n"


def test_interactive_continuation_and_cancel(apps):
    keys = b"echo 'multi\rline'\recho one |\rwc -l\rabandon\x03echo done\r\x04"
    r = apps.run("sh", "-i", stdin=keys)
    assert r.stdout == b"multi\nline\n1\ndone\n"
    assert b"> " in r.stderr and b"^C" in r.stderr


def test_tab_completion(apps):
    apps.write("a-long-file-name.txt", "completed\n")
    os.makedirs(apps.path("some-directory"))
    apps.write("some-directory/inner.txt", "inner\n")
    keys = (b"ec\t hi\r"                       # a program on $PATH
            b"cat a-lo\t\r"                    # a file
            b"cat som\tin\t\r"                 # a directory, then a file in it
            b"he\t\t\x15\r"                    # head, help, hexdump: a list
            b"exit\r")
    r = apps.run("sh", "-i", stdin=keys)
    assert r.stdout == b"hi\ncompleted\ninner\n"
    assert b"head" in r.stderr and b"help" in r.stderr and b"hexdump" in r.stderr
