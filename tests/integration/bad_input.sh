#!/bin/bash
# bad_input.sh: damaged, hostile and odd inputs, end to end.
#
# Each case builds its input in a scratch directory and runs
#   flowlog2ipfix --threads 1 -o OUT --stats-json S.json INPUT
# and again with --threads 2, each under timeout 60 and /usr/bin/time.
# Every run must end by itself (no timeout, no signal), both runs must
# agree (exit status, statistics, stderr, and the ipfixDump listing of the
# output less its "export time" lines), and then the case checks its own
# expectations: exit status, the --stats-json counts, and that rejected
# lines are reported as NAME:LINE:.
#
# Prints "ok CASE" or "FAIL CASE: why" per case; exits 1 if any failed,
# 77 if ipfixDump or python3 is missing.  FL_KEEP_TMP=1 keeps the scratch
# directory.

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${FL_SRCDIR:=$(cd "$HERE/../.." && pwd)}"
: "${FL_BIN:=$FL_SRCDIR/src/flowlog2ipfix}"
: "${FL_INFOMODEL:=$FL_SRCDIR/infomodel/flowlog2ipfix.xml}"

skip() {
    echo "SKIP: bad_input: $*"
    exit 77
}
command -v ipfixDump >/dev/null 2>&1 ||
    skip "ipfixDump is not installed (libfixbuf tools) to read the output"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v gzip >/dev/null 2>&1 || skip "gzip is not installed"
[ -x /usr/bin/time ] || skip "/usr/bin/time (GNU time) is not installed"
if [ ! -x "$FL_BIN" ]; then
    echo "FAIL: flowlog2ipfix not found at $FL_BIN (set FL_BIN)"
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bad_input.XXXXXX")
cleanup() {
    if [ -n "${FL_KEEP_TMP:-}" ]; then
        echo "keeping $T" >&2
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

INFODIR=$(dirname "$FL_INFOMODEL")
FAILED=0
N_CASES=0

# ---- input helpers ---------------------------------------------------------

# good K FIRST LAST: default-format lines; line J has srcport K*1000+J
# (so the order of records in the output tells where each came from).
good() {
    awk -v k="$1" -v a="$2" -v b="$3" 'BEGIN {
        for (j = a; j <= b; j++)
            printf "2 123456789010 eni-%017d 10.%d.%d.%d 172.16.0.1 %d 443 6 %d %d 1716640000 1716640060 ACCEPT OK\n", \
                k, k % 256, int(j / 256) % 256, j % 256, (k * 1000 + j) % 65536, j + 1, (j + 1) * 40
    }'
}

HEADER="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

# random_bytes SEED COUNT: reproducible garbage.
random_bytes() {
    python3 -c 'import random, sys
r = random.Random(int(sys.argv[1]))
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(int(sys.argv[2]))))' "$1" "$2"
}

# ---- running ----------------------------------------------------------------

# run NAME INPUT [OPTION...]: both thread counts.  Results in
# $T/NAME.{1,2}.{out,json,err,rc,rss,dump}; RC is the --threads 1 status.
# STDIN_FILE (default /dev/null) is the standard input.
run() {
    local name=$1 input=$2 th
    shift 2
    for th in 1 2; do
        local base=$T/$name.$th
        rm -f "$base.out" "$base.json"
        timeout -k 5 60 /usr/bin/time -f %M -o "$base.rss" \
            "$FL_BIN" --infomodel-dir "$INFODIR" --threads "$th" \
            -o "$base.out" --stats-json "$base.json" "$@" "$input" \
            <"${STDIN_FILE:-/dev/null}" >/dev/null 2>"$base.err"
        echo $? >"$base.rc"
        if [ -s "$base.out" ]; then
            ipfixDump --in "$base.out" --data 2>&1 |
                grep -v '^export time' >"$base.dump"
        else
            : >"$base.dump"
        fi
    done
    RC=$(cat "$T/$name.1.rc")
    ERR=$T/$name.1.err
    CUR=$name
}

ERRS=()
fail() { ERRS+=("$*"); }

