#!/bin/bash
# lambda_zip.sh: the AWS Lambda zip (etc/aws/lambda-zip.sh on make's
# lambda/bootstrap, or FL_LAMBDA_ZIP when set), unpacked in a scratch
# directory, runs on its own: ldd finds every library but glibc's inside the
# zip, with LD_LIBRARY_PATH unset and with the host's library directories in
# it (Lambda's LD_LIBRARY_PATH names /lib64 and /usr/lib64 before
# /var/task/lib); no file
# needs a glibc symbol version above 2.34 (Amazon Linux 2023); bootstrap
# --version works, and a sample converted without options (information
# model found beside the program) decodes in ipfixDump (with the zip's XML)
# and python3-ipfix to the records the input holds; and the Runtime API
# emulator's tests (lambda_runtime.py, lambda_deadline.py,
# lambda_s3_faults.py with its run without libcurl) pass on the unpacked
# bootstrap.
#
# FL_LAMBDA_ARCH=arm64 (lambda_zip_arm64.sh) checks the arm64 zip the
# same way on an x86_64 machine: make lambda-zip-arm64's cross build
# (etc/aws/lambda-zip-arm64.sh, in the build tree's build-arm64/), "ldd"
# by etc/aws/lambda-ldd.sh (the arm64 loader under qemu, as the zip
# script resolves), the cross objdump, and the bootstrap run under
# qemu-aarch64-static, the emulator's tests too (FL_LAMBDA_EXEC).  Without
# the cross toolchain it is skipped, saying what to install.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
. "$(dirname "$0")/common.sh"

GLIBC_MAX=2.34
GLIBC_LIBS='^(linux-vdso\.so\.1|ld-linux[-a-z0-9_]*\.so\.[0-9]+|libc\.so\.6|libm\.so\.6|libmvec\.so\.1|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libresolv\.so\.2|libutil\.so\.1|libanl\.so\.1)$'

require_program
# A sanitizer build links clang's runtimes and libgcc_s, which need a
# newer glibc than Amazon Linux 2023 has: the zip is the normal build's.
[ -z "${FL_SANITIZERS:-}" ] ||
    skip "a sanitizer build (its runtimes need glibc 2.35); the normal suite checks the zip"
for t in zip unzip ldd readelf objdump; do
    require_tool "$t" "Debian: zip, unzip, libc-bin, binutils"
done
require_tool ipfixDump "libfixbuf-tools"

# The zip's architecture, and how this machine runs and reads its files.
HOST_ARCH=$(uname -m | sed 's/aarch64/arm64/')
ARCH=${FL_LAMBDA_ARCH:-$HOST_ARCH}
LDD=(bash "$FL_SRCDIR/etc/aws/lambda-ldd.sh")
RUN=()
OBJDUMP=objdump
if [ "$ARCH" != "$HOST_ARCH" ]; then
    if [ "$ARCH" != arm64 ] || [ "$HOST_ARCH" != x86_64 ]; then
        skip "no cross build of the $ARCH zip on $HOST_ARCH"
    fi
    RUN=(qemu-aarch64-static)
    OBJDUMP=aarch64-linux-gnu-objdump
    # The cross compiler, arm64 libraries and qemu (tests/run-suite
    # installs them): their absence is a skip that says what to install.
    if ! missing=$(bash "$FL_SRCDIR/etc/aws/lambda-zip-arm64.sh" -n 2>&1); then
        skip "the arm64 cross build is not installed: $(tr '\n' ' ' <<<"$missing")"
    fi
fi

if [ -n "${FL_LAMBDA_ZIP:-}" ]; then
    ZIP=$(realpath -m "$FL_LAMBDA_ZIP")
    [ -r "$ZIP" ] || die "FL_LAMBDA_ZIP=$ZIP: no such file"
