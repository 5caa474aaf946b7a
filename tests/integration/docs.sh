#!/bin/bash
# docs.sh: the documentation follows the program.  Every long option that
# "flowlog2ipfix --help" prints is described in man/flowlog2ipfix.1; every
# one that has a config key (all but --config, --check, --verbose, --quiet,
# --version, --help) is a key in man/flowlog2ipfix.conf.5 and in
# etc/flowlog2ipfix.conf; the shipped sample configuration parses (-n).
#
# Environment (set by automake; defaults for a run by hand from the repo
# root): FL_BIN (src/flowlog2ipfix), FL_SRCDIR (.), FL_INFOMODEL
# (infomodel/flowlog2ipfix.xml).  Exit 0 pass, 1 fail.
set -u

FL_BIN=${FL_BIN:-src/flowlog2ipfix}
FL_SRCDIR=${FL_SRCDIR:-.}
FL_INFOMODEL=${FL_INFOMODEL:-infomodel/flowlog2ipfix.xml}
MAN1=$FL_SRCDIR/man/flowlog2ipfix.1
MAN5=$FL_SRCDIR/man/flowlog2ipfix.conf.5
CONF=$FL_SRCDIR/etc/flowlog2ipfix.conf

FAILS=0
CHECKS=0
fail() {
    echo "not ok: $*" >&2
    FAILS=$((FAILS + 1))
}

for f in "$FL_BIN" "$MAN1" "$MAN5" "$CONF"; do
    [ -e "$f" ] || { echo "FAIL: docs: $f not found" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/docs.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

# Man page source as plain text: "\-" is "-", font changes and "\&" go.
plain() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' "$1"
}
plain "$MAN1" >"$T/man1.txt"
plain "$MAN5" >"$T/man5.txt"

"$FL_BIN" --help >"$T/help.txt" 2>&1 || fail "$FL_BIN --help exit status $?"
# "  -o, --output=DEST   ..." and "  --no-options   ..."
sed -n -E 's/^ +(-[A-Za-z?], )?--([a-z0-9][a-z0-9-]*).*/\2/p' "$T/help.txt" |
    sort -u >"$T/options.txt"
n=$(wc -l <"$T/options.txt")
if [ "$n" -lt 10 ]; then
    fail "only $n long options found in --help output"
fi

while IFS= read -r opt; do
    CHECKS=$((CHECKS + 1))
    grep -q -E -e "--$opt([^a-z0-9-]|\$)" "$T/man1.txt" ||
        fail "--$opt is not in $MAN1"
    # FLOWLOG2IPFIX_<OPTION> is in the man page's ENVIRONMENT section.
    case $opt in
    check | version | help) ;;
    *)
        var=FLOWLOG2IPFIX_$(echo "$opt" | tr 'a-z-' 'A-Z_')
        CHECKS=$((CHECKS + 1))
        grep -q -E "^\.?B? ?$var( |\$)" "$T/man1.txt" ||
            fail "$var is not in $MAN1 (ENVIRONMENT)"
        ;;
    esac
    case $opt in
    config | check | verbose | quiet | version | help) continue ;;
    esac
    # conf.5 lists each key at the start of a line as "key = VALUE".
    CHECKS=$((CHECKS + 1))
    grep -q -E "^$opt = " "$T/man5.txt" ||
        fail "key '$opt' is not in $MAN5"
    # The sample has "#key = default" or "key = value".
    CHECKS=$((CHECKS + 1))
    grep -q -E "^#? ?$opt *=" "$CONF" ||
        fail "key '$opt' is not in $CONF"
done <"$T/options.txt"

CHECKS=$((CHECKS + 1))
"$FL_BIN" -n -c "$CONF" --infomodel-dir "$(dirname "$FL_INFOMODEL")" x \
    >"$T/check.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] ||
    fail "$FL_BIN -n -c $CONF exit status $rc: $(head -3 "$T/check.out")"

if [ "$FAILS" -gt 0 ]; then
    echo "docs: FAIL ($FAILS of $CHECKS checks failed)" >&2
    exit 1
fi
echo "docs: PASS ($CHECKS checks, $n long options)"
exit 0
