/*
 * thrift_compact.c - the compact protocol, read with a bounded cursor.
 *
 * Wire facts (Apache Thrift, doc/specs/thrift-compact-protocol.md):
 * integers other than i8 are zigzag ULEB128 varints; a field header is
 * one byte, the high nibble a delta (1..15) from the previous field ID of
 * the struct, or 0 followed by the ID as a zigzag varint, the low nibble
 * the type; bools live in the type nibble; a list header is one byte,
 * size (0..14) high and element type low, size 15 meaning a varint
 * follows; a map is a varint size and, unless empty, one byte of key and
 * value types; binary is a varint length and the bytes.
 */
#include "config.h"

#include "decoders/thrift_compact.h"

void
fl_thrift_init(FlThrift *t, const guint8 *buf, gsize len)
{
    t->start = t->p = buf;
    t->end = buf + len;
    t->depth = 0;
    t->bool_value = FALSE;
    t->error = NULL;
    t->error_at = 0;
}

void
fl_thrift_fail(FlThrift *t, const char *why)
{
    if (t->error != NULL)
        return;                 /* the first reason is the real one */
    t->error = why;
    t->error_at = fl_thrift_pos(t);
    t->p = t->end;              /* nothing more can be read */
}

static guint64
read_varint(FlThrift *t)
{
    guint64 v = 0;

    for (guint shift = 0; shift < 64; shift += 7) {
        guint8 b;

        if (t->p >= t->end) {
            fl_thrift_fail(t, "truncated varint");
            return 0;
        }
        b = *t->p++;
        /* The tenth byte may only carry the top bit of 64. */
        if (shift == 63 && b > 1) {
            fl_thrift_fail(t, "varint too long");
            return 0;
        }
        v |= (guint64)(b & 0x7f) << shift;
        if ((b & 0x80) == 0)
            return v;
    }
    fl_thrift_fail(t, "varint too long");
    return 0;
}

static inline gint64
unzigzag(guint64 v)
{
    return (gint64)(v >> 1) ^ -(gint64)(v & 1);
}

gint64
fl_thrift_i64(FlThrift *t)
{
    return unzigzag(read_varint(t));
}

gint32
fl_thrift_i32(FlThrift *t)
{
    gint64 v = fl_thrift_i64(t);

    if (v < G_MININT32 || v > G_MAXINT32) {
        fl_thrift_fail(t, "i32 out of range");
        return 0;
    }
    return (gint32)v;
}

gboolean
fl_thrift_bool(FlThrift *t, FlThriftType type)
{
    (void)t;
    return type == FL_THRIFT_TRUE;
}

gboolean
fl_thrift_list_bool(FlThrift *t)
{
    if (t->p >= t->end) {
        fl_thrift_fail(t, "truncated bool");
        return FALSE;
    }
    return *t->p++ == 1;
}

gboolean
fl_thrift_binary(FlThrift *t, const guint8 **ptr, guint32 *len)
{
    guint64 n = read_varint(t);

    *ptr = NULL;
    *len = 0;
    if (fl_thrift_failed(t))
        return FALSE;
    if (n > (guint64)(t->end - t->p)) {
        fl_thrift_fail(t, "binary length past the end");
        return FALSE;
    }
    *ptr = t->p;
    *len = (guint32)n;
    t->p += n;
    return TRUE;
}

gboolean
fl_thrift_struct_begin(FlThrift *t)
{
    if (fl_thrift_failed(t))
        return FALSE;
    if (t->depth >= FL_THRIFT_MAX_DEPTH) {
        fl_thrift_fail(t, "structures nested too deep");
        return FALSE;
    }
    t->last_id[t->depth++] = 0;
    return TRUE;
}

gboolean
fl_thrift_field(FlThrift *t, FlThriftType *type, gint16 *id)
{
    guint8 b, delta;
    gint64 fid;

    if (fl_thrift_failed(t) || t->depth == 0)
        return FALSE;
    if (t->p >= t->end) {
        fl_thrift_fail(t, "truncated struct");
        return FALSE;
    }
    b = *t->p++;
    if (b == FL_THRIFT_STOP) {
        t->depth--;
        return FALSE;
    }
    *type = (FlThriftType)(b & 0x0f);
    if (*type > FL_THRIFT_STRUCT) {
        fl_thrift_fail(t, "unknown field type");
        return FALSE;
    }
    delta = b >> 4;
    if (delta != 0) {
        fid = t->last_id[t->depth - 1] + delta;
    } else {
        fid = fl_thrift_i64(t);
        if (fl_thrift_failed(t))
            return FALSE;
    }
    if (fid < G_MININT16 || fid > G_MAXINT16) {
        fl_thrift_fail(t, "field id out of range");
        return FALSE;
    }
    *id = (gint16)fid;
    t->last_id[t->depth - 1] = *id;
    t->bool_value = *type == FL_THRIFT_TRUE;
    return TRUE;
}

