#!/bin/bash
# etc/aws/lambda-zip.sh: package a flowlog2ipfix binary as an AWS Lambda
# zip for the provided.al2023 runtime ("make lambda-zip" runs it).
#
# Usage: etc/aws/lambda-zip.sh [-o ZIP] [-d SONAME]... BOOTSTRAP INFOMODEL_XML
#
# BOOTSTRAP is the program linked with an RPATH (not a RUNPATH) of
# $ORIGIN/lib: make's lambda/bootstrap.  An RPATH is searched before
# LD_LIBRARY_PATH, which Lambda sets with /lib64 and /usr/lib64 before
# /var/task/lib, and
# it also serves the dependencies of the libraries, so the zip's libraries
# win over whatever Amazon Linux has of the same name.
#
# The zip holds:
#   bootstrap                      the program, stripped
#   lib/                           every shared library it needs but glibc's
#   infomodel/flowlog2ipfix.xml    found beside the program without options
#   MANIFEST                       each library and the Debian package it
#                                  comes from (for security updates)
#   licenses/                      those packages' copyright files
#
# -d SONAME: a library the program loads itself with dlopen() (make's
# bootstrap loads libcurl.so.4 at its first S3 request), which ldd cannot
# see: it and its own dependencies go into lib/ too, found where the
# dynamic loader's cache (ldconfig -p) has it.  The bootstrap's RPATH
# serves dlopen() and the dependencies of what it loads alike.
#
# Checks, each fatal: nothing "not found"; with the libraries in place, ldd
# resolves every non-glibc library inside the zip even with the host's
# library directories in LD_LIBRARY_PATH; no bundled library has a RUNPATH;
# no file needs a glibc symbol version above GLIBC_MAX (default 2.34,
# Amazon Linux 2023's glibc) or GLIBC_PRIVATE.
#
# ZIP defaults to flowlog2ipfix-lambda-ARCH.zip in the current directory,
# ARCH being x86_64 or arm64 as Lambda names them, read from the ELF
# header.  The BOOTSTRAP may be of the other architecture than this
# machine (make lambda-zip-arm64, etc/aws/lambda-zip-arm64.sh): libraries
# are resolved by etc/aws/lambda-ldd.sh, which runs that architecture's
# own dynamic loader under qemu, and objdump and strip are the cross
# binutils' (aarch64-linux-gnu-objdump...).  Environment: GLIBC_MAX, STRIP
# (default strip, or the cross one), SOURCE_DATE_EPOCH (file times in the
# zip, for reproducible builds).

# make runs scripts with $(SHELL), often dash: restart under bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

GLIBC_MAX=${GLIBC_MAX:-2.34}
LDD=$(dirname "$0")/lambda-ldd.sh

# glibc's own objects: the runtime has them, and they must match its loader.
GLIBC_LIBS='^(linux-vdso\.so\.1|linux-gate\.so\.1|ld-linux[-a-z0-9_]*\.so\.[0-9]+|libc\.so\.6|libm\.so\.6|libmvec\.so\.1|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libresolv\.so\.2|libutil\.so\.1|libanl\.so\.1|libBrokenLocale\.so\.1|libnss_[a-z0-9_]+\.so\.2|libthread_db\.so\.1|libc_malloc_debug\.so\.0)$'

die() { echo "lambda-zip: $*" >&2; exit 1; }

usage() { sed -n '4p' "$0" | sed 's/^# //' >&2; exit 2; }

zip_out=""
dlopened=()
while getopts o:d:h opt; do
    case $opt in
    o) zip_out=$OPTARG ;;
    d) dlopened+=("$OPTARG") ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
bin=$1
xml=$2

command -v readelf >/dev/null 2>&1 || die "readelf is needed (Debian: binutils)"
[ -x "$bin" ] || die "$bin: not an executable"
[ -r "$xml" ] || die "$xml: no information model file"

