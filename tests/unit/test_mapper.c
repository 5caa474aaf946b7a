/*
 * test_mapper.c - unit tests for mapper.c: plans (profiles, mandatory
 * fields, variant bits) and the mapping of decoded lines to FlIpfixRec.
 *
 * Lines go through the real decoder first (fl_decode_line), as in the
 * pipeline; a test fails at once if its line does not decode, so every
 * expectation below is about the mapper.  Generated IDs are checked against
 * fl_id_generate(), whose own values test_idmap.c pins down.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "decoders/decode.h"
#include "error.h"
#include "idmap.h"
#include "mapper.h"
#include "record.h"

/* ---- formats and lines ----------------------------------------------- */

/* Columns of the default format, for lines built column by column. */
enum {
    C_VERSION, C_ACCOUNT, C_INTERFACE, C_SRCADDR, C_DSTADDR, C_SRCPORT,
    C_DSTPORT, C_PROTOCOL, C_PACKETS, C_BYTES, C_START, C_END, C_ACTION,
    C_LOG_STATUS, C_N
};

static const char *const default_words[C_N] = {
    "2", "123456789010", "eni-1235b8ca123456789", "10.1.2.3",
    "192.168.255.1", "20641", "22", "6", "20", "4249", "1418530010",
    "1418530070", "ACCEPT", "OK",
};

static const FlField default_fields[C_N] = {
    FL_F_VERSION, FL_F_ACCOUNT_ID, FL_F_INTERFACE_ID, FL_F_SRCADDR,
    FL_F_DSTADDR, FL_F_SRCPORT, FL_F_DSTPORT, FL_F_PROTOCOL, FL_F_PACKETS,
    FL_F_BYTES, FL_F_START, FL_F_END, FL_F_ACTION, FL_F_LOG_STATUS,
};

/* The default-format line with column col replaced by word (col < 0:
 * none replaced).  Caller frees. */
static char *
default_line_with(int col, const char *word)
{
    GString *s = g_string_new(NULL);

    for (int i = 0; i < C_N; i++) {
        if (i)
            g_string_append_c(s, ' ');
        g_string_append(s, i == col ? word : default_words[i]);
    }
    return g_string_free(s, FALSE);
}

#define FMT_V5 \
    "version vpc-id subnet-id instance-id interface-id account-id type " \
    "srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol " \
    "bytes packets start end action tcp-flags log-status region az-id " \
    "flow-direction"
/* A v5 line with tcp-flags TF and flow-direction DIR (words). */
#define V5_LINE(vpc, inst, tf, dir) \
    "5 " vpc " subnet-07f6bffbf4ffbfa44 " inst " eni-0936727c32caee781 " \
    "236852715216 IPv4 192.0.2.45 10.5.5.139 40000 443 192.0.2.45 " \
    "10.5.5.139 17 987654 321 1716639550 1716639607 REJECT " tf " OK " \
    "us-west-2 usw2-az1 " dir

#define FMT_TGW \
    "version resource-type account-id tgw-id tgw-attachment-id " \
    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id " \
    "tgw-dst-vpc-id srcaddr dstaddr srcport dstport protocol packets " \
    "bytes start end log-status type packets-lost-no-route " \
    "packets-lost-blackhole packets-lost-mtu-exceeded " \
    "packets-lost-ttl-expired tcp-flags region flow-direction"
#define TGW_LINE(attach, lost, status) \
    "6 TransitGateway 842121372849 tgw-0ce2be1da7269b0fa " attach " " \
    "106237387986 613908389366 vpc-0431f8443c80ee8e0 " \
    "vpc-0947424733b2f82f7 10.1.33.148 172.26.3.61 56989 80 6 4 1681 " \
    "1716640916 1716640961 " status " IPv4 " lost " 2 us-east-1 egress"

#define FMT_TGW_MIN \
    "tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets " \
    "bytes start end log-status"

/* ---- a mapper around one format -------------------------------------- */

typedef struct {
    FlFormat *fmt;
    FlMapperConfig cfg;
    FlMapPlan plan;
    FlMapperThread t;
    FlRecord *rec;
    char *line;                 /* the record's strings point into it */
    FlIpfixRec out;
    guint variant;
    FlReject reason;
    guint column;
} Mapper;

static void
mapper_init(Mapper *m, const char *spec, FlTimeElements time, int bits)
{
    g_autoptr(GError) err = NULL;

    memset(m, 0, sizeof *m);
    m->fmt = fl_format_parse(spec, -1, &err);
    g_assert_no_error(err);
    m->cfg.time_elements = time;
    m->cfg.id_bits = bits;
    g_assert_true(fl_map_plan_init(&m->plan, m->fmt, &m->cfg, &err));
    g_assert_no_error(err);
    fl_mapper_thread_init(&m->t, &m->cfg);
    m->rec = g_new0(FlRecord, 1);
}

static void
mapper_clear(Mapper *m)
{
    fl_mapper_thread_clear(&m->t);
    fl_format_unref(m->fmt);
    g_free(m->rec);
    g_free(m->line);
}

/* Decodes line (which must decode) and maps it. */
static FlMapResult
mapper_run(Mapper *m, const char *line)
{
    FlReject reason;
    guint column;

    g_free(m->line);
    m->line = g_strdup(line);       /* NUL after it: decode.h's sentinel */
    if (!fl_decode_line(m->fmt, m->line, strlen(m->line), m->rec, &reason,
                        &column))
        g_error("test line does not decode (%s, column %u): %s",
                fl_reject_name(reason), column, line);
    memset(&m->out, 0xA5, sizeof m->out);   /* no field left unset */
    m->variant = G_MAXUINT;
    m->reason = FL_REJECT_COUNT;
    m->column = G_MAXUINT;
    return fl_map_record(&m->plan, &m->cfg, &m->t, m->rec, &m->out,
                         &m->variant, &m->reason, &m->column);
}

static const FlNewName *
new_name(const Mapper *m, guint i)
{
    static const FlNewName none = { FL_ID_KINDS, 0, "(none)", "(none)" };

    g_assert_cmpuint(i, <, m->t.new_names->len);
    if (i >= m->t.new_names->len)
        return &none;
    return &g_array_index(m->t.new_names, FlNewName, i);
}

