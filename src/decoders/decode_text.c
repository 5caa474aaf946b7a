/*
 * decode_text.c - flow log text: formats, header lines, and lines.
 *
 * A line is words separated by runs of spaces; "-" is an absent value.
 * The per-line path is written for speed: one pass over the bytes, no
 * allocation, hand-written number and IPv4 readers (inet_pton only for
 * IPv6), dispatch on the column's kind compiled from the format.
 */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>

#include "decoders/azure_flow.h"
#include "decoders/cwl_envelope.h"
#include "decoders/decode.h"
#include "decoders/gcp_flow.h"
#include "decoders/ipv4.h"
#include "decoders/oci_flow.h"
#include "error.h"

/* ------------------------------------------------------------------ */
/* decoder registry                                                    */

static gboolean
sniff_parquet(const guint8 *buf, gsize len)
{
    return len >= 4 && memcmp(buf, "PAR1", 4) == 0;
}

static gboolean
sniff_text(const guint8 *buf, gsize len)
{
    (void)buf;
    (void)len;
    return TRUE;
}

/* Azure before the envelopes: {"records":[ starts both (Firehose's);
 * Google too: {"message":{ is a push body, {"message":" Firehose's. */
static const FlDecoderType decoder_types[] = {
    { "parquet", FL_INPUT_PARQUET, sniff_parquet, TRUE },   /* pipeline_parquet.c */
    { "azure", FL_INPUT_AZURE, fl_azure_sniff, TRUE },
    { "gcp", FL_INPUT_GCP, fl_gcp_sniff, TRUE },
    { "cwl", FL_INPUT_CWL, fl_cwl_envelope_sniff, TRUE },
    { "oci", FL_INPUT_OCI, fl_oci_sniff, TRUE },
    { "aws-text", FL_INPUT_AWS_TEXT, sniff_text, TRUE },
};

gboolean
fl_input_format_parse(const char *word, FlInputFormat *out, GError **err)
{
    if (strcmp(word, "auto") == 0) {
        *out = FL_INPUT_AUTO;
        return TRUE;
    }
    for (guint i = 0; i < G_N_ELEMENTS(decoder_types); i++) {
        if (strcmp(word, decoder_types[i].name) != 0)
            continue;
        if (!decoder_types[i].built_in) {
            g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                        "--input-format: %s input: not built in", word);
            return FALSE;
        }
        *out = decoder_types[i].input;
        return TRUE;
    }
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--input-format: '%s' is "
                "not auto, aws-text, cwl, azure, gcp, oci or parquet", word);
    return FALSE;
}

const FlDecoderType *
fl_decoder_sniff(const guint8 *buf, gsize len)
{
    for (guint i = 0; i < G_N_ELEMENTS(decoder_types); i++)
        if (decoder_types[i].sniff(buf, len))
            return &decoder_types[i];
    return &decoder_types[G_N_ELEMENTS(decoder_types) - 1];
}

/* ------------------------------------------------------------------ */
/* formats                                                             */

static const char *const default_names[] = {
    "version", "account-id", "interface-id", "srcaddr", "dstaddr",
    "srcport", "dstport", "protocol", "packets", "bytes", "start", "end",
    "action", "log-status",
};

static gboolean
format_add(FlFormat *f, const char *name, gsize len, GError **err)
{
    FlField id;

    if (f->n_columns == FL_MAX_COLUMNS) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "format has more than %d fields", FL_MAX_COLUMNS);
        return FALSE;
    }
    for (guint i = 0; i < f->n_columns; i++) {
        if (strlen(f->names[i]) == len && memcmp(f->names[i], name, len) == 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "format names field '%.*s' twice", (int)len, name);
            return FALSE;
        }
    }
    id = fl_field_lookup(name, len);
    if (id != FL_F_UNKNOWN && fl_format_has(f, id)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "format names field '%s' twice ('%.*s')",
                    fl_field_info(id)->name, (int)len, name);
        return FALSE;
    }
    f->column[f->n_columns] = id;
    f->kind[f->n_columns] = (guint8)fl_field_info(id)->kind;
    f->max[f->n_columns] = fl_field_info(id)->max;
    f->names[f->n_columns] = g_strndup(name, len);
    f->n_columns++;
    if (id == FL_F_UNKNOWN)
        f->n_unknown++;
    else
        f->has[id >> 6] |= G_GUINT64_CONSTANT(1) << (id & 63);
    return TRUE;
}

