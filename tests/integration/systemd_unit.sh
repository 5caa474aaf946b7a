#!/bin/bash
# systemd_unit.sh: the systemd files in etc/ are valid for the systemd on
# this machine.  The units (with this build's binary and a scratch
# configuration directory put in for @bindir@ and @sysconfdir@) pass
# "systemd-analyze verify" without a word about them, the template as an
# instance too; they run as the user flowlog2ipfix with the sandbox the
# README promises; their ExecStart line, with the sample configuration, is
# accepted by flowlog2ipfix -n; "systemd-analyze security --offline" rates
# them below 4.0 (systemd's "OK" band ends at 4.9).  As root, the sysusers
# and tmpfiles files make the user and a spool directory in a scratch root.
# Skips (exit 77, reason printed) where systemd-analyze is missing.
. "$(dirname "$0")/common.sh"
require_program
require_tool systemd-analyze "Debian package systemd"

ETC=$FL_SRCDIR/etc
mkdir -p "$T/units" "$T/etc/flowlog2ipfix"
cp "$ETC/flowlog2ipfix.conf" "$T/etc/flowlog2ipfix/flowlog2ipfix.conf"
cp "$ETC/flowlog2ipfix.conf" "$T/etc/flowlog2ipfix/test.conf"
for u in flowlog2ipfix.service flowlog2ipfix@.service; do
    sed -e "s|@bindir@|$(dirname "$FL_BIN")|g" \
        -e "s|@sysconfdir@|$T/etc|g" "$ETC/$u.in" >"$T/units/$u"
done

verify() {
    local unit=$1 out
    out=$(systemd-analyze verify --man=no "$T/units/$unit" 2>&1)
    local rc=$?
    check_eq "verify $unit: exit status ($out)" 0 "$rc"
    # verify warns (and still exits 0) about unknown keys and bad values.
    check "verify $unit: no warning about the unit: $out" \
        bash -c "! grep -q flowlog2ipfix <<<\"\$1\"" _ "$out"
}
verify flowlog2ipfix.service
verify flowlog2ipfix@test.service

for u in flowlog2ipfix.service flowlog2ipfix@.service; do
    f=$T/units/$u
    for want in '^User=flowlog2ipfix$' '^ProtectSystem=strict$' \
        '^NoNewPrivileges=yes$' '^PrivateTmp=yes$' '^ProtectHome=yes$' \
        '^ReadWritePaths=-/var/spool/flowlog2ipfix' \
        '^StateDirectory=flowlog2ipfix' '^Restart=on-failure$' \
        '^ExecReload=/bin/kill -HUP \$MAINPID$' '^CapabilityBoundingSet=$'; do
        check "$u has $want" grep -q -E "$want" "$f"
    done
    # The command line of ExecStart, with the instance name for %i.
    cmd=$(sed -n 's/^ExecStart=//p' "$f" | sed 's/%i/test/g')
    out=$($cmd --infomodel-dir "$(dirname "$FL_INFOMODEL")" -n x 2>&1)
    check_eq "$u: ExecStart with the sample configuration, -n ($out)" 0 $?
    if systemd-analyze security --help 2>&1 | grep -q -- --offline; then
        name=$u
        [ "$u" = flowlog2ipfix@.service ] && name=flowlog2ipfix@test.service
        level=$(cd "$T/units" && systemd-analyze security --offline=yes \
            "$T/units/$name" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
        log "  $u: systemd-analyze security exposure ${level:-?}"
        check "$u: exposure level '$level' below 4.0" \
            awk -v l="$level" 'BEGIN { exit !(l != "" && l + 0 < 4.0) }'
    fi
done

if [ "$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null &&
    command -v systemd-tmpfiles >/dev/null; then
    R=$T/root
    mkdir -p "$R/etc" "$R/var/spool"
    : >"$R/etc/passwd"
    : >"$R/etc/group"
    check "systemd-sysusers accepts flowlog2ipfix.sysusers" \
        systemd-sysusers --root="$R" "$ETC/flowlog2ipfix.sysusers"
    check "the user flowlog2ipfix is made" grep -q '^flowlog2ipfix:' "$R/etc/passwd"
    check "systemd-tmpfiles accepts flowlog2ipfix.tmpfiles" \
        systemd-tmpfiles --create --root="$R" "$ETC/flowlog2ipfix.tmpfiles"
    check "the spool directory is made, set-group-ID, group-writable" \
        test -d "$R/var/spool/flowlog2ipfix" -a -g "$R/var/spool/flowlog2ipfix"
else
    log "  sysusers/tmpfiles: not checked (needs root and systemd-sysusers)"
fi
finish