/* The one new name of the given kind, or NULL. */
static const FlNewName *
new_name_of(const Mapper *m, FlIdKind kind)
{
    const FlNewName *found = NULL;

    for (guint i = 0; i < m->t.new_names->len; i++) {
        const FlNewName *n = &g_array_index(m->t.new_names, FlNewName, i);
        if (n->kind == kind) {
            g_assert_null(found);
            found = n;
        }
    }
    return found;
}

/* Description of the new name of that kind, or a marker (never NULL). */
static const char *
desc_of(const Mapper *m, FlIdKind kind)
{
    const FlNewName *n = new_name_of(m, kind);

    return n ? n->desc : "(no new name)";
}

static const char *
name_of(const Mapper *m, FlIdKind kind)
{
    const FlNewName *n = new_name_of(m, kind);

    return n ? n->name : "(no new name)";
}

static guint32
gen(FlIdKind kind, const char *name, int bits)
{
    return fl_id_generate(kind, name, strlen(name), bits);
}

/* ---- plans: mandatory fields ----------------------------------------- */

static void
expect_plan_error(const char *spec, const char *message)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) fmt = fl_format_parse(spec, -1, &err);
    FlMapperConfig cfg = { FL_TIME_SECONDS, 32, FALSE, NULL };
    FlMapPlan plan;

    g_assert_no_error(err);
    g_assert_false(fl_map_plan_init(&plan, fmt, &cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_FORMAT);
    if (err)
        g_assert_cmpstr(err->message, ==, message);
}

static void
test_plan_vpc_missing_all(void)
{
    expect_plan_error("version account-id",
                      "format lacks mandatory field(s): srcaddr, dstaddr, "
                      "srcport, dstport, protocol, packets, bytes, start, "
                      "end, action, interface-id, log-status");
}

/* The default format less one mandatory field names exactly that one. */
static void
test_plan_vpc_missing_each(void)
{
    for (int drop = 0; drop < C_N; drop++) {
        g_autoptr(GString) spec = g_string_new(NULL);
        g_autofree char *msg = NULL;
        const char *name = fl_field_info(default_fields[drop])->name;

        if (drop == C_VERSION || drop == C_ACCOUNT)
            continue;           /* not mandatory */
        for (int i = 0; i < C_N; i++)
            if (i != drop)
                g_string_append_printf(spec, "%s ",
                                       fl_field_info(default_fields[i])->name);
        msg = g_strdup_printf("format lacks mandatory field(s): %s", name);
        expect_plan_error(spec->str, msg);
    }
}

static void
test_plan_vpc_optional_fields(void)
{
    g_autoptr(FlFormat) fmt =
        fl_format_parse("interface-id srcaddr dstaddr srcport dstport "
                        "protocol packets bytes start end action "
                        "log-status", -1, NULL);
    FlMapperConfig cfg = { FL_TIME_SECONDS, 32, FALSE, NULL };
    g_autoptr(GError) err = NULL;
    FlMapPlan plan;

    /* version and account-id are not needed. */
    g_assert_true(fl_map_plan_init(&plan, fmt, &cfg, &err));
    g_assert_no_error(err);
    g_assert_cmpint(plan.profile, ==, FL_PROFILE_VPC);
}

/* A format marked no_action (Google) needs no action and has no
 * egressInterface; unmarked, the same fields are refused; a marked format
 * that has action keeps it. */
static void
test_plan_vpc_no_action(void)
{
    static const char spec[] = "interface-id srcaddr dstaddr srcport "
                               "dstport protocol packets bytes start end "
                               "log-status";
    g_autoptr(FlFormat) fmt = fl_format_parse(spec, -1, NULL);
    g_autoptr(FlFormat) with = NULL;
    g_autofree char *with_spec = g_strconcat(spec, " action", NULL);
    FlMapperConfig cfg = { FL_TIME_SECONDS, 32, FALSE, NULL };
    g_autoptr(GError) err = NULL;
    FlMapPlan plan;

    expect_plan_error(spec, "format lacks mandatory field(s): action");
    fmt->no_action = TRUE;
    g_assert_true(fl_map_plan_init(&plan, fmt, &cfg, &err));
    g_assert_no_error(err);
    g_assert_cmpint(plan.profile, ==, FL_PROFILE_VPC);
    g_assert_cmpuint(plan.variant & FL_V_EGRESS, ==, 0);
    with = fl_format_parse(with_spec, -1, NULL);
    with->no_action = TRUE;
    g_assert_true(fl_map_plan_init(&plan, with, &cfg, &err));
    g_assert_cmpuint(plan.variant & FL_V_EGRESS, ==, FL_V_EGRESS);
}

static void
test_plan_tgw_missing_all(void)
{
    expect_plan_error("version tgw-attachment-id",
                      "format lacks mandatory field(s): srcaddr, dstaddr, "
                      "srcport, dstport, protocol, packets, bytes, start, "
                      "end, log-status");
}

static void
test_plan_tgw_missing_each(void)
{
    static const char *const names[] = {
        "tgw-attachment-id", "srcaddr", "dstaddr", "srcport", "dstport",
        "protocol", "packets", "bytes", "start", "end", "log-status",
    };

    /* names[0] is what makes the profile TGW: without it the format is a
     * VPC one, which lacks action and interface-id. */
    for (guint drop = 0; drop < G_N_ELEMENTS(names); drop++) {
        g_autoptr(GString) spec = g_string_new("version tgw-id ");
        g_autofree char *msg = NULL;

        for (guint i = 0; i < G_N_ELEMENTS(names); i++)
            if (i != drop)
                g_string_append_printf(spec, "%s ", names[i]);
        if (drop == 0)
            msg = g_strdup("format lacks mandatory field(s): action, "
                           "interface-id");
        else
            msg = g_strdup_printf("format lacks mandatory field(s): %s",
                                  names[drop]);
        expect_plan_error(spec->str, msg);
    }
}

/* ---- plans: profiles and variant bits -------------------------------- */

typedef struct {
    const char *name;
    const char *spec;
    FlTimeElements time;
    guint variant;
    FlProfile profile;
    FlField if_field;
    FlField vrf_field;
    gboolean has_lost;
} PlanCase;

#define DEF "version account-id interface-id srcaddr dstaddr srcport " \
    "dstport protocol packets bytes start end action log-status"

