#!/bin/bash
# cli.sh: the command line of CONTRACT.md: --help lists every option,
# --version, exit codes (1 usage/configuration, 2 input, 3 output) with
# useful messages, SCTP refused cleanly (no abort), TCP with nobody
# listening, bad and incomplete --format, -c config file (command line
# wins), -n, stdout as default output, -q, rejected-line messages and
# --max-errors.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
. "$(dirname "$0")/common.sh"

require_program

IN=$T/in.log
fltest gen v2 20 41 >"$IN" || die "cannot generate input"
HEADERLESS=$T/headerless.log
tail -n +2 "$IN" >"$HEADERLESS"

# run NAME ARGS...: run the program, stdout to $T/NAME.out, stderr to
# $T/NAME.err, status in $RC.
run() {
    local name=$1
    shift
    fl "$@" >"$T/$name.out" 2>"$T/$name.err"
    RC=$?
}
err() { head -c 600 "$T/$1.err" | tr '\n' ' '; }

# --help and --version -----------------------------------------------------
run help --help
check_eq "--help exit status" 0 "$RC"
cat "$T/help.out" "$T/help.err" >"$T/help.all"
for opt in --output --format --config --infomodel-dir --observation-domain \
    --template-refresh --options-interval --time-elements --id-bits \
    --no-options --threads --max-rate --stats-json --max-errors --check \
    --verbose --quiet --version --help; do
    check "--help mentions $opt" grep -q -e "$opt" "$T/help.all"
done
for opt in -o -f -c -n -v -q -V -h; do
    check "--help mentions short option $opt" \
        grep -Eq -e "(^|[[:space:]])$opt," "$T/help.all"
done

run version --version
check_eq "--version exit status" 0 "$RC"
check "--version prints a version number: $(cat "$T/version.out" "$T/version.err" | head -2)" \
    grep -Eq '[0-9]+\.[0-9]+' "$T/version.out" "$T/version.err"
run version_short -V
check_eq "-V exit status" 0 "$RC"

# usage errors: exit 1 -----------------------------------------------------
run unknown --no-such-option "$IN"
check_eq "unknown option: exit status ($(err unknown))" 1 "$RC"
run noinput -o "$T/x.ipfix"
check_eq "no INPUT: exit status ($(err noinput))" 1 "$RC"
run badbits --id-bits 8 -o "$T/x.ipfix" "$IN"
check_eq "--id-bits 8: exit status ($(err badbits))" 1 "$RC"
run badtime --time-elements hours -o "$T/x.ipfix" "$IN"
check_eq "--time-elements hours: exit status ($(err badtime))" 1 "$RC"

# input error: exit 2, path in the message -------------------------------------
MISSING=$T/does/not/exist-4711.log
run missing -o "$T/missing.ipfix" "$MISSING"
check_eq "missing input: exit status ($(err missing))" 2 "$RC"
check "missing input: message names the path" \
    grep -qF -e "$MISSING" "$T/missing.err"

# a truncated gzip input is corrupt: exit 2, path in the message
gzip -c "$IN" | head -c 300 >"$T/trunc.log.gz"
run trunc -o "$T/trunc.ipfix" "$T/trunc.log.gz"
check_eq "truncated gzip input: exit status ($(err trunc))" 2 "$RC"
check "truncated gzip input: message names the path" \
    grep -qF -e "$T/trunc.log.gz" "$T/trunc.err"
# an empty input is not an error
: >"$T/empty.log"
run empty -o "$T/empty.ipfix" "$T/empty.log"
check_eq "empty input: exit status ($(err empty))" 0 "$RC"

# SCTP: refused with a message, no abort -----------------------------------------
run sctp -o sctp://127.0.0.1:1 "$IN"
check "sctp: exit status 1 or 3, not a signal (got $RC: $(err sctp))" \
    test "$RC" -eq 1 -o "$RC" -eq 3
check "sctp: message mentions SCTP" grep -q SCTP "$T/sctp.err"
check "sctp: no abort or assertion message" \
    bash -c "! grep -Eqi 'abort|assert|core dumped|Bail out' '$T/sctp.err'"

