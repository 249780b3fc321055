"""Seeds for fuzzers/wire_ethernet.cpp: Ethernet II, 802.1Q, ARP."""
from scapy.all import ARP, Dot1Q, Ether, raw

from _common import IP4_A, IP4_B, MAC_A, MAC_B, truncations

TARGET = "wire_ethernet"


def seeds():
    who_has = raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) /
                  ARP(op=1, hwsrc=MAC_A, psrc=IP4_A, hwdst="00:00:00:00:00:00", pdst=IP4_B))
    is_at = raw(Ether(dst=MAC_A, src=MAC_B) / ARP(op=2, hwsrc=MAC_B, psrc=IP4_B, hwdst=MAC_A, pdst=IP4_A))
    yield "arp_request", who_has
    yield "arp_reply", is_at
    yield "arp_request_padded", who_has + bytes(18)  # minimum frame size padding
    yield "arp_tagged", raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / Dot1Q(vlan=10, prio=5) /
                            ARP(op=1, hwsrc=MAC_A, psrc=IP4_A, pdst=IP4_B))
    yield "arp_op3", raw(Ether(src=MAC_A, dst=MAC_B) / ARP(op=3, hwsrc=MAC_A, psrc=IP4_A, pdst=IP4_B))
    yield "arp_hwtype6", raw(Ether(src=MAC_A, dst=MAC_B) / ARP(hwtype=6, hwsrc=MAC_A, psrc=IP4_A, pdst=IP4_B))
    yield "arp_plen16", raw(Ether(src=MAC_A, dst=MAC_B, type=0x0806) /
                            ARP(ptype=0x86dd, plen=16, hwsrc=MAC_A, psrc="2001:db8::1", pdst="2001:db8::2"))
    yield "arp_zero_sizes", raw(Ether(src=MAC_A, dst=MAC_B, type=0x0806)) + bytes.fromhex("0001080000000001")
    yield "arp_huge_sizes", raw(Ether(src=MAC_A, dst=MAC_B, type=0x0806)) + bytes.fromhex("0001 0800 ff ff 0001")
    yield from truncations("arp_request", who_has, [0, 1, 13, 14, 21, 22, 41])
    yield "ipv4_untagged", raw(Ether(src=MAC_A, dst=MAC_B, type=0x0800)) + bytes(20)
    yield "ipv6_untagged", raw(Ether(src=MAC_A, dst=MAC_B, type=0x86dd)) + bytes(40)
    yield "qinq", raw(Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=1) / Dot1Q(vlan=2))
    yield "tag_cut", raw(Ether(src=MAC_A, dst=MAC_B, type=0x8100)) + b"\x00"
    yield "multicast_dst", raw(Ether(src=MAC_A, dst="33:33:00:00:00:01", type=0x86dd))
    # arp_hwtype6 above keeps Scapy's 17-byte hwlen (it cannot encode a MAC for
    # hwtype 6), so it stops at the view; this one reaches the type check.
    yield "arp_hwtype6_hwlen6", (raw(Ether(src=MAC_A, dst=MAC_B, type=0x0806)) +
                                 bytes.fromhex("0006 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202"))
