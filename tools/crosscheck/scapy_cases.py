"""Packets for tools/crosscheck_scapy.py and how Scapy's dissection maps onto
tools/wire_dump's JSON (layer name -> field name -> value)."""
from scapy.all import ARP, Dot1Q, Ether

MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"


def cases():
    yield "arp_request", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ARP(op=1, hwsrc=MAC_A, psrc="192.0.2.1",
                                                                        pdst="192.0.2.2")
    yield "arp_reply", Ether(dst=MAC_A, src=MAC_B) / ARP(op=2, hwsrc=MAC_B, psrc="192.0.2.2", hwdst=MAC_A,
                                                        pdst="192.0.2.1")
    yield "arp_tagged", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / Dot1Q(vlan=100, prio=3) / \
        ARP(op=1, hwsrc=MAC_A, psrc="10.1.2.3", pdst="10.1.2.4")


def scapy_fields(pkt):
    """The fields both sides decode, from Scapy's dissection of the raw bytes."""
    out = {}
    eth = pkt[Ether]
    e = {"dst": eth.dst, "src": eth.src, "type": eth.type}
    if Dot1Q in pkt:
        q = pkt[Dot1Q]
        e["type"] = q.type
        e["vlan_tci"] = (q.prio << 13) | (q.id << 12) | q.vlan
    out["eth"] = e
    if ARP in pkt:
        a = pkt[ARP]
        out["arp"] = {"op": a.op, "hwsrc": a.hwsrc, "psrc": a.psrc, "hwdst": a.hwdst, "pdst": a.pdst}
    return out