static const PlanCase plan_cases[] = {
    { "default-seconds", DEF, FL_TIME_SECONDS,
      FL_V_EGRESS | FL_V_TIME_SEC, FL_PROFILE_VPC, FL_F_INTERFACE_ID,
      FL_F_UNKNOWN, FALSE },
    { "default-milliseconds", DEF, FL_TIME_MILLISECONDS,
      FL_V_EGRESS | FL_V_TIME_MSEC, FL_PROFILE_VPC, FL_F_INTERFACE_ID,
      FL_F_UNKNOWN, FALSE },
    { "default-both", DEF, FL_TIME_BOTH,
      FL_V_EGRESS | FL_V_TIME_SEC | FL_V_TIME_MSEC, FL_PROFILE_VPC,
      FL_F_INTERFACE_ID, FL_F_UNKNOWN, FALSE },
    { "vpc-id", DEF " vpc-id", FL_TIME_SECONDS,
      FL_V_EGRESS | FL_V_VRF | FL_V_TIME_SEC, FL_PROFILE_VPC,
      FL_F_INTERFACE_ID, FL_F_VPC_ID, FALSE },
    { "tcp-flags", DEF " tcp-flags", FL_TIME_SECONDS,
      FL_V_EGRESS | FL_V_TCP_FLAGS | FL_V_TIME_SEC, FL_PROFILE_VPC,
      FL_F_INTERFACE_ID, FL_F_UNKNOWN, FALSE },
    { "flow-direction", DEF " flow-direction", FL_TIME_MILLISECONDS,
      FL_V_EGRESS | FL_V_DIRECTION | FL_V_TIME_MSEC, FL_PROFILE_VPC,
      FL_F_INTERFACE_ID, FL_F_UNKNOWN, FALSE },
    { "v5", FMT_V5, FL_TIME_SECONDS,
      FL_V_EGRESS | FL_V_TCP_FLAGS | FL_V_DIRECTION | FL_V_VRF
      | FL_V_TIME_SEC, FL_PROFILE_VPC, FL_F_INTERFACE_ID, FL_F_VPC_ID,
      FALSE },
    { "v5-both", FMT_V5, FL_TIME_BOTH,
      FL_V_EGRESS | FL_V_TCP_FLAGS | FL_V_DIRECTION | FL_V_VRF
      | FL_V_TIME_SEC | FL_V_TIME_MSEC, FL_PROFILE_VPC, FL_F_INTERFACE_ID,
      FL_F_VPC_ID, FALSE },
    /* tgw-src-vpc-id is the TGW profile's VRF, not the VPC one's. */
    { "vpc-with-tgw-src-vpc-id", DEF " tgw-src-vpc-id", FL_TIME_SECONDS,
      FL_V_EGRESS | FL_V_TIME_SEC, FL_PROFILE_VPC, FL_F_INTERFACE_ID,
      FL_F_UNKNOWN, FALSE },
    { "interface-id-wins-over-tgw", DEF " tgw-attachment-id",
      FL_TIME_SECONDS, FL_V_EGRESS | FL_V_TIME_SEC, FL_PROFILE_VPC,
      FL_F_INTERFACE_ID, FL_F_UNKNOWN, FALSE },
    { "tgw-full", FMT_TGW, FL_TIME_SECONDS,
      FL_V_TCP_FLAGS | FL_V_DIRECTION | FL_V_VRF | FL_V_DROPPED
      | FL_V_TIME_SEC, FL_PROFILE_TGW, FL_F_TGW_ATTACHMENT_ID,
      FL_F_TGW_SRC_VPC_ID, TRUE },
    { "tgw-minimal", FMT_TGW_MIN, FL_TIME_SECONDS, FL_V_TIME_SEC,
      FL_PROFILE_TGW, FL_F_TGW_ATTACHMENT_ID, FL_F_UNKNOWN, FALSE },
    { "tgw-minimal-both", FMT_TGW_MIN, FL_TIME_BOTH,
      FL_V_TIME_SEC | FL_V_TIME_MSEC, FL_PROFILE_TGW,
      FL_F_TGW_ATTACHMENT_ID, FL_F_UNKNOWN, FALSE },
    { "tgw-one-lost-field", FMT_TGW_MIN " packets-lost-mtu-exceeded",
      FL_TIME_SECONDS, FL_V_DROPPED | FL_V_TIME_SEC, FL_PROFILE_TGW,
      FL_F_TGW_ATTACHMENT_ID, FL_F_UNKNOWN, TRUE },
    { "tgw-with-vpc-id", FMT_TGW_MIN " vpc-id", FL_TIME_SECONDS,
      FL_V_TIME_SEC, FL_PROFILE_TGW, FL_F_TGW_ATTACHMENT_ID, FL_F_UNKNOWN,
      FALSE },
    { "tgw-src-vpc-id", FMT_TGW_MIN " tgw-src-vpc-id", FL_TIME_SECONDS,
      FL_V_VRF | FL_V_TIME_SEC, FL_PROFILE_TGW, FL_F_TGW_ATTACHMENT_ID,
      FL_F_TGW_SRC_VPC_ID, FALSE },
};

static void
check_plan(gconstpointer data)
{
    const PlanCase *c = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) fmt = fl_format_parse(c->spec, -1, &err);
    FlMapperConfig cfg = { c->time, 32, FALSE, NULL };
    FlMapPlan plan;

    g_assert_no_error(err);
    if (!fl_map_plan_init(&plan, fmt, &cfg, &err)) {
        g_test_message("plan failed: %s", err->message);
        g_test_fail();
        return;
    }
    g_assert_cmphex(plan.variant, ==, c->variant);
    g_assert_cmphex(plan.variant & FL_V_IPV6, ==, 0);
    g_assert_cmpint(plan.profile, ==, c->profile);
    g_assert_cmpint(plan.if_field, ==, c->if_field);
    g_assert_cmpint(plan.vrf_field, ==, c->vrf_field);
    g_assert_cmpint(plan.has_lost, ==, c->has_lost);
}

/* ---- mapping ---------------------------------------------------------- */

