#!/bin/bash
# signals.sh: SIGTERM stops a run whose standard input is a silent pipe,
# exports what was read, and prints the summary (exit status 0).
. "$(dirname "$0")/common.sh"
require_program

mkfifo "$T/in"
# Hold the FIFO open for writing so the program's read never sees EOF.
exec 3<>"$T/in"
printf '%s\n' "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status" \
    "2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 180 1700000000 1700000060 ACCEPT OK" >&3
# Not through fl(): timeout(1) would take the signal itself.
"$FL_BIN" --infomodel-dir "$(dirname "$FL_INFOMODEL")" --threads 2 \
    --stats-json "$T/s.json" -o "$T/out.ipfix" - <"$T/in" 2>"$T/err" &
pid=$!
BG_PIDS+=("$pid")
# The output file is created after the signal handlers are in place.
check "the program starts" wait_until 10 test -e "$T/out.ipfix"
kill -TERM "$pid"
check "exits within 5 s of SIGTERM" wait_until 5 bash -c "! kill -0 $pid 2>/dev/null"
kill -KILL "$pid" 2>/dev/null     # only if it did not stop: no hang here
wait "$pid"
rc=$?
check_eq "exit status" 0 "$rc"
check "warns that the run was cut short" grep -q "stopped by a signal" "$T/err"
check "prints the summary" grep -q "object(s)" "$T/err"
check "writes the statistics" test -s "$T/s.json"
exec 3>&-
finish
