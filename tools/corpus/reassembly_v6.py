"""Seeds for fuzzers/reassembly_v6.cpp: logs of IPv6 fragments and time
steps (tools/corpus/_reassembly.py)."""
from _reassembly import seeds as _seeds

TARGET = "reassembly_v6"


def seeds():
    return _seeds()