guint32
fl_thrift_list(FlThrift *t, FlThriftType *elem)
{
    guint8 b;
    guint64 n;

    *elem = FL_THRIFT_STOP;
    if (fl_thrift_failed(t))
        return 0;
    if (t->p >= t->end) {
        fl_thrift_fail(t, "truncated list");
        return 0;
    }
    b = *t->p++;
    *elem = (FlThriftType)(b & 0x0f);
    n = b >> 4;
    if (n == 15)
        n = read_varint(t);
    if (fl_thrift_failed(t))
        return 0;
    if (*elem == FL_THRIFT_STOP || *elem > FL_THRIFT_STRUCT) {
        fl_thrift_fail(t, "unknown list element type");
        return 0;
    }
    /* Every element takes at least a byte (a double eight). */
    if (n > (guint64)(t->end - t->p)
        || (*elem == FL_THRIFT_DOUBLE && n * 8 > (guint64)(t->end - t->p))) {
        fl_thrift_fail(t, "list longer than its bytes");
        return 0;
    }
    return (guint32)n;
}

static gboolean
skip_bytes(FlThrift *t, gsize n)
{
    if (n > (gsize)(t->end - t->p)) {
        fl_thrift_fail(t, "truncated value");
        return FALSE;
    }
    t->p += n;
    return TRUE;
}

/* level: containers open inside this skip, on top of t->depth. */
static gboolean
skip_value(FlThrift *t, FlThriftType type, guint level, gboolean in_list)
{
    const guint8 *ptr;
    guint32 len;

    if (t->depth + level >= FL_THRIFT_MAX_DEPTH) {
        fl_thrift_fail(t, "structures nested too deep");
        return FALSE;
    }
    switch (type) {
    case FL_THRIFT_TRUE:
    case FL_THRIFT_FALSE:
        /* In a struct the value is in the header; in a list, a byte. */
        return in_list ? skip_bytes(t, 1) : TRUE;
    case FL_THRIFT_I8:
        return skip_bytes(t, 1);
    case FL_THRIFT_I16:
    case FL_THRIFT_I32:
    case FL_THRIFT_I64:
        (void)read_varint(t);
        return !fl_thrift_failed(t);
    case FL_THRIFT_DOUBLE:
        return skip_bytes(t, 8);
    case FL_THRIFT_BINARY:
        return fl_thrift_binary(t, &ptr, &len);
    case FL_THRIFT_LIST:
    case FL_THRIFT_SET: {
        FlThriftType elem;
        guint32 n = fl_thrift_list(t, &elem);

        for (guint32 i = 0; i < n && !fl_thrift_failed(t); i++)
            skip_value(t, elem, level + 1, TRUE);
        return !fl_thrift_failed(t);
    }
    case FL_THRIFT_MAP: {
        guint64 n = read_varint(t);
        guint8 kv;

        if (fl_thrift_failed(t) || n == 0)
            return !fl_thrift_failed(t);
        if (t->p >= t->end || n > (guint64)(t->end - t->p)) {
            fl_thrift_fail(t, "map longer than its bytes");
            return FALSE;
        }
        kv = *t->p++;
        for (guint64 i = 0; i < n && !fl_thrift_failed(t); i++) {
            skip_value(t, (FlThriftType)(kv >> 4), level + 1, TRUE);
            skip_value(t, (FlThriftType)(kv & 0x0f), level + 1, TRUE);
        }
        return !fl_thrift_failed(t);
    }
    case FL_THRIFT_STRUCT: {
        FlThriftType ft;
        gint16 id;

        if (!fl_thrift_struct_begin(t))
            return FALSE;
        while (fl_thrift_field(t, &ft, &id))
            skip_value(t, ft, level, FALSE);
        return !fl_thrift_failed(t);
    }
    default:
        fl_thrift_fail(t, "unknown value type");
        return FALSE;
    }
}

gboolean
fl_thrift_skip(FlThrift *t, FlThriftType type)
{
    return skip_value(t, type, 0, FALSE);
}
