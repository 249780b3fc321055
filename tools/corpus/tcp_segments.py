"""Seeds for fuzzers/tcp_segments.cpp: a connection set up in each state, both
opens, both families, then conversations that reach the stack's deeper
paths (out-of-order data, windows, persist, SACK recovery, retransmission,
RFC 5961 checks, PAWS, keepalive, the close variants, ICMP errors, TIME-WAIT,
SYN cookies). The input layout is in the target's header comment."""
from _tcp import (ACCEPT, ACK, ACK_LAST_DATA, ACK_PEER_ACKED, ACK_STACK_MAX, ACK_SYN_ACK, CLOSE, CLOSE_WAIT,
                  CLOSING, ESTABLISHED, FIN, FIN_WAIT_1, FIN_WAIT_2, HANDSHAKE, I_FRAG_NEEDED, I_HOST_UNREACHABLE,
                  I_PORT_UNREACHABLE, I_TIME_EXCEEDED, KEEPALIVE, LAST_ACK, LINGER, LINGER2, M_ACK_ALL, M_ACK_PART,
                  M_DATA, M_DATA_FIN, M_DUP_ACKS, M_FIN, M_HOLE_DATA, M_OPEN_WINDOW, M_RETRANSMIT, M_RST, M_SYN,
                  M_ZERO_WINDOW, MAXSEG, MSS_48, MSS_88, MSS_536, MSS_1220, MSS_65535, MSS_NONE, NODELAY, PEEK,
                  POLL, PSH, RECV, RST, SEND, SEQ_PEER_ISN, SEQ_PEER_NEXT, SEQ_STACK_ACK, SEQ_STACK_EDGE, SHUT_RD,
                  SHUT_WR, SHUTDOWN, STATES, SYN, TIME_WAIT, URG, call, config, icmp, move, seg, wait)

TARGET = "tcp_segments"


def conversation(name, cfg, *records):
    return name, cfg + b"".join(records)


