"""Text utilities (echo, cat, wc, head, tail, sort, uniq, grep, hexdump)
compared with the host's GNU coreutils, grep and util-linux hexdump on the
same files and options, in the C locale."""
import random

import pytest

from conftest import same_as_host

LINES = "one\ntwo\n\n\nthree four  five\n\tsix\nseven\n\n"
NO_NEWLINE = "alpha\nbeta\ngamma"


def sample_files(apps):
    apps.write("a.txt", LINES)
    apps.write("b.txt", NO_NEWLINE)
    apps.write("empty.txt", "")
    words = random.Random(1).choices(["kpio", "wasm", "kernel", "shell", "zip"], k=400)
    apps.write("words.txt", "\n".join(" ".join(words[i:i + 7]) for i in range(0, 400, 7)) + "\n")


@pytest.mark.parametrize("args", [
    ["hello", "world"], [], ["-n", "no newline"], ["-e", "tab\\there\\nnew\\\\line"],
    ["-e", "\\x41\\0102\\c stop here"], ["-E", "raw\\n"], ["-ne", "a\\tb"], ["-en", "x"],
    ["-x", "not an option"], ["--", "dashes"], ["-n"], ["-e", "\\x", "\\q", "\\"],
    ["a  b", "", "c"], ["-neE", "\\n"],
])
def test_echo(apps, args):
    same_as_host(apps, "echo", args)


@pytest.mark.parametrize("args", [
    ["a.txt"], ["a.txt", "b.txt", "empty.txt"], ["-n", "a.txt", "b.txt"], ["-b", "a.txt"],
    ["-s", "a.txt"], ["-sn", "a.txt"], ["-", "b.txt"], [],
])
def test_cat(apps, args):
    sample_files(apps)
    same_as_host(apps, "cat", args, stdin="from stdin\n")


def test_cat_missing_file(apps):
    sample_files(apps)
    r = same_as_host(apps, "cat", ["a.txt", "missing", "b.txt"])
    assert b"cat: missing: No such file or directory" in r.stderr


@pytest.mark.parametrize("args", [
    ["a.txt"], ["-l", "a.txt"], ["-w", "words.txt"], ["-c", "b.txt"], ["-lwc", "a.txt", "b.txt"],
    ["a.txt", "b.txt", "empty.txt", "words.txt"], [], ["-l"], ["-m", "a.txt"], ["-lm", "-"],
    ["-c", "a.txt", "missing"], ["missing", "a.txt"],
])
def test_wc(apps, args):
    sample_files(apps)
    same_as_host(apps, "wc", args, stdin=LINES)


@pytest.mark.parametrize("args", [
    ["words.txt"], ["-n", "3", "a.txt"], ["-n", "0", "a.txt"], ["-c", "7", "a.txt"],
    ["-n", "-2", "a.txt"], ["-c", "-5", "b.txt"], ["-3", "words.txt"], ["a.txt", "b.txt"],
    ["-q", "a.txt", "b.txt"], ["-v", "b.txt"], ["-n", "2", "-", "b.txt"], ["-n", "100", "b.txt"],
])
def test_head(apps, args):
    sample_files(apps)
    same_as_host(apps, "head", args, stdin=LINES)


@pytest.mark.parametrize("args", [
    ["words.txt"], ["-n", "3", "a.txt"], ["-n", "0", "a.txt"], ["-c", "7", "a.txt"],
    ["-n", "+3", "a.txt"], ["-c", "+5", "b.txt"], ["-2", "b.txt"], ["a.txt", "b.txt"],
    ["-n", "1", "b.txt"], ["-n", "+1", "a.txt"], ["-n", "2"], ["-c", "100", "b.txt"],
])
def test_tail(apps, args):
    sample_files(apps)
    same_as_host(apps, "tail", args, stdin=LINES)


def sort_data(apps):
    rnd = random.Random(7)
    words = ["apple", "Apple", "banana", "cherry", "apple", " date", "  Elder", "fig", "Fig", ""]
    lines = []
    for i in range(300):
        lines.append(f"{rnd.choice(words)}\t{rnd.randint(-50, 50)}\t{rnd.choice(words)}")
    apps.write("t.txt", "\n".join(lines) + "\n")
    numbers = ["10", "9", "-3", "0", "-0", "007", "3.5", "3.50", "-3.25", " 42", "1e3", "abc",
               "", "  -1", "12a", ".5", "-.5", "100000000000000000000", "99999999999999999999.9"]
    apps.write("n.txt", "\n".join(numbers * 3) + "\n")
    apps.write("f.txt", "b:3:x\na:10:y\nc:2:x\nb:1:z\na:2:x\n")