elif [ "$ARCH" != "$HOST_ARCH" ]; then
    # make lambda-zip-arm64's build, in the build tree's build-arm64/
    # (kept between runs: the next build is incremental).
    ZIP=$T/flowlog2ipfix-lambda-arm64.zip
    top=$(cd "$(dirname "$FL_BIN")/.." && pwd)
    t0=$(date +%s)
    (cd "$top" && bash "$FL_SRCDIR/etc/aws/lambda-zip-arm64.sh" -o "$ZIP") \
        >"$T/zip.out" 2>"$T/zip.err" ||
        die "lambda-zip-arm64.sh failed: $(tail -20 "$T/zip.err")"
    log "  $(grep '^flowlog2ipfix-lambda-arm64.zip:' "$T/zip.out") (cross build: $(($(date +%s) - t0)) s)"
else
    BOOT=${FL_LAMBDA_BOOTSTRAP:-$(dirname "$FL_BIN")/../lambda/bootstrap}
    [ -x "$BOOT" ] || die "$BOOT not built (make lambda/bootstrap, or set FL_LAMBDA_BOOTSTRAP)"
    ZIP=$T/flowlog2ipfix-lambda.zip
    # -d as make lambda-zip: the bootstrap dlopen()s libcurl.
    bash "$FL_SRCDIR/etc/aws/lambda-zip.sh" -o "$ZIP" -d libcurl.so.4 \
        "$BOOT" "$FL_INFOMODEL" \
        >"$T/zip.out" 2>"$T/zip.err" ||
        die "lambda-zip.sh failed: $(cat "$T/zip.err")"
    log "  $(cat "$T/zip.out")"
fi

U=$T/unpacked
mkdir -p "$U" "$T/run"
unzip -q "$ZIP" -d "$U" || die "unzip $ZIP failed"

# 1. Layout, and the mode bits Lambda needs in the zip itself.
check "bootstrap at the top, executable" test -f "$U/bootstrap" -a -x "$U/bootstrap"
check_eq "bootstrap's mode in the zip" "-rwxr-xr-x" \
    "$(zipinfo "$ZIP" bootstrap | awk '{print $1}')"
check "information model inside" test -s "$U/infomodel/flowlog2ipfix.xml"
check "lib/ holds libraries" test -n "$(ls "$U/lib")"
# Loaded at the first S3 request (src/aws/curl_lazy.c), so ldd cannot
# see it: it and what it needs must be there all the same.
check "lib/ holds libcurl.so.4 (loaded with dlopen)" test -s "$U/lib/libcurl.so.4"
while read -r name path; do
    [[ $name =~ $GLIBC_LIBS ]] && continue
    check_eq "libcurl.so.4 needs $name: from lib/" "$U/lib/$name" "$path"
done < <(env -u LD_PRELOAD LD_LIBRARY_PATH="$U/lib" "${LDD[@]}" "$U/lib/libcurl.so.4" |
    awk '$2 == "=>" { print $1, $3 }')
check_eq "bootstrap's architecture (ELF header)" \
    "$(case $ARCH in arm64) echo AArch64 ;; *) echo X86-64 ;; esac)" \
    "$(LC_ALL=C readelf -h "$U/bootstrap" | sed -n 's/^ *Machine: *//p' |
        grep -o -E 'AArch64|X86-64')"
for g in libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 libresolv.so.2 \
    ld-linux-x86-64.so.2 ld-linux-aarch64.so.1; do
    check "glibc's $g is not in the zip" test ! -e "$U/lib/$g"
done

# 2. Dynamic section: RPATH $ORIGIN/lib on the program, no RUNPATH anywhere.
# shellcheck disable=SC2016  # a literal $ORIGIN
check "bootstrap has RPATH \$ORIGIN/lib" \
    grep -q '(RPATH) *Library rpath: \[\$ORIGIN/lib\]' <(readelf -d "$U/bootstrap")
