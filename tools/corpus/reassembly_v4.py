"""Seeds for fuzzers/reassembly_v4.cpp: logs of IPv4 fragments and time
steps (tools/corpus/_reassembly.py)."""
from _reassembly import seeds as _seeds

TARGET = "reassembly_v4"


def seeds():
    return _seeds()
