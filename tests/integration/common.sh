# shellcheck shell=bash
# common.sh: sourced by the shell integration tests (bash).
#
# Sets FL_BIN, FL_INFOMODEL, FL_SRCDIR (defaults for a run by hand from the
# repo root), a scratch directory $T under FL_TMPDIR (or mktemp -d), and
# helpers: fl (runs the program with --infomodel-dir), check/finish
# (collect failures; exit 0 pass, 1 fail), skip (exit 77 with a reason),
# wait_until (bounded polling), bg/stop_bg (background processes killed by
# the EXIT trap). Set FL_KEEP_TMP=1 to keep $T.

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${FL_SRCDIR:=$(cd "$HERE/../.." && pwd)}"
if [ -z "${FL_BIN:-}" ]; then
    if [ -e src/flowlog2ipfix ]; then
        FL_BIN=src/flowlog2ipfix
    else
        FL_BIN=$FL_SRCDIR/src/flowlog2ipfix
    fi
fi
FL_BIN=$(realpath -m "$FL_BIN")
: "${FL_INFOMODEL:=$FL_SRCDIR/infomodel/flowlog2ipfix.xml}"
FL_INFOMODEL=$(realpath -m "$FL_INFOMODEL")
PY=/usr/bin/python3
fltest() { "$PY" "$HERE/fltest.py" "$@"; }
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}

if [ -n "${FL_TMPDIR:-}" ]; then
    mkdir -p "$FL_TMPDIR"
    T=$(mktemp -d "$FL_TMPDIR/$TEST_NAME.XXXXXX")
else
    T=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
fi

BG_PIDS=()
FAILS=0
CHECKS=0

_cleanup() {
    local p
    for p in "${BG_PIDS[@]}"; do
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null
            wait "$p" 2>/dev/null
        fi
    done
    if [ -n "${FL_KEEP_TMP:-}" ]; then
        echo "keeping $T" >&2
    else
        rm -rf "$T"
    fi
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

log() { echo "$*" >&2; }

skip() {
    echo "SKIP: $TEST_NAME: $*" >&2
    exit 77
}

# check DESCRIPTION COMMAND...: run COMMAND; count a failure if it fails.
check() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    if "$@"; then
        return 0
    fi
    FAILS=$((FAILS + 1))
    log "  not ok: $what"
    return 1
}

# check_eq DESCRIPTION EXPECTED GOT
check_eq() {
    CHECKS=$((CHECKS + 1))
    if [ "$2" = "$3" ]; then
        return 0
    fi
    FAILS=$((FAILS + 1))
    log "  not ok: $1: expected '$2', got '$3'"
    return 1
}

finish() {
    if [ "$FAILS" -gt 0 ]; then
        log "$TEST_NAME: FAIL ($FAILS of $CHECKS checks failed)"
        exit 1
    fi
    log "$TEST_NAME: PASS ($CHECKS checks)"
    exit 0
}

# A fatal failure: report and stop.
die() {
    log "FAIL: $TEST_NAME: $*"
    exit 1
}

require_program() {
    [ -x "$FL_BIN" ] || die "flowlog2ipfix binary not found at $FL_BIN (set FL_BIN)"
    [ -r "$FL_INFOMODEL" ] || die "infomodel not found at $FL_INFOMODEL (set FL_INFOMODEL)"
}

require_tool() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed ($2)"
}

# fl ARGS...: run the program with --infomodel-dir, killed after
# FL_TIMEOUT seconds (default 120; exit status 124 then).
fl() {
    timeout -k 5 "${FL_TIMEOUT:-120}" \
        "$FL_BIN" --infomodel-dir "$(dirname "$FL_INFOMODEL")" "$@"
}

# wait_until SECONDS COMMAND...: poll COMMAND every 50 ms, at most SECONDS.
wait_until() {
    local limit=$1
    shift
    local end=$((SECONDS + limit + 1))
    while [ $SECONDS -lt $end ]; do
        if "$@"; then
            return 0
        fi
        sleep 0.05
    done
    "$@"
}

# bg COMMAND...: start COMMAND in the background; its pid goes to $BG_PID
# and to the list the EXIT trap terminates.
bg() {
    "$@" &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

# stop_bg PID [SECONDS]: SIGTERM, wait at most SECONDS (default 10) for the
# exit, then SIGKILL. Returns the process's exit status.
stop_bg() {
    local pid=$1 limit=${2:-10}
    kill -TERM "$pid" 2>/dev/null
    if ! wait_until "$limit" _gone "$pid"; then
        log "  $pid did not stop after SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
}

_gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; }

udp_listening() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
tcp_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# Receive queue of the UDP socket bound to port $1 (empty if none).
udp_recvq() { ss -Hlun "sport = :$1" 2>/dev/null | awk 'NR==1 {print $2}'; }
udp_drained() { [ "$(udp_recvq "$1")" = 0 ]; }
