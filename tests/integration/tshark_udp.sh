#!/bin/bash
# tshark_udp.sh: UDP export captured on the loopback interface and decoded
# by Wireshark's cflow dissector (tshark 4.0): no malformed packets or
# expert errors, and the data records, in order, carry the input's
# addresses, ports, protocol, packets, bytes, interfaces, direction, VRF ID
# and start/end seconds. Skips (77) when tshark cannot capture on lo.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
. "$(dirname "$0")/common.sh"

require_program
require_tool tshark "tshark package"
require_tool ss "iproute2"

fltest gen v5 120 31 >"$T/in.log" || die "cannot generate input"
port=$(fltest free-port udp) || die "no free port"

# A socket on the target port, so that no ICMP port unreachable comes back;
# it counts what it receives into $T/sink.count.
bg $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
n = 0
while True:
    s.recv(65535)
    n += 1
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(str(n))
    import os
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
' "$port" "$T/sink.count"
wait_until 10 udp_listening "$port" || die "sink did not bind port $port"

# "Capturing on" comes before the capture really runs, so readiness is a
# probe datagram to a second port (in the filter, not decoded as cflow)
# showing up in the capture file.
probe_port=$(fltest free-port udp) || die "no free port"
bg tshark -n -i lo -f "udp port $port or udp port $probe_port" \
    -w "$T/cap.pcap" 2>"$T/tshark.err"
tspid=$BG_PID
capturing() { grep -q "Capturing on" "$T/tshark.err"; }
if ! wait_until 20 capturing; then
    if ! kill -0 "$tspid" 2>/dev/null; then
        skip "tshark cannot capture on lo: $(grep -v '^Running as' "$T/tshark.err" | head -3 | tr '\n' ' ')"
    fi
    die "tshark did not report capturing within 20 s: $(cat "$T/tshark.err")"
fi
probe_seen() {
    kill -0 "$tspid" 2>/dev/null || return 0
    echo probe >"/dev/udp/127.0.0.1/$probe_port" 2>/dev/null
    [ "$(tshark -r "$T/cap.pcap" -Y "udp.dstport==$probe_port" 2>/dev/null | wc -l)" -gt 0 ]
}
wait_until 30 probe_seen
if ! kill -0 "$tspid" 2>/dev/null; then
    skip "tshark exited right after starting: $(grep -v '^Running as' "$T/tshark.err" | head -3 | tr '\n' ' ')"
fi
probe_seen || die "tshark runs but captured no probe datagram in 30 s: $(cat "$T/tshark.err")"

fl -o "udp://127.0.0.1:$port" "$T/in.log" 2>"$T/fl.err"
rc=$?
check_eq "flowlog2ipfix exit status ($(tail -3 "$T/fl.err"))" 0 "$rc" || finish

# The sink has read everything once its queue is empty; then the capture
# file must hold as many packets as the sink received.
check "sink drained its socket" wait_until 10 udp_drained "$port"
sunk() { cat "$T/sink.count" 2>/dev/null || echo 0; }
captured() { tshark -r "$T/cap.pcap" -Y "udp.dstport==$port" 2>/dev/null | wc -l; }
all_captured() { [ "$(captured)" -ge "$(sunk)" ] && [ "$(sunk)" -gt 0 ]; }
check "tshark wrote all $(sunk) datagrams to the capture file" \
    wait_until 20 all_captured
kill -INT "$tspid" 2>/dev/null
wait_until 10 _gone "$tspid" || kill -KILL "$tspid" 2>/dev/null
wait "$tspid" 2>/dev/null

tshark -n -r "$T/cap.pcap" -d "udp.port==$port,cflow" -V \
    >"$T/decoded.txt" 2>"$T/decoded.err"
rc=$?
check_eq "tshark -r exit status ($(head -3 "$T/decoded.err"))" 0 "$rc"
check_eq "captured packets = datagrams received" "$(sunk)" "$(captured)"
check "packets decoded as IPFIX (Version: 10)" \
    grep -q '^    Version: 10$' "$T/decoded.txt"
check "no Malformed packets: $(grep -m3 -i malformed "$T/decoded.txt")" \
    bash -c "! grep -qi 'malformed' '$T/decoded.txt'"
check "no expert errors: $(grep -m3 'Expert Info (Error' "$T/decoded.txt")" \
    bash -c "! grep -q 'Expert Info (Error' '$T/decoded.txt'"
check "options template 1280 decoded" \
    grep -q 'Options Template (Id = 1280)' "$T/decoded.txt"
check "options template 1281 decoded" \
    grep -q 'Options Template (Id = 1281)' "$T/decoded.txt"
check "RFC 5610 record names vrfDescription" \
    grep -q 'vrfDescription' "$T/decoded.txt"
check "interface names in options records" \
    grep -Eq '^ +IfName: eni-0a1b2c3d4e5f60001$' "$T/decoded.txt"
check "ACCEPT pseudo-interface option record" \
    grep -Eq '^ +IfDescr: flow log action ACCEPT$' "$T/decoded.txt"
check "VRF names in options records" \
    grep -Eq '^ +VRFname: vpc-0aaa1111bbbb2222c$' "$T/decoded.txt"
check "data records = input OK lines, every field as in the input, in order" \
    fltest tshark-compare "$T/in.log" "$T/decoded.txt"

finish