static void
test_map_ipv4(void)
{
    Mapper m;
    g_autofree char *line = default_line_with(-1, NULL);

    mapper_init(&m, DEF, FL_TIME_BOTH, 32);
    g_assert_cmpint(mapper_run(&m, line), ==, FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==,
                    FL_V_EGRESS | FL_V_TIME_SEC | FL_V_TIME_MSEC);
    /* Host order: fixbuf converts to network order on the wire. */
    g_assert_cmphex(m.out.sourceIPv4Address, ==, 0x0A010203);
    g_assert_cmphex(m.out.destinationIPv4Address, ==, 0xC0A8FF01);
    g_assert_cmpuint(m.out.sourceTransportPort, ==, 20641);
    g_assert_cmpuint(m.out.destinationTransportPort, ==, 22);
    g_assert_cmpuint(m.out.protocolIdentifier, ==, 6);
    g_assert_cmpuint(m.out.packetDeltaCount, ==, 20);
    g_assert_cmpuint(m.out.octetDeltaCount, ==, 4249);
    g_assert_cmpuint(m.out.flowStartSeconds, ==, 1418530010u);
    g_assert_cmpuint(m.out.flowEndSeconds, ==, 1418530070u);
    g_assert_cmpuint(m.out.flowStartMilliseconds, ==,
                     G_GUINT64_CONSTANT(1418530010000));
    g_assert_cmpuint(m.out.flowEndMilliseconds, ==,
                     G_GUINT64_CONSTANT(1418530070000));
    g_assert_cmpuint(m.out.ingressInterface, ==,
                     gen(FL_ID_INTERFACE, "eni-1235b8ca123456789", 32));
    g_assert_cmpuint(m.out.egressInterface, ==, FL_ID_ACCEPT);
    mapper_clear(&m);
}

static void
test_map_ipv6(void)
{
    static const guint8 src[16] = {
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
    static const guint8 dst[16] = {
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33,
        0x44, 0x55 };
    Mapper m;
    g_autoptr(GString) line = g_string_new(NULL);

    for (int i = 0; i < C_N; i++)
        g_string_append_printf(line, "%s ", i == C_SRCADDR ? "2001:db8::1"
                               : i == C_DSTADDR ? "fe80::211:22ff:fe33:4455"
                               : default_words[i]);
    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, line->str), ==, FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_IPV6 | FL_V_EGRESS | FL_V_TIME_SEC);
    /* Network order, as the bytes of the address. */
    g_assert_cmpmem(m.out.sourceIPv6Address, 16, src, 16);
    g_assert_cmpmem(m.out.destinationIPv6Address, 16, dst, 16);
    g_assert_cmphex(m.out.sourceIPv4Address, ==, 0);
    g_assert_cmphex(m.out.destinationIPv4Address, ==, 0);
    g_assert_cmpuint(m.out.sourceTransportPort, ==, 20641);
    mapper_clear(&m);
}

static void
test_map_reject_action(void)
{
    Mapper m;
    g_autofree char *line = default_line_with(C_ACTION, "REJECT");

    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, line), ==, FL_MAP_RECORD);
    g_assert_cmpuint(m.out.egressInterface, ==, FL_ID_REJECT);
    g_assert_cmpuint(FL_ID_REJECT, ==, 2);
    g_assert_cmpuint(FL_ID_ACCEPT, ==, 1);
    mapper_clear(&m);
}

static void
test_map_extremes(void)
{
    Mapper m;
    const char *line = "2 1 eni-1 0.0.0.0 255.255.255.255 65535 0 255 "
        "18446744073709551615 18446744073709551615 0 0 ACCEPT OK";

    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, line), ==, FL_MAP_RECORD);
    g_assert_cmphex(m.out.sourceIPv4Address, ==, 0);
    g_assert_cmphex(m.out.destinationIPv4Address, ==, 0xFFFFFFFFu);
    g_assert_cmpuint(m.out.sourceTransportPort, ==, 65535);
    g_assert_cmpuint(m.out.destinationTransportPort, ==, 0);
    g_assert_cmpuint(m.out.protocolIdentifier, ==, 255);
    g_assert_cmpuint(m.out.packetDeltaCount, ==, G_MAXUINT64);
    g_assert_cmpuint(m.out.octetDeltaCount, ==, G_MAXUINT64);
    g_assert_cmpuint(m.out.flowStartSeconds, ==, 0);
    g_assert_cmpuint(m.out.flowEndMilliseconds, ==, 0);
    mapper_clear(&m);
}

/* ---- times ------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *start, *end;
    FlMapResult result;
    guint64 start_s, end_s, start_ms, end_ms;   /* FL_MAP_RECORD */
    FlField bad;                                /* FL_MAP_REJECT */
} TimeCase;

static const TimeCase time_cases[] = {
    { "seconds", "1418530010", "1418530070", FL_MAP_RECORD,
      1418530010, 1418530070, G_GUINT64_CONSTANT(1418530010000),
      G_GUINT64_CONSTANT(1418530070000), 0 },
    { "milliseconds", "1418530010123", "1418530070999", FL_MAP_RECORD,
      1418530010, 1418530070, G_GUINT64_CONSTANT(1418530010123),
      G_GUINT64_CONSTANT(1418530070999), 0 },
    { "mixed-units", "1418530010", "1418530070500", FL_MAP_RECORD,
      1418530010, 1418530070, G_GUINT64_CONSTANT(1418530010000),
      G_GUINT64_CONSTANT(1418530070500), 0 },
    { "zero", "0", "1", FL_MAP_RECORD, 0, 1, 0, 1000, 0 },
    /* 1e11 and up are milliseconds. */
    { "threshold-is-milliseconds", "100000000000", "100000000001",
      FL_MAP_RECORD, 100000000, 100000000,
      G_GUINT64_CONSTANT(100000000000), G_GUINT64_CONSTANT(100000000001),
      0 },
    { "last-32-bit-second", "4294967295", "4294967295", FL_MAP_RECORD,
      4294967295u, 4294967295u, G_GUINT64_CONSTANT(4294967295000),
      G_GUINT64_CONSTANT(4294967295000), 0 },
    /* Below 1e11 is seconds, and seconds past 2^32-1 do not fit
     * dateTimeSeconds: rejected, never wrapped. */
    { "start-past-2106", "4294967296", "4294967296", FL_MAP_REJECT,
      0, 0, 0, 0, FL_F_START },
    { "start-just-below-threshold", "99999999999", "1418530070",
      FL_MAP_REJECT, 0, 0, 0, 0, FL_F_START },
    { "start-max", "18446744073709551615", "1418530070", FL_MAP_REJECT,
      0, 0, 0, 0, FL_F_START },
    { "end-past-2106", "1418530010", "4294967296", FL_MAP_REJECT,
      0, 0, 0, 0, FL_F_END },
    { "end-max", "1418530010", "18446744073709551615", FL_MAP_REJECT,
      0, 0, 0, 0, FL_F_END },
};

