#!/bin/bash
# etc/aws/lambda-ldd.sh: ldd for a program or shared library of either
# Lambda architecture (x86_64, arm64), on a machine of either.
#
# Usage: etc/aws/lambda-ldd.sh FILE
#
# Prints what ldd prints ("NAME => PATH (ADDR)", "NAME => not found",
# "/path/of/ld.so (ADDR)") and exits as ldd does.  etc/aws/lambda-zip.sh
# and tests/integration/lambda_zip.sh resolve libraries through it.
#
# A FILE of this machine's architecture: ldd itself.  Another one: that
# architecture's dynamic loader, Debian's multiarch one (libc6:arm64
# installs /lib/ld-linux-aarch64.so.1), run with --list under qemu-user's
# static emulator (no binfmt_misc registration needed).  That is what ldd
# does with the native loader, so the search is the loader's own and not
# an imitation: the RPATH with $ORIGIN, LD_LIBRARY_PATH (passed through
# from the environment), the loader's cache (ldconfig's /etc/ld.so.cache,
# which lists each architecture's libraries with its own flag), then the
# architecture's multiarch directories.  LD_PRELOAD is ignored.
#
# Environment: QEMU_AARCH64 (default qemu-aarch64-static), QEMU_X86_64
# (default qemu-x86_64-static).

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

die() { echo "lambda-ldd: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 FILE" >&2; exit 2; }
file=$1
[ -r "$file" ] || die "$file: cannot read"

# The file's architecture, from its ELF header (readelf reads any ELF).
machine=$(LC_ALL=C readelf -h "$file" 2>/dev/null |
    sed -n 's/^ *Machine: *//p') || machine=""
case $machine in
*X86-64*) arch=x86_64 qemu=${QEMU_X86_64:-qemu-x86_64-static}
    rtld=/lib64/ld-linux-x86-64.so.2 pkgarch=amd64 ;;
*AArch64*) arch=aarch64 qemu=${QEMU_AARCH64:-qemu-aarch64-static}
    rtld=/lib/ld-linux-aarch64.so.1 pkgarch=arm64 ;;
*) die "$file: not an x86_64 or arm64 ELF file (${machine:-no ELF header})" ;;
esac

if [ "$arch" = "$(uname -m)" ]; then
    exec env -u LD_PRELOAD ldd "$file"
fi
command -v "$qemu" >/dev/null 2>&1 ||
    die "$file is $arch: running its loader needs $qemu (Debian: qemu-user-static)"
[ -e "$rtld" ] ||
    die "$file is $arch: no $rtld (Debian: dpkg --add-architecture $pkgarch; apt-get install libc6:$pkgarch)"
exec env -u LD_PRELOAD "$qemu" "$rtld" --list "$file"
