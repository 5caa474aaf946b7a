/*
 * flowgen: a deterministic, fast generator of synthetic AWS VPC and Transit
 * Gateway flow-log text, for tests, samples and benchmarks.
 *
 * Build:
 *   gcc -O2 -Wall -Wextra $(pkg-config --cflags glib-2.0) tests/flowgen.c \
 *       $(pkg-config --libs glib-2.0) -o tests/flowgen
 *
 * Everything comes from one xoshiro256** stream seeded from --seed, so the
 * same options give byte-identical output on every run and machine (no
 * clock, no locale, no floating point beyond turning the --*-share options
 * into integer thresholds).  The entity tables are drawn before the first
 * line, so `--lines N` output is a prefix of `--lines M` output for M > N
 * with otherwise equal options.
 *
 * Formats (--format; the field list is what --header prints):
 *
 *   v2     The default format, 14 fields, version 2:
 *            version account-id interface-id srcaddr dstaddr srcport dstport
 *            protocol packets bytes start end action log-status
 *
 *   v5-29  All 29 VPC fields of versions 2-5 in the order of AWS's own
 *          custom-format example (note bytes before packets), version 5:
 *            version vpc-id subnet-id instance-id interface-id account-id
 *            type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr
 *            protocol bytes packets start end action tcp-flags log-status
 *            region az-id sublocation-type sublocation-id
 *            pkt-src-aws-service pkt-dst-aws-service flow-direction
 *            traffic-path
 *
 *   v5     The same 29 fields in the other order AWS documents (its
 *          "service name, traffic path and flow direction" example), so a
 *          reader is exercised with log-status last and action mid-line:
 *            version srcaddr dstaddr srcport dstport protocol start end
 *            type packets bytes account-id vpc-id subnet-id instance-id
 *            interface-id region az-id sublocation-type sublocation-id
 *            action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service
 *            pkt-dst-aws-service traffic-path flow-direction log-status
 *
 *   tgw    The 36-field Transit Gateway (version 6) all-fields format:
 *            version resource-type account-id tgw-id tgw-attachment-id
 *            tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id
 *            tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni
 *            tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id
 *            srcaddr dstaddr srcport dstport protocol packets bytes start
 *            end log-status type packets-lost-no-route
 *            packets-lost-blackhole packets-lost-mtu-exceeded
 *            packets-lost-ttl-expired tcp-flags region flow-direction
 *            pkt-src-aws-service pkt-dst-aws-service
 *
 *   custom Any field list given with --fields 'a b c' (`${a}` also
 *          accepted; --fields alone implies --format custom).  Without
 *          --fields: AWS's TCP-flag-sequence example, 21 fields, version 3
 *          (the first 21 of v5-29).  The version value is the highest
 *          "introduced in" version of the fields, or 6 for TGW.  The
 *          records are TGW records when the list has a TGW-only field and
 *          no interface-id.  v7+ names (ecs-*, reject-reason, resource-id,
 *          encryption-status) and unknown names are always `-` (unknown
 *          names with a warning on stderr), to exercise readers that must
 *          carry fields they do not know.
 *
 * NODATA / SKIPDATA lines (--nodata-share, a tenth of them SKIPDATA) follow
 * AWS's shape: every flow field is `-`; version, account-id, interface-id,
 * start, end, log-status and the metadata fields (vpc-id, subnet-id,
 * instance-id, region, az-id, sublocation-*; TGW: resource-type, tgw-id,
 * tgw-attachment-id) stay filled.  end - start is 50-60 s there.
 *
 * The model behind OK lines: accounts own VPCs (round robin; the first VPC
 * is a default VPC, 172.31.0.0/16, the others 10.i.0.0/16, each with an
 * AWS-style /56 from 2600:1f18::/32), VPCs have 2-4 subnets over the AZs of
 * their region (a few in Outposts / Local Zones / Wavelength, az-id `-`),
 * ENIs are clients, servers, NAT gateways or endpoint / load-balancer ENIs
 * (instance-id `-`, sometimes account-id `unknown`).  A line picks an ENI
 * (skewed: a few ENIs are busy), a direction, a protocol (TCP mostly, UDP,
 * ICMP / ICMPv6), a server port skewed to 443, 80, 22, 53, 3306, 5432, 6379,
 * 8080 and an ephemeral client port in 32768-60999, and a remote peer: the
 * same VPC, another VPC or on-premises, an AWS service range (which fills
 * pkt-*-aws-service), or a public address (documentation ranges and a
 * spread of others; IPv6 from 2001:db8::/32).  NAT gateway lines carry the
 * internet host in pkt-srcaddr / pkt-dstaddr.  About 5% are REJECTed
 * probes.  Packets are heavy-tailed (1 to ~10^5), bytes = packets x 40-1500,
 * start lies in a 10-minute window after --start, end = start + 0-60 s.
 */

#include <glib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_BUF_SIZE (4u << 20)
#define DEFAULT_START G_GINT64_CONSTANT(1716638400) /* 2024-05-25 12:00 UTC */
#define WINDOW_SECONDS 600

/* ------------------------------------------------------------------ */
/* PRNG: xoshiro256** seeded through the splitmix64 sequence.          */

typedef struct {
    guint64 s[4];
} Rng;

/* splitmix64's finaliser; a bijection on 64 bits, which also makes it a
 * collision-free way to turn (kind, index) into resource IDs. */