static void
check_time(gconstpointer data)
{
    const TimeCase *c = data;
    Mapper m;
    g_autoptr(GString) line = g_string_new(NULL);
    FlMapResult r;

    for (int i = 0; i < C_N; i++)
        g_string_append_printf(line, "%s ", i == C_START ? c->start
                               : i == C_END ? c->end : default_words[i]);
    mapper_init(&m, DEF, FL_TIME_BOTH, 32);
    r = mapper_run(&m, line->str);
    g_assert_cmpint(r, ==, c->result);
    if (r == FL_MAP_RECORD && c->result == FL_MAP_RECORD) {
        g_assert_cmpuint(m.out.flowStartSeconds, ==, c->start_s);
        g_assert_cmpuint(m.out.flowEndSeconds, ==, c->end_s);
        g_assert_cmpuint(m.out.flowStartMilliseconds, ==, c->start_ms);
        g_assert_cmpuint(m.out.flowEndMilliseconds, ==, c->end_ms);
    } else if (r == FL_MAP_REJECT && c->result == FL_MAP_REJECT) {
        g_assert_cmpstr(fl_reject_name(m.reason), ==, "number");
        /* The pipeline names this field in its message. */
        g_assert_cmpstr(fl_field_info((FlField)m.column)->name, ==,
                        fl_field_info(c->bad)->name);
    }
    mapper_clear(&m);
}

/* The time elements do not change the values, only the variant. */
static void
test_map_time_elements(void)
{
    static const FlTimeElements t[] = {
        FL_TIME_SECONDS, FL_TIME_MILLISECONDS, FL_TIME_BOTH };
    static const guint bits[] = {
        FL_V_TIME_SEC, FL_V_TIME_MSEC, FL_V_TIME_SEC | FL_V_TIME_MSEC };
    g_autofree char *line = default_line_with(C_END, "1418530070250");

    for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
        Mapper m;

        mapper_init(&m, DEF, t[i], 32);
        g_assert_cmpint(mapper_run(&m, line), ==, FL_MAP_RECORD);
        g_assert_cmphex(m.variant & (FL_V_TIME_SEC | FL_V_TIME_MSEC), ==,
                        bits[i]);
        g_assert_cmpuint(m.out.flowStartSeconds, ==, 1418530010u);
        g_assert_cmpuint(m.out.flowEndSeconds, ==, 1418530070u);
        g_assert_cmpuint(m.out.flowEndMilliseconds, ==,
                         G_GUINT64_CONSTANT(1418530070250));
        mapper_clear(&m);
    }
}

/* ---- optional VPC elements -------------------------------------------- */

static void
test_map_v5_elements(void)
{
    Mapper m;

    mapper_init(&m, FMT_V5, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, V5_LINE("vpc-0c98fd26e3666ea99",
                                           "i-0145f506b3c15fb89", "19",
                                           "egress")), ==, FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_EGRESS | FL_V_TCP_FLAGS
                    | FL_V_DIRECTION | FL_V_VRF | FL_V_TIME_SEC);
    g_assert_cmpuint(m.out.tcpControlBits, ==, 19);
    g_assert_cmpuint(m.out.flowDirection, ==, 1);
    g_assert_cmpuint(m.out.ingressVRFID, ==,
                     gen(FL_ID_VRF, "vpc-0c98fd26e3666ea99", 32));
    g_assert_cmpuint(m.out.ingressInterface, ==,
                     gen(FL_ID_INTERFACE, "eni-0936727c32caee781", 32));
    g_assert_cmpuint(m.out.egressInterface, ==, FL_ID_REJECT);
    /* bytes come before packets in this format */
    g_assert_cmpuint(m.out.octetDeltaCount, ==, 987654);
    g_assert_cmpuint(m.out.packetDeltaCount, ==, 321);
    g_assert_cmpuint(m.out.protocolIdentifier, ==, 17);

    g_assert_cmpint(mapper_run(&m, V5_LINE("vpc-0c98fd26e3666ea99",
                                           "i-0145f506b3c15fb89", "65535",
                                           "ingress")), ==, FL_MAP_RECORD);
    g_assert_cmpuint(m.out.tcpControlBits, ==, 65535);
    g_assert_cmpuint(m.out.flowDirection, ==, 0);

    /* "-" in an optional field leaves its element out of this record
     * (CONTRACT.md): never a made-up 0. */
    g_assert_cmpint(mapper_run(&m, V5_LINE("-", "-", "-", "-")), ==,
                    FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_EGRESS | FL_V_TIME_SEC);
    g_assert_cmpint(mapper_run(&m, V5_LINE("-", "-", "0", "-")), ==,
                    FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_EGRESS | FL_V_TCP_FLAGS
                    | FL_V_TIME_SEC);
    g_assert_cmpuint(m.out.tcpControlBits, ==, 0);
    g_assert_cmpint(mapper_run(&m, V5_LINE("vpc-1", "-", "-", "ingress")),
                    ==, FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_EGRESS | FL_V_DIRECTION | FL_V_VRF
                    | FL_V_TIME_SEC);
    g_assert_cmpuint(m.out.flowDirection, ==, 0);
    g_assert_cmpuint(m.out.ingressVRFID, ==, gen(FL_ID_VRF, "vpc-1", 32));
    /* The plan is not changed by a line. */
    g_assert_cmphex(m.plan.variant, ==, FL_V_EGRESS | FL_V_TCP_FLAGS
                    | FL_V_DIRECTION | FL_V_VRF | FL_V_TIME_SEC);
    mapper_clear(&m);
}