# TCP with nothing listening: exit 3 ---------------------------------------------
port=$(fltest free-port tcp) || die "no free port"
run tcpdown -o "tcp://127.0.0.1:$port" "$IN"
check_eq "tcp nobody listening: exit status ($(err tcpdown))" 3 "$RC"
check "tcp nobody listening: message names the destination" \
    grep -q -e "127.0.0.1:$port" -e "port $port" "$T/tcpdown.err"
check "tcp nobody listening: message says why (connect/refused)" \
    grep -Eqi 'connect|refused' "$T/tcpdown.err"

# output error: an unwritable file -> 3
run badout -o "$T/no/such/dir/out.ipfix" "$IN"
check_eq "unwritable output file: exit status ($(err badout))" 3 "$RC"

# --format ---------------------------------------------------------------------
run fmt_empty --format '' -o "$T/x.ipfix" "$HEADERLESS"
check_eq "empty --format: exit status ($(err fmt_empty))" 1 "$RC"
BADFMT='${version} ${account-id} ${interface-id} ${srcaddr ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}'
run fmt_unbalanced -n --format "$BADFMT" "$HEADERLESS"
check_eq "unbalanced \${ in --format, -n: exit status ($(err fmt_unbalanced))" 1 "$RC"
run fmt_unbalanced_run --format "$BADFMT" -o "$T/x.ipfix" "$HEADERLESS"
check_eq "unbalanced \${ in --format: exit status ($(err fmt_unbalanced_run))" 1 "$RC"
MISSFMT='${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${action} ${log-status}'
run fmt_missing --format "$MISSFMT" -o "$T/x.ipfix" "$HEADERLESS"
check_eq "format without packets/bytes: exit status ($(err fmt_missing))" 1 "$RC"
check "format without packets/bytes: message names packets" \
    grep -qw packets "$T/fmt_missing.err"
check "format without packets/bytes: message names bytes" \
    grep -qw bytes "$T/fmt_missing.err"
run fmt_missing_n -n --format "$MISSFMT" "$HEADERLESS"
check_eq "format without packets/bytes, -n: exit status ($(err fmt_missing_n))" 1 "$RC"
run fmt_missing_ifid -n --format '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}' "$HEADERLESS"
check_eq "format without interface-id and tgw-attachment-id, -n: exit status ($(err fmt_missing_ifid))" 1 "$RC"
run fmt_ok --format "$(head -1 "$IN")" -o "$T/fmt_ok.ipfix" "$HEADERLESS"
check_eq "plain-names --format on a headerless file: exit status ($(err fmt_ok))" 0 "$RC"

# -n ---------------------------------------------------------------------------
run check_ok -n -o "$T/check.ipfix" --time-elements both --id-bits 16 "$IN"
check_eq "-n with valid options: exit status ($(err check_ok))" 0 "$RC"
check "-n prints nothing on stdout" test ! -s "$T/check_ok.out"
check "-n prints nothing on stderr" test ! -s "$T/check_ok.err"
check "-n does not write the output" test ! -e "$T/check.ipfix"
run check_bad -n --id-bits 17 "$IN"
check_eq "-n --id-bits 17: exit status ($(err check_bad))" 1 "$RC"
run check_long --check --time-elements sometimes "$IN"
check_eq "--check --time-elements sometimes: exit status ($(err check_long))" 1 "$RC"
if [ -r "$FL_SRCDIR/etc/flowlog2ipfix.conf" ]; then
    run check_etc -n -c "$FL_SRCDIR/etc/flowlog2ipfix.conf" "$IN"
    check_eq "-n on the shipped etc/flowlog2ipfix.conf ($(err check_etc))" 0 "$RC"
fi

# -c config file; the command line wins -------------------------------------
cat >"$T/a.conf" <<EOF
[flowlog2ipfix]
output=$T/conf.ipfix
time-elements=milliseconds
id-bits=16
EOF
run conf -c "$T/a.conf" "$IN"
check_eq "-c: exit status ($(err conf))" 0 "$RC"
if check "-c: output= from the config used" test -s "$T/conf.ipfix"; then
    fltest summary "$T/conf.ipfix" >"$T/conf.sum"
    # v2 IPv4/IPv6 with egressInterface (16) and milliseconds (128)
    check_eq "-c: time-elements=milliseconds from the config (data template IDs)" \
        "data_tids 1168 1169" "$(grep data_tids "$T/conf.sum")"
    check "-c: id-bits=16 from the config ($(grep max_id "$T/conf.sum"))" \
        test "$(awk '/max_id/ {print $2}' "$T/conf.sum")" -le 65535
