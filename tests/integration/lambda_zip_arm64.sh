#!/bin/bash
# lambda_zip_arm64.sh: lambda_zip.sh's checks on the arm64 zip, cross-built
# on this x86_64 machine (make lambda-zip-arm64) and run under
# qemu-aarch64-static: its layout and RPATH, nothing but glibc from outside
# the zip (the arm64 loader's own search), the glibc 2.34 ceiling, a
# sample converted to the records it holds, and the Runtime API
# emulator's tests (every event kind, records to the collectors, the run
# without libcurl).  Skipped, saying what to install, without the cross
# toolchain; skipped under the sanitizers as lambda_zip.sh is.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
TEST_NAME=lambda_zip_arm64 FL_LAMBDA_ARCH=arm64 \
    exec /bin/bash "$(dirname "$0")/lambda_zip.sh" "$@"
