#!/bin/bash
# ipfixdump.sh: libfixbuf's own reader (ipfixDump 2.4.1) decodes the
# program's output file without errors; with --element-file (our infomodel
# XML) and with --rfc5610 (the type records on the wire) it names
# vrfDescription (21659/413) and prints it as a string; every element of the
# mapping is present; --stats counts match the expected records per
# template ID. Runs on a generated v5 input and on
# samples/vpc-custom-v5.log.gz (when present).
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
. "$(dirname "$0")/common.sh"

require_program
require_tool ipfixDump "libfixbuf-tools"

# " 1118 (0x045e)| 322 " -> "1118 322"
stats_rows() {
    sed -nE 's/^ *([0-9]+) \(0x[0-9a-f]+\)\| *([0-9]+) *$/\1 \2/p' "$1"
}

# dump_checks NAME INPUT: run the program on INPUT (which has vpc-id,
# tcp-flags, flow-direction, IPv4 and IPv6) and check ipfixDump's view.
dump_checks() {
    local n=$1 in=$2 rc el want_total opt_total got_total
    local out=$T/$n.ipfix d=$T/$n
    fl -o "$out" "$in" 2>"$d.fl.err"
    rc=$?
    check_eq "$n: flowlog2ipfix exit status ($(tail -3 "$d.fl.err"))" 0 "$rc" ||
        return

    # 1. --element-file
    ipfixDump --in "$out" --element-file "$FL_INFOMODEL" >"$d.dump" 2>"$d.dump.err"
    rc=$?
    check_eq "$n: ipfixDump --element-file exit status" 0 "$rc"
    check "$n: ipfixDump printed nothing on stderr: $(head -5 "$d.dump.err")" \
        test ! -s "$d.dump.err"
    check "$n: vrfDescription named in a template (type string)" \
        grep -Eq 'ent: 21659 +id: +413 +type: string .* vrfDescription$' "$d.dump"
    check "$n: vrfDescription data decoded as a string" \
        grep -Eq '\(21659/413\) +vrfDescription : \(len: [0-9]+\) account=[0-9a-z]+ region=[a-z0-9-]+$' \
        "$d.dump"
    if [ "$n" = generated ]; then
        check "$n: a known VPC's description printed exactly" \
            grep -Eq 'vrfDescription : \(len: 37\) account=111111111111 region=us-east-1$' \
            "$d.dump"
    fi
    check "$n: no _alienInformationElement with --element-file" \
        bash -c "! grep -q _alienInformationElement '$d.dump'"

    for el in sourceIPv4Address destinationIPv4Address sourceIPv6Address \
        destinationIPv6Address sourceTransportPort destinationTransportPort \
        protocolIdentifier ingressInterface egressInterface packetDeltaCount \
        octetDeltaCount flowStartSeconds flowEndSeconds tcpControlBits \
        flowDirection ingressVRFID interfaceName interfaceDescription VRFname \
        vrfDescription; do
        # as a template field (name at the end of the line) and as a data field
        check "$n: element $el in a template" \
            grep -Eq "^[[:space:]]+ent: .*[[:space:]]$el\$" "$d.dump"
        check "$n: element $el in a data record" \
            grep -Eq "^[[:space:]]+\([0-9/]+\)( \(S\))? +$el : " "$d.dump"
    done
    check "$n: ACCEPT pseudo-interface option record" \
        grep -Eq 'interfaceDescription : \(len: 22\) flow log action ACCEPT$' "$d.dump"

    # 2. --rfc5610 without the element file: the type records teach
    #    ipfixDump the element; templates must come after them, so no
    #    template shows it as alien.
    ipfixDump --in "$out" --rfc5610 >"$d.5610" 2>"$d.5610.err"
    rc=$?
    check_eq "$n: ipfixDump --rfc5610 exit status" 0 "$rc"
    check "$n: --rfc5610 names vrfDescription" \
        grep -Eq '\(21659/413\) +vrfDescription : \(len: [0-9]+\) account=' "$d.5610"
    check "$n: --rfc5610: no _alienInformationElement (type records precede the templates using 21659/413)" \
        bash -c "! grep -q _alienInformationElement '$d.5610'"

    # 3. --stats: per template ID, data records as expected
    ipfixDump --in "$out" --element-file "$FL_INFOMODEL" --stats >"$d.stats" 2>&1
    rc=$?
    check_eq "$n: ipfixDump --stats exit status" 0 "$rc"
    fltest expect-tids "$in" >"$d.want"
    stats_rows "$d.stats" | awk '$1 >= 1024 && $1 < 1280' | sort -n >"$d.got"
    check "$n: data records per template ID (want: $(tr '\n' ' ' <"$d.want"); got: $(tr '\n' ' ' <"$d.got"))" \
        cmp -s "$d.want" "$d.got"
    want_total=$(fltest expect-count "$in")
    opt_total=$(stats_rows "$d.stats" |
        awk '$1 < 1024 || $1 >= 1280 {s += $2} END {print s + 0}')
    got_total=$(sed -nE 's/.*File Stats: [0-9]+ Messages, ([0-9]+) Data Records.*/\1/p' "$d.stats")
    check_eq "$n: ipfixDump --stats total data records (flow + options)" \
        "$((want_total + opt_total))" "$got_total"
    check "$n: options records counted by --stats" test "$opt_total" -gt 0
}

fltest gen v5 300 11 >"$T/in.log" || die "cannot generate input"
dump_checks generated "$T/in.log"
SAMPLE=$FL_SRCDIR/samples/vpc-custom-v5.log.gz
if [ -r "$SAMPLE" ]; then
    dump_checks sample "$SAMPLE"
else
    log "  ($SAMPLE not found: sample run skipped)"
fi

finish