static inline guint64
mix64(guint64 z)
{
    z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void
rng_seed(Rng *rng, guint64 seed)
{
    guint64 x = seed;

    for (int i = 0; i < 4; i++) {
        x += G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
        rng->s[i] = mix64(x);
    }
}

static inline guint64
rotl64(guint64 x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline guint64
rng_next(Rng *rng)
{
    guint64 *s = rng->s;
    guint64 result = rotl64(s[1] * 5, 7) * 9;
    guint64 t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, n) by multiply-shift: one draw per value, no loop, so the
 * stream position never depends on rejection luck; the bias (n / 2^64) is
 * far below anything a test could see. */
static inline guint64
rng_below(Rng *rng, guint64 n)
{
    return (guint64) (((unsigned __int128) rng_next(rng) * n) >> 64);
}

static inline guint64
rng_range(Rng *rng, guint64 lo, guint64 hi)
{
    return lo + rng_below(rng, hi - lo + 1);
}

/* Probabilities are 53-bit integer thresholds, compared with the top 53
 * bits of a draw: exact for 0 and 1 and free of FP at generation time. */
#define CHANCE_ONE (G_GUINT64_CONSTANT(1) << 53)
#define PCT(x) ((guint64) ((x) * (double) CHANCE_ONE / 100.0))

static guint64
chance_from_share(double p)
{
    if (p <= 0.0)
        return 0;
    if (p >= 1.0)
        return CHANCE_ONE;
    return (guint64) (p * (double) CHANCE_ONE);
}

static inline gboolean
rng_hit(Rng *rng, guint64 chance)
{
    return (rng_next(rng) >> 11) < chance;
}

/* A skewed index in [0, n): density 1/(2 sqrt(x)), so a few entities
 * (the first ones) carry much of the traffic, as busy ENIs do. */
static inline guint
rng_skewed(Rng *rng, guint n)
{
    guint64 u = rng_next(rng) >> 32;

    return (guint) ((((u * u) >> 32) * n) >> 32);
}

typedef struct {
    guint value;
    guint weight;
} Weighted;

static guint
rng_weighted(Rng *rng, const Weighted *w, gsize n)
{
    guint total = 0;
    guint r;

    for (gsize i = 0; i < n; i++)
        total += w[i].weight;
    r = (guint) rng_below(rng, total);
    for (gsize i = 0; i < n; i++) {
        if (r < w[i].weight)
            return w[i].value;
        r -= w[i].weight;
    }
    return w[n - 1].value;
}

#define PICK(rng, table) rng_weighted((rng), (table), G_N_ELEMENTS(table))

/* ------------------------------------------------------------------ */
/* Short texts and addresses.                                          */

/* Fixed-size so the emitter can copy the whole array and advance by len:
 * one unconditional block copy is cheaper than a length-driven one. */
#define TXT_MAX 47

typedef struct {
    guint8 len;
    char s[TXT_MAX];
} Txt;

static const Txt TXT_DASH = { 1, "-" };
static const Txt TXT_OK = { 2, "OK" };
static const Txt TXT_NODATA = { 6, "NODATA" };
static const Txt TXT_SKIPDATA = { 8, "SKIPDATA" };
static const Txt TXT_ACCEPT = { 6, "ACCEPT" };
static const Txt TXT_REJECT = { 6, "REJECT" };
static const Txt TXT_IPV4 = { 4, "IPv4" };
static const Txt TXT_IPV6 = { 4, "IPv6" };
static const Txt TXT_INGRESS = { 7, "ingress" };
static const Txt TXT_EGRESS = { 6, "egress" };
static const Txt TXT_TRANSIT_GATEWAY = { 14, "TransitGateway" };
static const Txt TXT_UNKNOWN = { 7, "unknown" };

static void txt_printf(Txt *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
txt_printf(Txt *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    memset(t, 0, sizeof *t);
    va_start(ap, fmt);
    n = g_vsnprintf(t->s, sizeof t->s, fmt, ap);
    va_end(ap);
    g_assert(n >= 0 && n < (int) sizeof t->s);
    t->len = (guint8) n;
}

/* AWS resource IDs: prefix + 17 lowercase hex digits, the first being 0
 * as in current AWS IDs.  `kind` keeps the ID spaces apart; mix64 being a
 * bijection makes IDs of one kind distinct without a lookup. */
static void
txt_resource_id(Txt *t, const char *prefix, guint64 key, guint kind,
                guint index)
{
    guint64 v = mix64(key + ((guint64) kind << 40) + index);

    txt_printf(t, "%s0%016" G_GINT64_MODIFIER "x", prefix, v);
}

typedef struct {
    gboolean v6;
    guint32 v4;
    guint16 g[8];
} Addr;

static void
addr_v4(Addr *a, guint32 v4)
{
    a->v6 = FALSE;
    a->v4 = v4;
}

#define V4(a, b, c, d) \
    (((guint32) (a) << 24) | ((guint32) (b) << 16) | ((guint32) (c) << 8) | \
     (guint32) (d))

/* ------------------------------------------------------------------ */
/* The emitter: hand-written formatters into one big buffer.           */

static const char DIGIT_PAIRS[] =
    "000102030405060708091011121314151617181920212223242526272829"
    "303132333435363738394041424344454647484950515253545556575859"
    "606162636465666768697071727374757677787980818283848586878889"
    "90919293949596979899";

static inline char *
put_txt(char *p, const Txt *t)
{
    memcpy(p, t->s, TXT_MAX);
    return p + t->len;
}

static inline char *
put_dash(char *p)
{
    *p = '-';
    return p + 1;
}

static inline char *
put_u64(char *p, guint64 v)
{
    char tmp[20];
    char *end = tmp + sizeof tmp;
    char *q = end;

    while (v >= 100) {
        guint d = (guint) (v % 100) * 2;

        v /= 100;
        q -= 2;
        q[0] = DIGIT_PAIRS[d];
        q[1] = DIGIT_PAIRS[d + 1];
    }
    if (v >= 10) {
        q -= 2;
        q[0] = DIGIT_PAIRS[v * 2];
        q[1] = DIGIT_PAIRS[v * 2 + 1];
    } else {
        *--q = (char) ('0' + v);
    }
    memcpy(p, q, (gsize) (end - q));
    return p + (end - q);
}

static inline char *
put_octet(char *p, guint v)
{
    if (v >= 100) {
        *p++ = (char) ('0' + v / 100);
        v %= 100;
        *p++ = DIGIT_PAIRS[v * 2];
        *p++ = DIGIT_PAIRS[v * 2 + 1];
    } else if (v >= 10) {
        *p++ = DIGIT_PAIRS[v * 2];
        *p++ = DIGIT_PAIRS[v * 2 + 1];
    } else {
        *p++ = (char) ('0' + v);
    }
    return p;
}

static inline char *
put_hex16(char *p, guint v)
{
    static const char hex[] = "0123456789abcdef";
    int shift = 12;

    /* RFC 5952: no leading zeros in a group. */
    while (shift > 0 && ((v >> shift) & 0xf) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *p++ = hex[(v >> shift) & 0xf];
    return p;
}

/* RFC 5952 canonical text: lowercase, the longest run (first on a tie) of
 * two or more zero groups becomes "::", a lone zero group stays "0". */
static char *
put_ip6(char *p, const guint16 *g)
{
    int best = -1, best_len = 0;

    for (int i = 0; i < 8;) {
        int j = i;

        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j == i ? i + 1 : j;
    }
    if (best_len < 2)
        best = -1;

    for (int i = 0; i < 8;) {
        if (i == best) {
            *p++ = ':';
            *p++ = ':';
            i += best_len;
            continue;
        }
        if (i > 0 && !(best >= 0 && i == best + best_len))
            *p++ = ':';
        p = put_hex16(p, g[i]);
        i++;
    }
    return p;
}

static inline char *
put_addr(char *p, const Addr *a)
{
    if (a->v6)
        return put_ip6(p, a->g);
    p = put_octet(p, a->v4 >> 24);
    *p++ = '.';
    p = put_octet(p, (a->v4 >> 16) & 0xff);
    *p++ = '.';
    p = put_octet(p, (a->v4 >> 8) & 0xff);
    *p++ = '.';
    return put_octet(p, a->v4 & 0xff);
}

/* ------------------------------------------------------------------ */
/* Field catalogue and formats.                                        */

typedef enum {
    F_VERSION,
    F_ACCOUNT_ID,
    F_INTERFACE_ID,
    F_SRCADDR,
    F_DSTADDR,
    F_SRCPORT,
    F_DSTPORT,
    F_PROTOCOL,
    F_PACKETS,
    F_BYTES,
    F_START,
    F_END,
    F_ACTION,
    F_LOG_STATUS,
    F_VPC_ID,
    F_SUBNET_ID,
    F_INSTANCE_ID,
    F_TCP_FLAGS,
    F_TYPE,
    F_PKT_SRCADDR,
    F_PKT_DSTADDR,
    F_REGION,
    F_AZ_ID,
    F_SUBLOCATION_TYPE,
    F_SUBLOCATION_ID,
    F_PKT_SRC_AWS_SERVICE,
    F_PKT_DST_AWS_SERVICE,
    F_FLOW_DIRECTION,
    F_TRAFFIC_PATH,
    F_RESOURCE_TYPE,
    F_TGW_ID,
    F_TGW_ATTACHMENT_ID,
    F_TGW_SRC_VPC_ACCOUNT_ID,
    F_TGW_DST_VPC_ACCOUNT_ID,
    F_TGW_SRC_VPC_ID,
    F_TGW_DST_VPC_ID,
    F_TGW_SRC_SUBNET_ID,
    F_TGW_DST_SUBNET_ID,
    F_TGW_SRC_ENI,
    F_TGW_DST_ENI,
    F_TGW_SRC_AZ_ID,
    F_TGW_DST_AZ_ID,
    F_TGW_PAIR_ATTACHMENT_ID,
    F_PACKETS_LOST_NO_ROUTE,
    F_PACKETS_LOST_BLACKHOLE,
    F_PACKETS_LOST_MTU_EXCEEDED,
    F_PACKETS_LOST_TTL_EXPIRED,
    F_DASH /* always "-": newer or unknown fields */
} FieldId;

enum {
    FF_META = 1 << 0, /* kept on NODATA / SKIPDATA lines */
    FF_VPC = 1 << 1,  /* only in VPC records */
    FF_TGW = 1 << 2   /* only in TGW records */
};

typedef struct {
    const char *name;
    FieldId id;
    guint8 version;
    guint8 flags;
} FieldInfo;

static const FieldInfo FIELDS[] = {
    { "version", F_VERSION, 2, FF_META },
    { "account-id", F_ACCOUNT_ID, 2, FF_META },
    { "interface-id", F_INTERFACE_ID, 2, FF_META | FF_VPC },
    { "srcaddr", F_SRCADDR, 2, 0 },
    { "dstaddr", F_DSTADDR, 2, 0 },
    { "srcport", F_SRCPORT, 2, 0 },
    { "dstport", F_DSTPORT, 2, 0 },
    { "protocol", F_PROTOCOL, 2, 0 },
    { "packets", F_PACKETS, 2, 0 },
    { "bytes", F_BYTES, 2, 0 },
    { "start", F_START, 2, FF_META },
    { "end", F_END, 2, FF_META },
    { "action", F_ACTION, 2, FF_VPC },
    { "log-status", F_LOG_STATUS, 2, FF_META },
    { "vpc-id", F_VPC_ID, 3, FF_META | FF_VPC },
    { "subnet-id", F_SUBNET_ID, 3, FF_META | FF_VPC },
    { "instance-id", F_INSTANCE_ID, 3, FF_META | FF_VPC },
    { "tcp-flags", F_TCP_FLAGS, 3, 0 },
    { "type", F_TYPE, 3, 0 },
    { "pkt-srcaddr", F_PKT_SRCADDR, 3, FF_VPC },
    { "pkt-dstaddr", F_PKT_DSTADDR, 3, FF_VPC },
    { "region", F_REGION, 4, FF_META },
    { "az-id", F_AZ_ID, 4, FF_META | FF_VPC },
    { "sublocation-type", F_SUBLOCATION_TYPE, 4, FF_META | FF_VPC },
    { "sublocation-id", F_SUBLOCATION_ID, 4, FF_META | FF_VPC },
    { "pkt-src-aws-service", F_PKT_SRC_AWS_SERVICE, 5, 0 },
    { "pkt-dst-aws-service", F_PKT_DST_AWS_SERVICE, 5, 0 },
    { "flow-direction", F_FLOW_DIRECTION, 5, 0 },
    { "traffic-path", F_TRAFFIC_PATH, 5, FF_VPC },
    { "resource-type", F_RESOURCE_TYPE, 6, FF_META | FF_TGW },
    { "tgw-id", F_TGW_ID, 6, FF_META | FF_TGW },
    { "tgw-attachment-id", F_TGW_ATTACHMENT_ID, 6, FF_META | FF_TGW },
    { "tgw-src-vpc-account-id", F_TGW_SRC_VPC_ACCOUNT_ID, 6, FF_TGW },
    { "tgw-dst-vpc-account-id", F_TGW_DST_VPC_ACCOUNT_ID, 6, FF_TGW },
    { "tgw-src-vpc-id", F_TGW_SRC_VPC_ID, 6, FF_TGW },
    { "tgw-dst-vpc-id", F_TGW_DST_VPC_ID, 6, FF_TGW },
    { "tgw-src-subnet-id", F_TGW_SRC_SUBNET_ID, 6, FF_TGW },
    { "tgw-dst-subnet-id", F_TGW_DST_SUBNET_ID, 6, FF_TGW },
    { "tgw-src-eni", F_TGW_SRC_ENI, 6, FF_TGW },
    { "tgw-dst-eni", F_TGW_DST_ENI, 6, FF_TGW },
    { "tgw-src-az-id", F_TGW_SRC_AZ_ID, 6, FF_TGW },
    { "tgw-dst-az-id", F_TGW_DST_AZ_ID, 6, FF_TGW },
    { "tgw-pair-attachment-id", F_TGW_PAIR_ATTACHMENT_ID, 6, FF_TGW },
    { "packets-lost-no-route", F_PACKETS_LOST_NO_ROUTE, 6, FF_TGW },
    { "packets-lost-blackhole", F_PACKETS_LOST_BLACKHOLE, 6, FF_TGW },
    { "packets-lost-mtu-exceeded", F_PACKETS_LOST_MTU_EXCEEDED, 6, FF_TGW },
    { "packets-lost-ttl-expired", F_PACKETS_LOST_TTL_EXPIRED, 6, FF_TGW },
    /* Known newer VPC fields: never filled, but they set the version. */
    { "ecs-cluster-arn", F_DASH, 7, FF_VPC },
    { "ecs-cluster-name", F_DASH, 7, FF_VPC },
    { "ecs-container-instance-arn", F_DASH, 7, FF_VPC },
    { "ecs-container-instance-id", F_DASH, 7, FF_VPC },
    { "ecs-container-id", F_DASH, 7, FF_VPC },
    { "ecs-second-container-id", F_DASH, 7, FF_VPC },
    { "ecs-service-name", F_DASH, 7, FF_VPC },
    { "ecs-task-definition-arn", F_DASH, 7, FF_VPC },
    { "ecs-task-arn", F_DASH, 7, FF_VPC },
    { "ecs-task-id", F_DASH, 7, FF_VPC },
    { "reject-reason", F_DASH, 8, FF_VPC },
    { "resource-id", F_DASH, 9, FF_VPC },
    { "encryption-status", F_DASH, 10, FF_VPC },
};

static const char FORMAT_V2[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport "
    "protocol packets bytes start end action log-status";

static const char FORMAT_V5_29[] =
    "version vpc-id subnet-id instance-id interface-id account-id type "
    "srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes "
    "packets start end action tcp-flags log-status region az-id "
    "sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service "
    "flow-direction traffic-path";

static const char FORMAT_V5[] =
    "version srcaddr dstaddr srcport dstport protocol start end type packets "
    "bytes account-id vpc-id subnet-id instance-id interface-id region az-id "
    "sublocation-type sublocation-id action tcp-flags pkt-srcaddr "
    "pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path "
    "flow-direction log-status";

static const char FORMAT_TGW[] =
    "version resource-type account-id tgw-id tgw-attachment-id "
    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
    "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr "
    "dstaddr srcport dstport protocol packets bytes start end log-status type "
    "packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded "
    "packets-lost-ttl-expired tcp-flags region flow-direction "
    "pkt-src-aws-service pkt-dst-aws-service";

/* AWS's TCP-flag-sequence example: the default for --format custom. */
static const char FORMAT_CUSTOM_DEFAULT[] =
    "version vpc-id subnet-id instance-id interface-id account-id type "
    "srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes "
    "packets start end action tcp-flags log-status";

typedef struct {
    FieldId id;
    guint8 flags;
} Column;

/* ------------------------------------------------------------------ */
/* The world: accounts, VPCs, subnets, ENIs, transit gateways.         */

typedef struct {
    const char *name;
    const char *azs[4];
    guint n_azs;
    guint weight;
    const char *edge_zone; /* a Local Zone / Wavelength zone, or NULL */
    const char *edge_type;
} Region;

static const Region REGIONS[] = {
    { "us-east-1", { "use1-az1", "use1-az2", "use1-az4", "use1-az6" }, 4, 40,
      "use1-bos1-az1", "localzone" },
    { "us-west-2", { "usw2-az1", "usw2-az2", "usw2-az3" }, 3, 20,
      "usw2-wl1-sea-wlz1", "wavelength" },
    { "eu-west-1", { "euw1-az1", "euw1-az2", "euw1-az3" }, 3, 15, NULL, NULL },
    { "eu-central-1", { "euc1-az1", "euc1-az2", "euc1-az3" }, 3, 10,
      NULL, NULL },
    { "ap-southeast-2", { "apse2-az1", "apse2-az2", "apse2-az3" }, 3, 8,
      NULL, NULL },
    { "ap-northeast-1", { "apne1-az1", "apne1-az2", "apne1-az4" }, 3, 7,
      NULL, NULL },
};

typedef enum {
    ROLE_CLIENT,
    ROLE_SERVER,
    ROLE_NAT,
    ROLE_ENDPOINT
} Role;

typedef struct {
    Txt id;
    guint account;
    guint region;
    Txt region_txt;
    guint32 v4_base; /* the /16 */
    guint16 v6[4];   /* the /56: groups 0-3, low byte of group 3 zero */
    guint first_subnet;
    guint n_subnets;
} Vpc;

typedef struct {
    Txt id;
    Txt az;
    Txt subloc_type;
    Txt subloc_id;
    guint vpc;
    guint32 v4_base; /* the /20 */
    guint16 v6_g3;   /* group 3 of the /64 */
} Subnet;

typedef struct {
    Txt id;
    Txt instance;
    const Txt *account;
    guint vpc;
    guint subnet;
    Addr ip4;
    Addr ip6;
    Role role;
    guint service_port;
} Eni;

typedef struct {
    Txt id;
    guint account;
    guint region;
    Txt region_txt;
    guint first_att;
    guint n_att;
} Tgw;

typedef struct {
    Txt id;
    gint vpc; /* -1: a VPN attachment, no VPC side */
    guint tgw;
    guint n_az;
    Txt subnet[3];
    Txt eni[3];
    Txt az[3];
} Attachment;

typedef struct {
    Txt *accounts;
    guint n_accounts;
    Vpc *vpcs;
    guint n_vpcs;
    Subnet *subnets;
    guint n_subnets;
    Eni *enis;
    guint n_enis;
    Tgw *tgws;
    guint n_tgws;
    Attachment *atts;
    guint n_atts;
} World;

enum {
    KIND_ACCOUNT = 1,
    KIND_VPC,
    KIND_SUBNET,
    KIND_ENI,
    KIND_INSTANCE,
    KIND_OUTPOST,
    KIND_TGW,
    KIND_ATTACHMENT,
    KIND_ATTACHMENT_ENI,
    KIND_ATTACHMENT_SUBNET
};

static const Weighted ROLE_WEIGHTS[] = {
    { ROLE_CLIENT, 50 }, { ROLE_SERVER, 35 }, { ROLE_NAT, 5 },
    { ROLE_ENDPOINT, 10 },
};

/* Ports servers listen on; the brief's well-known set dominates. */
static const Weighted TCP_SERVICE_PORTS[] = {
    { 443, 40 }, { 80, 12 }, { 22, 6 }, { 3306, 6 }, { 5432, 6 },
    { 6379, 5 }, { 8080, 7 }, { 8443, 2 }, { 9200, 1 }, { 27017, 1 },
    { 25, 1 }, { 3389, 1 }, { 2049, 1 },
};

static const Weighted UDP_SERVICE_PORTS[] = {
    { 53, 60 }, { 123, 15 }, { 443, 10 }, { 514, 5 }, { 4500, 5 },
    { 161, 5 },
};

static const Weighted TCP_PROBE_PORTS[] = {
    { 22, 30 }, { 3389, 20 }, { 23, 10 }, { 445, 10 }, { 80, 5 },
    { 443, 5 }, { 8080, 5 }, { 5900, 5 }, { 1433, 5 }, { 6379, 5 },
};

static const Weighted UDP_PROBE_PORTS[] = {
    { 53, 30 }, { 123, 20 }, { 161, 20 }, { 1900, 15 }, { 5060, 15 },
};

static gboolean
port_is_internal(guint port)
{
    /* Databases and caches are reached from inside, not the internet. */
    return port == 3306 || port == 5432 || port == 6379 || port == 9200 ||
           port == 27017 || port == 2049;
}

static void
world_accounts(World *w, guint64 key)
{
    for (guint i = 0; i < w->n_accounts; i++) {
        guint64 salt = 0;
        gboolean dup;

        /* 12 digits, leading zeros allowed (they exist and must survive
         * a reader that is tempted to parse account IDs as numbers). */
        do {
            guint64 v = mix64(key + ((guint64) KIND_ACCOUNT << 40) +
                              ((guint64) salt << 32) + i) %
                        G_GUINT64_CONSTANT(1000000000000);

            txt_printf(&w->accounts[i], "%012" G_GINT64_MODIFIER "u", v);
            dup = FALSE;
            for (guint j = 0; j < i; j++)
                dup |= strcmp(w->accounts[j].s, w->accounts[i].s) == 0;
            salt++;
        } while (dup);
    }
}

static void
world_vpcs(World *w, Rng *rng, guint64 key)
{
    Weighted region_weights[G_N_ELEMENTS(REGIONS)];
    GArray *subnets = g_array_new(FALSE, TRUE, sizeof(Subnet));

    for (guint r = 0; r < G_N_ELEMENTS(REGIONS); r++) {
        region_weights[r].value = r;
        region_weights[r].weight = REGIONS[r].weight;
    }

    for (guint i = 0; i < w->n_vpcs; i++) {
        Vpc *vpc = &w->vpcs[i];
        const Region *region;

        txt_resource_id(&vpc->id, "vpc-", key, KIND_VPC, i);
        vpc->account = i % w->n_accounts;
        vpc->region = rng_weighted(rng, region_weights,
                                   G_N_ELEMENTS(region_weights));
        region = &REGIONS[vpc->region];
        txt_printf(&vpc->region_txt, "%s", region->name);
        /* One default VPC (172.31.0.0/16), the others 10.i.0.0/16: no
         * overlaps, as a transit gateway or peering needs, up to 256. */
        if (i == 0)
            vpc->v4_base = V4(172, 31, 0, 0);
        else
            vpc->v4_base = V4(10, i % 256, 0, 0);
        vpc->v6[0] = 0x2600;
        vpc->v6[1] = 0x1f18;
        vpc->v6[2] = (guint16) rng_next(rng);
        vpc->v6[3] = (guint16) (rng_below(rng, 256) << 8);

        vpc->first_subnet = subnets->len;
        vpc->n_subnets = (guint) rng_range(rng, 2, 4);
        for (guint k = 0; k < vpc->n_subnets; k++) {
            Subnet s;
            guint64 edge = rng_below(rng, 100);

            memset(&s, 0, sizeof s);
            txt_resource_id(&s.id, "subnet-", key, KIND_SUBNET, subnets->len);
            s.vpc = i;
            s.v4_base = vpc->v4_base | ((guint32) k << 12);
            s.v6_g3 = (guint16) (vpc->v6[3] | k);
            /* A few subnets live in an Outpost or an edge zone; AWS then
             * gives az-id `-` and names the sublocation instead. */
            if (edge < 2 && region->edge_zone != NULL) {
                s.az = TXT_DASH;
                txt_printf(&s.subloc_type, "%s", region->edge_type);
                txt_printf(&s.subloc_id, "%s", region->edge_zone);
            } else if (edge < 4) {
                s.az = TXT_DASH;
                txt_printf(&s.subloc_type, "outpost");
                txt_resource_id(&s.subloc_id, "op-", key, KIND_OUTPOST,
                                subnets->len);
            } else {
                txt_printf(&s.az, "%s", region->azs[k % region->n_azs]);
                s.subloc_type = TXT_DASH;
                s.subloc_id = TXT_DASH;
            }
            g_array_append_val(subnets, s);
        }
    }
    w->n_subnets = subnets->len;
    w->subnets = (Subnet *) g_array_free(subnets, FALSE);
}

static guint32
subnet_host4(Rng *rng, const Subnet *s)
{
    /* Skip the five addresses AWS reserves in each subnet. */
    return s->v4_base + (guint32) rng_below(rng, 16) * 256 +
           (guint32) rng_range(rng, 5, 254);
}

static void
subnet_host6(Rng *rng, const World *w, const Subnet *s, Addr *a)
{
    const Vpc *vpc = &w->vpcs[s->vpc];
    guint64 iid = rng_next(rng);

    a->v6 = TRUE;
    a->g[0] = vpc->v6[0];
    a->g[1] = vpc->v6[1];
    a->g[2] = vpc->v6[2];
    a->g[3] = s->v6_g3;
    for (int i = 0; i < 4; i++)
        a->g[4 + i] = (guint16) (iid >> (48 - 16 * i));
}

static void
world_enis(World *w, Rng *rng, guint64 key)
{
    for (guint i = 0; i < w->n_enis; i++) {
        Eni *eni = &w->enis[i];
        const Vpc *vpc;

        txt_resource_id(&eni->id, "eni-", key, KIND_ENI, i);
        eni->vpc = (guint) rng_below(rng, w->n_vpcs);
        vpc = &w->vpcs[eni->vpc];
        eni->subnet = vpc->first_subnet +
                      (guint) rng_below(rng, vpc->n_subnets);
        eni->role = PICK(rng, ROLE_WEIGHTS);
        eni->account = &w->accounts[vpc->account];
        addr_v4(&eni->ip4, subnet_host4(rng, &w->subnets[eni->subnet]));
        subnet_host6(rng, w, &w->subnets[eni->subnet], &eni->ip6);
        switch (eni->role) {
        case ROLE_CLIENT:
        case ROLE_SERVER:
            txt_resource_id(&eni->instance, "i-", key, KIND_INSTANCE, i);
            break;
        case ROLE_NAT:
            eni->instance = TXT_DASH;
            break;
        case ROLE_ENDPOINT:
            /* Requester-managed ENIs: no instance, and AWS sometimes
             * reports the account as the literal "unknown". */
            eni->instance = TXT_DASH;
            if (rng_hit(rng, PCT(40)))
                eni->account = &TXT_UNKNOWN;
            break;
        }
        eni->service_port = eni->role == ROLE_ENDPOINT
                                ? 443
                                : PICK(rng, TCP_SERVICE_PORTS);
    }
}

static void
world_tgws(World *w, guint64 key)
{
    GArray *tgws = g_array_new(FALSE, TRUE, sizeof(Tgw));
    GArray *atts = g_array_new(FALSE, TRUE, sizeof(Attachment));

    /* A transit gateway is regional: one per region that has VPCs, owned
     * by the first (network) account, with every VPC of the region and one
     * VPN attachment (no VPC side) on it. */
    for (guint r = 0; r < G_N_ELEMENTS(REGIONS); r++) {
        Tgw tgw;

        memset(&tgw, 0, sizeof tgw);
        tgw.region = r;
        tgw.first_att = atts->len;
        for (guint v = 0; v < w->n_vpcs; v++) {
            const Vpc *vpc = &w->vpcs[v];
            Attachment att;

            if (vpc->region != r)
                continue;
            memset(&att, 0, sizeof att);
            txt_resource_id(&att.id, "tgw-attach-", key, KIND_ATTACHMENT,
                            atts->len);
            att.vpc = (gint) v;
            att.tgw = tgws->len;
            att.n_az = MIN(3, REGIONS[r].n_azs);
            for (guint k = 0; k < att.n_az; k++) {
                guint n = atts->len * 4 + k;

                txt_resource_id(&att.subnet[k], "subnet-", key,
                                KIND_ATTACHMENT_SUBNET, n);
                txt_resource_id(&att.eni[k], "eni-", key,
                                KIND_ATTACHMENT_ENI, n);
                txt_printf(&att.az[k], "%s", REGIONS[r].azs[k]);
            }
            g_array_append_val(atts, att);
        }
        if (atts->len == tgw.first_att)
            continue;
        {
            Attachment vpn;

            memset(&vpn, 0, sizeof vpn);
            txt_resource_id(&vpn.id, "tgw-attach-", key, KIND_ATTACHMENT,
                            atts->len);
            vpn.vpc = -1;
            vpn.tgw = tgws->len;
            vpn.n_az = 0;
            g_array_append_val(atts, vpn);
        }
        tgw.n_att = atts->len - tgw.first_att;
        txt_resource_id(&tgw.id, "tgw-", key, KIND_TGW, tgws->len);
        tgw.account = 0;
        txt_printf(&tgw.region_txt, "%s", REGIONS[r].name);
        g_array_append_val(tgws, tgw);
    }
    w->n_tgws = tgws->len;
    w->tgws = (Tgw *) g_array_free(tgws, FALSE);
    w->n_atts = atts->len;
    w->atts = (Attachment *) g_array_free(atts, FALSE);
}

static void
world_build(World *w, Rng *rng, guint accounts, guint vpcs, guint enis)
{
    guint64 key = rng_next(rng);

    memset(w, 0, sizeof *w);
    w->n_accounts = accounts;
    w->accounts = g_new0(Txt, accounts);
    w->n_vpcs = vpcs;
    w->vpcs = g_new0(Vpc, vpcs);
    w->n_enis = enis;
    w->enis = g_new0(Eni, enis);
    world_accounts(w, key);
    world_vpcs(w, rng, key);
    world_enis(w, rng, key);
    world_tgws(w, key);
}

static void
world_free(World *w)
{
    g_free(w->accounts);
    g_free(w->vpcs);
    g_free(w->subnets);
    g_free(w->enis);
    g_free(w->tgws);
    g_free(w->atts);
}

/* ------------------------------------------------------------------ */
/* One flow-log record.                                                */

typedef enum {
    STATUS_OK,
    STATUS_NODATA,
    STATUS_SKIPDATA
} Status;

typedef struct {
    Status status;
    /* VPC records */
    const Eni *eni;
    const Vpc *vpc;
    const Subnet *subnet;
    /* TGW records */
    const Tgw *tgw;
    const Attachment *att;
    const Attachment *pair;
    const Attachment *side[2]; /* source, destination attachment */
    guint side_az[2];
    guint64 lost[4];
    /* shared */
    const Txt *account;
    const Txt *region;
    Addr src, dst, pkt_src, pkt_dst;
    const Txt *src_svc;
    const Txt *dst_svc;
    guint protocol, sport, dport, tcp_flags, traffic_path;
    gboolean egress, reject;
    guint64 packets, bytes, start, end;
} Flow;

typedef struct {
    Rng rng;
    World world;
    gboolean tgw_mode;
    Txt version;
    Column *cols;
    guint n_cols;
    gchar **names;
    guint64 ipv6_chance;
    guint64 nodata_chance;
    guint64 base;
} Gen;

typedef enum {
    REMOTE_SAME_VPC,
    REMOTE_PEER,
    REMOTE_AWS,
    REMOTE_PUBLIC
} RemoteKind;

typedef struct {
    const char *service;
    guint8 a, b, b_span; /* first octet, second octet range b..b+span-1 */
    gboolean gateway_endpoint;
} AwsRange;

static const AwsRange AWS_RANGES[] = {
    { "S3", 52, 216, 2, TRUE },
    { "S3", 3, 5, 1, TRUE },
    { "DYNAMODB", 52, 94, 1, TRUE },
    { "EC2", 3, 80, 16, FALSE },
    { "EC2", 18, 204, 4, FALSE },
    { "AMAZON", 54, 239, 1, FALSE },
    { "CLOUDFRONT", 13, 32, 2, FALSE },
    { "API_GATEWAY", 52, 119, 1, FALSE },
};

/* First octets that are not special-purpose, for "somewhere on the
 * internet" addresses outside the documentation ranges. */
static const guint8 PUBLIC_FIRST_OCTETS[] = {
    1, 2, 4, 5, 8, 12, 14, 23, 24, 31, 37, 41, 45, 46, 49, 62, 64, 66, 72,
    77, 80, 81, 85, 89, 91, 93, 101, 103, 104, 109, 111, 114, 118, 121, 125,
    131, 136, 141, 146, 151, 156, 162, 164, 176, 178, 181, 185, 187, 190,
    193, 195, 200, 201, 209, 212, 213, 217, 220, 221,
};

static const Txt AWS_SERVICE_TXT[] = {
    { 2, "S3" }, { 8, "DYNAMODB" }, { 3, "EC2" }, { 6, "AMAZON" },
    { 10, "CLOUDFRONT" }, { 11, "API_GATEWAY" },
};

static const Txt *
aws_service_txt(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(AWS_SERVICE_TXT); i++)
        if (strcmp(AWS_SERVICE_TXT[i].s, name) == 0)
            return &AWS_SERVICE_TXT[i];
    g_assert_not_reached();
    return &TXT_DASH;
}

static void
random_v6(Rng *rng, Addr *a, guint16 g0, guint16 g1)
{
    guint64 hi = rng_next(rng);
    guint64 lo = rng_next(rng);

    a->v6 = TRUE;
    a->g[0] = g0;
    a->g[1] = g1;
    a->g[2] = (guint16) (hi >> 48);
    a->g[3] = (guint16) (hi >> 32);
    /* Servers often have short, hand-picked interface IDs (::53, ::10),
     * which also exercises "::" compression in the middle. */
    if ((hi & 0xff) < 100) {
        a->g[4] = a->g[5] = a->g[6] = 0;
        a->g[7] = (guint16) ((lo & 0xff) + 1);
    } else {
        for (int i = 0; i < 4; i++)
            a->g[4 + i] = (guint16) (lo >> (48 - 16 * i));
    }
    /* Some prefixes are short too (2001:db8:0:...). */
    if ((hi & 0xf00) == 0)
        a->g[2] = 0;
}

/* The remote end of a flow, seen from an ENI in `vpc`; also gives the
 * egress traffic-path (0 = none) and the AWS service name, if any. */
static void
gen_remote(Gen *g, const Vpc *vpc, RemoteKind kind, gboolean v6, Addr *a,
           const Txt **svc, guint *path)
{
    Rng *rng = &g->rng;
    const World *w = &g->world;

    *svc = &TXT_DASH;
    switch (kind) {
    case REMOTE_SAME_VPC: {
        const Subnet *s = &w->subnets[vpc->first_subnet +
                                      rng_below(rng, vpc->n_subnets)];

        if (v6)
            subnet_host6(rng, w, s, a);
        else
            addr_v4(a, subnet_host4(rng, s));
        *path = 1;
        return;
    }
    case REMOTE_PEER:
        if (w->n_vpcs > 1 && rng_hit(rng, PCT(70))) {
            guint other = (guint) rng_below(rng, w->n_vpcs - 1);
            const Vpc *peer;
            const Subnet *s;

            if (other >= (guint) (vpc - w->vpcs))
                other++;
            peer = &w->vpcs[other];
            s = &w->subnets[peer->first_subnet +
                            rng_below(rng, peer->n_subnets)];
            if (v6)
                subnet_host6(rng, w, s, a);
            else
                addr_v4(a, subnet_host4(rng, s));
            *path = peer->region == vpc->region ? 4 : 5;
        } else {
            /* On-premises behind a virtual private gateway. */
            if (v6)
                random_v6(rng, a, 0x2001, 0x0db8);
            else
                addr_v4(a, V4(192, 168, rng_below(rng, 64),
                              rng_range(rng, 1, 254)));
            *path = rng_hit(rng, PCT(85)) ? 3 : 6;
        }
        return;
    case REMOTE_AWS: {
        const AwsRange *r = &AWS_RANGES[rng_below(rng,
                                                  G_N_ELEMENTS(AWS_RANGES))];

        if (v6) {
            random_v6(rng, a, 0x2600, 0x1f18);
            *svc = aws_service_txt(rng_hit(rng, PCT(50)) ? "EC2" : "AMAZON");
            *path = rng_hit(rng, PCT(70)) ? 8 : 2;
        } else {
            addr_v4(a, V4(r->a, r->b + rng_below(rng, r->b_span),
                          rng_below(rng, 256), rng_range(rng, 1, 254)));
            *svc = aws_service_txt(r->service);
            if (r->gateway_endpoint && rng_hit(rng, PCT(60)))
                *path = 7;
            else
                *path = rng_hit(rng, PCT(70)) ? 8 : 2;
        }
        return;
    }
    case REMOTE_PUBLIC:
        if (v6) {
            random_v6(rng, a, 0x2001, 0x0db8);
        } else if (rng_hit(rng, PCT(35))) {
            static const guint32 doc[] = {
                V4(192, 0, 2, 0), V4(198, 51, 100, 0), V4(203, 0, 113, 0)
            };

            addr_v4(a, doc[rng_below(rng, 3)] + rng_range(rng, 1, 254));
        } else {
            guint8 first = PUBLIC_FIRST_OCTETS[rng_below(
                rng, G_N_ELEMENTS(PUBLIC_FIRST_OCTETS))];

            addr_v4(a, V4(first, rng_below(rng, 256), rng_below(rng, 256),
                          rng_range(rng, 1, 254)));
        }
        *path = rng_hit(rng, PCT(70)) ? 8 : 2;
        return;
    }
}

/* Packets: a geometric size class plus a uniform offset, so half the flows
 * have a handful of packets and a few reach ~10^5. */
static guint64
gen_packets(Rng *rng)
{
    guint64 r = rng_next(rng);
    guint e = (guint) __builtin_ctzll(r | (G_GUINT64_CONSTANT(1) << 40));

    e += (guint) (r >> 62);
    e = MIN(e, 16u);
    return (G_GUINT64_CONSTANT(1) << e) +
           rng_below(rng, G_GUINT64_CONSTANT(1) << e);
}

static guint64
gen_bytes(Rng *rng, guint protocol, guint64 packets, gboolean v6)
{
    guint64 size;

    if (protocol == 1 || protocol == 58) {
        size = v6 ? 104 : 84; /* a default ping */
        return packets * size;
    }
    if (protocol == 17) {
        size = rng_range(rng, 60, 1200);
    } else {
        guint64 cls = rng_below(rng, 100);

        if (cls < 35)
            size = rng_range(rng, 40, 100);
        else if (cls < 60)
            size = rng_range(rng, 100, 600);
        else
            size = rng_range(rng, 1200, 1499);
    }
    /* Not an exact multiple: packets of one flow differ in size. */
    return packets * size + rng_below(rng, packets);
}

static guint
gen_tcp_flags(Rng *rng, gboolean from_server)
{
    /* OR of flags over the interval: SYN (2), SYN+FIN (3) from clients,
     * SYN-ACK (18), SYN-ACK+FIN (19) from servers, a bare FIN (1) or RST
     * (4) at the end of longer flows, 0 for the middle of one. */
    static const Weighted client[] = {
        { 2, 20 }, { 3, 30 }, { 0, 25 }, { 1, 15 }, { 4, 10 },
    };
    static const Weighted server[] = {
        { 18, 20 }, { 19, 30 }, { 0, 25 }, { 1, 15 }, { 4, 10 },
    };

    return from_server ? PICK(rng, server) : PICK(rng, client);
}

static guint
ephemeral_port(Rng *rng)
{
    return (guint) rng_range(rng, 32768, 60999);
}

static void
gen_times(Gen *g, Flow *f)
{
    f->start = g->base + rng_below(&g->rng, WINDOW_SECONDS);
    if (f->status != STATUS_OK)
        f->end = f->start + rng_range(&g->rng, 50, 60);
    else if (f->packets > 100)
        f->end = f->start + rng_range(&g->rng, 40, 60);
    else
        f->end = f->start + rng_below(&g->rng, 61);
}

static Status
gen_status(Gen *g)
{
    if (!rng_hit(&g->rng, g->nodata_chance))
        return STATUS_OK;
    return rng_hit(&g->rng, PCT(10)) ? STATUS_SKIPDATA : STATUS_NODATA;
}

/* Sets ports, tcp-flags, packets and bytes for a conversation whose server
 * end is the source or the destination. */
static void
gen_transport(Gen *g, Flow *f, guint service_port, gboolean src_is_server,
              gboolean v6)
{
    Rng *rng = &g->rng;

    if (f->protocol == 1 || f->protocol == 58) {
        f->sport = f->dport = 0;
        f->tcp_flags = 0;
        f->packets = rng_range(rng, 1, 20);
    } else {
        guint client = ephemeral_port(rng);

        f->sport = src_is_server ? service_port : client;
        f->dport = src_is_server ? client : service_port;
        f->tcp_flags = f->protocol == 6 ? gen_tcp_flags(rng, src_is_server)
                                        : 0;
        if (f->protocol == 17 && service_port == 53)
            f->packets = rng_range(rng, 1, 4);
        else
            f->packets = gen_packets(rng);
    }
    f->bytes = gen_bytes(rng, f->protocol, f->packets, v6);
}

static guint
gen_protocol(Gen *g, gboolean v6)
{
    static const Weighted protocols[] = { { 6, 80 }, { 17, 14 }, { 1, 6 } };
    guint p = PICK(&g->rng, protocols);

    return p == 1 && v6 ? 58 : p;
}

/* A rejected connection attempt: mostly a scan of an admin port arriving
 * from the internet, sometimes a blocked reply leaving the ENI. */
static void
gen_vpc_reject(Gen *g, Flow *f, gboolean v6)
{
    Rng *rng = &g->rng;
    Addr local = v6 ? f->eni->ip6 : f->eni->ip4;
    Addr remote;
    const Txt *svc;
    guint port, path;
    guint64 r = rng_below(rng, 100);

    f->reject = TRUE;
    f->protocol = r < 85 ? 6 : r < 95 ? 17 : v6 ? 58 : 1;
    port = f->protocol == 17 ? PICK(rng, UDP_PROBE_PORTS)
                             : PICK(rng, TCP_PROBE_PORTS);
    f->egress = rng_hit(rng, PCT(10));
    gen_remote(g, f->vpc, REMOTE_PUBLIC, v6, &remote, &svc, &path);
    if (f->egress) {
        f->src = local;
        f->dst = remote;
        f->traffic_path = path;
    } else {
        f->src = remote;
        f->dst = local;
    }
    f->pkt_src = f->src;
    f->pkt_dst = f->dst;
    if (f->protocol == 1 || f->protocol == 58) {
        f->sport = f->dport = 0;
        f->tcp_flags = 0;
    } else {
        f->sport = f->egress ? port : ephemeral_port(rng);
        f->dport = f->egress ? ephemeral_port(rng) : port;
        f->tcp_flags = f->protocol != 6 ? 0 : f->egress ? 18 : 2;
    }
    f->packets = rng_range(rng, 1, 3);
    f->bytes = f->protocol == 6 ? f->packets * rng_range(rng, 40, 60)
                                : gen_bytes(rng, f->protocol, f->packets, v6);
}

/* A NAT gateway ENI sees four legs of each connection; on the inside legs
 * one address is the NAT's own and the pkt-* field holds the internet
 * host (AWS's NAT gateway example). */
static void
gen_vpc_nat(Gen *g, Flow *f)
{
    Rng *rng = &g->rng;
    Addr inside, outside;
    const Txt *svc, *dummy;
    guint path, dummy_path;
    guint leg = (guint) rng_below(rng, 4);
    guint port;

    f->protocol = rng_hit(rng, PCT(85)) ? 6 : 17;
    port = f->protocol == 6 ? PICK(rng, TCP_SERVICE_PORTS)
                            : PICK(rng, UDP_SERVICE_PORTS);
    gen_remote(g, f->vpc, REMOTE_SAME_VPC, FALSE, &inside, &dummy,
               &dummy_path);
    gen_remote(g, f->vpc, rng_hit(rng, PCT(30)) ? REMOTE_AWS : REMOTE_PUBLIC,
               FALSE, &outside, &svc, &path);
    f->egress = leg == 1 || leg == 3;
    switch (leg) {
    case 0: /* instance -> NAT */
        f->src = f->pkt_src = inside;
        f->dst = f->eni->ip4;
        f->pkt_dst = outside;
        f->dst_svc = svc;
        break;
    case 1: /* NAT -> internet */
        f->src = f->pkt_src = f->eni->ip4;
        f->dst = f->pkt_dst = outside;
        f->dst_svc = svc;
        f->traffic_path = path;
        break;
    case 2: /* internet -> NAT */
        f->src = f->pkt_src = outside;
        f->dst = f->pkt_dst = f->eni->ip4;
        f->src_svc = svc;
        break;
    default: /* NAT -> instance */
        f->src = f->eni->ip4;
        f->pkt_src = outside;
        f->dst = f->pkt_dst = inside;
        f->src_svc = svc;
        f->traffic_path = 1;
        break;
    }
    gen_transport(g, f, port, leg >= 2, FALSE);
}

static void
gen_vpc_flow(Gen *g, Flow *f)
{
    Rng *rng = &g->rng;
    const World *w = &g->world;
    gboolean v6, local_server;
    guint port, path;
    RemoteKind kind;
    Addr local, remote;
    const Txt *svc;

    f->status = gen_status(g);
    /* Idle ENIs (NODATA) are any ENIs, busy ones are skewed. */
    f->eni = &w->enis[f->status == STATUS_OK
                          ? rng_skewed(rng, w->n_enis)
                          : rng_below(rng, w->n_enis)];
    f->vpc = &w->vpcs[f->eni->vpc];
    f->subnet = &w->subnets[f->eni->subnet];
    f->account = f->eni->account;
    f->region = &f->vpc->region_txt;
    if (f->status != STATUS_OK) {
        gen_times(g, f);
        return;
    }

    v6 = rng_hit(rng, g->ipv6_chance);
    f->src_svc = f->dst_svc = &TXT_DASH;
    f->traffic_path = 0;
    f->reject = FALSE;

    if (rng_hit(rng, PCT(5))) {
        gen_vpc_reject(g, f, v6);
        gen_times(g, f);
        return;
    }
    /* NAT gateways translate IPv4 only. */
    if (f->eni->role == ROLE_NAT && !v6) {
        gen_vpc_nat(g, f);
        gen_times(g, f);
        return;
    }

    f->protocol = gen_protocol(g, v6);
    f->egress = rng_hit(rng, PCT(50));
    if (f->protocol == 17) {
        local_server = FALSE;
        port = PICK(rng, UDP_SERVICE_PORTS);
    } else if (f->eni->role == ROLE_SERVER || f->eni->role == ROLE_ENDPOINT) {
        local_server = f->eni->role == ROLE_ENDPOINT ||
                       rng_hit(rng, PCT(85));
        port = local_server ? f->eni->service_port
                            : PICK(rng, TCP_SERVICE_PORTS);
    } else {
        local_server = rng_hit(rng, PCT(5)); /* e.g. ssh into a client */
        port = local_server ? 22 : PICK(rng, TCP_SERVICE_PORTS);
    }

    if (port_is_internal(port) || f->eni->role == ROLE_ENDPOINT) {
        kind = rng_hit(rng, PCT(80)) ? REMOTE_SAME_VPC : REMOTE_PEER;
    } else if (port == 53) {
        kind = rng_hit(rng, PCT(50)) ? REMOTE_SAME_VPC : REMOTE_PUBLIC;
    } else if (local_server) {
        static const Weighted k[] = {
            { REMOTE_PUBLIC, 55 }, { REMOTE_SAME_VPC, 35 },
            { REMOTE_PEER, 10 },
        };
        kind = PICK(rng, k);
    } else {
        static const Weighted k[] = {
            { REMOTE_AWS, 30 }, { REMOTE_PUBLIC, 40 },
            { REMOTE_SAME_VPC, 20 }, { REMOTE_PEER, 10 },
        };
        kind = PICK(rng, k);
    }

    local = v6 ? f->eni->ip6 : f->eni->ip4;
    gen_remote(g, f->vpc, kind, v6, &remote, &svc, &path);
    if (f->egress) {
        f->src = local;
        f->dst = remote;
        f->dst_svc = svc;
        f->traffic_path = rng_hit(rng, PCT(3)) ? 0 : path;
    } else {
        f->src = remote;
        f->dst = local;
        f->src_svc = svc;
    }
    gen_transport(g, f, port, f->egress == local_server, v6);
    f->pkt_src = f->src;
    f->pkt_dst = f->dst;
    gen_times(g, f);
}

/* An address behind one side of a TGW path. */
static void
tgw_side_addr(Gen *g, const Attachment *att, gboolean v6, Addr *a)
{
    Rng *rng = &g->rng;
    const World *w = &g->world;

    if (att->vpc < 0) {
        if (v6)
            random_v6(rng, a, 0x2001, 0x0db8);
        else if (rng_hit(rng, PCT(50)))
            addr_v4(a, V4(192, 168, rng_below(rng, 256),
                          rng_range(rng, 1, 254)));
        else
            addr_v4(a, V4(172, 16 + rng_below(rng, 15), rng_below(rng, 256),
                          rng_range(rng, 1, 254)));
    } else {
        const Vpc *vpc = &w->vpcs[att->vpc];
        const Subnet *s = &w->subnets[vpc->first_subnet +
                                      rng_below(rng, vpc->n_subnets)];

        if (v6)
            subnet_host6(rng, w, s, a);
        else
            addr_v4(a, subnet_host4(rng, s));
    }
}

static void
gen_tgw_flow(Gen *g, Flow *f)
{
    Rng *rng = &g->rng;
    const World *w = &g->world;
    guint ai, pi, port;
    gboolean v6, src_is_server;

    f->status = gen_status(g);
    ai = f->status == STATUS_OK ? rng_skewed(rng, w->n_atts)
                                : (guint) rng_below(rng, w->n_atts);
    f->att = &w->atts[ai];
    f->tgw = &w->tgws[f->att->tgw];
    f->account = &w->accounts[f->tgw->account];
    f->region = &f->tgw->region_txt;
    if (f->status != STATUS_OK) {
        gen_times(g, f);
        return;
    }

    /* The other end of the path through the TGW. */
    pi = f->tgw->first_att +
         (guint) rng_below(rng, f->tgw->n_att - 1);
    if (pi >= ai)
        pi++;
    f->pair = &w->atts[pi];
    /* ingress: into the TGW from the observed attachment. */
    f->egress = rng_hit(rng, PCT(50));
    f->side[0] = f->egress ? f->pair : f->att;
    f->side[1] = f->egress ? f->att : f->pair;
    for (int s = 0; s < 2; s++)
        f->side_az[s] = f->side[s]->n_az == 0
                            ? 0
                            : (guint) rng_below(rng, f->side[s]->n_az);

    v6 = rng_hit(rng, g->ipv6_chance);
    tgw_side_addr(g, f->side[0], v6, &f->src);
    tgw_side_addr(g, f->side[1], v6, &f->dst);
    f->src_svc = f->dst_svc = &TXT_DASH;
    f->protocol = gen_protocol(g, v6);
    port = f->protocol == 17 ? PICK(rng, UDP_SERVICE_PORTS)
                             : PICK(rng, TCP_SERVICE_PORTS);
    src_is_server = rng_hit(rng, PCT(50));
    gen_transport(g, f, port, src_is_server, v6);

    memset(f->lost, 0, sizeof f->lost);
    if (rng_hit(rng, PCT(3))) {
        guint which = (guint) rng_below(rng, 4);

        f->lost[which] = rng_range(rng, 1, 20);
    }
    gen_times(g, f);
}

/* ------------------------------------------------------------------ */
/* Emitting a record.                                                  */

static inline char *
put_side_txt(char *p, const Flow *f, int side, const Txt *per_att)
{
    const Attachment *a = f->side[side];

    if (a->vpc < 0)
        return put_dash(p);
    return put_txt(p, &per_att[f->side_az[side]]);
}

static char *
emit_field(char *p, const Gen *g, const Flow *f, FieldId id)
{
    const World *w = &g->world;

    switch (id) {
    case F_VERSION:
        return put_txt(p, &g->version);
    case F_ACCOUNT_ID:
        return put_txt(p, f->account);
    case F_INTERFACE_ID:
        return put_txt(p, &f->eni->id);
    case F_SRCADDR:
        return put_addr(p, &f->src);
    case F_DSTADDR:
        return put_addr(p, &f->dst);
    case F_SRCPORT:
        return put_u64(p, f->sport);
    case F_DSTPORT:
        return put_u64(p, f->dport);
    case F_PROTOCOL:
        return put_u64(p, f->protocol);
    case F_PACKETS:
        return put_u64(p, f->packets);
    case F_BYTES:
        return put_u64(p, f->bytes);
    case F_START:
        return put_u64(p, f->start);
    case F_END:
        return put_u64(p, f->end);
    case F_ACTION:
        return put_txt(p, f->reject ? &TXT_REJECT : &TXT_ACCEPT);
    case F_LOG_STATUS:
        return put_txt(p, f->status == STATUS_OK       ? &TXT_OK
                          : f->status == STATUS_NODATA ? &TXT_NODATA
                                                       : &TXT_SKIPDATA);
    case F_VPC_ID:
        return put_txt(p, &f->vpc->id);
    case F_SUBNET_ID:
        return put_txt(p, &f->subnet->id);
    case F_INSTANCE_ID:
        return put_txt(p, &f->eni->instance);
    case F_TCP_FLAGS:
        return put_u64(p, f->tcp_flags);
    case F_TYPE:
        return put_txt(p, f->src.v6 ? &TXT_IPV6 : &TXT_IPV4);
    case F_PKT_SRCADDR:
        return put_addr(p, &f->pkt_src);
    case F_PKT_DSTADDR:
        return put_addr(p, &f->pkt_dst);
    case F_REGION:
        return put_txt(p, f->region);
    case F_AZ_ID:
        return put_txt(p, &f->subnet->az);
    case F_SUBLOCATION_TYPE:
        return put_txt(p, &f->subnet->subloc_type);
    case F_SUBLOCATION_ID:
        return put_txt(p, &f->subnet->subloc_id);
    case F_PKT_SRC_AWS_SERVICE:
        return put_txt(p, f->src_svc);
    case F_PKT_DST_AWS_SERVICE:
        return put_txt(p, f->dst_svc);
    case F_FLOW_DIRECTION:
        return put_txt(p, f->egress ? &TXT_EGRESS : &TXT_INGRESS);
    case F_TRAFFIC_PATH:
        return f->egress && f->traffic_path ? put_u64(p, f->traffic_path)
                                            : put_dash(p);
    case F_RESOURCE_TYPE:
        return put_txt(p, &TXT_TRANSIT_GATEWAY);
    case F_TGW_ID:
        return put_txt(p, &f->tgw->id);
    case F_TGW_ATTACHMENT_ID:
        return put_txt(p, &f->att->id);
    case F_TGW_SRC_VPC_ACCOUNT_ID:
    case F_TGW_DST_VPC_ACCOUNT_ID: {
        const Attachment *a = f->side[id == F_TGW_DST_VPC_ACCOUNT_ID];

        if (a->vpc < 0)
            return put_dash(p);
        return put_txt(p, &w->accounts[w->vpcs[a->vpc].account]);
    }
    case F_TGW_SRC_VPC_ID:
    case F_TGW_DST_VPC_ID: {
        const Attachment *a = f->side[id == F_TGW_DST_VPC_ID];

        return a->vpc < 0 ? put_dash(p) : put_txt(p, &w->vpcs[a->vpc].id);
    }
    case F_TGW_SRC_SUBNET_ID:
        return put_side_txt(p, f, 0, f->side[0]->subnet);
    case F_TGW_DST_SUBNET_ID:
        return put_side_txt(p, f, 1, f->side[1]->subnet);
    case F_TGW_SRC_ENI:
        return put_side_txt(p, f, 0, f->side[0]->eni);
    case F_TGW_DST_ENI:
        return put_side_txt(p, f, 1, f->side[1]->eni);
    case F_TGW_SRC_AZ_ID:
        return put_side_txt(p, f, 0, f->side[0]->az);
    case F_TGW_DST_AZ_ID:
        return put_side_txt(p, f, 1, f->side[1]->az);
    case F_TGW_PAIR_ATTACHMENT_ID:
        return put_txt(p, &f->pair->id);
    case F_PACKETS_LOST_NO_ROUTE:
    case F_PACKETS_LOST_BLACKHOLE:
    case F_PACKETS_LOST_MTU_EXCEEDED:
    case F_PACKETS_LOST_TTL_EXPIRED:
        return put_u64(p, f->lost[id - F_PACKETS_LOST_NO_ROUTE]);
    case F_DASH:
        return put_dash(p);
    }
    return put_dash(p);
}

static char *
emit_line(char *p, const Gen *g, const Flow *f)
{
    gboolean ok = f->status == STATUS_OK;

    for (guint i = 0; i < g->n_cols; i++) {
        const Column *c = &g->cols[i];

        if (i > 0)
            *p++ = ' ';
        if (!ok && !(c->flags & FF_META))
            p = put_dash(p);
        else
            p = emit_field(p, g, f, c->id);
    }
    *p++ = '\n';
    return p;
}

/* ------------------------------------------------------------------ */
/* Set-up and main loop.                                               */

static const FieldInfo *
field_lookup(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(FIELDS); i++)
        if (strcmp(FIELDS[i].name, name) == 0)
            return &FIELDS[i];
    return NULL;
}

/* Splits a field list ("a b" or "${a} ${b}") into bare names. */
static gchar **
split_fields(const char *list, GError **error)
{
    GPtrArray *names = g_ptr_array_new();
    gchar **tokens = g_strsplit_set(list, " \t\n", -1);

    for (gchar **t = tokens; *t != NULL; t++) {
        const char *s = *t;
        gsize len = strlen(s);

        if (len == 0)
            continue;
        if (len > 3 && s[0] == '$' && s[1] == '{' && s[len - 1] == '}') {
            s += 2;
            len -= 3;
        }
        g_ptr_array_add(names, g_strndup(s, len));
    }
    g_strfreev(tokens);
    g_ptr_array_add(names, NULL);
    if (names->len == 1) {
        g_ptr_array_free(names, TRUE);
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "the field list is empty");
        return NULL;
    }
    return (gchar **) g_ptr_array_free(names, FALSE);
}

static gboolean
gen_set_format(Gen *g, const char *format, const char *fields,
               GError **error)
{
    const char *list;
    guint version = 2;
    gboolean has_tgw = FALSE, has_eni = FALSE;

    if (fields != NULL && format != NULL && strcmp(format, "custom") != 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--fields needs --format custom (or no --format)");
        return FALSE;
    }
    if (format == NULL)
        format = fields != NULL ? "custom" : "v2";
    if (strcmp(format, "v2") == 0)
        list = FORMAT_V2;
    else if (strcmp(format, "v5-29") == 0)
        list = FORMAT_V5_29;
    else if (strcmp(format, "v5") == 0)
        list = FORMAT_V5;
    else if (strcmp(format, "tgw") == 0)
        list = FORMAT_TGW;
    else if (strcmp(format, "custom") == 0)
        list = fields != NULL ? fields : FORMAT_CUSTOM_DEFAULT;
    else {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "unknown format '%s' (v2, v5, v5-29, tgw, custom)",
                    format);
        return FALSE;
    }

    g->names = split_fields(list, error);
    if (g->names == NULL)
        return FALSE;
    g->n_cols = g_strv_length(g->names);
    g->cols = g_new0(Column, g->n_cols);
    for (guint i = 0; i < g->n_cols; i++) {
        const FieldInfo *fi = field_lookup(g->names[i]);

        if (fi == NULL) {
            g_printerr("flowgen: unknown field '%s', written as '-'\n",
                       g->names[i]);
            g->cols[i].id = F_DASH;
            g->cols[i].flags = FF_META;
            continue;
        }
        g->cols[i].id = fi->id;
        g->cols[i].flags = fi->flags;
        has_tgw |= (fi->flags & FF_TGW) != 0;
        has_eni |= fi->id == F_INTERFACE_ID;
        if (!(fi->flags & FF_TGW))
            version = MAX(version, fi->version);
    }
    g->tgw_mode = has_tgw && !has_eni;
    if (g->tgw_mode)
        version = 6;
    txt_printf(&g->version, "%u", version);

    /* Fields of the other record kind have no value here. */
    for (guint i = 0; i < g->n_cols; i++) {
        guint8 other = g->tgw_mode ? FF_VPC : FF_TGW;

        if (g->cols[i].flags & other) {
            g->cols[i].id = F_DASH;
            g->cols[i].flags = FF_META;
        }
    }
    return TRUE;
}

static gboolean
write_all(const char *buf, gsize len)
{
    if (len > 0 && fwrite(buf, 1, len, stdout) != len) {
        g_printerr("flowgen: write error: %s\n", g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

int
main(int argc, char **argv)
{
    gint64 lines = 1000;
    gint64 seed = 1;
    gint64 start = DEFAULT_START;
    gchar *format = NULL;
    gchar *fields = NULL;
    gboolean header = FALSE;
    gdouble ipv6_share = 0.1;
    gdouble nodata_share = 0.01;
    gint enis = 200, vpcs = 8, accounts = 3;
    GOptionEntry entries[] = {
        { "lines", 'n', 0, G_OPTION_ARG_INT64, &lines,
          "Number of records (default 1000; the header is extra)", "N" },
        { "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
          "PRNG seed; same seed and options, same bytes (default 1)", "S" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
          "v2 (default), v5, v5-29, tgw or custom", "FORMAT" },
        { "fields", 0, 0, G_OPTION_ARG_STRING, &fields,
          "Field list for --format custom", "'NAME ...'" },
        { "header", 0, 0, G_OPTION_ARG_NONE, &header,
          "Print the S3-style header line (field names) first", NULL },
        { "ipv6-share", 0, 0, G_OPTION_ARG_DOUBLE, &ipv6_share,
          "Fraction of IPv6 flows (default 0.1)", "P" },
        { "nodata-share", 0, 0, G_OPTION_ARG_DOUBLE, &nodata_share,
          "Fraction of NODATA/SKIPDATA lines, 1/10 SKIPDATA "
          "(default 0.01)", "P" },
        { "start", 0, 0, G_OPTION_ARG_INT64, &start,
          "Base time, Unix seconds (default 1716638400)", "EPOCH" },
        { "enis", 0, 0, G_OPTION_ARG_INT, &enis,
          "Distinct ENIs (default 200)", "N" },
        { "vpcs", 0, 0, G_OPTION_ARG_INT, &vpcs,
          "Distinct VPCs (default 8)", "N" },
        { "accounts", 0, 0, G_OPTION_ARG_INT, &accounts,
          "Distinct account IDs (default 3)", "N" },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionContext *ctx;
    GError *error = NULL;
    Gen g;
    char *buf, *p, *flush_at;
    gsize max_line;
    int rc = 0;

    ctx = g_option_context_new("- write synthetic AWS flow-log lines");
    g_option_context_set_summary(
        ctx, "Deterministic generator of VPC / Transit Gateway flow-log "
             "text on stdout.\nField lists of the formats: see the comment "
             "at the top of tests/flowgen.c.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        goto usage;
    if (argc > 1) {
        g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                    "unexpected argument '%s'", argv[1]);
        goto usage;
    }
    if (lines < 0 || start < 0 || enis < 1 || vpcs < 1 || accounts < 1 ||
        enis > 1000000 || vpcs > 100000 || accounts > 10000 ||
        !(ipv6_share >= 0.0 && ipv6_share <= 1.0) ||
        !(nodata_share >= 0.0 && nodata_share <= 1.0)) {
        g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "out of range: need --lines >= 0, --start >= 0, "
                    "1 <= --enis <= 1e6, 1 <= --vpcs <= 1e5, "
                    "1 <= --accounts <= 1e4, shares in [0, 1]");
        goto usage;
    }

    memset(&g, 0, sizeof g);
    if (!gen_set_format(&g, format, fields, &error))
        goto usage;
    rng_seed(&g.rng, (guint64) seed);
    world_build(&g.world, &g.rng, (guint) accounts, (guint) vpcs,
                (guint) enis);
    g.ipv6_chance = chance_from_share(ipv6_share);
    g.nodata_chance = chance_from_share(nodata_share);
    g.base = (guint64) start;

    /* Worst case per field: a 47-byte Txt copy or a 39-char address. */
    max_line = (gsize) g.n_cols * (TXT_MAX + 1) + 2;
    buf = g_malloc(OUT_BUF_SIZE + max_line);
    p = buf;
    flush_at = buf + OUT_BUF_SIZE;

    if (header) {
        gchar *h = g_strjoinv(" ", g.names);

        p += g_snprintf(p, OUT_BUF_SIZE, "%s\n", h);
        g_free(h);
    }
    for (gint64 i = 0; i < lines; i++) {
        Flow f;

        if (g.tgw_mode)
            gen_tgw_flow(&g, &f);
        else
            gen_vpc_flow(&g, &f);
        p = emit_line(p, &g, &f);
        if (p >= flush_at) {
            if (!write_all(buf, (gsize) (p - buf))) {
                rc = 1;
                break;
            }
            p = buf;
        }
    }
    if (rc == 0 && (!write_all(buf, (gsize) (p - buf)) ||
                    fflush(stdout) != 0)) {
        if (errno != 0)
            g_printerr("flowgen: write error: %s\n", g_strerror(errno));
        rc = 1;
    }

    g_free(buf);
    world_free(&g.world);
    g_free(g.cols);
    g_strfreev(g.names);
    g_free(format);
    g_free(fields);
    g_option_context_free(ctx);
    return rc;

usage:
    g_printerr("flowgen: %s\n", error->message);
    g_error_free(error);
    g_free(format);
    g_free(fields);
    g_option_context_free(ctx);
    return 2;
}