# x86_64 or arm64, from the ELF header rather than the build machine.
machine=$(LC_ALL=C readelf -h "$bin" | sed -n 's/^ *Machine: *//p')
case $machine in
*X86-64*) arch=x86_64 triplet=x86_64-linux-gnu ldconfig_arch=x86-64 ;;
*AArch64*) arch=arm64 triplet=aarch64-linux-gnu ldconfig_arch=AArch64 ;;
*) die "$bin: $machine is not a Lambda architecture (x86_64, arm64)" ;;
esac
# objdump and strip must know the architecture: Debian's native binutils
# know only their own, so a cross-built program needs the cross ones
# (readelf reads any ELF).
cross=""
[ "$arch" = "$(uname -m | sed 's/aarch64/arm64/')" ] || cross=$triplet-
OBJDUMP=${cross}objdump
STRIP=${STRIP:-${cross}strip}
for tool in zip "$OBJDUMP" "$STRIP"; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool is needed (Debian: zip, binutils${cross:+, binutils-$triplet})"
done
[ -r "$LDD" ] || die "$LDD: missing (it resolves the libraries)"
[ -n "$zip_out" ] || zip_out=flowlog2ipfix-lambda-$arch.zip
case $zip_out in /*) ;; *) zip_out=$PWD/$zip_out ;; esac

# The dynamic section's RPATH must be $ORIGIN/lib, and no RUNPATH (which
# would come after Lambda's LD_LIBRARY_PATH).
dyn=$(LC_ALL=C readelf -d "$bin")
# shellcheck disable=SC2016  # a literal $ORIGIN
if grep -q '(RUNPATH)' <<<"$dyn" ||
    ! grep -q '(RPATH) *Library rpath: \[\$ORIGIN/lib\]' <<<"$dyn"; then
    die "$bin: needs an RPATH of \$ORIGIN/lib and no RUNPATH (link with -Wl,--disable-new-dtags -Wl,-rpath,'\$ORIGIN/lib', as make lambda-zip does)"
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/lambda-zip.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$stage/infomodel" "$stage/licenses"

# ldd_map FILE [LD_LIBRARY_PATH]: "NAME PATH" per needed library ("NAME
# not-found" when missing), with the caller's LD_LIBRARY_PATH and preloads
# out of the way; FILE of either architecture (lambda-ldd.sh).
ldd_map() {
    env -u LD_LIBRARY_PATH -u LD_PRELOAD ${2:+LD_LIBRARY_PATH=$2} bash "$LDD" "$1" |
        awk '$2 == "=>" && $3 == "not" { print $1, "not-found"; next }
             $2 == "=>" && $3 ~ /^\// { print $1, $3; next }
             $1 ~ /^\// { n = $1; sub(/.*\//, "", n); print n, $1 }'
}

# find_so SONAME: the path dlopen(SONAME) finds on this machine for the
# program's architecture: the loader's cache (ldconfig -p), which holds
# only this machine's own architecture, else that architecture's Debian
# multiarch directories, where the loader looks after its cache.
find_so() {
    local p d
    p=$(LC_ALL=C ldconfig -p 2>/dev/null | awk -v n="$1" -v a="$ldconfig_arch" \
        '$1 == n && index($0, a) { print $NF; exit }')
    if [ -z "$p" ]; then
        for d in "/lib/$triplet" "/usr/lib/$triplet"; do
            [ -e "$d/$1" ] && { p=$d/$1; break; }
        done
    fi
    echo "$p"
}

# every_needed: ldd_map of the program, then each -d library itself and
# its dependencies; a name once.
every_needed() {
    {
        ldd_map "$bin"
        for so in ${dlopened[@]+"${dlopened[@]}"}; do
            p=$(find_so "$so")
            [ -n "$p" ] || { echo "$so not-found"; continue; }
            echo "$so $p"
            ldd_map "$p"
        done
    } | awk '!seen[$1]++'
}

cp "$bin" "$stage/bootstrap"
"$STRIP" --strip-unneeded "$stage/bootstrap"
chmod 0755 "$stage/bootstrap"
cp "$xml" "$stage/infomodel/flowlog2ipfix.xml"
chmod 0644 "$stage/infomodel/flowlog2ipfix.xml"

names=() paths=()
while read -r name path; do
    [ "$path" != not-found ] || die "$bin: $name not found"
    if [[ $name =~ $GLIBC_LIBS ]]; then
        continue
    fi
    # Copy under the name the program asks for (the soname), following
    # symbolic links to the real file.
    cp -L "$path" "$stage/lib/$name"
    chmod 0644 "$stage/lib/$name"
    names+=("$name")
    paths+=("$path")
done < <(every_needed)

# MANIFEST: each library's Debian package, as dpkg names it (with its
# architecture when several are installed, "libcurl4:arm64", whose
# version is that one's), found by the file's real path or else the path
# the loader gave (merged /usr: dpkg may know either).  One dpkg-query
# for all files and one for all versions: a call takes a third of a second.
declare -A pkg_of=() ver_of=()
if command -v dpkg-query >/dev/null 2>&1 && [ ${#paths[@]} -gt 0 ]; then
    while IFS= read -r line; do
        pkg_of[/${line#*: /}]=${line%%: /*}
    done < <(mapfile -t reals < <(realpath "${paths[@]}")
        dpkg-query -S "${reals[@]}" "${paths[@]}" 2>/dev/null)
    mapfile -t pkgs < <(printf '%s\n' "${pkg_of[@]}" | sort -u)
    while IFS=$'\t' read -r p v; do
        ver_of[$p]=$v
    done < <(dpkg-query -W -f='${binary:Package}\t${Version}\n' "${pkgs[@]}" 2>/dev/null)
fi
: >"$stage/MANIFEST"
for i in "${!names[@]}"; do
    real=$(realpath "${paths[i]}")
    pkg=${pkg_of[$real]:-${pkg_of[${paths[i]}]:-}}
    ver=""
    if [ -n "$pkg" ]; then
        ver=${ver_of[$pkg]:-}
        [ -r "/usr/share/doc/${pkg%%:*}/copyright" ] &&
            cp "/usr/share/doc/${pkg%%:*}/copyright" "$stage/licenses/${pkg%%:*}.copyright"
    fi
    printf 'lib/%s\t%s\t%s\n' "${names[i]}" "${pkg:-?}" "${ver:-?}" >>"$stage/MANIFEST"
done

# A bundled library with a RUNPATH would look for its own dependencies
# through LD_LIBRARY_PATH before it, that is in Amazon Linux's /usr/lib64.
for f in "$stage"/lib/*; do
    if LC_ALL=C readelf -d "$f" | grep -q '(RUNPATH)'; then
        die "$(basename "$f") has a RUNPATH; its dependencies would come from the runtime's /usr/lib64"
    fi
done

# Every library but glibc's must now come from lib/, with LD_LIBRARY_PATH
# unset and with the host's library directories in it (as Lambda's has
# /lib64 and /usr/lib64).
host_dirs=/lib64:/usr/lib64:$(ldd_map "$bin" | awk '{ sub(/\/[^\/]*$/, "", $2); print $2 }' |
    sort -u | paste -sd:)
for llp in "" "$host_dirs"; do
    while read -r name path; do
        [ "$path" != not-found ] || die "bootstrap: $name not found"
        [[ $name =~ $GLIBC_LIBS ]] && continue
        case $path in
        "$stage"/lib/*) ;;
        *) die "bootstrap: $name resolves to $path, not the zip's lib/${llp:+ (LD_LIBRARY_PATH=$llp)}" ;;
        esac
    done < <(ldd_map "$stage/bootstrap" "$llp")
done
# What the bootstrap loads itself: with lib/ first in the search, as its
# RPATH puts it, each of their dependencies is in lib/ or glibc's.
for so in ${dlopened[@]+"${dlopened[@]}"}; do
    while read -r name path; do
        [ "$path" != not-found ] || die "$so: $name not found"
        [[ $name =~ $GLIBC_LIBS ]] && continue
        case $path in
        "$stage"/lib/*) ;;
        *) die "$so: $name resolves to $path, not the zip's lib/" ;;
        esac
    done < <(ldd_map "$stage/lib/$so" "$stage/lib:$host_dirs")
done

# glibc symbol versions: the highest that any file needs from glibc's
# libraries must be at most GLIBC_MAX.  "FILE VERSION" for each version a
# file needs (objdump -p's "required from libc.so.6:" then "0x... 0x00 NN
# GLIBC_2.34" lines), then one version sort for them all.
needs=$(for f in "$stage/bootstrap" "$stage"/lib/*; do
    LC_ALL=C "$OBJDUMP" -p "$f" | awk -v f="$f" '
        /^Version References:/ { inref = 1; next }
        inref && /^ *required from / { next }
        inref && NF == 0 { inref = 0; next }
        inref && $4 ~ /^GLIBC_/ { print f, $4 }'
done | sort -u)
numbered=$(awk '$2 ~ /^GLIBC_[0-9.]+$/ { sub(/^GLIBC_/, "", $2); print $2 }' <<<"$needs" |
    sort -uV)
highest=$(tail -1 <<<"$numbered")
# The program needs at least __libc_start_main's: none read means objdump
# did not understand the files.
[ -n "$highest" ] || die "bootstrap: no glibc symbol version read ($OBJDUMP -p)"
# The versions that sort after GLIBC_MAX (compared as strings: as numbers
# 2.3 would equal 2.30).
above=" $({ echo "$GLIBC_MAX"; echo "$numbered"; } | sort -uV |
    awk -v m="$GLIBC_MAX" 'after && NF { print "GLIBC_" $0 } $0 "" == m "" { after = 1 }' |
    tr '\n' ' ')"
bad=""
while read -r f v; do
    [ -n "$f" ] || continue
    case $v in
    GLIBC_[0-9]*)
        case $above in *" $v "*) ;; *) continue ;; esac
        syms=$("$OBJDUMP" -T "$f" | awk -v v="$v" '/\*UND\*/ && (index($0, "(" v ")") || index($0, " " v " ")) { print $NF }' |
            sort -u | tr '\n' ' ')
        bad+="  $(basename "$f") needs $v: ${syms:-(see objdump -T)}"$'\n'
        ;;
    *) bad+="  $(basename "$f") needs $v"$'\n' ;;
    esac
done <<<"$needs"
if [ -n "$bad" ]; then
    printf 'lambda-zip: above Amazon Linux 2023'"'"'s glibc %s:\n%s' "$GLIBC_MAX" "$bad" >&2
    exit 1
fi

if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
fi
rm -f "$zip_out"
(cd "$stage" && LC_ALL=C zip -q -X -r -9 "$zip_out" bootstrap infomodel lib \
    licenses MANIFEST)
nlibs=$(find "$stage/lib" -type f | wc -l)
unpacked=$(du -sk "$stage" | cut -f1)
printf '%s: %s bytes (%s KiB unpacked; bootstrap, %s libraries, the information model; needs glibc %s, at most %s)\n' \
    "${zip_out##*/}" "$(stat -c %s "$zip_out")" "$unpacked" "$nlibs" \
    "$highest" "$GLIBC_MAX"