static FlFormat *
format_alloc(void)
{
    FlFormat *f = g_new0(FlFormat, 1);
    f->ref = 1;
    return f;
}

FlFormat *
fl_format_parse(const char *spec, gssize slen, GError **err)
{
    g_autoptr(FlFormat) f = format_alloc();
    const char *p = spec, *end;

    end = spec + (slen < 0 ? (gssize)strlen(spec) : slen);
    for (;;) {
        const char *w;
        gsize wl;

        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'
                           || *p == '\r'))
            p++;
        if (p == end)
            break;
        w = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        wl = (gsize)(p - w);
        if (wl >= 2 && w[0] == '$') {
            if (wl < 4 || w[1] != '{' || w[wl - 1] != '}') {
                g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                            "malformed field '%.*s' in format (expected "
                            "${name})", (int)wl, w);
                return NULL;
            }
            w += 2;
            wl -= 3;
        }
        for (gsize i = 0; i < wl; i++) {
            char c = w[i];
            if (!(g_ascii_isalnum(c) || c == '-' || c == '_')) {
                g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                            "invalid character '%c' in format field "
                            "'%.*s'", c, (int)wl, w);
                return NULL;
            }
        }
        if (!format_add(f, w, wl, err))
            return NULL;
    }
    if (f->n_columns == 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "format has no fields");
        return NULL;
    }
    return g_steal_pointer(&f);
}

FlFormat *
fl_format_new_default(void)
{
    FlFormat *f = format_alloc();

    for (guint i = 0; i < G_N_ELEMENTS(default_names); i++) {
        gboolean ok = format_add(f, default_names[i],
                                 strlen(default_names[i]), NULL);
        g_assert(ok);
    }
    return f;
}

gboolean
fl_format_is_header(const char *line, gsize len)
{
    const char *p = line, *end = line + len;
    gboolean known = FALSE;

    while (end > p && (end[-1] == '\r' || end[-1] == ' '))
        end--;
    while (p < end) {
        const char *w;

        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        w = p;
        if (!g_ascii_islower(*p))
            return FALSE;
        while (p < end && *p != ' ') {
            if (!(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '-'
                  || *p == '_'))
                return FALSE;
            p++;
        }
        if (fl_field_lookup(w, (gsize)(p - w)) != FL_F_UNKNOWN)
            known = TRUE;
    }
    return known;
}

FlFormat *
fl_format_ref(FlFormat *f)
{
    g_atomic_int_inc(&f->ref);
    return f;
}

void
fl_format_unref(FlFormat *f)
{
    if (f == NULL || !g_atomic_int_dec_and_test(&f->ref))
        return;
    for (guint i = 0; i < f->n_columns; i++)
        g_free(f->names[i]);
    g_free(f);
}

gboolean
fl_format_equal(const FlFormat *a, const FlFormat *b)
{
    if (a->n_columns != b->n_columns || a->no_action != b->no_action)
        return FALSE;
    for (guint i = 0; i < a->n_columns; i++)
        if (strcmp(a->names[i], b->names[i]) != 0)
            return FALSE;
    return TRUE;
}

char *
fl_format_to_string(const FlFormat *f)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < f->n_columns; i++) {
        if (i)
            g_string_append_c(s, ' ');
        g_string_append(s, f->names[i]);
    }
    return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------------ */
/* lines                                                               */

static const char *const reject_names[FL_REJECT_COUNT] = {
    [FL_REJECT_FIELD_COUNT] = "field-count",
    [FL_REJECT_NUMBER] = "number",
    [FL_REJECT_ADDRESS] = "address",
    [FL_REJECT_VALUE] = "value",
    [FL_REJECT_MISSING] = "missing",
    [FL_REJECT_TOO_LONG] = "too-long",
    [FL_REJECT_BINARY] = "binary",
};

const char *
fl_reject_name(FlReject r)
{
    g_return_val_if_fail(r < FL_REJECT_COUNT, "?");
    return reject_names[r];
}

/* IPv4 straight from the line; advances *pp past the word on success.
 * FALSE (and *pp untouched) for anything else, IPv6 included. */