# The checks every case gets.
common_checks() {
    local name=$CUR rc1 rc2
    rc1=$(cat "$T/$name.1.rc")
    rc2=$(cat "$T/$name.2.rc")
    for r in "$rc1" "$rc2"; do
        if [ "$r" -eq 124 ] || [ "$r" -eq 137 ]; then
            fail "timed out after 60 s (status $r)"
        elif [ "$r" -ge 128 ]; then
            fail "killed by signal $((r - 128))"
        fi
    done
    grep -qE 'AddressSanitizer|runtime error:|CRITICAL|[Aa]ssertion|^flowlog2ipfix: error: ' \
        "$T/$name.1.err" "$T/$name.2.err" &&
        fail "sanitizer or assertion message on stderr"
    [ "$rc1" = "$rc2" ] || fail "exit status $rc1 with --threads 1, $rc2 with --threads 2"
    if ! cmp -s "$T/$name.1.dump" "$T/$name.2.dump"; then
        fail "output differs between --threads 1 and 2: $(diff "$T/$name.1.dump" "$T/$name.2.dump" | head -4 | tr '\n' ' ')"
    fi
    if [ -s "$T/$name.1.json" ] || [ -s "$T/$name.2.json" ]; then
        local j1 j2
        j1=$(stable_json "$T/$name.1.json")
        j2=$(stable_json "$T/$name.2.json")
        [ "$j1" = "$j2" ] || fail "statistics differ between thread counts: $j1 vs $j2"
    fi
    # Same messages (the reader thread's notes may interleave differently).
    if ! diff <(stable_err "$T/$name.1.err") <(stable_err "$T/$name.2.err") >/dev/null; then
        fail "stderr differs between thread counts: $(diff <(stable_err "$T/$name.1.err") <(stable_err "$T/$name.2.err") | head -4 | tr '\n' ' ')"
    fi
}

stable_json() {
    python3 -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("unreadable: %s" % e); sys.exit(0)
for k in ("elapsed_s", "records_per_s"):
    d.pop(k, None)
print(json.dumps(d, sort_keys=True))' "$1"
}

# stderr without the timing summary, sorted
stable_err() {
    grep -vE '^flowlog2ipfix: [0-9]+ object\(s\)' "$1" | sort
}

# js KEY [RUN]: a number from the statistics ("rejected_by_reason.number").
js() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(d)' "$T/$CUR.${2:-1}.json" "$1" 2>/dev/null || echo "(no $1)"
}

# expect_js KEY WANT
expect_js() {
    local got
    got=$(js "$1")
    [ "$got" = "$2" ] || fail "$1 = $got, expected $2"
}

expect_rc() {
    [ "$RC" = "$1" ] || fail "exit status $RC, expected $1 ($(head -c 300 "$ERR" | tr '\n' ' '))"
}

# expect_err TEXT: stderr (of --threads 1) contains TEXT.
expect_err() {
    grep -qF -- "$1" "$ERR" && return 0
    # Show what was said about the same NAME:LINE instead, if anything.
    local near
    near=$(grep -F -- "${1%%: *}: " "$ERR" | head -2 | tr '\n' ' ')
    fail "stderr lacks '$1'; has: ${near:-$(head -c 300 "$ERR" | tr '\n' ' ')}"
}

expect_no_err() {
    grep -qF -- "$1" "$ERR" && fail "stderr has '$1': $(grep -F -- "$1" "$ERR" | head -2 | tr '\n' ' ')"
}

# Source ports of the data records, in output order, one line.
ports() {
    awk '/sourceTransportPort/ { printf "%s ", $NF }' "$T/$CUR.1.dump"
}