for f in "$U/bootstrap" "$U"/lib/*; do
    check "$(basename "$f"): no RUNPATH" \
        bash -c "! readelf -d '$f' | grep -q '(RUNPATH)'"
done

# 3. ldd: nothing missing, nothing from outside the zip but glibc.
# ldd_outside [LD_LIBRARY_PATH]: prints each offending line.
ldd_outside() {
    local name arrow path rest
    env -u LD_LIBRARY_PATH -u LD_PRELOAD ${1:+LD_LIBRARY_PATH=$1} \
        "${LDD[@]}" "$U/bootstrap" >"$T/ldd.out" 2>&1 || {
        echo "ldd failed: $(cat "$T/ldd.out")"
        return
    }
    while read -r name arrow path rest; do
        if [ "$arrow" != "=>" ]; then
            path=$name                      # "/lib64/ld-linux-x86-64.so.2 (0x...)"
            name=${name##*/}
        fi
        case $path in
        not) echo "$name not found"; continue ;;
        /*) ;;
        *) continue ;;                      # linux-vdso.so.1 (0x...)
        esac
        path=$(realpath -m "$path")
        case $path in
        "$U"/lib/*) ;;
        *) [[ $name =~ $GLIBC_LIBS ]] || echo "$name => $path" ;;
        esac
    done <"$T/ldd.out"
}
out=$(ldd_outside "")
check "ldd, LD_LIBRARY_PATH unset: all but glibc from the zip ($out)" test -z "$out"
check "ldd lists libraries of the zip" grep -q "$U/lib/" "$T/ldd.out"
host=/lib64:/usr/lib64:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu
out=$(ldd_outside "$host")
check "ldd, host directories in LD_LIBRARY_PATH: all but glibc from the zip ($out)" \
    test -z "$out"

# 4. glibc symbol versions, read from the undefined symbols themselves.
"$OBJDUMP" -T "$U/bootstrap" "$U"/lib/* 2>/dev/null |
    awk '/\*UND\*/ { for (i = 1; i <= NF; i++) if ($i ~ /^\(?GLIBC_/) {
             v = $i; gsub(/[()]/, "", v); print v } }' | sort -u >"$T/glibc.vers"
highest=$(grep -E '^GLIBC_[0-9.]+$' "$T/glibc.vers" | sed 's/^GLIBC_//' | sort -V | tail -1)
log "  highest glibc version needed: ${highest:-none}"
check "some glibc versions read (objdump -T works)" test -n "$highest"
check "highest glibc version needed ($highest) <= $GLIBC_MAX" \
    test "$(printf '%s\n%s\n' "$highest" "$GLIBC_MAX" | sort -V | tail -1)" = "$GLIBC_MAX"
check "no GLIBC_PRIVATE or other non-numbered glibc version ($(grep -vE '^GLIBC_[0-9.]+$' "$T/glibc.vers" | tr '\n' ' '))" \
    bash -c "! grep -qvE '^GLIBC_[0-9.]+$' '$T/glibc.vers'"

# 5. Run it from another directory, with a bare environment: no
# LD_LIBRARY_PATH, no FLOWLOG2IPFIX_* settings, no --infomodel-dir.
bare() {
    (cd "$T/run" && env -i PATH=/usr/bin:/bin TZ=UTC HOME="$T/run" \
        timeout -k 5 120 ${RUN[@]+"${RUN[@]}"} "$U/bootstrap" "$@")
}
check_eq "bootstrap --version" "$("$FL_BIN" --version)" "$(bare --version 2>&1)"
bare -n - </dev/null 2>"$T/n.err"
check_eq "bootstrap -n (finds its information model): exit status ($(cat "$T/n.err"))" 0 "$?"

SAMPLE=$FL_SRCDIR/samples/vpc-custom-v5.log.gz
[ -r "$SAMPLE" ] || die "$SAMPLE not found"
bare -o "$T/out.ipfix" "$SAMPLE" 2>"$T/conv.err"
check_eq "bootstrap converts $SAMPLE: exit status ($(tail -2 "$T/conv.err"))" 0 "$?"
ipfixDump --in "$T/out.ipfix" --element-file "$U/infomodel/flowlog2ipfix.xml" \
    >"$T/dump" 2>"$T/dump.err"
check_eq "ipfixDump --element-file (the zip's XML): exit status" 0 "$?"
check "ipfixDump printed nothing on stderr ($(head -3 "$T/dump.err"))" \
    test ! -s "$T/dump.err"
check "vrfDescription (the zip's model) decoded as a string" \
    grep -Eq '\(21659/413\) +vrfDescription : \(len: [0-9]+\) account=' "$T/dump"
ipfixDump --in "$T/out.ipfix" --element-file "$U/infomodel/flowlog2ipfix.xml" \
    --stats 2>&1 | sed -nE 's/^ *([0-9]+) \(0x[0-9a-f]+\)\| *([0-9]+) *$/\1 \2/p' |
    awk '$1 >= 1024 && $1 < 1280' | sort -n >"$T/got.tids"
fltest expect-tids "$SAMPLE" >"$T/want.tids"
check "ipfixDump: data records per template ID as the input says (want $(tr '\n' ' ' <"$T/want.tids"); got $(tr '\n' ' ' <"$T/got.tids"))" \
    cmp -s "$T/want.tids" "$T/got.tids"
want=$(fltest expect-count "$SAMPLE")
got=$(fltest summary "$T/out.ipfix" | sed -n 's/^records //p')
check_eq "python3-ipfix: data records" "$want" "$got"

# 6. Without the zip's model the program fails (unless an installed copy
# exists), which shows that the run above used the one beside it.
installed=$("$FL_BIN" --help | sed -n 's/.*--infomodel-dir=DIR.*, else \(.*\))$/\1/p')
if [ -n "$installed" ] && [ ! -e "$installed/flowlog2ipfix.xml" ]; then
    mv "$U/infomodel" "$U/infomodel.away"
    bare -n - </dev/null 2>"$T/n2.err"
    rc=$?
    check "without infomodel/ beside it: fails (exit $rc) naming the file ($(cat "$T/n2.err"))" \
        test "$rc" -ne 0 -a -n "$(grep flowlog2ipfix.xml "$T/n2.err")"
    mv "$U/infomodel.away" "$U/infomodel"
else
    log "  (installed model ${installed:-?} exists or unknown: the check without infomodel/ is not run)"
fi

# 7. The Runtime API emulator's tests on the unpacked bootstrap: what
# Lambda runs is the zip, not the build tree.  (name script.py): runs one.
emulator_test() {
    local name=$1 py=$2 rc
    FL_LAMBDA_DIR=$U FL_LAMBDA_EXEC="${RUN[*]}" "$PY" "$HERE/$py" \
        >"$T/$name.out" 2>&1
    rc=$?
    if [ "$rc" -eq 77 ]; then
        log "  $py on the zip skipped: $(tail -1 "$T/$name.out")"
    else
        check_eq "$py on the unpacked zip: exit status ($(grep -E 'not ok|PASS|FAIL' "$T/$name.out" | head -5))" 0 "$rc"
    fi
}
if [ ${#RUN[@]} -gt 0 ]; then
    # Under qemu the TCP output cannot start (qemu-user's TCP_INFO is an
    # int, without tcpi_bytes_acked): lambda_zip_udp.py checks every
    # event kind, the records field by field, the UDP template refresh,
    # start-up failures and the runs without libcurl over UDP.
    emulator_test udp lambda_zip_udp.py
    finish
fi
# lambda_runtime.py: every event kind, partial batches, the collector
# going away; lambda_deadline.py: the deadline inside a big event.
emulator_test rt lambda_runtime.py
emulator_test dl lambda_deadline.py
# 8. S3 events going wrong (lambda_s3_faults.py): a deadline inside one big
# object, and a copy of this zip without lib/libcurl.so.4, whose S3 events
# are error answers while the process lives on.
emulator_test sf lambda_s3_faults.py

finish