static inline gboolean
parse_ipv4_word(const unsigned char **pp, const unsigned char *end,
                guint8 *out)
{
    const unsigned char *p = *pp;

    for (int i = 0; i < 4; i++) {
        guint v = (guint)(*p - '0'), d;

        /* Up to three digits, unrolled; the sentinel stops the peeks. */
        if (v > 9)
            return FALSE;
        p++;
        if ((d = (guint)(*p - '0')) <= 9) {
            v = v * 10 + d;
            p++;
            if ((d = (guint)(*p - '0')) <= 9) {
                v = v * 10 + d;
                p++;
            }
        }
        if (v > 255)
            return FALSE;
        out[i] = (guint8)v;
        if (i < 3) {
            if (p >= end || *p != '.')
                return FALSE;
            p++;
        }
    }
    if (p < end && *p != ' ')
        return FALSE;
    *pp = p;
    return TRUE;
}

/* ---- eight bytes at a time (SWAR) --------------------------------------
 * Used only where eight bytes are known to lie inside the line, so they
 * never read past it.  Byte 0 of a load is the first character. */

#define ONES  G_GUINT64_CONSTANT(0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT(0x8080808080808080)

static inline guint64
load8(const unsigned char *p)
{
    guint64 x;

    memcpy(&x, p, 8);
    return GUINT64_FROM_LE(x);
}

/* High bit set in every byte that ends a word: < 0x21 or 0x7f.  Only the
 * lowest flagged byte is exact (borrows run upwards), which is all the
 * callers use. */
static inline guint64
word_stop_mask(guint64 x)
{
    guint64 y = x ^ (ONES * 0x7f);

    return ((x - ONES * 0x21) & ~x & HIGHS) | ((y - ONES) & ~y & HIGHS);
}

/* How many of the 8 bytes of a (already XORed with '0's) are digits,
 * counting from the first. */
static inline guint
digit_run(guint64 a)
{
    guint64 t = ((a + ONES * 0x76) | a) & HIGHS;

    return t ? (guint)__builtin_ctzll(t) >> 3 : 8;
}

/* Value of 8 digit bytes (first digit in the lowest byte, already minus
 * '0'); leading zero bytes are leading zeros.  The well-known multiply
 * trick: pairs, then quads, then the whole. */
static inline guint64
eight_digits(guint64 a)
{
    a = a * 10 + (a >> 8);
    return (((a & G_GUINT64_CONSTANT(0x000000FF000000FF))
             * G_GUINT64_CONSTANT(0x000F424000000064))
            + (((a >> 16) & G_GUINT64_CONSTANT(0x000000FF000000FF))
               * G_GUINT64_CONSTANT(0x0000271000000001))) >> 32;
}

static const guint64 pow10_table[9] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

static inline gboolean
word_is(const char *p, gsize len, const char *lit, gsize litlen)
{
    return len == litlen && memcmp(p, lit, len) == 0;
}

static gboolean
parse_enum(guint8 kind, const char *w, gsize wl, guint64 *out)
{
    switch (kind) {
    case FL_KIND_ACTION:
        if (word_is(w, wl, "ACCEPT", 6))
            *out = FL_ACTION_ACCEPT;
        else if (word_is(w, wl, "REJECT", 6))
            *out = FL_ACTION_REJECT;
        else
            return FALSE;
        return TRUE;
    case FL_KIND_LOG_STATUS:
        if (word_is(w, wl, "OK", 2))
            *out = FL_STATUS_OK;
        else if (word_is(w, wl, "NODATA", 6))
            *out = FL_STATUS_NODATA;
        else if (word_is(w, wl, "SKIPDATA", 8))
            *out = FL_STATUS_SKIPDATA;
        else
            return FALSE;
        return TRUE;
    case FL_KIND_DIRECTION:
        if (word_is(w, wl, "ingress", 7))
            *out = FL_DIR_INGRESS;
        else if (word_is(w, wl, "egress", 6))
            *out = FL_DIR_EGRESS;
        else
            return FALSE;
        return TRUE;
    default:
        return FALSE;
    }
}

static guint
count_words(const char *line, gsize len)
{
    guint n = 0;
    gboolean in_word = FALSE;

    for (gsize i = 0; i < len; i++) {
        gboolean sp = line[i] == ' ' || line[i] == '\r';
        if (!sp && !in_word)
            n++;
        in_word = !sp;
    }
    return n;
}