# expect_ports K FIRST LAST [K FIRST LAST...]: the records are exactly
# these good() lines, in this order.
expect_ports() {
    local want="" k a b j
    while [ $# -ge 3 ]; do
        k=$1 a=$2 b=$3
        shift 3
        for ((j = a; j <= b; j++)); do
            want+="$(( (k * 1000 + j) % 65536 )) "
        done
    done
    local got
    got=$(ports)
    [ "$got" = "$want" ] || fail "records in the output: '$(echo "$got" | head -c 200)...', expected '$(echo "$want" | head -c 200)...'"
}

# Data records (templates 1024..1279) in the output.
data_records() {
    awk '/tid:/ { t = $4 + 0; if (t >= 1024 && t < 1280) n++ } END { print n + 0 }' "$T/$CUR.1.dump"
}

end_case() {
    N_CASES=$((N_CASES + 1))
    common_checks
    if [ ${#ERRS[@]} -eq 0 ]; then
        echo "ok $CUR"
    else
        FAILED=$((FAILED + 1))
        local msg
        msg=$(printf '%s; ' "${ERRS[@]}")
        echo "FAIL $CUR: ${msg%; }"
    fi
    ERRS=()
}

# ---- cases -------------------------------------------------------------------

# A clean file first: if this fails, the rest means little.
IN=$T/clean.log
good 1 1 50 >"$IN"
run clean "$IN"
expect_rc 0
expect_js records_out 50
expect_js lines_read 50
expect_js rejected 0
expect_ports 1 1 50
[ "$(data_records)" = 50 ] || fail "ipfixDump shows $(data_records) data records, expected 50"
end_case

# Truncated gzip: what came before the cut is exported.
IN=$T/trunc.log.gz
good 0 0 4999 | gzip -c >"$T/full.gz"
SIZE=$(stat -c %s "$T/full.gz")
head -c $((SIZE / 2)) "$T/full.gz" >"$IN"
run truncated-gzip "$IN"
expect_rc 2
expect_js objects_failed 1
expect_js rejected 0
N=$(js records_out)
if [ "$N" -gt 0 ] 2>/dev/null && [ "$N" -lt 5000 ]; then
    expect_js lines_read "$N"
    expect_ports 0 0 $((N - 1))
else
    fail "records_out = $N, expected some but not all of 5000"
fi
expect_err "$IN"
expect_err "truncated"
end_case

# Corrupt bytes in the middle of a gzip stream.
IN=$T/corrupt.log.gz
cp "$T/full.gz" "$IN"
printf '\x00\xff\x00\xff\x00\xff\x00\xff' |
    dd of="$IN" bs=1 seek=$((SIZE / 2)) conv=notrunc status=none
run gzip-corrupt-middle "$IN"
expect_rc 2
expect_js objects_failed 1
N=$(js records_out)
[ "$N" -lt 5000 ] 2>/dev/null || fail "records_out = $N, expected fewer than 5000"
expect_err "$IN"
expect_err "corrupt gzip data"
end_case

# Random bytes as a plain file: every line rejected, nothing fails.
IN=$T/garbage.bin
random_bytes 20261123 65536 >"$IN"
case "$(head -c 4 "$IN" | od -An -tx1 | tr -d ' ')" in
1f8b*|50415231) fail "the garbage starts like gzip or Parquet: pick another seed" ;;
esac
run binary-garbage "$IN"
expect_rc 0
expect_js objects_failed 0
expect_js records_out 0
GARBAGE_LINES=$(js lines_read)
GARBAGE_REJ=$(js rejected)
[ "$GARBAGE_REJ" -gt 100 ] 2>/dev/null || fail "rejected = $GARBAGE_REJ, expected most of ~256 lines"
[ "$GARBAGE_REJ" -le "$GARBAGE_LINES" ] 2>/dev/null || fail "rejected $GARBAGE_REJ > lines_read $GARBAGE_LINES"
GARBAGE_REASONS=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["rejected_by_reason"], sort_keys=True))' "$T/$CUR.1.json" 2>/dev/null)
expect_err "$IN:1: "
end_case

# The same garbage gzipped: the same lines, the same verdicts.
IN=$T/garbage.bin.gz
gzip -c "$T/garbage.bin" >"$IN"
run gzip-binary-garbage "$IN"
expect_rc 0
expect_js objects_failed 0
expect_js records_out 0
expect_js lines_read "$GARBAGE_LINES"
expect_js rejected "$GARBAGE_REJ"
R=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["rejected_by_reason"], sort_keys=True))' "$T/$CUR.1.json" 2>/dev/null)
[ "$R" = "$GARBAGE_REASONS" ] || fail "reasons $R differ from the plain file's $GARBAGE_REASONS"
end_case

