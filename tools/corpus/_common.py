"""Helpers shared by the corpus modules. Import after gen_corpus.py checked Scapy."""
from scapy.all import Ether, raw  # noqa: F401

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"
IP4_A = "192.0.2.1"
IP4_B = "192.0.2.2"
IP6_A = "2001:db8::1"
IP6_B = "2001:db8::2"


def truncations(name, data, cuts):
    """Near-valid seeds: the same packet cut at each of `cuts` bytes."""
    for n in cuts:
        if 0 <= n < len(data):
            yield f"{name}_cut{n}", data[:n]