static gboolean
parse_addr(const char *p, gsize len, FlAddr *a)
{
    char buf[INET6_ADDRSTRLEN + 1];

    if (memchr(p, ':', len) == NULL) {
        a->family = 4;
        return fl_ipv4_parse(p, len, a->bytes);
    }
    if (len >= sizeof buf)
        return FALSE;
    memcpy(buf, p, len);
    buf[len] = '\0';
    a->family = 6;
    return inet_pton(AF_INET6, buf, a->bytes) == 1;
}


/* The slow path for a word that broke a fast parser: what was wrong? */
static FlReject
classify_bad_word(const unsigned char *w, const unsigned char *end,
                  FlReject usual)
{
    for (; w < end && *w != ' '; w++)
        if (*w < ' ' || *w == 0x7f)
            return FL_REJECT_BINARY;
    return usual;
}

/* Bytes that may be part of a word: printable ASCII and any byte with
 * the high bit (UTF-8 in tags).  Space, control bytes and DEL end a word;
 * the caller tells a space from garbage. */
#define W1(x) 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const guint8 word_byte[256] = {
    [0x21] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,      /* 21-2f */
    W1(0), W1(0), W1(0), W1(0),                                /* 30-6f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,            /* 70-7f */
    W1(0), W1(0), W1(0), W1(0), W1(0), W1(0), W1(0), W1(0),    /* 80-ff */
};
#undef W1

/* The line is followed by a byte <= ' ' (decode.h), so the scan needs
 * no bounds check; a '\r' before it stops the scan too. */