# Lines with too many and too few fields among good ones.
IN=$T/fieldcount.log
{
    good 2 1 3
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK extra"  # 4
    good 2 4 5
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT"          # 7
    echo "2 123456789010 eni-1 10.0.0.1"                                        # 8
    good 2 6 8
    echo "2"                                                                    # 12
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK a b c" # 13
    good 2 9 10
} >"$IN"
run field-count "$IN"
expect_rc 0
expect_js records_out 10
expect_js lines_read 15
expect_js rejected 5
expect_js rejected_by_reason.field-count 5
for l in 4 7 8 12 13; do expect_err "$IN:$l: field-count"; done
expect_err "$IN:4: field-count: 15 fields, the format has 14"
expect_err "$IN:8: field-count: 4 fields"
expect_ports 2 1 10
end_case

# A header line and nothing else.
IN=$T/header-only.log
echo "$HEADER" >"$IN"
run header-only "$IN"
expect_rc 0
expect_js objects 1
expect_js objects_failed 0
expect_js records_out 0
expect_js rejected 0
end_case

# An empty file.
IN=$T/empty.log
: >"$IN"
run empty-file "$IN"
expect_rc 0
expect_js objects 1
expect_js objects_failed 0
expect_js lines_read 0
expect_js records_out 0
end_case

# An empty gzip stream.
IN=$T/empty.log.gz
gzip -c </dev/null >"$IN"
run empty-gzip "$IN"
expect_rc 0
expect_js objects_failed 0
expect_js lines_read 0
expect_js records_out 0
end_case

# Unknown names in the header: kept as opaque columns, records exported.
IN=$T/unknown-names.log
{
    echo "version account-id my-tag interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status other_thing"
    good 3 1 5 | awk '{ $3 = "tagvalue " $3; print $0 " -" }'
} >"$IN"
run unknown-header-names "$IN"
expect_rc 0
expect_js records_out 5
expect_js rejected 0
expect_js lines_read 6
expect_err "my-tag"
expect_err "other_thing"
expect_ports 3 1 5
end_case

# A header that lacks mandatory fields: the object fails and says which.
IN=$T/header-missing.log
{
    echo "version account-id interface-id dstaddr srcport protocol packets bytes start end action log-status"
    echo "2 123456789010 eni-1 10.0.0.2 1 6 1 1 1 1 ACCEPT OK"
} >"$IN"
run header-missing-mandatory "$IN"
expect_rc 2
expect_js objects_failed 1
expect_js records_out 0
expect_err "$IN"
expect_err "srcaddr, dstport"
end_case

# "-" in mandatory fields of OK lines: rejected as missing, naming the field.
IN=$T/dash.log
{
    good 4 1 2
    echo "2 123456789010 eni-1 - 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK"        # 3
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 - 1 1 1 ACCEPT OK" # 4
    echo "2 123456789010 - 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK"     # 5
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 - OK"      # 6
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT -"  # 7
    echo "2 123456789010 eni-1 - - - - - - - 1 1 - NODATA"                # 8
    good 4 3 4
} >"$IN"
run dash-mandatory "$IN"
expect_rc 0
expect_js records_out 4
expect_js nodata 1
expect_js rejected 5
expect_js rejected_by_reason.missing 5
expect_err "$IN:3: missing: mandatory field 'srcaddr'"
expect_err "$IN:4: missing: mandatory field 'packets'"
expect_err "$IN:5: missing: mandatory field 'interface-id'"
expect_err "$IN:6: missing: mandatory field 'action'"
expect_err "$IN:7: missing: mandatory field 'log-status'"
expect_no_err "(null)"
expect_ports 4 1 4
end_case