static void
test_map_16_bit_ids(void)
{
    Mapper m;
    guint32 ifid, vrf;

    mapper_init(&m, FMT_V5, FL_TIME_SECONDS, 16);
    g_assert_cmpint(mapper_run(&m, V5_LINE("vpc-0c98fd26e3666ea99",
                                           "i-0145f506b3c15fb89", "2",
                                           "egress")), ==, FL_MAP_RECORD);
    ifid = m.out.ingressInterface;
    vrf = m.out.ingressVRFID;
    g_assert_cmpuint(ifid, ==, gen(FL_ID_INTERFACE, "eni-0936727c32caee781",
                                   16));
    g_assert_cmpuint(vrf, ==, gen(FL_ID_VRF, "vpc-0c98fd26e3666ea99", 16));
    g_assert_cmpuint(ifid, >=, 16);
    g_assert_cmpuint(ifid, <=, 65535);
    g_assert_cmpuint(vrf, >=, 1);
    g_assert_cmpuint(vrf, <=, 65535);
    mapper_clear(&m);
}

/* ---- Transit Gateway --------------------------------------------------- */

static void
test_map_tgw(void)
{
    Mapper m;

    mapper_init(&m, FMT_TGW, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, TGW_LINE("tgw-attach-042b9294fb5807953",
                                            "1 20 300 4000", "OK")), ==,
                    FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_TCP_FLAGS | FL_V_DIRECTION
                    | FL_V_VRF | FL_V_DROPPED | FL_V_TIME_SEC);
    g_assert_cmpuint(m.out.ingressInterface, ==,
                     gen(FL_ID_INTERFACE, "tgw-attach-042b9294fb5807953",
                         32));
    g_assert_cmpuint(m.out.ingressVRFID, ==,
                     gen(FL_ID_VRF, "vpc-0431f8443c80ee8e0", 32));
    g_assert_cmpuint(m.out.droppedPacketDeltaCount, ==, 4321);
    g_assert_cmphex(m.out.sourceIPv4Address, ==, 0x0A012194);
    g_assert_cmpuint(m.out.tcpControlBits, ==, 2);
    g_assert_cmpuint(m.out.flowDirection, ==, 1);
    g_assert_cmpuint(m.out.packetDeltaCount, ==, 4);
    g_assert_cmpuint(m.out.octetDeltaCount, ==, 1681);

    /* The sum of the values there are. */
    g_assert_cmpint(mapper_run(&m, TGW_LINE("tgw-attach-042b9294fb5807953",
                                            "- 20 - 4000", "OK")), ==,
                    FL_MAP_RECORD);
    g_assert_cmphex(m.variant & FL_V_DROPPED, ==, FL_V_DROPPED);
    g_assert_cmpuint(m.out.droppedPacketDeltaCount, ==, 4020);
    g_assert_cmpint(mapper_run(&m, TGW_LINE("tgw-attach-042b9294fb5807953",
                                            "0 - - -", "OK")), ==,
                    FL_MAP_RECORD);
    g_assert_cmphex(m.variant & FL_V_DROPPED, ==, FL_V_DROPPED);
    g_assert_cmpuint(m.out.droppedPacketDeltaCount, ==, 0);
    /* Every one "-": no droppedPacketDeltaCount in this record. */
    g_assert_cmpint(mapper_run(&m, TGW_LINE("tgw-attach-042b9294fb5807953",
                                            "- - - -", "OK")), ==,
                    FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_TCP_FLAGS | FL_V_DIRECTION
                    | FL_V_VRF | FL_V_TIME_SEC);
    mapper_clear(&m);
}

static void
test_map_tgw_minimal(void)
{
    Mapper m;

    mapper_init(&m, FMT_TGW_MIN, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, "tgw-attach-1 2001:db8::1 2001:db8::2 "
                               "1 2 6 3 4 1716640916 1716640961 OK"), ==,
                    FL_MAP_RECORD);
    g_assert_cmphex(m.variant, ==, FL_V_IPV6 | FL_V_TIME_SEC);
    g_assert_cmpuint(m.out.ingressInterface, ==,
                     gen(FL_ID_INTERFACE, "tgw-attach-1", 32));
    mapper_clear(&m);
}

/* ---- NODATA, SKIPDATA and rejects -------------------------------------- */

static void
test_map_nodata_skipdata(void)
{
    Mapper m;

    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, "2 123456789010 eni-1235b8ca123456789 "
                               "- - - - - - - 1431280876 1431280934 - "
                               "NODATA"), ==, FL_MAP_NODATA);
    g_assert_cmpint(mapper_run(&m, "2 123456789010 eni-1235b8ca123456789 "
                               "- - - - - - - 1431280876 1431280934 - "
                               "SKIPDATA"), ==, FL_MAP_SKIPDATA);
    /* Even a complete line is not a record when its status says so. */
    g_assert_cmpint(mapper_run(&m, "2 123456789010 eni-1235b8ca123456789 "
                               "10.0.0.1 10.0.0.2 1 2 6 1 2 3 4 ACCEPT "
                               "NODATA"), ==, FL_MAP_NODATA);
    g_assert_cmpint(mapper_run(&m, "- - - - - - - - - - - - - SKIPDATA"), ==,
                    FL_MAP_SKIPDATA);
    /* No record, so no name is learned from these lines. */
    g_assert_cmpuint(m.t.new_names->len, ==, 0);
    mapper_clear(&m);

    mapper_init(&m, FMT_TGW_MIN, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, "- - - - - - - - - - NODATA"), ==,
                    FL_MAP_NODATA);
    mapper_clear(&m);
}

/* "-" in each mandatory field of an OK line rejects it, naming the field
 * (the pipeline prints fl_field_info(column)->name). */
static void
test_map_missing_each_vpc(void)
{
    Mapper m;

    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    for (int col = C_INTERFACE; col < C_N; col++) {
        g_autofree char *line = default_line_with(col, "-");
        FlMapResult r = mapper_run(&m, line);

        g_test_message("'-' as %s", fl_field_info(default_fields[col])->name);
        g_assert_cmpint(r, ==, FL_MAP_REJECT);
        if (r != FL_MAP_REJECT)
            continue;
        g_assert_cmpstr(fl_reject_name(m.reason), ==, "missing");
        g_assert_cmpuint(m.column, <, FL_F_COUNT);
        if (m.column < FL_F_COUNT)
            g_assert_cmpstr(fl_field_info((FlField)m.column)->name, ==,
                            fl_field_info(default_fields[col])->name);
    }
    g_assert_cmpuint(m.t.new_names->len, ==, 0);
    mapper_clear(&m);
}