def seeds():
    # Every state, both opens, both families; the peer ends cleanly or falls silent.
    for state, state_name in enumerate(STATES):
        for active in (False, True):
            for ipv6 in (False, True):
                cfg = config(ipv6=ipv6, active=active, state=state, clean_end=(state + ipv6) % 2 == 0)
                yield (f"state_{state_name}_{'active' if active else 'passive'}_{'v6' if ipv6 else 'v4'}",
                       cfg + move(M_ACK_ALL))
    # Option combinations in the handshake.
    for ts in (False, True):
        for sack in (False, True):
            for ws in (False, True):
                yield conversation(f"options_ts{int(ts)}_sack{int(sack)}_ws{int(ws)}",
                                   config(ts=ts, sack=sack, ws=ws, wscale=14 if ws else 0),
                                   move(M_DATA, 60), call(RECV, 255), call(SEND, 20), move(M_ACK_ALL))
    for mss in (MSS_NONE, MSS_48, MSS_88, MSS_536, MSS_1220, MSS_65535):
        yield conversation(f"peer_mss_{mss}", config(mss=mss, ipv6=mss == MSS_1220), call(SEND, 127),
                           move(M_ACK_ALL), call(SEND, 255), wait(300), move(M_ACK_ALL))
    yield conversation("window_scale_15", config(wscale=15), move(M_DATA, 100), call(SEND, 100),
                       move(M_ACK_ALL))

    est = config()
    yield conversation("data_both_ways", est, move(M_DATA, 80), call(RECV, 10), call(SEND, 40),
                       move(M_ACK_ALL), move(M_DATA, 200), call(PEEK, 20), call(RECV, 255), wait(50),
                       move(M_FIN), call(RECV, 4))
    yield conversation("out_of_order_then_fill", est, move(M_HOLE_DATA, 0x13), move(M_HOLE_DATA, 0x05),
                       move(M_DATA, 40), call(RECV, 255), call(RECV, 255))
    yield conversation("out_of_order_sack_blocks", config(sack=True),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 1000, 0), payload=100),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 3000, 0), payload=100),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 5000, 0), payload=100),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 7000, 0), payload=100),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 9000, 0), payload=100), call(SEND, 30),
                       seg(ACK, payload=1000), call(RECV, 255))
    yield conversation("zero_window_persist", est, call(SEND, 255), move(M_ZERO_WINDOW), wait(800),
                       wait(3000), move(M_ZERO_WINDOW), wait(20000), move(M_OPEN_WINDOW, 255), move(M_ACK_ALL))
    yield conversation("small_window_sws", config(ws=False), call(SEND, 200),
                       seg(ACK, window=71, wshift=0), wait(300), seg(ACK, window=71, wshift=0), wait(2000),
                       move(M_ACK_ALL))
    yield conversation("sack_recovery", config(sack=True, mss=MSS_536), call(SEND, 255), move(M_DUP_ACKS, 3),
                       move(M_DUP_ACKS, 3), move(M_ACK_PART, 64), wait(500), move(M_ACK_ALL))
    yield conversation("newreno_recovery", config(sack=False, mss=MSS_536), call(SEND, 255),
                       move(M_DUP_ACKS, 3), move(M_ACK_PART, 40), move(M_DUP_ACKS, 2), move(M_ACK_ALL))
    yield conversation("rto_backoff", est, call(SEND, 100), wait(250), wait(1000), wait(3000), move(M_ACK_ALL))
    yield conversation("retries_exhausted", config(clean_end=False), call(SEND, 50), wait(60000), wait(600000),
                       call(SEND, 1), call(RECV, 1))
    yield conversation("rst_at_rcv_nxt", est, move(M_RST), call(RECV, 1), call(SEND, 1))
    yield conversation("rst_in_window_challenged", est,
                       seg(RST, seq=(SEQ_STACK_ACK, 100, 0)), seg(RST | ACK, seq=(SEQ_STACK_ACK, 1, 0)))
    yield conversation("rst_out_of_window", est, seg(RST, seq=(SEQ_STACK_EDGE, 100, 4)))
    yield conversation("syn_in_established", est, move(M_SYN), seg(SYN, seq=(SEQ_PEER_ISN, 0, 0)),
                       seg(SYN | ACK, seq=(SEQ_STACK_ACK, 0, 0)))
    yield conversation("ack_out_of_window", est, call(SEND, 10), seg(ACK, ack=(ACK_STACK_MAX, 1000, 0)),
                       seg(ACK, ack=(ACK_PEER_ACKED, -32000, 8)), wait(600),
                       seg(ACK, ack=(ACK_STACK_MAX, 1000, 0)))
    yield conversation("data_outside_window", est, seg(ACK, seq=(SEQ_STACK_EDGE, 0, 0), payload=100),
                       seg(ACK, seq=(SEQ_STACK_EDGE, -50, 0), payload=100), seg(ACK, seq=(SEQ_PEER_NEXT, -200, 0),
                                                                                   payload=100))
    yield conversation("paws_old_timestamp", config(ts=True), seg(ACK, ts=(-100, 0), payload=10),
                       seg(ACK, ts=(1, 0), payload=10), wait(200), seg(ACK, ts_raw=(0, 0), payload=10))
    yield conversation("timestamp_echo_far", config(ts=True), call(SEND, 20), seg(ACK, ts=(1, -100)),
                       seg(ACK, ts_raw=(0x10000, 0x80000000)))
    yield conversation("keepalive_probes", est, call(KEEPALIVE, 0x21), wait(1500), wait(1500), wait(1500),
                       move(M_ACK_ALL), wait(10000))
    yield conversation("nodelay_small_writes", config(nodelay=True), call(SEND, 0), call(SEND, 0),
                       call(NODELAY, 0), call(SEND, 0), call(SEND, 0), move(M_ACK_ALL))
    yield conversation("maxseg_small", est, call(MAXSEG, 25), call(SEND, 100), move(M_ACK_ALL))
    yield conversation("small_buffers_fill", config(small=True), move(M_DATA, 255), move(M_DATA, 255),
                       move(M_DATA, 255), call(SEND, 255), call(SEND, 255), move(M_ACK_ALL), call(RECV, 255))
    yield conversation("urgent_and_ece_flags", est, seg(ACK | URG | PSH, payload=30), seg(ACK | 0x40 | 0x80))
    yield conversation("isn_wrap", config(isn=0xffff), move(M_DATA, 20), move(M_DATA, 20), call(RECV, 255))
    # Closes.
    yield conversation("close_with_unread_data", est, move(M_DATA, 10), call(CLOSE))
    yield conversation("linger_zero", est, call(SEND, 30), call(LINGER, 1), call(CLOSE))
    yield conversation("linger_timeout", est, call(SEND, 30), call(LINGER, 5), call(CLOSE), wait(7000))
    yield conversation("linger2_negative", est, call(LINGER2, 0xff), call(SHUTDOWN, SHUT_WR), move(M_ACK_ALL),
                       call(CLOSE))
    yield conversation("shutdown_read_then_data", est, call(SHUTDOWN, SHUT_RD), move(M_DATA, 10), call(RECV, 1))
    yield conversation("fin_wait_2_timeout", config(state=FIN_WAIT_2, clean_end=False), call(CLOSE), wait(65000))
    yield conversation("close_wait_then_data", config(state=CLOSE_WAIT), call(SEND, 10), move(M_ACK_ALL),
                       call(RECV, 1), call(CLOSE))
    yield conversation("closing_to_time_wait", config(state=CLOSING), move(M_ACK_ALL), wait(61000))
    yield conversation("last_ack_retransmitted", config(state=LAST_ACK, clean_end=False), wait(300), wait(1000),
                       move(M_ACK_ALL))
    yield conversation("time_wait_fin_again", config(state=TIME_WAIT),
                       seg(FIN | ACK, seq=(SEQ_PEER_NEXT, -1, 0)), wait(30000),
                       seg(FIN | ACK, seq=(SEQ_PEER_NEXT, -1, 0)), wait(61000))
    yield conversation("time_wait_new_syn", config(state=TIME_WAIT), move(M_SYN), move(M_ACK_ALL),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 0, 0), ack=(ACK_SYN_ACK, 0, 0)), call(ACCEPT), call(SEND, 3))
    yield conversation("fin_with_data_out_of_order", est, seg(FIN | ACK, seq=(SEQ_PEER_NEXT, 100, 0), payload=50),
                       move(M_DATA, 5), call(RECV, 255), call(RECV, 1))
    # Opens.
    yield conversation("syn_sent_refused", config(active=True, state=HANDSHAKE),
                       seg(RST | ACK, seq=(SEQ_PEER_ISN, 0, 0), ack=(ACK_SYN_ACK, 0, 0)), call(RECV, 1))
    yield conversation("syn_sent_retries", config(active=True, state=HANDSHAKE), wait(1000), wait(2000),
                       wait(4000), wait(8000), wait(16000))
    yield conversation("syn_sent_bad_ack", config(active=True, state=HANDSHAKE),
                       seg(SYN | ACK, seq=(SEQ_PEER_ISN, 0, 0), ack=(ACK_STACK_MAX, 5, 0)))
    yield conversation("simultaneous_open", config(active=True, state=HANDSHAKE), move(M_SYN),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 0, 0)), call(POLL), call(SEND, 2), move(M_ACK_ALL))
    yield conversation("simultaneous_open_closed", config(active=True, state=HANDSHAKE, clean_end=False),
                       move(M_SYN), call(CLOSE), wait(2000))
    yield conversation("syn_received_rst", config(state=HANDSHAKE), seg(RST, seq=(SEQ_PEER_NEXT, 0, 0)))
    yield conversation("syn_received_synack_retries", config(state=HANDSHAKE, clean_end=False), wait(20000))
    yield conversation("syn_received_syn_again", config(state=HANDSHAKE), seg(SYN, seq=(SEQ_PEER_ISN, 0, 0)),
                       seg(ACK, seq=(SEQ_PEER_NEXT, 0, 0), ack=(ACK_SYN_ACK, 0, 0)), call(ACCEPT))
    yield conversation("syn_cookie", est, seg(SYN, seq=(SEQ_PEER_ISN, 1000, 0), other_port=1),
                       seg(SYN, seq=(SEQ_PEER_ISN, 2000, 0), other_port=2),
                       seg(ACK, seq=(SEQ_PEER_ISN, 2001, 0), ack=(ACK_SYN_ACK, 0, 0), other_port=2),
                       call(ACCEPT), call(SEND, 3))
    yield conversation("syn_cookie_bad", est, seg(SYN, seq=(SEQ_PEER_ISN, 1000, 0), other_port=1),
                       seg(ACK, seq=(SEQ_PEER_ISN, 5, 0), ack=(ACK_SYN_ACK, 3, 0), other_port=3))
    yield conversation("closed_port", est, seg(SYN, closed_port=True), seg(ACK, closed_port=True, payload=5),
                       seg(RST, closed_port=True))
    # ICMP errors.
    yield conversation("icmp_frag_needed", est, call(SEND, 100), icmp(I_FRAG_NEEDED, 60), move(M_ACK_ALL))
    yield conversation("icmp_frag_needed_v6", config(ipv6=True), call(SEND, 100), icmp(I_FRAG_NEEDED, 10),
                       move(M_ACK_ALL))
    yield conversation("icmp_soft_errors", est, call(SEND, 10), icmp(I_HOST_UNREACHABLE), icmp(I_TIME_EXCEEDED),
                       wait(60000), wait(600000), call(RECV, 1))
    yield conversation("icmp_port_unreachable_syn_sent", config(active=True, state=HANDSHAKE),
                       icmp(I_PORT_UNREACHABLE), call(SEND, 1))
    yield conversation("icmp_stale_sequence", est, call(SEND, 10), icmp(I_PORT_UNREACHABLE, 0x85))
    # Listener calls.
    yield conversation("listener_calls", est, call(NODELAY, 1, listener=True), call(LINGER, 0, listener=True),
                       call(CLOSE, listener=True), move(M_DATA, 5), call(RECV, 255))