# Numbers out of range, not numbers, signs; 2^64-1 is fine.
IN=$T/numbers.log
{
    good 5 1 1
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 65536 2 6 1 1 1 1 ACCEPT OK"  # 2
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 256 1 1 1 1 ACCEPT OK"    # 3
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 18446744073709551616 1 1 1 ACCEPT OK" # 4
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 12x 1 1 ACCEPT OK"    # 5
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 +1 2 6 1 1 1 1 ACCEPT OK"     # 6
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 5002 2 6 18446744073709551615 18446744073709551615 1 1 ACCEPT OK" # 7
    echo "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 4294967296 ACCEPT OK" # 8
} >"$IN"
run out-of-range-numbers "$IN"
expect_rc 0
expect_js records_out 2
expect_js rejected 6
expect_js rejected_by_reason.number 6
for l in 2 3 4 5 6 8; do expect_err "$IN:$l: number"; done
expect_err "$IN:2: number: field 'srcport'"
expect_err "$IN:3: number: field 'protocol'"
expect_err "$IN:4: number: field 'packets'"
expect_err "$IN:8: number: field 'end'"
grep -q 'packetDeltaCount : 18446744073709551615' "$T/$CUR.1.dump" ||
    fail "2^64-1 packets not in the output"
end_case

# Invalid addresses.
IN=$T/addresses.log
{
    for a in 256.1.1.1 1.2.3 1.2.3.4.5 x1.2.3.4 2001:db8:::1 10.0.0.1/8; do
        echo "2 123456789010 eni-1 $a 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK"
    done
    echo "2 123456789010 eni-1 10.0.0.1 ::1 1 2 6 1 1 1 1 ACCEPT OK"  # 7: mixed
    good 6 1 2
} >"$IN"
run invalid-addresses "$IN"
expect_rc 0
expect_js records_out 2
expect_js rejected 7
expect_js rejected_by_reason.address 7
for l in 1 2 3 4 5 6; do expect_err "$IN:$l: address: field 'srcaddr'"; done
expect_err "$IN:7: address"
end_case

# Several read chunks (about 4.5 MB): bad lines far apart keep their
# line numbers, and the records keep their order, with 1 or 2 workers.
IN=$T/large.log.gz
good 0 1 40000 |
    awk 'NR % 5000 == 0 { print "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 MAYBE OK"; next } { print }' |
    gzip -c >"$IN"
run large-multi-chunk "$IN"
expect_rc 0
expect_js lines_read 40000
expect_js records_out 39992
expect_js rejected_by_reason.value 8
for l in 5000 10000 15000 20000 25000 30000 35000 40000; do
    expect_err "$IN:$l: value: field 'action'"
done
ARGS=()
for i in 0 1 2 3 4 5 6 7; do ARGS+=(0 $((i * 5000 + 1)) $((i * 5000 + 4999))); done
expect_ports "${ARGS[@]}"
end_case

# A 100 KiB line (over FL_MAX_LINE, inside one read chunk).
IN=$T/line100k.log
{
    good 7 1 5
    head -c $((100 * 1024)) /dev/zero | tr '\0' 'x'
    echo
    good 7 6 10
} >"$IN"
run line-100k "$IN"
expect_rc 0
expect_js records_out 10
expect_js lines_read 11
expect_js rejected_by_reason.too-long 1
expect_err "$IN:6: too-long"
expect_ports 7 1 10
end_case

# A 1 MiB line between good lines: the lines after it survive.
IN=$T/line1m.log
{
    good 8 1 5
    head -c $((1024 * 1024)) /dev/zero | tr '\0' 'y'
    echo
    good 8 6 10
} >"$IN"
run line-1mib "$IN"
expect_rc 0
expect_js records_out 10
expect_js lines_read 11
expect_js rejected 1
expect_js rejected_by_reason.too-long 1
expect_err "$IN:6: too-long"
expect_ports 8 1 10
end_case

# A 3 MiB line: longer than a whole read chunk, skipped without buffering.
IN=$T/line3m.log
{
    good 9 1 5
    head -c $((3 * 1024 * 1024)) /dev/zero | tr '\0' 'z'
    echo
    good 9 6 10
} >"$IN"
run line-3mib "$IN"
expect_rc 0
expect_js records_out 10
expect_js lines_read 11
expect_js rejected 1
expect_js rejected_by_reason.too-long 1
expect_err "$IN:6: too-long"
expect_ports 9 1 10
end_case