static void
test_map_missing_each_tgw(void)
{
    static const FlField need[] = {
        FL_F_TGW_ATTACHMENT_ID, FL_F_SRCADDR, FL_F_DSTADDR, FL_F_SRCPORT,
        FL_F_DSTPORT, FL_F_PROTOCOL, FL_F_PACKETS, FL_F_BYTES, FL_F_START,
        FL_F_END,
    };
    static const char *const words[] = {
        "tgw-attach-1", "10.0.0.1", "10.0.0.2", "1", "2", "6", "3", "4",
        "1716640916", "1716640961",
    };
    Mapper m;

    mapper_init(&m, FMT_TGW_MIN, FL_TIME_SECONDS, 32);
    for (guint drop = 0; drop < G_N_ELEMENTS(need); drop++) {
        g_autoptr(GString) line = g_string_new(NULL);
        FlMapResult r;

        for (guint i = 0; i < G_N_ELEMENTS(words); i++)
            g_string_append_printf(line, "%s ", i == drop ? "-" : words[i]);
        g_string_append(line, "OK");
        r = mapper_run(&m, line->str);
        g_assert_cmpint(r, ==, FL_MAP_REJECT);
        if (r != FL_MAP_REJECT)
            continue;
        g_assert_cmpstr(fl_reject_name(m.reason), ==, "missing");
        g_assert_cmpuint(m.column, ==, need[drop]);
    }
    mapper_clear(&m);
}

static void
test_map_mixed_family(void)
{
    Mapper m;
    g_autofree char *a = NULL;
    g_autofree char *line = default_line_with(C_DSTADDR, "2001:db8::2");

    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, line), ==, FL_MAP_REJECT);
    g_assert_cmpstr(fl_reject_name(m.reason), ==, "address");
    g_assert_cmpuint(m.column, ==, FL_F_DSTADDR);

    a = default_line_with(C_SRCADDR, "::1");
    g_assert_cmpint(mapper_run(&m, a), ==, FL_MAP_REJECT);
    g_assert_cmpstr(fl_reject_name(m.reason), ==, "address");
    /* IPv4-mapped IPv6 is IPv6 text: still two families. */
    g_free(a);
    a = default_line_with(C_SRCADDR, "::ffff:10.1.2.3");
    g_assert_cmpint(mapper_run(&m, a), ==, FL_MAP_REJECT);
    g_assert_cmpuint(m.t.new_names->len, ==, 0);
    mapper_clear(&m);
}

/* ---- new names and their descriptions ---------------------------------- */

#define FMT_DESC \
    "az-id region version interface-id instance-id subnet-id vpc-id " \
    "account-id srcaddr dstaddr srcport dstport protocol packets bytes " \
    "start end action log-status"
#define DESC_LINE(eni, inst, vpc) \
    "use1-az2 us-east-1 5 " eni " " inst " subnet-0311c7ef " vpc \
    " 468364958891 10.0.0.1 10.0.0.2 1 2 6 3 4 1716640180 1716640225 " \
    "ACCEPT OK"

static void
test_names_once_per_thread(void)
{
    Mapper m;
    FlMapperThread other;
    const FlNewName *n;

    mapper_init(&m, FMT_DESC, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, DESC_LINE("eni-a", "i-1", "vpc-1")), ==,
                    FL_MAP_RECORD);
    g_assert_cmpuint(m.t.new_names->len, ==, 2);
    n = new_name_of(&m, FL_ID_INTERFACE);
    g_assert_nonnull(n);
    if (n) {
        g_assert_cmpstr(n->name, ==, "eni-a");
        g_assert_cmpuint(n->id, ==, gen(FL_ID_INTERFACE, "eni-a", 32));
        g_assert_cmpuint(n->id, ==, m.out.ingressInterface);
    }
    n = new_name_of(&m, FL_ID_VRF);
    g_assert_nonnull(n);
    if (n) {
        g_assert_cmpstr(n->name, ==, "vpc-1");
        g_assert_cmpuint(n->id, ==, m.out.ingressVRFID);
    }

    /* Seen before: nothing new, whatever the other fields say. */
    g_assert_cmpint(mapper_run(&m, DESC_LINE("eni-a", "i-2", "vpc-1")), ==,
                    FL_MAP_RECORD);
    g_assert_cmpuint(m.t.new_names->len, ==, 2);
    /* A new ENI in a known VPC: one more. */
    g_assert_cmpint(mapper_run(&m, DESC_LINE("eni-b", "i-2", "vpc-1")), ==,
                    FL_MAP_RECORD);
    g_assert_cmpuint(m.t.new_names->len, ==, 3);
    g_assert_cmpstr(new_name(&m, 2)->name, ==, "eni-b");
    g_assert_cmpint(new_name(&m, 2)->kind, ==, FL_ID_INTERFACE);
    /* The same text as an ENI and as a VPC lives in two namespaces. */
    g_assert_cmpint(mapper_run(&m, DESC_LINE("eni-b", "i-2", "eni-b")), ==,
                    FL_MAP_RECORD);
    g_assert_cmpuint(m.t.new_names->len, ==, 4);
    g_assert_cmpint(new_name(&m, 3)->kind, ==, FL_ID_VRF);

    /* Another thread has its own cache and reports the name again. */
    fl_mapper_thread_init(&other, &m.cfg);
    g_assert_cmpint(fl_map_record(&m.plan, &m.cfg, &other, m.rec, &m.out,
                                  &m.variant, &m.reason, &m.column), ==,
                    FL_MAP_RECORD);
    g_assert_cmpuint(other.new_names->len, ==, 2);
    fl_mapper_thread_clear(&other);
    g_assert_null(other.new_names);
    g_assert_null(other.ifaces);
    mapper_clear(&m);
}