fi
rm -f "$T/conf.ipfix"
run conf_cli -c "$T/a.conf" -o "$T/cli.ipfix" --time-elements seconds "$IN"
check_eq "-c + command line: exit status ($(err conf_cli))" 0 "$RC"
check "-c + command line: -o wins over output=" test -s "$T/cli.ipfix"
check "-c + command line: config's output= not written" test ! -e "$T/conf.ipfix"
if [ -s "$T/cli.ipfix" ]; then
    fltest summary "$T/cli.ipfix" >"$T/cli.sum"
    check_eq "-c + command line: --time-elements seconds wins" \
        "data_tids 1104 1105" "$(grep data_tids "$T/cli.sum")"
    check "-c + command line: id-bits=16 still from the config ($(grep max_id "$T/cli.sum"))" \
        test "$(awk '/max_id/ {print $2}' "$T/cli.sum")" -le 65535
fi
# the environment: FLOWLOG2IPFIX_<OPTION>; command line > environment > -c
rm -f "$T/conf.ipfix" "$T/env.ipfix"
FLOWLOG2IPFIX_OUTPUT=$T/env.ipfix FLOWLOG2IPFIX_TIME_ELEMENTS=seconds \
    run env_conf -c "$T/a.conf" "$IN"
check_eq "environment: exit status ($(err env_conf))" 0 "$RC"
check "environment: FLOWLOG2IPFIX_OUTPUT wins over output=" test -s "$T/env.ipfix"
check "environment: the config's output= not written" test ! -e "$T/conf.ipfix"
if [ -s "$T/env.ipfix" ]; then
    fltest summary "$T/env.ipfix" >"$T/env.sum"
    check_eq "environment: FLOWLOG2IPFIX_TIME_ELEMENTS=seconds wins over the config" \
        "data_tids 1104 1105" "$(grep data_tids "$T/env.sum")"
fi
FLOWLOG2IPFIX_OUTPUT=$T/env2.ipfix run env_cli -o "$T/cli2.ipfix" "$IN"
check "environment: -o wins over FLOWLOG2IPFIX_OUTPUT" \
    test -s "$T/cli2.ipfix" -a ! -e "$T/env2.ipfix"
printf '[flowlog2ipfix]\nno-options=true\n' >"$T/noopt.conf"
FLOWLOG2IPFIX_NO_OPTIONS=false FLOWLOG2IPFIX_CONFIG=$T/noopt.conf \
    run env_bool -o "$T/envb.ipfix" --stats-json "$T/envb.json" "$IN"
check_eq "environment: FLOWLOG2IPFIX_CONFIG and a false boolean over the file ($(err env_bool))" \
    0 "$RC"
check "environment: FLOWLOG2IPFIX_NO_OPTIONS=false keeps options records" \
    grep -Eq '"options_records": [1-9]' "$T/envb.json"
FLOWLOG2IPFIX_THREADS=many run env_bad -o "$T/x.ipfix" "$IN"
check_eq "environment: a bad number is a usage error" 1 "$RC"
check "environment: the message names the variable ($(err env_bad))" \
    grep -q "FLOWLOG2IPFIX_THREADS: 'many' is not a number" "$T/env_bad.err"