# A 2 MiB last line without a newline: skipped up to the end of the file.
IN=$T/line-last.log
{
    good 23 1 5
    head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'w'
} >"$IN"
run long-last-line-no-newline "$IN"
expect_rc 0
expect_js records_out 5
expect_js lines_read 6
expect_js rejected_by_reason.too-long 1
expect_err "$IN:6: too-long"
expect_ports 23 1 5
end_case

# CRLF line endings, header included.
IN=$T/crlf.log
{ echo "$HEADER"; good 10 1 20; } | sed 's/$/\r/' >"$IN"
run crlf "$IN"
expect_rc 0
expect_js records_out 20
expect_js lines_read 21
expect_js rejected 0
expect_ports 10 1 20
end_case

# No newline after the last line.
IN=$T/no-newline.log
good 11 1 3 | head -c -1 >"$IN"
run no-final-newline "$IN"
expect_rc 0
expect_js records_out 3
expect_js lines_read 3
expect_ports 11 1 3
end_case

# NUL and control bytes inside lines.
IN=$T/nul.log
{
    good 12 1 2
    printf '2 123456789010 eni-1 10.0.0.1\0 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK\n'     # 3
    printf '\0\0\0\0\n'                                                           # 4
    printf '2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACC\x01EPT OK\n' # 5
    printf '2 1234\t56789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK\n'   # 6
    good 12 3 4
} >"$IN"
run nul-bytes "$IN"
expect_rc 0
expect_js records_out 4
expect_js rejected 4
expect_js rejected_by_reason.binary 4
for l in 3 4 5 6; do expect_err "$IN:$l: binary"; done
expect_ports 12 1 4
end_case

# Several gzip members one after the other, the first with the header.
IN=$T/multi.log.gz
{
    { echo "$HEADER"; good 13 1 3; } | gzip -c
    good 13 4 6 | gzip -c
    good 13 7 9 | gzip -9 -c
} >"$IN"
run multi-member-gzip "$IN"
expect_rc 0
expect_js records_out 9
expect_js lines_read 10
expect_js objects_failed 0
expect_ports 13 1 9
end_case

# A directory: good files all exported, in sorted path order; bad ones
# fail alone.
D=$T/dir
mkdir -p "$D/b-sub/deeper" "$D/c-empty"
good 14 1 3 >"$D/a.log"
good 15 1 3 | gzip -c >"$D/b-sub/deeper/x.log.gz"
good 16 1 3 >"$D/b-sub/y.log"
head -c $((SIZE / 3)) "$T/full.gz" >"$D/c.log.gz"            # truncated
printf 'PAR1\0\0\0\0' >"$D/d.parquet"
{ good 17 1 2; echo "garbage line"; good 17 3 3; } >"$D/e.log"
good 18 1 2 >"$D/.hidden.log"
run directory-mix "$D"
expect_rc 2
expect_js objects 7
expect_js objects_failed 2
expect_js rejected 1
expect_err "$D/d.parquet"
expect_err "not a Parquet file"
expect_err "$D/c.log.gz"
expect_err "$D/e.log:3: field-count"
# byte-wise order: .hidden.log a.log b-sub/deeper/x.log.gz b-sub/y.log
# c.log.gz (part) d.parquet e.log
N_C=$(( $(js records_out) - 2 - 3 - 3 - 3 - 3 ))
if [ "$N_C" -ge 0 ] 2>/dev/null && [ "$N_C" -lt 5000 ]; then
    if [ "$N_C" -gt 0 ]; then
        expect_ports 18 1 2 14 1 3 15 1 3 16 1 3 0 0 $((N_C - 1)) 17 1 3
    else
        expect_ports 18 1 2 14 1 3 15 1 3 16 1 3 17 1 3
    fi
else
    fail "records_out = $(js records_out): not the good files plus a prefix of the truncated one"
fi
end_case

