/*
 * test_decode.c - unit tests for the text decoder (decode_text.c) and the
 * field table (record.c).
 *
 * Most cases are rows of one table: a format, a line, and either the exact
 * fl_record_dump() text expected or the exact reject reason and column.
 * Each row is its own test path, /decode/text/<name>, so a failure names
 * the row.  Lines that cannot be written as C string literals (NUL bytes,
 * lines longer than FL_MAX_LINE) are built at run time from the row.
 * The format, header and field-table tests follow the table.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "decoders/decode.h"
#include "error.h"
#include "record.h"

/* ---- formats used by the rows --------------------------------------- */

/* NULL in a row means the default (version 2) format. */
#define FMT_V5 \
    "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} " \
    "${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} " \
    "${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} " \
    "${start} ${end} ${action} ${tcp-flags} ${log-status} ${region} " \
    "${az-id} ${flow-direction} ${traffic-path}"
/* Column indexes in FMT_V5 used by the rows below. */
enum { V5_SRCADDR = 7, V5_PKT_SRCADDR = 11, V5_BYTES = 14, V5_PACKETS = 15,
       V5_TCP_FLAGS = 19, V5_DIRECTION = 23, V5_TRAFFIC_PATH = 24 };

#define FMT_UNKNOWN \
    "version account-id foo interface-id srcaddr dstaddr srcport dstport " \
    "protocol packets bytes start end action log-status bar-baz"

#define FMT_TGW \
    "version resource-type account-id tgw-id tgw-attachment-id " \
    "tgw-src-vpc-id srcaddr dstaddr srcport dstport protocol packets " \
    "bytes start end log-status packets-lost-no-route " \
    "packets-lost-blackhole packets-lost-mtu-exceeded " \
    "packets-lost-ttl-expired"

/* Default-format line pieces. */
#define HEAD "2 123456789010 eni-1235b8ca123456789 "
#define ADDRS "172.31.16.139 172.31.16.21 "
#define GOOD HEAD ADDRS "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"

#define DUMP_HEAD \
    "version=2\naccount-id=123456789010\ninterface-id=eni-1235b8ca123456789\n"
#define DUMP_GOOD \
    DUMP_HEAD "srcaddr=172.31.16.139\ndstaddr=172.31.16.21\n" \
    "srcport=20641\ndstport=22\nprotocol=6\npackets=20\nbytes=4249\n" \
    "start=1418530010\nend=1418530070\naction=1\nlog-status=1\n"

#define V5_LINE \
    "5 vpc-0c98fd26e3666ea99 subnet-07f6bffbf4ffbfa44 i-0145f506b3c15fb89 " \
    "eni-0936727c32caee781 236852715216 IPv4 192.0.2.45 10.5.5.139 " \
    "40000 443 192.0.2.45 10.5.5.139 6 987654 321 1716639550 1716639607 " \
    "REJECT 19 OK us-west-2 usw2-az1 egress 2"
#define V5_DUMP \
    "version=5\naccount-id=236852715216\n" \
    "interface-id=eni-0936727c32caee781\nsrcaddr=192.0.2.45\n" \
    "dstaddr=10.5.5.139\nsrcport=40000\ndstport=443\nprotocol=6\n" \
    "packets=321\nbytes=987654\nstart=1716639550\nend=1716639607\n" \
    "action=2\nlog-status=1\nvpc-id=vpc-0c98fd26e3666ea99\n" \
    "subnet-id=subnet-07f6bffbf4ffbfa44\ninstance-id=i-0145f506b3c15fb89\n" \
    "tcp-flags=19\ntype=IPv4\npkt-srcaddr=192.0.2.45\n" \
    "pkt-dstaddr=10.5.5.139\nregion=us-west-2\naz-id=usw2-az1\n" \
    "flow-direction=1\ntraffic-path=2\n"

typedef struct {
    const char *name;
    const char *format;         /* NULL: the default format */
    const char *line;
    gsize len;                  /* 0: strlen(line) */
    gsize pad_to;               /* >0: append spaces up to this length */
    gboolean ok;
    const char *dump;           /* ok rows: exact fl_record_dump() text */
    FlReject reason;            /* rejected rows */
    guint column;
} DecodeCase;

#define OK(n, f, l, d) { n, f, l, 0, 0, TRUE, d, 0, 0 }
#define BAD(n, f, l, r, c) { n, f, l, 0, 0, FALSE, NULL, r, c }
/* A line with embedded NUL bytes: its length is the literal's size. */
#define BADBIN(n, f, l, r, c) { n, f, l, sizeof(l) - 1, 0, FALSE, NULL, r, c }

