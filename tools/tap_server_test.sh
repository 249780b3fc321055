#!/usr/bin/env bash
# examples/tap_server against the Linux kernel: the unmodified ping and ping -6
# from a peer network namespace, and the UDP echo service on port 7 through the
# kernel's own UDP sockets (tools/udp_echo_check), over IPv4 and IPv6, sizes
# that need fragmentation both ways included. Everything lives in two namespaces made for the run and deleted
# afterwards, pass or fail; the host's interfaces are never touched.
#
#   server namespace: tap_server runs here and creates the TAP device;
#   peer namespace:   the TAP interface is moved here (tap_server's descriptor
#                     keeps working) and the kernel gets the peer addresses.
#
# usage: tools/tap_server_test.sh PATH/TO/tap_server PATH/TO/udp_echo_check
# Exit 77 (CTest SKIP_RETURN_CODE) when not root, without /dev/net/tun, ip or
# ping, or when namespaces cannot be made here.
set -u

skip() {
  echo "SKIP: $*"
  exit 77
}

server_exe=${1:?usage: $0 PATH/TO/tap_server PATH/TO/udp_echo_check}
client_exe=${2:?usage: $0 PATH/TO/tap_server PATH/TO/udp_echo_check}
[ "$(id -u)" -eq 0 ] || skip "needs root (creates network namespaces and a TAP interface)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing (modprobe tun, or give the container the device)"
command -v ip >/dev/null || skip "the ip command (iproute2) is not installed"
command -v ping >/dev/null || skip "the ping command (iputils-ping) is not installed"

server_ns="hs-tapsrv-$$"
peer_ns="hs-tappeer-$$"
tap=hssrv0
stack_mac=02:00:00:00:5e:02
stack_v4=192.0.2.2      # TEST-NET-1 (RFC 5737)
kernel_v4=192.0.2.1
stack_v6=2001:db8:5e::2 # documentation prefix (RFC 3849)
kernel_v6=2001:db8:5e::1
workdir=$(mktemp -d)
server_pid=""
failures=0

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  ip netns delete "$server_ns" 2>/dev/null
  ip netns delete "$peer_ns" 2>/dev/null
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$server_ns" 2>/dev/null || skip "cannot create network namespaces here (ip netns add failed)"
ip netns add "$peer_ns" || exit 1
in_peer() { ip netns exec "$peer_ns" "$@"; }
in_peer ip link set lo up

ip netns exec "$server_ns" "$server_exe" --tap "$tap" --mac "$stack_mac" \
  --ipv4 "$stack_v4/24" --ipv6 "$stack_v6/64" --ready-file "$workdir/ready" \
  --icmp-ratelimit-ms 100 >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  [ -f "$workdir/ready" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
if [ ! -f "$workdir/ready" ]; then
  echo "FAIL: tap_server did not come up"
  cat "$workdir/server.log"
  exit 1
fi

# The kernel's side of the link, in the peer namespace.
ip netns exec "$server_ns" ip link set "$tap" netns "$peer_ns" || exit 1
in_peer sh -c "echo 0 > /proc/sys/net/ipv6/conf/$tap/accept_dad"  # no DAD (procps not needed)
in_peer ip addr add "$kernel_v4/24" dev "$tap"
in_peer ip -6 addr add "$kernel_v6/64" dev "$tap" nodad
in_peer ip link set "$tap" up

check() {
  local what=$1
  shift
  if out=$("$@" 2>&1); then
    echo "ok:   $what"
  else
    echo "FAIL: $what"
    echo "$out" | sed 's/^/      /'
    failures=$((failures + 1))
  fi
}

# -s 4000: the request leaves the kernel in three fragments (MTU 1500), the
# stack reassembles it and fragments its reply, which the kernel reassembles.
check "ping $stack_v4" in_peer ping -c 3 -i 0.2 -W 2 "$stack_v4"
check "ping -s 4000 $stack_v4 (fragmented both ways)" in_peer ping -c 3 -i 0.2 -W 2 -s 4000 "$stack_v4"
check "ping -s 30000 $stack_v4 (21 fragments each way)" in_peer ping -c 2 -i 0.2 -W 2 -s 30000 "$stack_v4"
check "ping -6 $stack_v6" in_peer ping -6 -c 3 -i 0.2 -W 2 "$stack_v6"
check "ping -6 -s 4000 $stack_v6 (fragmented both ways)" in_peer ping -6 -c 3 -i 0.2 -W 2 -s 4000 "$stack_v6"
check "ping -6 -s 30000 $stack_v6" in_peer ping -6 -c 2 -i 0.2 -W 2 -s 30000 "$stack_v6"
# UDP echo (port 7): each datagram comes back byte for byte from the port it
# was sent to. 4000 and 30000 bytes leave the kernel in 3 and 21 fragments
# (IPv4; IPv6 likewise) and the stack's echo goes back fragmented too.
# The largest datagrams too: 65507 bytes of UDP payload over IPv4 (a 65535-byte
# datagram in 45 fragments) and 65527 over IPv6.
check "UDP echo $stack_v4 port 7: 100, 4000, 30000, 65507 bytes (fragmented both ways)" \
  in_peer "$client_exe" "$stack_v4" 7 --size 100 --size 4000 --size 30000 --count 3 --size 65507
check "UDP echo $stack_v6 port 7: 100, 4000, 30000, 65527 bytes (fragmented both ways)" \
  in_peer "$client_exe" "$stack_v6" 7 --size 100 --size 4000 --size 30000 --count 3 --size 65527
# UDP-3: a port nobody is bound to answers ICMP port unreachable, which the
# kernel reports to its connected socket as ECONNREFUSED.
check "UDP to $stack_v4 port 9 (no service): ECONNREFUSED" in_peer "$client_exe" "$stack_v4" 9 --expect-refused
check "UDP to $stack_v6 port 9 (no service): ECONNREFUSED" in_peer "$client_exe" "$stack_v6" 9 --expect-refused
# The kernel learnt the stack's MAC through ARP and ND.
check "kernel ARP entry for $stack_v4" sh -c "ip netns exec $peer_ns ip neigh show $stack_v4 | grep -qi $stack_mac"
check "kernel ND entry for $stack_v6" sh -c "ip netns exec $peer_ns ip -6 neigh show $stack_v6 | grep -qi $stack_mac"

kill -TERM "$server_pid"
if wait "$server_pid"; then
  echo "ok:   tap_server exited cleanly on SIGTERM"
else
  echo "FAIL: tap_server exit status $? on SIGTERM"
  failures=$((failures + 1))
fi
server_pid=""
sed 's/^/      server: /' "$workdir/server.log"
[ "$failures" -eq 0 ] || exit 1
echo "PASS"