static inline const unsigned char *
word_end(const unsigned char *p, const unsigned char *end)
{
    while (end - p >= 8) {
        guint64 m = word_stop_mask(load8(p));
        if (m)
            return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
    while (word_byte[*p])
        p++;
    return p;
}

/* 20 digits or more: check for overflow the careful way. */
static gboolean
parse_uint_slow(const unsigned char **pp, const unsigned char *end,
                guint64 *out)
{
    const unsigned char *p = *pp;
    guint64 x = 0;

    for (; p < end && (unsigned)(*p - '0') <= 9; p++) {
        guint d = (guint)(*p - '0');
        if (x > (G_MAXUINT64 - d) / 10)
            return FALSE;
        x = x * 10 + d;
    }
    *pp = p;
    *out = x;
    return TRUE;
}

gboolean
fl_decode_line(const FlFormat *fmt, const char *line, gsize len,
               FlRecord *rec, FlReject *reason, guint *column)
{
    const unsigned char *p = (const unsigned char *)line;
    const unsigned char *end = p + len;
    const guint n_columns = fmt->n_columns;
    guint col = 0;

    fl_record_reset(rec);
    if (len > FL_MAX_LINE) {
        *reason = FL_REJECT_TOO_LONG;
        *column = 0;
        return FALSE;
    }
    if (len > 0 && end[-1] == '\r')
        end--;

    /* One pass: each column's parser reads its word straight from the
     * line and stops at the space; only a failure looks back. */
    for (;;) {
        const unsigned char *w;
        FlField id;
        FlValue *v;

        while (*p == ' ')       /* the sentinel stops this too */
            p++;
        if (p >= end)
            break;
        if (G_UNLIKELY(col >= n_columns)) {
            col++;
            p = word_end(p, end);
            if (p < end && *p != ' ')
                goto bad_binary;
            continue;           /* keep counting words for the message */
        }
        w = p;
        id = fmt->column[col];
        v = &rec->v[id];
        col++;
        if (G_UNLIKELY(id == FL_F_UNKNOWN)) {
            /* Opaque, "-" included: positions must not shift. */
            p = word_end(p, end);
            if (p < end && *p != ' ')
                goto bad_binary;
            rec->unknown[rec->n_unknown].ptr = (const char *)w;
            rec->unknown[rec->n_unknown].len = (guint32)(p - w);
            rec->n_unknown++;
            continue;
        }
        if (p[0] == '-' && (p + 1 == end || p[1] == ' ')) {
            p++;
            continue;           /* absent */
        }
        switch (fmt->kind[col - 1]) {
        case FL_KIND_UINT: {
            guint64 x = 0;
            const unsigned char *q = p;

            /* Eight digits at a time while the line has eight bytes
             * left, then bytes; the byte after the line is never a digit
             * (see decode.h).  Up to 19 digits cannot overflow. */
            while (end - p >= 8) {
                guint64 a = load8(p) ^ (ONES * 0x30);
                guint n = digit_run(a);

                if (n == 0)
                    break;
                x = x * pow10_table[n] + eight_digits(a << (8 * (8 - n)));
                p += n;
                if (n < 8)
                    goto digits_done;
            }
            while ((unsigned)(*p - '0') <= 9) {
                x = x * 10 + (guint)(*p - '0');
                p++;
            }
        digits_done:
            if (G_UNLIKELY(p - q >= 20)) {
                p = q;
                if (!parse_uint_slow(&p, end, &x))
                    goto bad_number;
            }
            if (G_UNLIKELY(p == q || (p < end && *p != ' ')
                           || x > fmt->max[col - 1]))
                goto bad_number;
            v->u = x;
            break;
        }
        case FL_KIND_ADDR:
            if (G_LIKELY(parse_ipv4_word(&p, end, v->a.bytes))) {
                v->a.family = 4;
            } else {
                p = word_end(w, end);
                if (p < end && *p != ' ')
                    goto bad_binary;
                if (!parse_addr((const char *)w, (gsize)(p - w), &v->a)) {
                    *reason = FL_REJECT_ADDRESS;
                    goto bad_field;
                }
            }
            break;
        case FL_KIND_STRING:
            p = word_end(p, end);
            if (G_UNLIKELY(p < end && *p != ' '))
                goto bad_binary;
            v->s.ptr = (const char *)w;
            v->s.len = (guint32)(p - w);
            break;
        default: {
            gsize wl;

            p = word_end(p, end);
            if (G_UNLIKELY(p < end && *p != ' '))
                goto bad_binary;
            wl = (gsize)(p - w);
            if (!parse_enum(fmt->kind[col - 1], (const char *)w, wl, &v->u))
                goto bad_value;
            break;
        }
        }
        fl_record_set_present(rec, id);
    }
    if (col != n_columns) {
        *reason = FL_REJECT_FIELD_COUNT;
        *column = col;
        return FALSE;
    }
    return TRUE;

bad_binary:
    *reason = FL_REJECT_BINARY;
    *column = col ? col - 1 : 0;
    return FALSE;
bad_number:
    *reason = classify_bad_word(p, end, FL_REJECT_NUMBER);
    goto bad_field;
bad_value:
    *reason = FL_REJECT_VALUE;
bad_field:
    *column = col - 1;
    if (*reason == FL_REJECT_BINARY)
        return FALSE;
    /* A line with the wrong number of words usually fails on some field
     * first; the word count is the better explanation, so say that. */
    {
        guint words = count_words(line, len);
        if (words != n_columns) {
            *reason = FL_REJECT_FIELD_COUNT;
            *column = words;
        }
    }
    return FALSE;
}

gboolean
fl_decode_value(FlKind kind, guint64 max, const char *p, gsize len,
                FlValue *v, FlReject *reason)
{
    const unsigned char *u = (const unsigned char *)p;

    for (gsize i = 0; i < len; i++) {
        if (u[i] < ' ' || u[i] == 0x7f) {
            *reason = FL_REJECT_BINARY;
            return FALSE;
        }
    }
    switch (kind) {
    case FL_KIND_UINT: {
        const unsigned char *q = u;

        if (len == 0 || !parse_uint_slow(&q, u + len, &v->u)
            || q != u + len || v->u > max) {
            *reason = FL_REJECT_NUMBER;
            return FALSE;
        }
        return TRUE;
    }
    case FL_KIND_ADDR:
        if (len == 0 || !parse_addr(p, len, &v->a)) {
            *reason = FL_REJECT_ADDRESS;
            return FALSE;
        }
        return TRUE;
    case FL_KIND_STRING:
        v->s.ptr = p;
        v->s.len = (guint32)MIN(len, G_MAXUINT32);
        return TRUE;
    default:
        if (!parse_enum((guint8)kind, p, len, &v->u)) {
            *reason = FL_REJECT_VALUE;
            return FALSE;
        }
        return TRUE;
    }
}