@pytest.mark.parametrize("args", [
    ["t.txt"], ["-r", "t.txt"], ["-f", "t.txt"], ["-u", "t.txt"], ["-n", "n.txt"],
    ["-rn", "n.txt"], ["-nu", "n.txt"], ["-b", "t.txt"], ["-k2n", "t.txt"],
    ["-k2,2n", "-k1,1", "t.txt"], ["-t", ":", "-k2n", "f.txt"], ["-t", ":", "-k3,3", "-k2,2nr", "f.txt"],
    ["-t", ":", "-k1,1", "-u", "f.txt"], ["-s", "-k3,3", "t.txt"], ["-k1.2,1.3", "t.txt"],
    ["-fu", "t.txt"], ["-k3", "t.txt"], ["-t", "\t", "-k3,3f", "-k1,1r", "t.txt"],
    ["n.txt", "f.txt"], [],
])
def test_sort(apps, args):
    sort_data(apps)
    same_as_host(apps, "sort", args, stdin="z\ny\nx\n")


def test_sort_output_file_may_be_an_input(apps):
    sort_data(apps)
    r = apps.run("sort", "-o", "f.txt", "f.txt")
    assert r.returncode == 0
    assert apps.read("f.txt") == b"a:10:y\na:2:x\nb:1:z\nb:3:x\nc:2:x\n"


@pytest.mark.parametrize("args", [
    [], ["-c"], ["-d"], ["-u"], ["-i"], ["-ci"], ["-f", "1"], ["-s", "2"], ["-dc"],
])
def test_uniq(apps, args):
    data = "a\na\nA\nb\nb\nb\nc\n x\n y\n y\n\n\nd\n"
    same_as_host(apps, "uniq", args, stdin=data)


def test_uniq_files(apps):
    apps.write("in.txt", "x\nx\ny\n")
    same_as_host(apps, "uniq", ["-c", "in.txt"])
    assert apps.run("uniq", "in.txt", "out.txt").returncode == 0
    assert apps.read("out.txt") == b"x\ny\n"


def grep_data(apps):
    apps.write("g1.txt", "KPIO kernel\nwasm module\nthe Kernel boots\nkpio-wasm runs\n\nend\n")
    apps.write("g2.txt", "nothing here\nkernel again\nx1 y22 z333\n")
    apps.write("dir/sub/g3.txt", "deep kernel\n")
    apps.write("dir/g4.txt", "no match\n")


@pytest.mark.parametrize("args", [
    ["kernel", "g1.txt"], ["-i", "kernel", "g1.txt"], ["-v", "kernel", "g1.txt"],
    ["-n", "k", "g1.txt", "g2.txt"], ["-c", "kernel", "g1.txt", "g2.txt"],
    ["-l", "kernel", "g1.txt", "g2.txt", "dir/g4.txt"], ["-L", "kernel", "g1.txt", "dir/g4.txt"],
    ["-h", "kernel", "g1.txt", "g2.txt"], ["-H", "wasm", "g1.txt"], ["-E", "z3+|y2{2}", "g2.txt"],
    ["-o", "-E", "[a-z]+[0-9]+", "g2.txt"], ["-x", "end", "g1.txt"], ["-w", "kpio", "g1.txt"],
    ["-wi", "kpio", "g1.txt"], ["-F", "-i", "KPIO-WASM", "g1.txt"], ["^$", "g1.txt"],
    ["-e", "wasm", "-e", "end", "g1.txt"], ["k.*l", "g1.txt"], ["-c", "^", "g1.txt"],
    ["-r", "kernel", "dir"], ["-rl", "kernel", "."], ["nomatch", "g1.txt"],
    ["kernel", "g1.txt", "missing"], ["-s", "kernel", "missing"], ["-q", "kernel", "g1.txt"],
    ["-q", "nomatch", "g1.txt"], ["\\(kpio\\)-\\1", "g1.txt"], ["-E", "(", "g1.txt"],
    ["the", "-"],
])
def test_grep(apps, args):
    grep_data(apps)
    same_as_host(apps, "grep", args, stdin="stdin has the word\n")


@pytest.mark.parametrize("length", [0, 1, 2, 15, 16, 17, 31, 32, 33, 100])
@pytest.mark.parametrize("flags", [[], ["-C"]])
def test_hexdump_lengths(apps, length, flags):
    data = bytes((i * 37 + 11) % 256 for i in range(length))
    apps.write("data.bin", data)
    same_as_host(apps, "hexdump", flags + ["data.bin"])


@pytest.mark.parametrize("args", [
    ["zeros"], ["-C", "zeros"], ["-v", "zeros"], ["-C", "-v", "zeros"], ["-n", "20", "zeros"],
    ["-C", "-s", "5", "-n", "40", "mixed"], ["-C", "mixed", "zeros"], ["-C"], ["mixed"],
])
def test_hexdump_options(apps, args):
    apps.write("zeros", bytes(100))
    apps.write("mixed", b"hello, world\n" * 3 + bytes(40) + b"\x00\xff\x7f\x80 end")
    same_as_host(apps, "hexdump", args, stdin=b"abc\x00\x01" * 9)
