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

#include "decode.h"
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

static const FlDecoderType decoder_types[] = {
    { "parquet", sniff_parquet, FALSE },   /* planned: decode_parquet.c */
    { "text", sniff_text, TRUE },
};

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
    f->column[f->n_columns] = id;
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
    if (a->n_columns != b->n_columns)
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

/* Decimal 0..max; no sign, no spaces, at most 20 digits. */
static inline gboolean
parse_uint(const char *p, gsize len, guint64 max, guint64 *out)
{
    guint64 v = 0;

    if (len == 0 || len > 20)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9)
            return FALSE;
        if (v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    if (v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

static inline gboolean
parse_ipv4(const char *p, gsize len, guint8 *out)
{
    const char *end = p + len;

    for (int i = 0; i < 4; i++) {
        unsigned v = 0, nd = 0;

        while (p < end && *p >= '0' && *p <= '9' && nd < 4) {
            v = v * 10 + (unsigned)(*p - '0');
            p++;
            nd++;
        }
        if (nd == 0 || nd > 3 || v > 255)
            return FALSE;
        out[i] = (guint8)v;
        if (i < 3) {
            if (p == end || *p != '.')
                return FALSE;
            p++;
        }
    }
    return p == end;
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
        return parse_ipv4(p, len, a->bytes);
    }
    if (len >= sizeof buf)
        return FALSE;
    memcpy(buf, p, len);
    buf[len] = '\0';
    a->family = 6;
    return inet_pton(AF_INET6, buf, a->bytes) == 1;
}

static inline gboolean
word_is(const char *p, gsize len, const char *lit, gsize litlen)
{
    return len == litlen && memcmp(p, lit, len) == 0;
}

gboolean
fl_decode_line(const FlFormat *fmt, const char *line, gsize len,
               FlRecord *rec, FlReject *reason, guint *column)
{
    const unsigned char *p = (const unsigned char *)line;
    const unsigned char *end = p + len;
    guint col = 0;

    fl_record_reset(rec);
    if (len > 0 && end[-1] == '\r')
        end--;
    if (len > FL_MAX_LINE) {
        *reason = FL_REJECT_TOO_LONG;
        *column = 0;
        return FALSE;
    }

    for (;;) {
        const unsigned char *w;
        gsize wl;
        FlField id;
        FlValue *v;

        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        w = p;
        /* Stop at the space, or at any control byte: one test per byte
         * catches binary garbage without a second pass. */
        while (p < end && *p > ' ')
            p++;
        if (p < end && *p != ' ') {
            *reason = FL_REJECT_BINARY;
            *column = col;
            return FALSE;
        }
        wl = (gsize)(p - w);
        if (col >= fmt->n_columns) {
            col++;      /* keep counting words for the message */
            continue;
        }
        id = fmt->column[col];
        if (id == FL_F_UNKNOWN) {
            rec->unknown[rec->n_unknown].ptr = (const char *)w;
            rec->unknown[rec->n_unknown].len = (guint32)wl;
            rec->n_unknown++;
            col++;
            continue;
        }
        col++;
        if (wl == 1 && w[0] == '-')
            continue;                       /* absent */
        v = &rec->v[id];
        switch (fl_field_info(id)->kind) {
        case FL_KIND_UINT:
            if (!parse_uint((const char *)w, wl, fl_field_info(id)->max,
                            &v->u))
                goto bad_number;
            break;
        case FL_KIND_STRING:
            v->s.ptr = (const char *)w;
            v->s.len = (guint32)wl;
            break;
        case FL_KIND_ADDR:
            if (!parse_addr((const char *)w, wl, &v->a)) {
                *reason = FL_REJECT_ADDRESS;
                goto bad_field;
            }
            break;
        case FL_KIND_ACTION:
            if (word_is((const char *)w, wl, "ACCEPT", 6))
                v->u = FL_ACTION_ACCEPT;
            else if (word_is((const char *)w, wl, "REJECT", 6))
                v->u = FL_ACTION_REJECT;
            else
                goto bad_value;
            break;
        case FL_KIND_LOG_STATUS:
            if (word_is((const char *)w, wl, "OK", 2))
                v->u = FL_STATUS_OK;
            else if (word_is((const char *)w, wl, "NODATA", 6))
                v->u = FL_STATUS_NODATA;
            else if (word_is((const char *)w, wl, "SKIPDATA", 8))
                v->u = FL_STATUS_SKIPDATA;
            else
                goto bad_value;
            break;
        case FL_KIND_DIRECTION:
            if (word_is((const char *)w, wl, "ingress", 7))
                v->u = FL_DIR_INGRESS;
            else if (word_is((const char *)w, wl, "egress", 6))
                v->u = FL_DIR_EGRESS;
            else
                goto bad_value;
            break;
        }
        fl_record_set_present(rec, id);
    }
    if (col != fmt->n_columns) {
        *reason = FL_REJECT_FIELD_COUNT;
        *column = col;
        return FALSE;
    }
    return TRUE;

bad_number:
    *reason = FL_REJECT_NUMBER;
    goto bad_field;
bad_value:
    *reason = FL_REJECT_VALUE;
bad_field:
    *column = col - 1;
    /* A line with the wrong number of words usually fails on some field
     * first; the word count is the better explanation, so say that. */
    {
        guint words = count_words(line, len);
        if (words != fmt->n_columns) {
            *reason = FL_REJECT_FIELD_COUNT;
            *column = words;
        }
    }
    return FALSE;
}
