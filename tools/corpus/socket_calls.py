"""Seeds for fuzzers/socket_calls.cpp: sequences of socket calls and arriving
datagrams, each an op byte (low nibble the call, high nibble the descriptor
+ 2) and argument bytes that index the target's tables. Plain bytes: no
Scapy needed."""

TARGET = "socket_calls"

SOCKET, BIND, CONNECT, SENDTO, SENDMSG, RECV, SETSOCKOPT, GETSOCKOPT = range(8)
SHUTDOWN, CLOSE, POLL, GETSOCKNAME, GETPEERNAME, DATAGRAM, TIME, ICMP_UNREACH = range(8, 16)

# socket(): domain index | type index << 3, then protocol index.
INET, INET6, UNIX = 0, 1, 4
DGRAM, STREAM, BAD_FLAG, RAW = 0, 4, 15, 5
# Address indexes.
ANY4, OURS4, OURS4_7000, LO4_7001, FOREIGN4, GROUP4, BCAST4_7000, PEER4_9, LBCAST_9, ANY4_7000 = range(10)
UNSPEC, UNIX_ADDR = 14, 15
ANY6, ANY6_7000, OURS6_7002, LO6_7001, MAPPED_7000, MAPPED_ANY, LINK_LOCAL, PEER6_9 = range(16, 24)
NO_ADDRESS = 0x80
# Option indexes.
SO_BROADCAST, SO_RCVBUF, SO_LINGER, SO_ERROR, IP_TTL, IP_OPTIONS, IP_RECVERR = 2, 5, 6, 7, 10, 12, 18
IPV6_V6ONLY, UDP_CORK, UDP_SEGMENT = 22, 33, 34


def op(call, fd=0, *args):
    return bytes([((fd + 2) << 4) | call, *args])


def sock(domain=INET, kind=DGRAM, protocol=0):
    return op(SOCKET, 0, domain | kind << 3, protocol)


def setopt(fd, option, value_index, length_index=0):
    return op(SETSOCKOPT, fd, option, value_index | length_index << 4)


def seed(*ops):
    return b"".join(ops)


def seeds():
    yield "udp4_receive", seed(sock(), op(BIND, 0, ANY4_7000, 0), op(DATAGRAM, 0, 0, 20), op(RECV, 0, 3, 0),
                               op(GETSOCKNAME, 0, 0), op(CLOSE, 0))
    yield "udp6_connected_send", seed(sock(INET6), op(CONNECT, 0, PEER6_9, 0), op(SENDTO, 0, NO_ADDRESS, 0, 3, 0),
                                      op(GETPEERNAME, 0, 0), op(SHUTDOWN, 0, 2), op(POLL, 0, 1, 0xff, 0xff))
    yield "loopback_pair", seed(sock(), sock(), op(BIND, 0, LO4_7001, 0), op(SENDTO, 1, LO4_7001, 0, 3, 0),
                                op(RECV, 0, 0x43, 0), op(RECV, 0, 0x03, 0))
    yield "icmp_refused", seed(sock(), op(CONNECT, 0, PEER4_9, 0), op(SENDTO, 0, NO_ADDRESS, 0, 3, 0),
                               op(ICMP_UNREACH, 0, 0), op(RECV, 0, 3, 0), op(GETSOCKOPT, 0, SO_ERROR, 0))
    yield "icmp_refused_v6", seed(sock(INET6), op(CONNECT, 0, PEER6_9, 0), op(ICMP_UNREACH, 0, 8),
                                  op(SENDTO, 0, NO_ADDRESS, 0, 3, 0))
    yield "emfile", seed(*[sock() for _ in range(7)], op(CLOSE, 3), sock(), op(CLOSE, 9))
    yield "bad_calls", seed(op(BIND, -1, ANY4, 0), sock(UNIX), sock(INET, BAD_FLAG), sock(INET, STREAM),
                            sock(), op(BIND, 0, UNIX_ADDR, 0), op(BIND, 0, OURS4, 6), op(CONNECT, 0, UNSPEC, 0),
                            op(SHUTDOWN, 0, 4), op(SETSOCKOPT, 0, 37, 1), op(GETSOCKOPT, 0, 9, 5),
                            op(GETPEERNAME, 0, 0), op(BIND, 0, FOREIGN4, 0), op(BIND, 0, OURS4, 0), op(BIND, 0, ANY4, 0))
    yield "small_rcvbuf", seed(sock(), setopt(0, SO_RCVBUF, 4), op(BIND, 0, ANY4_7000, 0),
                               *[op(DATAGRAM, 0, 0x40, 200) for _ in range(6)], op(RECV, 0, 7, 0))
    yield "cork", seed(sock(), setopt(0, UDP_CORK, 1), op(SENDTO, 0, PEER4_9, 0, 3, 0),
                       op(SENDTO, 0, PEER4_9, 0, 3, 2), setopt(0, UDP_CORK, 0))
    yield "segment", seed(sock(), setopt(0, UDP_SEGMENT, 4), op(SENDTO, 0, PEER4_9, 0, 4, 0),
                          op(SENDMSG, 0, PEER4_9 | 0x40, 0, 0x1c, 0))
    yield "dual_stack", seed(sock(INET6), op(BIND, 0, ANY6_7000, 0), op(DATAGRAM, 0, 0, 8), op(DATAGRAM, 0, 1, 8),
                             op(RECV, 0, 0x03, 0x20), op(RECV, 0, 0x03, 0xe0), setopt(0, IPV6_V6ONLY, 1))
    yield "broadcast", seed(sock(), op(SENDTO, 0, BCAST4_7000, 0, 3, 0), setopt(0, SO_BROADCAST, 1),
                            op(SENDTO, 0, BCAST4_7000, 0, 3, 0), op(BIND, 1, GROUP4, 0), op(DATAGRAM, 0, 0x80, 4))
    yield "options", seed(sock(), setopt(0, IP_TTL, 5), setopt(0, IP_OPTIONS, 1, 9), setopt(0, IP_OPTIONS, 2, 9),
                          setopt(0, SO_LINGER, 1, 7), setopt(0, IP_RECVERR, 1), op(GETSOCKOPT, 0, IP_OPTIONS, 9),
                          op(SENDTO, 0, PEER4_9, 0, 3, 0))
    yield "time_and_poll", seed(sock(), sock(INET6), op(POLL, 0, 0xff, 0x3f, 0), op(TIME, 0, 50),
                                op(POLL, 0, 0x03, 0x04, 0))
