#!/bin/bash
# etc/aws/lambda-zip-arm64.sh: the arm64 Lambda zip, cross-built on an
# x86_64 Debian machine ("make lambda-zip-arm64" runs it from the top of
# the configured tree).
#
# Usage: etc/aws/lambda-zip-arm64.sh [-n | -p] [-B BUILDDIR] [-o ZIP]
#
# -n: only step 1; exit status 0 when everything is there
# (tests/integration/lambda_zip_arm64.sh asks so before it builds).
# -p: print the Debian packages it needs, one line (tests/run-suite
# installs them), and exit.
#
# 1. Checks for the cross compiler, Debian's arm64 libraries (multiarch,
#    beside the amd64 ones) and qemu-user-static, and names the packages
#    to install when one is missing (ARM64_PACKAGES below; tests/run-suite
#    installs them).
# 2. make distdir into BUILDDIR/src (default build-arm64/src): a source
#    tree that is configured itself cannot host a VPATH build.  distdir
#    keeps the files' times, so the build below stays incremental.
# 3. Configures BUILDDIR/obj with --host=aarch64-linux-gnu (autoconf then
#    uses aarch64-linux-gnu-gcc and aarch64-linux-gnu-pkg-config, which
#    reads the arm64 .pc files) and --without-isal: Debian's libisal-dev
#    is not multiarch (its arm64 copy would replace the amd64 one), and
#    zlib inflates instead.  Again only when there is no configured tree
#    or configure changed.
# 4. make lambda-zip there, which builds only src/libflowlog.a and
#    lambda/bootstrap, then runs etc/aws/lambda-zip.sh; that resolves the
#    libraries with the arm64 loader under qemu (etc/aws/lambda-ldd.sh)
#    and checks them as it does for x86_64, glibc 2.34 ceiling included.
# 5. Copies the zip to ZIP (default flowlog2ipfix-lambda-arm64.zip in the
#    current directory) and prints its size.
#
# Environment: JOBS (make -j, default the number of CPUs).

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HOST=aarch64-linux-gnu
ARM64_PACKAGES=(gcc-aarch64-linux-gnu libc6-dev:arm64 libfixbuf-dev:arm64
    libglib2.0-dev:arm64 zlib1g-dev:arm64 libcurl4-openssl-dev:arm64
    libjson-glib-dev:arm64 libyajl-dev:arm64 libzstd-dev:arm64
    libssl-dev:arm64 qemu-user-static)
# What the bootstrap links statically (Makefile.am, LAMBDA_STATIC_LIBS).
STATIC="libfixbuf.a libyajl_s.a libzstd.a libssl.a libcrypto.a libz.a"

die() { echo "lambda-zip-arm64: $*" >&2; exit 1; }

usage() { sed -n "6p" "$0" | sed 's/^# //' >&2; exit 2; }

builddir=build-arm64
zip_out=flowlog2ipfix-lambda-arm64.zip
check_only=""
while getopts npB:o:h opt; do
    case $opt in
    n) check_only=1 ;;
    p) echo "${ARM64_PACKAGES[*]}"; exit 0 ;;
    B) builddir=$OPTARG ;;
    o) zip_out=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

install_hint="Debian: dpkg --add-architecture arm64 && apt-get update &&
apt-get install ${ARM64_PACKAGES[*]}"
missing=""
for tool in "$HOST-gcc" "$HOST-pkg-config" "$HOST-strip" "$HOST-objdump" \
    qemu-aarch64-static; do
    command -v "$tool" >/dev/null 2>&1 || missing+=" $tool"
done
[ -e /lib/ld-linux-aarch64.so.1 ] || missing+=" /lib/ld-linux-aarch64.so.1"
if command -v "$HOST-pkg-config" >/dev/null 2>&1; then
    for m in glib-2.0 gio-2.0 libfixbuf zlib libcurl json-glib-1.0 yajl \
        libzstd libssl libcrypto; do
        "$HOST-pkg-config" --exists "$m" || missing+=" $m.pc(arm64)"
    done
fi
for a in $STATIC; do
    [ -e "/usr/lib/$HOST/$a" ] || missing+=" /usr/lib/$HOST/$a"
done
[ -z "$missing" ] || die "missing:$missing"$'\n'"$install_hint"
[ -z "$check_only" ] || exit 0
if [ ! -f Makefile ] || [ ! -x config.status ]; then
    die "run from the top of a configured build tree (make lambda-zip-arm64)"
fi

jobs=${JOBS:-$(nproc)}
mkdir -p "$builddir"
builddir=$(cd "$builddir" && pwd)
case $zip_out in /*) ;; *) zip_out=$PWD/$zip_out ;; esac

echo "lambda-zip-arm64: sources into $builddir/src (make distdir)"
make -s distdir distdir="$builddir/src" >/dev/null

obj=$builddir/obj
mkdir -p "$obj"
if [ ! -x "$obj/config.status" ] || [ "$builddir/src/configure" -nt "$obj/config.status" ]; then
    echo "lambda-zip-arm64: configuring $obj (--host=$HOST)"
    (cd "$obj" && ../src/configure -q --host="$HOST" --without-isal)
fi
echo "lambda-zip-arm64: building lambda/bootstrap and the zip in $obj"
# The sub-make is ours, whoever called us (a make's jobserver or a test).
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$obj" -s -j"$jobs" lambda-zip
cp "$obj/flowlog2ipfix-lambda-arm64.zip" "$zip_out"
echo "lambda-zip-arm64: $zip_out ($(stat -c %s "$zip_out") bytes)"
