#!/usr/bin/env bash
# Regenerates the bundled flow-log samples from tests/flowgen with fixed
# seeds.  The outputs are committed; gzip -n keeps the .gz files free of
# names and timestamps, so a rerun gives the same bytes.
#
#   samples/make-samples.sh          rewrite the samples in place
#   samples/make-samples.sh --check  regenerate into a temporary directory
#                                    and fail if anything differs

# `make` runs scripts with $(SHELL), often dash: restart under bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
check=0
case "${1:-}" in
"") ;;
--check) check=1 ;;
*) echo "usage: $0 [--check]" >&2; exit 1 ;;
esac

flowgen=${FLOWGEN:-$root/tests/flowgen}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowlog2ipfix-samples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [[ -z "${FLOWGEN:-}" ]] &&
    [[ ! -x "$flowgen" || "$root/tests/flowgen.c" -nt "$flowgen" ]]; then
    flowgen=$tmp/flowgen
    # shellcheck disable=SC2046 # pkg-config output is meant to be split
    ${CC:-gcc} -O2 -Wall -Wextra $(pkg-config --cflags glib-2.0) \
        "$root/tests/flowgen.c" $(pkg-config --libs glib-2.0) -o "$flowgen"
fi

out=$here
[[ $check -eq 1 ]] && out=$tmp/out && mkdir -p "$out"

gz() { gzip -n -6; }

# S3 delivery, default format, with the header line.
"$flowgen" --seed 1001 --format v2 --header --lines 500 \
    --start 1716638400 | gz >"$out/vpc-default-v2.log.gz"

# S3 delivery, all 29 v2-v5 fields in AWS's example order, some IPv6 and
# a few metadata-filled NODATA / SKIPDATA lines.
"$flowgen" --seed 1002 --format v5-29 --header --lines 500 \
    --ipv6-share 0.2 --nodata-share 0.03 --start 1716639000 |
    gz >"$out/vpc-custom-v5.log.gz"

# Plain text, mostly IPv6, in AWS's other v5 field order.
"$flowgen" --seed 1003 --format v5 --header --lines 100 \
    --ipv6-share 0.9 --nodata-share 0 --start 1716639600 \
    >"$out/vpc-ipv6.log"

# Default format with many NODATA / SKIPDATA lines.
"$flowgen" --seed 1004 --format v2 --header --lines 200 \
    --nodata-share 0.4 --start 1716640200 | gz >"$out/vpc-nodata-skipdata.log.gz"

# Transit gateway flow log, all 36 version 6 fields.
"$flowgen" --seed 1005 --format tgw --header --lines 300 \
    --start 1716640800 | gz >"$out/tgw-v6.log.gz"

# CloudWatch Logs delivery: default format, no header.
"$flowgen" --seed 1006 --format v2 --lines 100 \
    --start 1716641400 >"$out/cloudwatch-v2-noheader.log"

# The NODATA / SKIPDATA sample must show both kinds.
for status in NODATA SKIPDATA; do
    if ! gzip -dc "$out/vpc-nodata-skipdata.log.gz" | grep -q " $status\$"; then
        echo "make-samples: no $status line in vpc-nodata-skipdata" >&2
        exit 1
    fi
done

if [[ $check -eq 1 ]]; then
    rc=0
    for f in "$out"/*; do
        name=$(basename "$f")
        if ! cmp -s "$f" "$here/$name"; then
            echo "make-samples: samples/$name differs from its regeneration" >&2
            rc=1
        fi
    done
    [[ $rc -eq 0 ]] && echo "make-samples: all samples up to date"
    exit $rc
fi
