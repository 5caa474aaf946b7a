#!/bin/bash
# id_map_pairs.sh: --id-map pins interface and VRF IDs and descriptions;
# --address-pair pkt exports the packet-level addresses.  Read back with
# ipfixDump (libfixbuf-tools) and the element file.
. "$(dirname "$0")/common.sh"
require_program
require_tool ipfixDump "libfixbuf-tools"

dump() { ipfixDump --element-file "$FL_INFOMODEL" --in "$1"; }
# value_of FIELD DUMPFILE: the values of one element, in record order.
value_of() { awk -v f="$1" '$0 ~ "[)] +" f " :" { sub(/.*: /, ""); print }' "$2"; }

hdr='version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id region pkt-srcaddr pkt-dstaddr'
cat > "$T/in.log" <<EOF2
$hdr
5 111122223333 eni-0aaa1111bbbb2222c 10.0.1.5 10.0.2.7 40000 443 6 3 180 1700000000 1700000060 ACCEPT OK vpc-0pinned00000000001 eu-west-1 10.0.1.5 203.0.113.9
5 111122223333 eni-0bbb1111bbbb2222c 10.0.1.6 10.0.2.8 40001 443 6 4 240 1700000000 1700000060 ACCEPT OK vpc-0other000000000002 eu-west-1 - -
EOF2

# ---- --id-map -------------------------------------------------------
cat > "$T/map.csv" <<'EOF2'
# kind,name,id,description
interface,eni-0aaa1111bbbb2222c,4242,web frontend, prod (CMDB 17)
vrf,vpc-0pinned00000000001,77,
EOF2
check "--id-map run" fl -q --id-map "$T/map.csv" -o "$T/m.ipfix" "$T/in.log"
dump "$T/m.ipfix" > "$T/m.txt"
check_eq "pinned ingressInterface in the data record" 4242 \
    "$(value_of ingressInterface "$T/m.txt" | grep -x 4242 | head -1)"
check "pinned description, commas kept" \
    grep -q 'interfaceDescription : (len: 28) web frontend, prod (CMDB 17)' "$T/m.txt"
check_eq "pinned ingressVRFID" 77 \
    "$(value_of ingressVRFID "$T/m.txt" | grep -x 77 | head -1)"
# A pin without a description keeps the generated one.
check "empty pin description falls back to the generated one" \
    grep -q 'vrfDescription : (len: [0-9]*) account=111122223333 region=eu-west-1' "$T/m.txt"
# The unpinned ENI keeps its generated ID (CONTRACT.md).
want=$("$PY" -c '
h=2166136261
for b in b"eni-0bbb1111bbbb2222c": h=((h^b)*16777619)&0xffffffff
print(16 + h % (2**32-16))')
check_eq "unpinned ENI keeps its FNV ID" "$want" \
    "$(value_of ingressInterface "$T/m.txt" | grep -x "$want" | head -1)"

bad_map() {
    local name=$1 content=$2 want=$3 rc
    printf '%s\n' "$content" > "$T/$name.csv"
    fl -q --id-map "$T/$name.csv" -o "$T/x.ipfix" "$T/in.log" \
        2> "$T/$name.err"
    rc=$?
    check_eq "bad map $name: exit status" 1 "$rc"
    check "bad map $name: message '$want'" grep -q -- "$want" "$T/$name.err"
}
bad_map reserved 'interface,eni-1,7,x' "$T/reserved.csv:1: need a name"
bad_map kind 'router,eni-1,700,x' "$T/kind.csv:1: kind 'router'"
bad_map twice $'interface,eni-1,700,a\ninterface,eni-2,700,b' \
    "$T/twice.csv:2: interface 'eni-2' or ID 700 is pinned twice"
bad_map fields 'interface,eni-1' "$T/fields.csv:1: expected kind,name,id"
check_eq "16-bit range enforced" 1 "$(fl -q --id-bits 16 --id-map <(echo 'vrf,vpc-1,70000,') -o "$T/x.ipfix" "$T/in.log" 2>/dev/null; echo $?)"

# ---- --address-pair ---------------------------------------------------
check "--address-pair pkt run" \
    fl -q --address-pair pkt -o "$T/p.ipfix" "$T/in.log"
dump "$T/p.ipfix" > "$T/p.txt"
check_eq "pkt: first record's destination is pkt-dstaddr" 203.0.113.9 \
    "$(value_of destinationIPv4Address "$T/p.txt" | head -1)"
check_eq "pkt: a line with '-' pkt fields falls back to dstaddr" 10.0.2.8 \
    "$(value_of destinationIPv4Address "$T/p.txt" | sed -n 2p)"
check "default pair is srcaddr/dstaddr" fl -q -o "$T/s.ipfix" "$T/in.log"
dump "$T/s.ipfix" > "$T/s.txt"
check_eq "default: first record's destination is dstaddr" 10.0.2.7 \
    "$(value_of destinationIPv4Address "$T/s.txt" | head -1)"
fl -q --address-pair pkt -o "$T/x.ipfix" "$FL_SRCDIR/samples/vpc-default-v2.log.gz" \
    2> "$T/nopkt.err"
check_eq "pkt without pkt-* fields: object fails (exit 2)" 2 "$?"
check "pkt without pkt-* fields: the message names them" \
    grep -q 'lacks mandatory field(s): pkt-srcaddr, pkt-dstaddr' "$T/nopkt.err"
check_eq "bad --address-pair value" 1 \
    "$(fl -q --address-pair both -o "$T/x.ipfix" "$T/in.log" 2>/dev/null; echo $?)"

finish
