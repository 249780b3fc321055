#!/usr/bin/env bash
# TapDevice against the Linux kernel, in a network namespace made for the run
# and deleted afterwards, pass or fail. The host's own interfaces are never
# touched: every interface lives inside the namespace.
#
#   1. the peer program (core/devices/tap_kernel_peer_test.cpp, built as
#      unit_devices_tap_kernel_peer_test) opens a TAP and a TUN through
#      TapDevice inside the namespace;
#   2. this script gives the kernel side addresses, changes the TAP's MTU and
#      brings both links up;
#   3. `ping -c1` to the TAP neighbour: the kernel asks ARP, the peer answers
#      with an ArpRepr-built reply, the kernel sends the echo request to the
#      MAC it learnt, the peer parses it and answers; same over the TUN
#      without ARP. Both pings must succeed and the peer must pass.
#
# usage: tools/tap_selftest.sh PATH/TO/unit_devices_tap_kernel_peer_test
# Exit 77 (CTest SKIP_RETURN_CODE) when not root, without /dev/net/tun, ip or
# ping, or when namespaces cannot be made here.
set -u

skip() {
  echo "SKIP: $*"
  exit 77
}

peer_exe=${1:?usage: $0 PATH/TO/unit_devices_tap_kernel_peer_test}
[ "$(id -u)" -eq 0 ] || skip "needs root (creates a network namespace and TAP/TUN interfaces in it)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing (modprobe tun, or give the container the device)"
command -v ip >/dev/null || skip "the ip command (iproute2) is not installed"
command -v ping >/dev/null || skip "the ping command (iputils-ping) is not installed"

ns="hs-tap-selftest-$$"
tap=hstap0
tun=hstun0
peer_mac=02:00:00:00:53:02
tap_kernel=192.0.2.1    # TEST-NET-1 (RFC 5737): the kernel's address on the TAP
tap_neighbour=192.0.2.2 # answered by the peer
tun_kernel=198.51.100.1 # TEST-NET-2
tun_peer=198.51.100.2
tap_mtu=1400
peer_pid=""

cleanup() {
  if [ -n "$peer_pid" ] && kill -0 "$peer_pid" 2>/dev/null; then
    kill "$peer_pid" 2>/dev/null
    wait "$peer_pid" 2>/dev/null
  fi
  ip netns delete "$ns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns" 2>/dev/null || skip "cannot create network namespaces here (ip netns add failed)"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up

HARDSTACK_TAP_SELFTEST=1 \
  HARDSTACK_TAP_SELFTEST_TAP=$tap HARDSTACK_TAP_SELFTEST_TUN=$tun HARDSTACK_TAP_SELFTEST_MAC=$peer_mac \
  HARDSTACK_TAP_SELFTEST_NEIGHBOUR=$tap_neighbour HARDSTACK_TAP_SELFTEST_TUN_PEER=$tun_peer \
  HARDSTACK_TAP_SELFTEST_MTU=$tap_mtu \
  ip netns exec "$ns" "$peer_exe" --run_test=kernel_answers_arp_then_pings_over_tap_and_tun --log_level=message &
peer_pid=$!

# Wait (up to 10 s) for the peer to create both interfaces.
for _ in $(seq 100); do
  if in_ns ip link show "$tap" >/dev/null 2>&1 && in_ns ip link show "$tun" >/dev/null 2>&1; then break; fi
  kill -0 "$peer_pid" 2>/dev/null || break
  sleep 0.1
done
if ! in_ns ip link show "$tap" >/dev/null 2>&1 || ! in_ns ip link show "$tun" >/dev/null 2>&1; then
  echo "FAIL: the peer did not create $tap and $tun"
  exit 1
fi

failed=0
in_ns ip link set "$tap" mtu "$tap_mtu" || failed=1
in_ns ip addr add "$tap_kernel/24" dev "$tap" || failed=1
in_ns ip link set "$tap" up || failed=1
in_ns ip addr add "$tun_kernel" peer "$tun_peer" dev "$tun" || failed=1
in_ns ip link set "$tun" up || failed=1

# A loaded machine (CI builds run beside this test) can delay the peer past one
# ping's wait: up to three tries, each a fresh echo the peer must answer.
ping_once_of_three() {
  for _ in 1 2 3; do in_ns ping -n -c1 -W3 "$1" && return 0; done
  return 1
}
echo "--- ping $tap_neighbour over $tap (ARP, then ICMP echo)"
ping_once_of_three "$tap_neighbour" || { echo "FAIL: no echo reply over the TAP"; failed=1; }
# The neighbour entry is read while the peer still holds the TAP open: it
# exits once the TUN echo is answered, and the TAP device goes with it.
echo "--- the kernel's neighbour entry for $tap_neighbour"
neigh=$(in_ns ip neigh show "$tap_neighbour" dev "$tap")
echo "$neigh"
case "$neigh" in
  *"lladdr $peer_mac"*) ;;
  *) echo "FAIL: the kernel did not learn $peer_mac from the ARP reply"; failed=1 ;;
esac
echo "--- ping $tun_peer over $tun (raw IPv4)"
ping_once_of_three "$tun_peer" || { echo "FAIL: no echo reply over the TUN"; failed=1; }

wait "$peer_pid"
peer_status=$?
peer_pid=""
[ "$peer_status" -eq 0 ] || { echo "FAIL: the peer program failed (exit $peer_status)"; failed=1; }
[ "$failed" -eq 0 ] && echo "PASS: TAP and TUN frame exchange with the kernel"
exit "$failed"