static void
test_names_description_vpc(void)
{
    Mapper m;

    mapper_init(&m, FMT_DESC, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, DESC_LINE("eni-a", "i-1", "vpc-1")), ==,
                    FL_MAP_RECORD);
    /* Contract order, whatever the column order. */
    g_assert_cmpstr(desc_of(&m, FL_ID_INTERFACE), ==,
                    "account=468364958891 vpc=vpc-1 subnet=subnet-0311c7ef "
                    "instance=i-1 region=us-east-1 az=use1-az2");
    g_assert_cmpstr(desc_of(&m, FL_ID_VRF), ==,
                    "account=468364958891 region=us-east-1");
    mapper_clear(&m);

    /* A "-" leaves its key out. */
    mapper_init(&m, FMT_DESC, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, DESC_LINE("eni-a", "-", "vpc-1")), ==,
                    FL_MAP_RECORD);
    g_assert_cmpstr(desc_of(&m, FL_ID_INTERFACE), ==,
                    "account=468364958891 vpc=vpc-1 subnet=subnet-0311c7ef "
                    "region=us-east-1 az=use1-az2");
    mapper_clear(&m);

    /* The default format only has the account. */
    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    {
        g_autofree char *line = default_line_with(-1, NULL);
        g_assert_cmpint(mapper_run(&m, line), ==, FL_MAP_RECORD);
    }
    g_assert_cmpuint(m.t.new_names->len, ==, 1);
    g_assert_cmpstr(new_name(&m, 0)->desc, ==, "account=123456789010");
    mapper_clear(&m);

    /* A CloudWatch Logs payload's owner stands in for a missing
     * account-id, and only then. */
    mapper_init(&m, FMT_TGW_MIN " vpc-id", FL_TIME_SECONDS, 32);
    m.plan.owner = "111122223333";
    g_assert_cmpint(mapper_run(&m, "tgw-attach-1 10.0.0.1 10.0.0.2 1 2 6 3 4 "
                               "1716640916 1716640961 OK vpc-9"), ==,
                    FL_MAP_RECORD);
    g_assert_cmpstr(new_name(&m, 0)->desc, ==, "account=111122223333");
    mapper_clear(&m);
    mapper_init(&m, DEF, FL_TIME_SECONDS, 32);
    m.plan.owner = "111122223333";
    {
        g_autofree char *line = default_line_with(-1, NULL);
        g_assert_cmpint(mapper_run(&m, line), ==, FL_MAP_RECORD);
    }
    g_assert_cmpstr(new_name(&m, 0)->desc, ==, "account=123456789010");
    mapper_clear(&m);

    /* Nothing to say: an empty description. */
    mapper_init(&m, FMT_TGW_MIN " vpc-id", FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, "tgw-attach-1 10.0.0.1 10.0.0.2 1 2 6 3 4 "
                               "1716640916 1716640961 OK vpc-9"), ==,
                    FL_MAP_RECORD);
    g_assert_cmpuint(m.t.new_names->len, ==, 1);
    g_assert_cmpstr(new_name(&m, 0)->desc, ==, "");
    mapper_clear(&m);
}

static void
test_names_description_tgw(void)
{
    Mapper m;

    mapper_init(&m, FMT_TGW, FL_TIME_SECONDS, 32);
    g_assert_cmpint(mapper_run(&m, TGW_LINE("tgw-attach-042b9294fb5807953",
                                            "0 0 0 0", "OK")), ==,
                    FL_MAP_RECORD);
    g_assert_cmpuint(m.t.new_names->len, ==, 2);
    g_assert_cmpstr(name_of(&m, FL_ID_INTERFACE), ==,
                    "tgw-attach-042b9294fb5807953");
    g_assert_cmpstr(desc_of(&m, FL_ID_INTERFACE), ==,
                    "account=842121372849 tgw=tgw-0ce2be1da7269b0fa "
                    "vpc=vpc-0431f8443c80ee8e0 region=us-east-1");
    g_assert_cmpstr(name_of(&m, FL_ID_VRF), ==,
                    "vpc-0431f8443c80ee8e0");
    /* A TGW VPC's account is the source VPC's account. */
    g_assert_cmpstr(desc_of(&m, FL_ID_VRF), ==,
                    "account=106237387986 region=us-east-1");
    mapper_clear(&m);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    g_test_add_func("/mapper/plan/vpc-missing-all", test_plan_vpc_missing_all);
    g_test_add_func("/mapper/plan/vpc-missing-each",
                    test_plan_vpc_missing_each);
    g_test_add_func("/mapper/plan/vpc-optional-fields",
                    test_plan_vpc_optional_fields);
    g_test_add_func("/mapper/plan/vpc-no-action", test_plan_vpc_no_action);
    g_test_add_func("/mapper/plan/tgw-missing-all", test_plan_tgw_missing_all);
    g_test_add_func("/mapper/plan/tgw-missing-each",
                    test_plan_tgw_missing_each);
    for (guint i = 0; i < G_N_ELEMENTS(plan_cases); i++) {
        g_autofree char *path = g_strconcat("/mapper/plan/variant/",
                                            plan_cases[i].name, NULL);
        g_test_add_data_func(path, &plan_cases[i], check_plan);
    }
    g_test_add_func("/mapper/map/ipv4", test_map_ipv4);
    g_test_add_func("/mapper/map/ipv6", test_map_ipv6);
    g_test_add_func("/mapper/map/reject-action", test_map_reject_action);
    g_test_add_func("/mapper/map/extremes", test_map_extremes);
    for (guint i = 0; i < G_N_ELEMENTS(time_cases); i++) {
        g_autofree char *path = g_strconcat("/mapper/map/time/",
                                            time_cases[i].name, NULL);
        g_test_add_data_func(path, &time_cases[i], check_time);
    }
    g_test_add_func("/mapper/map/time-elements", test_map_time_elements);
    g_test_add_func("/mapper/map/v5-elements", test_map_v5_elements);
    g_test_add_func("/mapper/map/16-bit-ids", test_map_16_bit_ids);
    g_test_add_func("/mapper/map/tgw", test_map_tgw);
    g_test_add_func("/mapper/map/tgw-minimal", test_map_tgw_minimal);
    g_test_add_func("/mapper/map/nodata-skipdata", test_map_nodata_skipdata);
    g_test_add_func("/mapper/map/missing-each-vpc", test_map_missing_each_vpc);
    g_test_add_func("/mapper/map/missing-each-tgw", test_map_missing_each_tgw);
    g_test_add_func("/mapper/map/mixed-family", test_map_mixed_family);
    g_test_add_func("/mapper/names/once-per-thread",
                    test_names_once_per_thread);
    g_test_add_func("/mapper/names/description-vpc",
                    test_names_description_vpc);
    g_test_add_func("/mapper/names/description-tgw",
                    test_names_description_tgw);
    return g_test_run();
}