# A path that does not exist.
IN=$T/no/such/file.log
run missing-path "$IN"
expect_rc 2
expect_err "$IN"
expect_js objects_failed 1
expect_js records_out 0
end_case

# A damaged Parquet file (random bytes between the magics): the object
# fails with a clear message naming the footer it could not read.
IN=$T/flows.parquet
{ printf 'PAR1'; random_bytes 7 4000; printf 'PAR1'; } >"$IN"
run parquet "$IN"
expect_rc 2
expect_js objects_failed 1
expect_js records_out 0
expect_err "$IN"
expect_err "footer"
end_case

# Standard input, "-": named (stdin) in messages.
IN=$T/stdin.log
{ echo "$HEADER"; good 19 1 3; echo "2 123456789010 eni-1 10.0.0.1"; good 19 4 5; } >"$IN"
STDIN_FILE=$IN run stdin - 
expect_rc 0
expect_js records_out 5
expect_js lines_read 7
expect_js rejected 1
expect_err "(stdin):5: field-count"
expect_ports 19 1 5
end_case

# 20 bad lines with --max-errors 3: three full reports and one summary.
IN=$T/maxerr.log
{
    for i in $(seq 1 20); do echo "2 bad line $i"; done
    good 20 1 5
} >"$IN"
run max-errors "$IN" --max-errors 3
expect_rc 0
expect_js records_out 5
expect_js rejected 20
NREP=$(grep -cE "^flowlog2ipfix: (warning: )?$IN:[0-9]+: " "$ERR")
[ "$NREP" = 3 ] || fail "$NREP rejected lines reported in full, expected 3"
for l in 1 2 3; do expect_err "$IN:$l: field-count"; done
NSUM=$(grep -c "more rejected line" "$ERR")
[ "$NSUM" = 1 ] || fail "$NSUM summary lines, expected 1"
expect_err "17 more rejected line(s) not shown"
expect_ports 20 1 5
end_case

# A zip bomb: 200 MB of zeros, gzipped.  It must stop at the expansion
# limit or be one over-long line; in bounded time and memory either way.
IN=$T/bomb.gz
head -c $((200 * 1000 * 1000)) /dev/zero | gzip -9 -c >"$IN"
run zip-bomb "$IN"
if [ "$RC" = 2 ]; then
    expect_js objects_failed 1
    grep -qiE "limit|zip bomb|expands" "$ERR" ||
        fail "exit 2 without a limit message: $(head -c 300 "$ERR" | tr '\n' ' ')"
elif [ "$RC" = 0 ]; then
    expect_js rejected 1
else
    fail "exit status $RC, expected 2 (limit) or 0 (one rejected line)"
fi
expect_js records_out 0
for th in 1 2; do
    RSS=$(tail -1 "$T/$CUR.$th.rss" 2>/dev/null)
    [ "${RSS:-999999999}" -lt 200000 ] 2>/dev/null ||
        fail "peak RSS ${RSS:-?} KiB with --threads $th, expected < 200 MB"
done
end_case

# The same bomb behind good lines in a second member: the good lines
# come out before the limit hits.
IN=$T/bomb2.gz
{ good 21 1 5 | gzip -c; cat "$T/bomb.gz"; } >"$IN"
run zip-bomb-after-good "$IN"
expect_rc 2
expect_js objects_failed 1
expect_js records_out 5
expect_ports 21 1 5
end_case

# Whitespace-only and blank lines between good ones are not records and
# not rejects.
IN=$T/blank.log
{ echo; good 22 1 2; echo; echo "   "; printf '\r\n'; good 22 3 4; echo; } >"$IN"
run blank-lines "$IN"
expect_rc 0
expect_js records_out 4
expect_ports 22 1 4
R=$(js rejected)
[ "$R" = 0 ] || [ "$R" = 1 ] ||
    fail "rejected = $R for one line of spaces, expected 0 or 1"
end_case

echo "bad_input: $((N_CASES - FAILED)) of $N_CASES cases passed"
[ "$FAILED" -eq 0 ] || exit 1
exit 0
