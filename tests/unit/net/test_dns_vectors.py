"""Scores the stack's DNS message parser on ../shared/dns-vectors: every valid
message must decode to exactly the recorded fields (rdata in presentation
form), every malformed one must be refused for the recorded reason.

Run by `make test-net-dns-vectors`; DNS_DECODE names the decoder binary."""
import json
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.normpath(os.path.join(HERE, "../../../../shared/dns-vectors/dns-vectors.json"))
DECODER = os.environ.get("DNS_DECODE", os.path.join(HERE, "../../../build/host/net/dns_decode"))


def load_vectors():
    with open(VECTORS) as f:
        return json.load(f)["vectors"]


def decode(hexstr):
    out = subprocess.run([DECODER, hexstr], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("vector", load_vectors(), ids=lambda v: v["name"])
def test_vector(vector):
    got = decode(vector["hex"])
    if vector["valid"]:
        expected = dict(vector["expect"])
        assert got == expected
    else:
        assert got == {"error": vector["expect"]["error"]}


def test_all_vectors_present():
    vectors = load_vectors()
    assert len(vectors) == 27
    assert sum(v["valid"] for v in vectors) == 16