static const DecodeCase cases[] = {
    /* ---- accepted lines ---- */
    OK("default", NULL, GOOD, DUMP_GOOD),
    OK("default-reject", NULL,
       HEAD ADDRS "20641 22 6 20 4249 1418530010 1418530070 REJECT OK",
       DUMP_HEAD "srcaddr=172.31.16.139\ndstaddr=172.31.16.21\n"
       "srcport=20641\ndstport=22\nprotocol=6\npackets=20\nbytes=4249\n"
       "start=1418530010\nend=1418530070\naction=2\nlog-status=1\n"),
    OK("custom-v5-bytes-before-packets", FMT_V5, V5_LINE, V5_DUMP),
    OK("custom-v5-dash-optional", FMT_V5,
       "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
       "40000 443 - - 6 987654 321 1716639550 1716639607 REJECT - OK - - "
       "- -",
       "version=5\naccount-id=236852715216\n"
       "interface-id=eni-0936727c32caee781\nsrcaddr=192.0.2.45\n"
       "dstaddr=10.5.5.139\nsrcport=40000\ndstport=443\nprotocol=6\n"
       "packets=321\nbytes=987654\nstart=1716639550\nend=1716639607\n"
       "action=2\nlog-status=1\n"),
    OK("custom-v5-ingress", FMT_V5,
       "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
       "40000 443 - - 6 987654 321 1716639550 1716639607 REJECT - OK - - "
       "ingress -",
       "version=5\naccount-id=236852715216\n"
       "interface-id=eni-0936727c32caee781\nsrcaddr=192.0.2.45\n"
       "dstaddr=10.5.5.139\nsrcport=40000\ndstport=443\nprotocol=6\n"
       "packets=321\nbytes=987654\nstart=1716639550\nend=1716639607\n"
       "action=2\nlog-status=1\nflow-direction=0\n"),
    /* The decoder knows nothing of mandatory fields: the mapper does. */
    OK("dash-mandatory", NULL,
       HEAD "- 172.31.16.21 - 22 - - - 1418530010 - ACCEPT OK",
       DUMP_HEAD "dstaddr=172.31.16.21\ndstport=22\nstart=1418530010\n"
       "action=1\nlog-status=1\n"),
    OK("ipv6", NULL,
       HEAD "2001:db8::1 2001:0db8:0000:0000:0000:ff00:0042:8329 "
       "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
       DUMP_HEAD "srcaddr=2001:db8::1\ndstaddr=2001:db8::ff00:42:8329\n"
       "srcport=20641\ndstport=22\nprotocol=6\npackets=20\nbytes=4249\n"
       "start=1418530010\nend=1418530070\naction=1\nlog-status=1\n"),
    OK("ipv6-v4-mapped-and-unspecified", NULL,
       HEAD "::ffff:10.0.0.1 :: 1 2 17 1 2 3 4 ACCEPT OK",
       DUMP_HEAD "srcaddr=::ffff:10.0.0.1\ndstaddr=::\nsrcport=1\n"
       "dstport=2\nprotocol=17\npackets=1\nbytes=2\nstart=3\nend=4\n"
       "action=1\nlog-status=1\n"),
    OK("ipv4-edges", NULL,
       HEAD "0.0.0.0 255.255.255.255 0 65535 255 0 0 0 0 ACCEPT OK",
       DUMP_HEAD "srcaddr=0.0.0.0\ndstaddr=255.255.255.255\nsrcport=0\n"
       "dstport=65535\nprotocol=255\npackets=0\nbytes=0\nstart=0\nend=0\n"
       "action=1\nlog-status=1\n"),
    OK("counters-2^64-1", NULL,
       HEAD ADDRS "1 2 6 18446744073709551615 18446744073709551615 "
       "18446744073709551615 18446744073709551615 ACCEPT OK",
       DUMP_HEAD "srcaddr=172.31.16.139\ndstaddr=172.31.16.21\n"
       "srcport=1\ndstport=2\nprotocol=6\npackets=18446744073709551615\n"
       "bytes=18446744073709551615\nstart=18446744073709551615\n"
       "end=18446744073709551615\naction=1\nlog-status=1\n"),
    OK("leading-zeros", NULL,
       HEAD ADDRS "00022 0000000000000000022 006 00 0 1 2 ACCEPT OK",
       DUMP_HEAD "srcaddr=172.31.16.139\ndstaddr=172.31.16.21\n"
       "srcport=22\ndstport=22\nprotocol=6\npackets=0\nbytes=0\n"
       "start=1\nend=2\naction=1\nlog-status=1\n"),
    OK("nodata", NULL,
       "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 "
       "1431280934 - NODATA",
       DUMP_HEAD "start=1431280876\nend=1431280934\nlog-status=2\n"),
    OK("skipdata", NULL,
       "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 "
       "1431280934 - SKIPDATA",
       DUMP_HEAD "start=1431280876\nend=1431280934\nlog-status=3\n"),
    OK("all-dashes", NULL, "- - - - - - - - - - - - - -", ""),
    OK("crlf", NULL, GOOD "\r", DUMP_GOOD),
    OK("runs-of-spaces", NULL,
       "2  123456789010   eni-1235b8ca123456789 172.31.16.139     "
       "172.31.16.21 20641 22 6 20 4249 1418530010 1418530070  ACCEPT  OK",
       DUMP_GOOD),
    OK("leading-and-trailing-spaces", NULL, "   " GOOD "    ", DUMP_GOOD),
    OK("trailing-spaces-then-cr", NULL, " " GOOD "  \r", DUMP_GOOD),
    /* AWS tags may hold any Unicode: bytes >= 0x80 are word bytes. */
    OK("utf8-in-string", NULL,
       "2 k\xc3\xa4se eni-1235b8ca123456789 " ADDRS
       "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
       "version=2\naccount-id=k\xc3\xa4se\n"
       "interface-id=eni-1235b8ca123456789\n"
       "srcaddr=172.31.16.139\ndstaddr=172.31.16.21\n"
       "srcport=20641\ndstport=22\nprotocol=6\npackets=20\nbytes=4249\n"
       "start=1418530010\nend=1418530070\naction=1\nlog-status=1\n"),
    OK("unknown-columns-kept", FMT_UNKNOWN,
       "2 123456789010 opaque-1 eni-1235b8ca123456789 " ADDRS
       "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK x=y,z",
       DUMP_GOOD "?=opaque-1\n?=x=y,z\n"),
    OK("tgw", FMT_TGW,
       "6 TransitGateway 123456789012 tgw-0ce2be1da7269b0fa "
       "tgw-attach-042b9294fb5807953 vpc-0431f8443c80ee8e0 10.1.33.148 "
       "172.26.3.61 56989 80 6 4 1681 1716640916 1716640961 OK 1 2 - 4",
       "version=6\naccount-id=123456789012\nsrcaddr=10.1.33.148\n"
       "dstaddr=172.26.3.61\nsrcport=56989\ndstport=80\nprotocol=6\n"
       "packets=4\nbytes=1681\nstart=1716640916\nend=1716640961\n"
       "log-status=1\nresource-type=TransitGateway\n"
       "tgw-id=tgw-0ce2be1da7269b0fa\n"
       "tgw-attachment-id=tgw-attach-042b9294fb5807953\n"
       "tgw-src-vpc-id=vpc-0431f8443c80ee8e0\npackets-lost-no-route=1\n"
       "packets-lost-blackhole=2\npackets-lost-ttl-expired=4\n"),
    /* Exactly FL_MAX_LINE bytes is still accepted. */
    { "max-line", NULL, GOOD, 0, FL_MAX_LINE, TRUE, DUMP_GOOD, 0, 0 },

    /* ---- wrong column counts ---- */
    BAD("empty", NULL, "", FL_REJECT_FIELD_COUNT, 0),
    BAD("only-spaces", NULL, "     ", FL_REJECT_FIELD_COUNT, 0),
    BAD("only-cr", NULL, "\r", FL_REJECT_FIELD_COUNT, 0),
    BAD("one-more-column", NULL, GOOD " extra", FL_REJECT_FIELD_COUNT, 15),
    BAD("many-more-columns", NULL, GOOD " a b c d e f g h i j",
        FL_REJECT_FIELD_COUNT, 24),
    BAD("one-column-fewer", NULL,
        HEAD ADDRS "20641 22 6 20 4249 1418530010 1418530070 ACCEPT",
        FL_REJECT_FIELD_COUNT, 13),
    BAD("single-word", NULL, "2", FL_REJECT_FIELD_COUNT, 1),
    /* A short line usually fails on a field first; the count explains
     * it better and wins. */
    BAD("truncated-line-bad-field", NULL, HEAD ADDRS "20641 22 6 20 x",
        FL_REJECT_FIELD_COUNT, 10),
    BAD("two-more-columns", NULL, GOOD " ACCEPT OK",
        FL_REJECT_FIELD_COUNT, 16),
    BAD("v5-with-default-columns", FMT_V5, GOOD, FL_REJECT_FIELD_COUNT, 14),

    /* ---- numbers ---- */
    BAD("srcport-65536", NULL,
        HEAD ADDRS "65536 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 5),
    BAD("dstport-65536", NULL,
        HEAD ADDRS "1 65536 6 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 6),
    BAD("protocol-256", NULL,
        HEAD ADDRS "1 2 256 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 7),
    BAD("version-256", NULL,
        "256 123456789010 eni-1235b8ca123456789 " ADDRS
        "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 0),
    BAD("packets-2^64", NULL,
        HEAD ADDRS "1 2 6 18446744073709551616 4249 1418530010 1418530070 "
        "ACCEPT OK", FL_REJECT_NUMBER, 8),
    BAD("bytes-2^64", NULL,
        HEAD ADDRS "1 2 6 1 18446744073709551616 1418530010 1418530070 "
        "ACCEPT OK", FL_REJECT_NUMBER, 9),
    BAD("start-20-nines", NULL,
        HEAD ADDRS "1 2 6 1 2 99999999999999999999 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 10),
    BAD("end-21-digits", NULL,
        HEAD ADDRS "1 2 6 1 2 3 100000000000000000000 ACCEPT OK",
        FL_REJECT_NUMBER, 11),
    BAD("packets-not-numeric", NULL,
        HEAD ADDRS "1 2 6 many 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 8),
    BAD("bytes-trailing-junk", NULL,
        HEAD ADDRS "1 2 6 1 4249b 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 9),
    BAD("bytes-decimal-point", NULL,
        HEAD ADDRS "1 2 6 1 42.5 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 9),
    BAD("bytes-hex", NULL,
        HEAD ADDRS "1 2 6 1 0x10 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 9),
    BAD("srcport-plus-sign", NULL,
        HEAD ADDRS "+22 2 6 1 2 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 5),
    BAD("packets-minus-sign", NULL,
        HEAD ADDRS "1 2 6 -1 2 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 8),
    BAD("dstport-minus-zero", NULL,
        HEAD ADDRS "1 -0 6 1 2 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_NUMBER, 6),
    BAD("v5-tcp-flags-65536", FMT_V5,
        "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
        "40000 443 - - 6 987654 321 1716639550 1716639607 REJECT 65536 OK "
        "- - - -", FL_REJECT_NUMBER, V5_TCP_FLAGS),
    BAD("v5-traffic-path-256", FMT_V5,
        "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
        "40000 443 - - 6 987654 321 1716639550 1716639607 REJECT - OK "
        "- - - 256", FL_REJECT_NUMBER, V5_TRAFFIC_PATH),
    BAD("v5-bytes-column-checked", FMT_V5,
        "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
        "40000 443 - - 6 x 321 1716639550 1716639607 REJECT - OK - - - -",
        FL_REJECT_NUMBER, V5_BYTES),

    /* ---- addresses ---- */
    BAD("ipv4-octet-256", NULL,
        HEAD "256.1.1.1 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-three-parts", NULL,
        HEAD "1.2.3 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-five-parts", NULL,
        HEAD "1.2.3.4.5 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-leading-junk", NULL,
        HEAD "x1.2.3.4 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-trailing-junk", NULL,
        HEAD "1.2.3.4x 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-empty-part", NULL,
        HEAD "1..3.4 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-trailing-dot", NULL,
        HEAD "1.2.3.4. 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-four-digit-part", NULL,
        HEAD "1.2.3.1000 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-sign", NULL,
        HEAD "1.2.+3.4 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-hostname", NULL,
        HEAD "localhost 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv4-bad-dstaddr", NULL,
        HEAD "172.31.16.21 10.0.0.256 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 4),
    BAD("ipv6-bad-hex", NULL,
        HEAD "2001:db8::g 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-triple-colon", NULL,
        HEAD "2001:db8:::1 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-two-double-colons", NULL,
        HEAD "1::2::3 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-nine-groups", NULL,
        HEAD "1:2:3:4:5:6:7:8:9 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-lone-colon", NULL,
        HEAD ": 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-bad-embedded-ipv4", NULL,
        HEAD "::ffff:1.2.3.256 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-scope-id", NULL,
        HEAD "fe80::1%eth0 172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-over-long", NULL,
        HEAD "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001 "
        "172.31.16.21 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 3),
    BAD("ipv6-bad-dstaddr", NULL,
        HEAD "2001:db8::1 2001:db8::12345 1 2 6 1 2 3 4 ACCEPT OK",
        FL_REJECT_ADDRESS, 4),
    BAD("v5-bad-pkt-srcaddr", FMT_V5,
        "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
        "40000 443 300.1.1.1 - 6 987654 321 1716639550 1716639607 REJECT - "
        "OK - - - -", FL_REJECT_ADDRESS, V5_PKT_SRCADDR),

    /* ---- enumerated values ---- */
    BAD("action-lowercase", NULL,
        HEAD ADDRS "1 2 6 1 2 3 4 accept OK", FL_REJECT_VALUE, 12),
    BAD("action-longer", NULL,
        HEAD ADDRS "1 2 6 1 2 3 4 ACCEPTED OK", FL_REJECT_VALUE, 12),
    BAD("action-prefix", NULL,
        HEAD ADDRS "1 2 6 1 2 3 4 REJ OK", FL_REJECT_VALUE, 12),
    BAD("log-status-lowercase", NULL,
        HEAD ADDRS "1 2 6 1 2 3 4 ACCEPT ok", FL_REJECT_VALUE, 13),
    BAD("log-status-unknown", NULL,
        HEAD ADDRS "1 2 6 1 2 3 4 ACCEPT NODAT", FL_REJECT_VALUE, 13),
    BAD("log-status-longer", NULL,
        HEAD ADDRS "1 2 6 1 2 3 4 ACCEPT SKIPDATA2", FL_REJECT_VALUE, 13),
    BAD("flow-direction-in", FMT_V5,
        "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
        "40000 443 - - 6 987654 321 1716639550 1716639607 REJECT - OK - - "
        "in -", FL_REJECT_VALUE, V5_DIRECTION),
    BAD("flow-direction-capitalised", FMT_V5,
        "5 - - - eni-0936727c32caee781 236852715216 - 192.0.2.45 10.5.5.139 "
        "40000 443 - - 6 987654 321 1716639550 1716639607 REJECT - OK - - "
        "Egress -", FL_REJECT_VALUE, V5_DIRECTION),

    /* ---- binary ---- */
    BADBIN("nul-in-word", NULL,
           "2 1234\0" "56789010 eni-1235b8ca123456789 " ADDRS
           "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
           FL_REJECT_BINARY, 1),
    BADBIN("nul-first", NULL,
           "\0" GOOD, FL_REJECT_BINARY, 0),
    BADBIN("nul-last", NULL,
           GOOD "\0", FL_REJECT_BINARY, 13),
    BADBIN("nul-between-words", NULL,
           HEAD "\0" ADDRS "20641 22 6 20 4249 1418530010 1418530070 "
           "ACCEPT OK", FL_REJECT_BINARY, 3),
    BAD("tab-separator", NULL,
        "2\t123456789010 eni-1235b8ca123456789 " ADDRS
        "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_BINARY, 0),
    BAD("cr-inside", NULL,
        HEAD "172.31.16.139\r172.31.16.21 "
        "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_BINARY, 3),
    BAD("escape-byte", NULL,
        HEAD ADDRS "1 2 6 20 4249 1418530010 1418530070 \x1b[0mACCEPT OK",
        FL_REJECT_BINARY, 12),
    BAD("control-byte-in-string", NULL,
        "2 1234\x01" "56789010 eni-1235b8ca123456789 " ADDRS
        "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_BINARY, 1),
    /* DEL (0x7f) is a control byte too (iscntrl). */
    BAD("del-byte-in-string", NULL,
        "2 1234\x7f" "56789010 eni-1235b8ca123456789 " ADDRS
        "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        FL_REJECT_BINARY, 1),

    /* ---- length ---- */
    { "over-max-line", NULL, GOOD, 0, FL_MAX_LINE + 1, FALSE, NULL,
      FL_REJECT_TOO_LONG, 0 },
    { "far-over-max-line", NULL, GOOD, 0, 4 * FL_MAX_LINE, FALSE, NULL,
      FL_REJECT_TOO_LONG, 0 },
};

/* ---- the table runner ------------------------------------------------ */

static char *
case_line(const DecodeCase *c, gsize *len)
{
    gsize base = c->len ? c->len : strlen(c->line);
    gsize n = MAX(base, c->pad_to);
    char *buf = g_malloc(n + 1);

    memcpy(buf, c->line, base);
    memset(buf + base, ' ', n - base);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void
check_case(gconstpointer data)
{
    const DecodeCase *c = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) fmt = NULL;
    g_autofree char *line = NULL;
    g_autofree FlRecord *rec = g_new0(FlRecord, 1);
    FlReject reason = FL_REJECT_COUNT;
    guint column = G_MAXUINT;
    gboolean ok;
    gsize len;

    if (c->format)
        fmt = fl_format_parse(c->format, -1, &err);
    else
        fmt = fl_format_new_default();
    g_assert_no_error(err);
    g_assert_nonnull(fmt);

    line = case_line(c, &len);
    ok = fl_decode_line(fmt, line, len, rec, &reason, &column);
    if (c->ok) {
        g_autoptr(GString) dump = g_string_new(NULL);

        if (!ok) {
            g_test_message("expected the line to be accepted; rejected: "
                           "%s, column %u", fl_reject_name(reason), column);
            g_test_fail();
            return;
        }
        fl_record_dump(rec, dump);
        g_assert_cmpstr(dump->str, ==, c->dump);
    } else {
        if (ok) {
            g_autoptr(GString) dump = g_string_new(NULL);

            fl_record_dump(rec, dump);
            g_test_message("expected %s at column %u; accepted as:\n%s",
                           fl_reject_name(c->reason), c->column, dump->str);
            g_test_fail();
            return;
        }
        g_assert_cmpstr(fl_reject_name(reason), ==, fl_reject_name(c->reason));
        g_assert_cmpuint(column, ==, c->column);
    }
}

/* ---- records beyond the table ---------------------------------------- */

/* The unknown-column slices point into the line, in column order. */
static void
test_unknown_slices(void)
{
    const char *line = "2 123456789010 opaque-1 eni-1235b8ca123456789 " ADDRS
        "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK last";
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) fmt = fl_format_parse(FMT_UNKNOWN, -1, &err);
    g_autofree FlRecord *rec = g_new0(FlRecord, 1);
    FlReject reason;
    guint column;

    g_assert_no_error(err);
    g_assert_cmpuint(fmt->n_unknown, ==, 2);
    g_assert_cmpint(fmt->column[2], ==, FL_F_UNKNOWN);
    g_assert_cmpint(fmt->column[15], ==, FL_F_UNKNOWN);
    g_assert_cmpstr(fmt->names[15], ==, "bar-baz");
    g_assert_true(fl_decode_line(fmt, line, strlen(line), rec, &reason,
                                 &column));
    g_assert_cmpuint(rec->n_unknown, ==, 2);
    g_assert_true(rec->unknown[0].ptr == strstr(line, "opaque-1"));
    g_assert_cmpuint(rec->unknown[0].len, ==, strlen("opaque-1"));
    g_assert_true(rec->unknown[1].ptr == strstr(line, "last"));
    g_assert_cmpuint(rec->unknown[1].len, ==, 4);
    g_assert_true(rec->v[FL_F_ACCOUNT_ID].s.ptr == line + 2);
}

/*
 * unknown[i] is the value of the i-th unknown column: a "-" there must not
 * shift the later columns' values down (nothing could tell them apart).
 */
static void
test_unknown_dash_keeps_positions(void)
{
    const char *line = "2 123456789010 - eni-1235b8ca123456789 " ADDRS
        "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK zzz";
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) fmt = fl_format_parse(FMT_UNKNOWN, -1, &err);
    g_autofree FlRecord *rec = g_new0(FlRecord, 1);
    FlReject reason;
    guint column;

    g_assert_no_error(err);
    g_assert_true(fl_decode_line(fmt, line, strlen(line), rec, &reason,
                                 &column));
    g_assert_cmpuint(rec->n_unknown, ==, fmt->n_unknown);
    if (rec->n_unknown == 2) {
        g_assert_cmpuint(rec->unknown[1].len, ==, 3);
        g_assert_cmpmem(rec->unknown[1].ptr, 3, "zzz", 3);
    }
}

/* A record is reset by each call: nothing leaks from the line before. */
static void
test_record_reused(void)
{
    const char *full = GOOD;
    const char *nodata = "2 123456789010 eni-1235b8ca123456789 - - - - - - - "
        "1431280876 1431280934 - NODATA";
    g_autoptr(FlFormat) fmt = fl_format_new_default();
    g_autofree FlRecord *rec = g_new0(FlRecord, 1);
    g_autoptr(GString) dump = g_string_new(NULL);
    FlReject reason;
    guint column;

    g_assert_true(fl_decode_line(fmt, full, strlen(full), rec, &reason,
                                 &column));
    g_assert_false(fl_decode_line(fmt, "x", 1, rec, &reason, &column));
    g_assert_true(fl_decode_line(fmt, nodata, strlen(nodata), rec, &reason,
                                 &column));
    fl_record_dump(rec, dump);
    g_assert_cmpstr(dump->str, ==,
                    DUMP_HEAD "start=1431280876\nend=1431280934\n"
                    "log-status=2\n");
    g_assert_false(fl_record_has(rec, FL_F_SRCADDR));
    g_assert_false(fl_record_has(rec, FL_F_ACTION));
}

/* A line of FL_MAX_COLUMNS words, all of them opaque. */
static void
test_max_columns_line(void)
{
    g_autoptr(GString) spec = g_string_new(NULL);
    g_autoptr(GString) line = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) fmt = NULL;
    g_autofree FlRecord *rec = g_new0(FlRecord, 1);
    FlReject reason;
    guint column;

    for (int i = 0; i < FL_MAX_COLUMNS; i++) {
        g_string_append_printf(spec, "${x%d} ", i);
        g_string_append_printf(line, "v%d ", i);
    }
    fmt = fl_format_parse(spec->str, -1, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(fmt->n_columns, ==, FL_MAX_COLUMNS);
    g_assert_cmpuint(fmt->n_unknown, ==, FL_MAX_COLUMNS);
    g_assert_true(fl_decode_line(fmt, line->str, line->len, rec, &reason,
                                 &column));
    g_assert_cmpuint(rec->n_unknown, ==, FL_MAX_COLUMNS);
    g_assert_cmpuint(rec->unknown[127].len, ==, 4);
    g_assert_cmpmem(rec->unknown[127].ptr, 4, "v127", 4);

    /* One word more than the format has. */
    g_string_append(line, "extra");
    g_assert_false(fl_decode_line(fmt, line->str, line->len, rec, &reason,
                                  &column));
    g_assert_cmpstr(fl_reject_name(reason), ==, "field-count");
    g_assert_cmpuint(column, ==, FL_MAX_COLUMNS + 1);
}

/* ---- reject names ----------------------------------------------------- */

static void
test_reject_names(void)
{
    static const char *const want[FL_REJECT_COUNT] = {
        "field-count", "number", "address", "value", "missing", "too-long",
        "binary",
    };

    for (int i = 0; i < FL_REJECT_COUNT; i++)
        g_assert_cmpstr(fl_reject_name((FlReject)i), ==, want[i]);
}

/* ---- the field table -------------------------------------------------- */

static void
test_lookup_every_field(void)
{
    for (guint i = 1; i < FL_F_COUNT; i++) {
        const FlFieldInfo *fi = fl_field_info((FlField)i);
        g_autofree char *under = NULL;
        g_autofree char *padded = NULL;

        g_assert_nonnull(fi->name);
        g_assert_cmpint(fi->id, ==, i);
        g_assert_cmpint(fl_field_lookup(fi->name, strlen(fi->name)), ==, i);
        /* The same name with Parquet's underscores. */
        under = g_strdelimit(g_strdup(fi->name), "-", '_');
        g_assert_cmpint(fl_field_lookup(under, strlen(under)), ==, i);
        /* Only len bytes count: the name inside a longer buffer. */
        padded = g_strconcat(fi->name, "-and-more", NULL);
        g_assert_cmpint(fl_field_lookup(padded, strlen(fi->name)), ==, i);
        /* A proper prefix is not the field. */
        g_assert_cmpint(fl_field_lookup(fi->name, strlen(fi->name) - 1), !=,
                        i);
        /* Every name is unique in the table. */
        for (guint j = 1; j < i; j++)
            g_assert_cmpstr(fl_field_info((FlField)j)->name, !=, fi->name);
    }
    g_assert_null(fl_field_info(FL_F_UNKNOWN)->name);
}

static void
test_lookup_parquet_names(void)
{
    static const struct { const char *name; FlField id; } rows[] = {
        { "account_id", FL_F_ACCOUNT_ID },
        { "interface_id", FL_F_INTERFACE_ID },
        { "log_status", FL_F_LOG_STATUS },
        { "pkt_srcaddr", FL_F_PKT_SRCADDR },
        { "pkt_dst_aws_service", FL_F_PKT_DST_AWS_SERVICE },
        { "flow_direction", FL_F_FLOW_DIRECTION },
        { "tgw_attachment_id", FL_F_TGW_ATTACHMENT_ID },
        { "packets_lost_ttl_expired", FL_F_PACKETS_LOST_TTL_EXPIRED },
        { "instance_tag_2", FL_F_INSTANCE_TAG_2 },
        { "ecs_container_instance_arn", FL_F_ECS_CONTAINER_INSTANCE_ARN },
        { "account-id", FL_F_ACCOUNT_ID },
        { "tgw_src-vpc_id", FL_F_TGW_SRC_VPC_ID },   /* mixed spellings */
        { "srcaddr", FL_F_SRCADDR },
    };

    for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
        g_assert_cmpint(fl_field_lookup(rows[i].name, strlen(rows[i].name)),
                        ==, rows[i].id);
}

static void
test_lookup_unknown(void)
{
    static const char *const names[] = {
        "src", "srcaddrx", "srcaddr ", "account--id", "account id",
        "accountid", "-", "_", "tgw-src-vpc", "foo", "pkt_srcaddr_",
    };

    g_assert_cmpint(fl_field_lookup("", 0), ==, FL_F_UNKNOWN);
    g_assert_cmpint(fl_field_lookup("srcaddr", 0), ==, FL_F_UNKNOWN);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
        g_assert_cmpint(fl_field_lookup(names[i], strlen(names[i])), ==,
                        FL_F_UNKNOWN);
}

/* ---- formats ---------------------------------------------------------- */

#define DEFAULT_NAMES \
    "version account-id interface-id srcaddr dstaddr srcport dstport " \
    "protocol packets bytes start end action log-status"

static void
test_format_default(void)
{
    g_autoptr(FlFormat) def = fl_format_new_default();
    g_autoptr(FlFormat) plain = NULL;
    g_autoptr(FlFormat) braced = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *s = fl_format_to_string(def);

    g_assert_cmpuint(def->n_columns, ==, 14);
    g_assert_cmpuint(def->n_unknown, ==, 0);
    g_assert_cmpstr(s, ==, DEFAULT_NAMES);
    for (guint i = 0; i < def->n_columns; i++)
        g_assert_cmpint(def->column[i], ==, FL_F_VERSION + i);

    plain = fl_format_parse(DEFAULT_NAMES, -1, &err);
    g_assert_no_error(err);
    braced = fl_format_parse("${version} ${account-id} ${interface-id} "
                             "${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                             "${protocol} ${packets} ${bytes} ${start} "
                             "${end} ${action} ${log-status}", -1, &err);
    g_assert_no_error(err);
    g_assert_true(fl_format_equal(def, plain));
    g_assert_true(fl_format_equal(def, braced));
    g_assert_cmpmem(def->has, sizeof def->has, braced->has,
                    sizeof braced->has);
    g_assert_true(fl_format_has(braced, FL_F_LOG_STATUS));
    g_assert_false(fl_format_has(braced, FL_F_VPC_ID));
}

static void
test_format_mixed_and_whitespace(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) f =
        fl_format_parse("\t ${version}  account_id\r\n${pkt-srcaddr}\n"
                        "mystery  ", -1, &err);
    g_autofree char *s = NULL;

    g_assert_no_error(err);
    g_assert_cmpuint(f->n_columns, ==, 4);
    g_assert_cmpuint(f->n_unknown, ==, 1);
    g_assert_cmpint(f->column[0], ==, FL_F_VERSION);
    g_assert_cmpint(f->column[1], ==, FL_F_ACCOUNT_ID);
    g_assert_cmpint(f->column[2], ==, FL_F_PKT_SRCADDR);
    g_assert_cmpint(f->column[3], ==, FL_F_UNKNOWN);
    /* Names are kept as written, for messages and header comparison. */
    s = fl_format_to_string(f);
    g_assert_cmpstr(s, ==, "version account_id pkt-srcaddr mystery");
}

static void
test_format_length_bounded(void)
{
    const char *spec = "version srcaddr dstaddr";
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) f = fl_format_parse(spec, 15, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(f->n_columns, ==, 2);
    g_assert_cmpint(f->column[1], ==, FL_F_SRCADDR);
}

typedef struct {
    const char *name;
    const char *spec;
    const char *message;        /* a substring of the error message */
} BadFormat;

static const BadFormat bad_formats[] = {
    { "empty", "", "no fields" },
    { "only-spaces", "  \t \r\n ", "no fields" },
    { "unclosed-brace", "${version} ${account-id", "malformed" },
    { "no-open-brace", "$version}", "malformed" },
    { "dollar-only-brace", "${}", "malformed" },
    { "dollar-alone", "version $ account-id", "'$'" },
    { "brace-with-space", "${account id}", "malformed" },
    { "text-after-brace", "${version}x", "malformed" },
    { "braces-without-dollar", "{version}", "'{'" },
    { "comma", "version,account-id", "','" },
    { "duplicate", "version srcaddr version", "'version' twice" },
    { "duplicate-braced", "${srcaddr} srcaddr", "'srcaddr' twice" },
    { "duplicate-unknown", "foo foo", "'foo' twice" },
    /* The same field spelt twice is still one field named twice. */
    { "duplicate-parquet-spelling", "log-status log_status", "twice" },
};

static void
check_bad_format(gconstpointer data)
{
    const BadFormat *b = data;
    g_autoptr(GError) err = NULL;
    FlFormat *f = fl_format_parse(b->spec, -1, &err);

    if (f != NULL) {
        g_autofree char *s = fl_format_to_string(f);

        g_test_message("'%s' was accepted as '%s'", b->spec, s);
        fl_format_unref(f);
        g_test_fail();
        return;
    }
    g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
    if (err != NULL && strstr(err->message, b->message) == NULL)
        g_error("message '%s' lacks '%s'", err->message, b->message);
}

static void
test_format_column_limit(void)
{
    g_autoptr(GString) spec = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    FlFormat *f;

    for (int i = 0; i < FL_MAX_COLUMNS; i++)
        g_string_append_printf(spec, "c%d ", i);
    f = fl_format_parse(spec->str, -1, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(f->n_columns, ==, FL_MAX_COLUMNS);
    fl_format_unref(f);

    g_string_append(spec, "one-too-many");
    f = fl_format_parse(spec->str, -1, &err);
    g_assert_null(f);
    g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
    g_assert_nonnull(strstr(err->message, "more than 128"));
}

static void
test_format_ref(void)
{
    FlFormat *f = fl_format_new_default();

    g_assert_true(fl_format_ref(f) == f);
    fl_format_unref(f);
    g_assert_cmpuint(f->n_columns, ==, 14);     /* still alive */
    fl_format_unref(f);
    fl_format_unref(NULL);
}

static void
test_format_equal(void)
{
    g_autoptr(FlFormat) a = fl_format_parse("version srcaddr", -1, NULL);
    g_autoptr(FlFormat) b = fl_format_parse("version dstaddr", -1, NULL);
    g_autoptr(FlFormat) c = fl_format_parse("version srcaddr dstaddr", -1,
                                            NULL);

    g_assert_false(fl_format_equal(a, b));
    g_assert_false(fl_format_equal(a, c));
    g_assert_false(fl_format_equal(c, a));
    g_assert_true(fl_format_equal(a, a));
}

/* ---- header lines ----------------------------------------------------- */

typedef struct {
    const char *name;
    const char *line;
    gboolean header;
} HeaderCase;

static const HeaderCase header_cases[] = {
    { "default", DEFAULT_NAMES, TRUE },
    { "default-crlf", DEFAULT_NAMES "\r", TRUE },
    { "trailing-spaces", DEFAULT_NAMES "   ", TRUE },
    { "leading-spaces", "  " DEFAULT_NAMES, TRUE },
    { "v5", "version vpc-id subnet-id instance-id interface-id account-id "
      "type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr "
      "protocol bytes packets start end action tcp-flags log-status", TRUE },
    { "tgw", "version resource-type account-id tgw-id tgw-attachment-id "
      "srcaddr dstaddr srcport dstport protocol packets bytes start end "
      "log-status packets-lost-no-route", TRUE },
    { "parquet-spelling", "version account_id interface_id log_status", TRUE },
    { "one-known-field", "version", TRUE },
    { "unknown-and-known", "my-field version other2", TRUE },
    { "data-line", GOOD, FALSE },
    { "data-line-crlf", GOOD "\r", FALSE },
    { "nodata-line", "2 123456789010 eni-1235b8ca123456789 - - - - - - - "
      "1431280876 1431280934 - NODATA", FALSE },
    { "v5-data-line", V5_LINE, FALSE },
    { "tgw-data-line", "6 TransitGateway 123456789012 tgw-0ce2be1da7269b0fa "
      "tgw-attach-042b9294fb5807953 10.1.33.148 172.26.3.61 56989 80 6 4 "
      "1681 1716640916 1716640961 OK 0", FALSE },
    /* A custom format whose first columns are IDs: the address stops it. */
    { "id-first-data-line", "eni-1235b8ca123456789 vpc-0c98fd26 "
      "subnet-07f6bffb 10.0.0.1 10.0.0.2", FALSE },
    { "dashes", "- - - - - - - - - - - - - -", FALSE },
    { "empty", "", FALSE },
    { "only-spaces", "     ", FALSE },
    { "only-cr", "\r", FALSE },
    { "unknown-lowercase-words", "foo bar baz quux", FALSE },
    { "capitalised", "Version account-id interface-id", FALSE },
    { "braced", "${version} ${account-id}", FALSE },
    { "digit-first-word", "2version account-id", FALSE },
    { "tab-separated", "version\taccount-id", FALSE },
    { "comma", "version,account-id", FALSE },
};

static void
check_header(gconstpointer data)
{
    const HeaderCase *h = data;

    g_assert_cmpint(fl_format_is_header(h->line, strlen(h->line)), ==,
                    h->header);
}

/* Only len bytes are looked at. */
static void
test_header_length_bounded(void)
{
    const char *s = "version account-id\n2 123";

    g_assert_true(fl_format_is_header(s, 18));
    g_assert_false(fl_format_is_header(s, strlen(s)));
    g_assert_false(fl_format_is_header(s, 0));
}

/* Every field name alone is a header line. */
static void
test_header_every_field(void)
{
    for (guint i = 1; i < FL_F_COUNT; i++) {
        const char *n = fl_field_info((FlField)i)->name;
        g_assert_true(fl_format_is_header(n, strlen(n)));
    }
}

/* ---- decoder sniffing ------------------------------------------------- */

static void
test_sniff(void)
{
    const FlDecoderType *t;

    t = fl_decoder_sniff((const guint8 *)"PAR1\x15\x04", 6);
    g_assert_cmpstr(t->name, ==, "parquet");
    g_assert_true(t->built_in);
    t = fl_decoder_sniff((const guint8 *)"version", 7);
    g_assert_cmpstr(t->name, ==, "aws-text");
    g_assert_true(t->built_in);
    t = fl_decoder_sniff((const guint8 *)"PAR", 3);
    g_assert_cmpstr(t->name, ==, "aws-text");
    t = fl_decoder_sniff((const guint8 *)"", 0);
    g_assert_cmpstr(t->name, ==, "aws-text");
    t = fl_decoder_sniff((const guint8 *)"{\"records\":[{\"time\":", 20);
    g_assert_cmpstr(t->name, ==, "azure");
    t = fl_decoder_sniff((const guint8 *)"{\"records\":[{\"recordId\":",
                         24);
    g_assert_cmpstr(t->name, ==, "cwl");
    t = fl_decoder_sniff((const guint8 *)"{\"messageType\":", 15);
    g_assert_cmpstr(t->name, ==, "cwl");
    /* A Pub/Sub push body is Google's, a Firehose record CloudWatch's. */
    t = fl_decoder_sniff((const guint8 *)"{\"message\":{\"data\":\"", 19);
    g_assert_cmpstr(t->name, ==, "gcp");
    t = fl_decoder_sniff((const guint8 *)"{\"message\":\"2 1234", 17);
    g_assert_cmpstr(t->name, ==, "cwl");
    t = fl_decoder_sniff((const guint8 *)"{\"insertId\":\"x\"", 16);
    g_assert_cmpstr(t->name, ==, "gcp");
}

static void
test_input_format(void)
{
    static const struct { const char *w; int input; int code; } c[] = {
        { "auto", FL_INPUT_AUTO, -1 },
        { "aws-text", FL_INPUT_AWS_TEXT, -1 },
        { "cwl", FL_INPUT_CWL, -1 },
        { "azure", FL_INPUT_AZURE, -1 },
        { "parquet", FL_INPUT_PARQUET, -1 },
        { "gcp", FL_INPUT_GCP, -1 },
        { "oci", FL_INPUT_OCI, -1 },
        { "text", 0, FL_ERROR_CONFIG },
        { "", 0, FL_ERROR_CONFIG },
    };

    for (guint i = 0; i < G_N_ELEMENTS(c); i++) {
        FlInputFormat f = FL_INPUT_OCI + 1;
        GError *err = NULL;
        gboolean ok = fl_input_format_parse(c[i].w, &f, &err);

        if (c[i].code < 0) {
            g_assert_no_error(err);
            g_assert_true(ok);
            g_assert_cmpint(f, ==, c[i].input);
        } else {
            g_assert_false(ok);
            g_assert_error(err, FL_ERROR, c[i].code);
            g_clear_error(&err);
        }
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* A failed row is reported and the other rows still run. */
    g_test_set_nonfatal_assertions();

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strconcat("/decode/text/", cases[i].name,
                                            NULL);
        g_test_add_data_func(path, &cases[i], check_case);
    }
    g_test_add_func("/decode/text/unknown-slices", test_unknown_slices);
    g_test_add_func("/decode/text/unknown-dash-keeps-positions",
                    test_unknown_dash_keeps_positions);
    g_test_add_func("/decode/text/record-reused", test_record_reused);
    g_test_add_func("/decode/text/max-columns-line", test_max_columns_line);
    g_test_add_func("/decode/reject-names", test_reject_names);
    g_test_add_func("/decode/input-format", test_input_format);
    g_test_add_func("/decode/field/lookup-every-field",
                    test_lookup_every_field);
    g_test_add_func("/decode/field/lookup-parquet-names",
                    test_lookup_parquet_names);
    g_test_add_func("/decode/field/lookup-unknown", test_lookup_unknown);
    g_test_add_func("/decode/format/default", test_format_default);
    g_test_add_func("/decode/format/mixed-and-whitespace",
                    test_format_mixed_and_whitespace);
    g_test_add_func("/decode/format/length-bounded",
                    test_format_length_bounded);
    for (guint i = 0; i < G_N_ELEMENTS(bad_formats); i++) {
        g_autofree char *path = g_strconcat("/decode/format/bad/",
                                            bad_formats[i].name, NULL);
        g_test_add_data_func(path, &bad_formats[i], check_bad_format);
    }
    g_test_add_func("/decode/format/column-limit", test_format_column_limit);
    g_test_add_func("/decode/format/ref", test_format_ref);
    g_test_add_func("/decode/format/equal", test_format_equal);
    for (guint i = 0; i < G_N_ELEMENTS(header_cases); i++) {
        g_autofree char *path = g_strconcat("/decode/header/",
                                            header_cases[i].name, NULL);
        g_test_add_data_func(path, &header_cases[i], check_header);
    }
    g_test_add_func("/decode/header/length-bounded",
                    test_header_length_bounded);
    g_test_add_func("/decode/header/every-field", test_header_every_field);
    g_test_add_func("/decode/sniff", test_sniff);
    return g_test_run();
}