# every key (CONTRACT.md: one key per long option; flowlog2ipfix.conf(5):
# verbose = N, no key for --quiet, --check, --config)
cat >"$T/all.conf" <<EOF
[flowlog2ipfix]
output=$T/all.ipfix
format=$(head -1 "$IN")
infomodel-dir=$(dirname "$FL_INFOMODEL")
observation-domain=77
template-refresh=30
options-interval=120
time-elements=both
id-bits=16
no-options=true
threads=2
max-rate=0
stats-json=$T/all.json
max-errors=3
verbose=0
EOF
run conf_all_n -n -c "$T/all.conf" "$HEADERLESS"
check_eq "-n -c with every key: exit status ($(err conf_all_n))" 0 "$RC"
run conf_all -c "$T/all.conf" "$HEADERLESS"
check_eq "-c with every key: exit status ($(err conf_all))" 0 "$RC"
check "-c with every key: verbose=0 leaves stderr empty" test ! -s "$T/conf_all.err"
check "-c with every key: stats-json= written" test -s "$T/all.json"
if check "-c with every key: output= written" test -s "$T/all.ipfix"; then
    fltest summary "$T/all.ipfix" >"$T/all.sum"
    # v2 + egressInterface 16 + seconds 64 + milliseconds 128
    check_eq "-c with every key: time-elements=both and format= (data template IDs)" \
        "data_tids 1232 1233" "$(grep data_tids "$T/all.sum")"
    check_eq "-c with every key: no-options=true" "option_tids " \
        "$(grep option_tids "$T/all.sum")"
    check_eq "-c with every key: observation-domain=77" "odids 77" \
        "$(grep odids "$T/all.sum")"
    check_eq "-c with every key: every record" \
        "records $(fltest expect-count "$IN")" "$(grep '^records' "$T/all.sum")"
fi
printf '[flowlog2ipfix]\nid-bits=9\n' >"$T/bad.conf"
run conf_bad -n -c "$T/bad.conf" "$IN"
check_eq "-n -c with id-bits=9: exit status ($(err conf_bad))" 1 "$RC"
run conf_missing -n -c "$T/no-such.conf" "$IN"
check_eq "-n -c with a missing config file: exit status ($(err conf_missing))" 1 "$RC"

# default output is stdout; -q silences the summary ---------------------------------
run stdout "$IN"
check_eq "default output (stdout): exit status ($(err stdout))" 0 "$RC"
if [ -s "$T/stdout.out" ]; then
    check_eq "default output (stdout): records decoded" \
        "records $(fltest expect-count "$IN")" \
        "$(fltest summary "$T/stdout.out" | grep '^records')"
else
    check "default output (stdout): IPFIX on stdout" false
fi
check "without -q: statistics summary on stderr" test -s "$T/stdout.err"
run quiet -q -o "$T/quiet.ipfix" "$IN"
check_eq "-q: exit status ($(err quiet))" 0 "$RC"
check "-q: nothing on stderr for a clean input ($(err quiet))" test ! -s "$T/quiet.err"

# rejected lines: NAME:LINE: reason, first --max-errors only, exit 0 ------------
{
    head -3 "$IN"
    echo "2 123456789010 eni-0aaaaaaaaaaaaaaaa 10.0.0.1 10.0.0.2 1 2"
    echo "2 123456789010 eni-0aaaaaaaaaaaaaaaa 10.0.0.1 10.0.0.2 1 2 6 x 40 1700000000 1700000001 ACCEPT OK"
    echo "2 123456789010 eni-0aaaaaaaaaaaaaaaa 10.0.0.999 10.0.0.2 1 2 6 1 40 1700000000 1700000001 ACCEPT OK"
    tail -n +4 "$IN"
} >"$T/bad.log"
run rejects --max-errors 2 -o "$T/rejects.ipfix" --stats-json "$T/rejects.json" "$T/bad.log"
check_eq "rejected lines: exit status 0 ($(err rejects))" 0 "$RC"
check "rejected line 4 logged as NAME:4:" grep -qF "$T/bad.log:4: " "$T/rejects.err"
check "rejected line 5 logged as NAME:5:" grep -qF "$T/bad.log:5: " "$T/rejects.err"
check "--max-errors 2: line 6 not logged in full" \
    bash -c "! grep -qF '$T/bad.log:6: ' '$T/rejects.err'"
if [ -s "$T/rejects.json" ]; then
    check_eq "rejected lines counted" 3 \
        "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["rejected"])' "$T/rejects.json")"
    check_eq "rejected_by_reason" '{"address": 1, "field-count": 1, "number": 1}' \
        "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1]))["rejected_by_reason"]; print(json.dumps({k: v for k, v in sorted(d.items()) if v}))' "$T/rejects.json")"
fi
fl --max-errors 5 -o "$T/stdin.ipfix" - <"$T/bad.log" 2>"$T/stdin.err"
RC=$?
check_eq "stdin input: exit status ($(err stdin))" 0 "$RC"
check "stdin rejected line logged as (stdin):4:" grep -qF "(stdin):4: " "$T/stdin.err"

finish
