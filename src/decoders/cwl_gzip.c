/*
 * cwl_gzip.c - the inner gzip of cwl_envelope.c: one gzip member inflated
 * into the decoder's buffer, with ISA-L or else zlib, under its bounds.
 */
#include "config.h"

#include <string.h>

#include "decoders/cwl_envelope_int.h"

/* Makes room for at least one more byte of output, up to cap + 1. */
static void
plain_grow(Ctx *c, gsize cap)
{
    gsize want = MIN(MAX(c->plain_alloc * 2, 64 * 1024), cap + 1);

    c->plain = g_realloc(c->plain, want);
    c->plain_alloc = want;
}

/*
 * The words of gzip errors are ours, the same with either library: the
 * kind of damage, not the library's detail.
 */
static Res
gzip_corrupt(GError **err, const char *what)
{
    return cwl_bad(err, FL_ERROR_CORRUPT, "corrupt gzip data: %s", what);
}

#define GZ_HEADER   "invalid gzip header"
#define GZ_METHOD   "unknown compression method"
#define GZ_DEFLATE  "invalid deflate data"
#define GZ_CHECK    "incorrect data or length check"
#define GZ_TRUNC    "unexpected end of gzip data (truncated?)"

#ifdef HAVE_ISAL
static const char *
isal_words(int rc)
{
    switch (rc) {
    case ISAL_INVALID_WRAPPER:
        return GZ_HEADER;
    case ISAL_UNSUPPORTED_METHOD:
        return GZ_METHOD;
    case ISAL_INCORRECT_CHECKSUM:
        return GZ_CHECK;
    default:
        return GZ_DEFLATE;
    }
}

/* ISA-L (two to three times faster than zlib): see cwl_inflate_member(). */
static Res
inflate_run(Ctx *c, const guint8 *in, gsize len, gsize cap, gsize *used,
            gsize *out_len, GError **err)
{
    struct inflate_state *st;
    gsize out = 0;
    int rc;

    if (c->isal == NULL) {
        c->isal = g_new0(struct inflate_state, 1);
        isal_inflate_init(c->isal);
    } else {
        isal_inflate_reset(c->isal);    /* clears crc_flag too */
    }
    st = c->isal;
    st->crc_flag = ISAL_GZIP;           /* the wrapper, and check the CRC */
    /* ISA-L's next_in is not const, but it never writes through it. */
    st->next_in = (guint8 *)in;
    st->avail_in = (guint32)len;
    for (;;) {
        guint32 in_before = st->avail_in;
        gsize out_before = out;

        if (out == c->plain_alloc) {
            if (out > cap)
                break;
            plain_grow(c, cap);
        }
        if (cwl_stopped(c, err))
            return RES_STOP;
        st->next_out = c->plain + out;
        st->avail_out = (guint32)MIN(c->plain_alloc - out, CWL_STOP_SLICE);
        rc = isal_inflate(st);
        out = (gsize)(st->next_out - c->plain);
        if (rc < 0 || rc == ISAL_NEED_DICT)
            return gzip_corrupt(err, isal_words(rc));
        if (st->block_state == ISAL_BLOCK_FINISH || out > cap)
            break;
        /* Room for output left and nothing moved: the input is spent. */
        if (st->avail_out > 0 && st->avail_in == in_before &&
            out == out_before)
            return cwl_bad(err, FL_ERROR_CORRUPT, GZ_TRUNC);
    }
    *used = len - st->avail_in;
    *out_len = out;
    return RES_OK;
}
#else
static const char *
zlib_words(Ctx *c, int rc)
{
    const char *m = c->zs.msg;

    if (rc == Z_DATA_ERROR && m != NULL) {
        if (strcmp(m, "unknown compression method") == 0)
            return GZ_METHOD;
        if (strstr(m, "header") != NULL)
            return GZ_HEADER;
        if (strcmp(m, "incorrect data check") == 0 ||
            strcmp(m, "incorrect length check") == 0)
            return GZ_CHECK;
    }
    return GZ_DEFLATE;
}

/* zlib, when ISA-L is absent: see cwl_inflate_member(). */
static Res
inflate_run(Ctx *c, const guint8 *in, gsize len, gsize cap, gsize *used,
            gsize *out_len, GError **err)
{
    gsize out = 0;
    int rc;

    if (!c->zs_ready) {
        /* 16 + MAX_WBITS: the gzip wrapper only, as in inflate.c. */
        if ((rc = inflateInit2(&c->zs, 16 + MAX_WBITS)) != Z_OK)
            return cwl_bad(err, FL_ERROR_LIMIT,
                           "out of memory while inflating");
        c->zs_ready = TRUE;
    } else {
        (void)inflateReset(&c->zs);     /* fails only if never set up */
    }
    c->zs.next_in = in;
    c->zs.avail_in = (uInt)len;
    do {
        if (out == c->plain_alloc) {
            if (out > cap)
                break;
            plain_grow(c, cap);
        }
        if (cwl_stopped(c, err))
            return RES_STOP;
        c->zs.next_out = c->plain + out;
        c->zs.avail_out = (uInt)MIN(c->plain_alloc - out, CWL_STOP_SLICE);
        rc = inflate(&c->zs, Z_NO_FLUSH);
        out = (gsize)(c->zs.next_out - c->plain);
        /* There was room for output, so no progress means no input. */
        if (rc == Z_BUF_ERROR)
            return cwl_bad(err, FL_ERROR_CORRUPT, GZ_TRUNC);
        if (rc == Z_MEM_ERROR)
            return cwl_bad(err, FL_ERROR_LIMIT,
                           "out of memory while inflating");
        if (rc != Z_OK && rc != Z_STREAM_END)
            return gzip_corrupt(err, zlib_words(c, rc));
    } while (rc != Z_STREAM_END && out <= cap);
    *used = len - c->zs.avail_in;
    *out_len = out;
    return RES_OK;
}
#endif

/*
 * Inflates the gzip member at the start of the len bytes at in into
 * c->plain; *used gets its compressed length, *out_len the inflated one.
 * The output is bounded by FL_CWL_MAX_PAYLOAD and, while the member's end
 * is unknown, by FL_CWL_MAX_RATIO times all the input left, then checked
 * against FL_CWL_MAX_RATIO times the member itself.  When the input ends
 * with a plausible size in a gzip trailer (a lone member: a record's
 * data), the buffer is sized for it at once.
 */
Res
cwl_inflate_member(Ctx *c, const guint8 *in, gsize len, gsize *used,
                   gsize *out_len, GError **err)
{
    guint64 cap = MIN((guint64)FL_CWL_MAX_PAYLOAD,
                      (guint64)FL_CWL_MAX_RATIO * len);
    gsize want = 0;
    Res r;

    G_STATIC_ASSERT(FL_CWL_MAX_INPUT < G_MAXUINT32 && FL_CWL_MAX_PAYLOAD <
                    G_MAXUINT32);
    if (len >= 18) {
        guint32 isize;

        memcpy(&isize, in + len - 4, 4);
        isize = GUINT32_FROM_LE(isize);
        /* Trusted only as far as a real compression ratio goes. */
        if (isize < cap && isize <= 64 * (guint64)len)
            want = (gsize)isize + 1;
    }
    c->peak[2] = MAX(c->peak[2], want);
    if (c->plain_alloc < want) {
        g_free(c->plain);               /* nothing in it to keep */
        c->plain_alloc = MIN(cwl_headroom(want), (gsize)cap + 1);
        c->plain = g_malloc(c->plain_alloc);
    }
    r = inflate_run(c, in, len, (gsize)cap, used, out_len, err);
    if (r != RES_OK)
        return r;
    c->peak[2] = MAX(c->peak[2], *out_len + 1);
    if (*out_len > (guint64)FL_CWL_MAX_RATIO * *used)
        return cwl_bad(err, FL_ERROR_LIMIT, "gzip data expands more than %u "
                       "times (zip bomb?)", FL_CWL_MAX_RATIO);
    if (*out_len > FL_CWL_MAX_PAYLOAD)
        return cwl_bad(err, FL_ERROR_LIMIT, "a payload inflates to more than "
                       "%u bytes", FL_CWL_MAX_PAYLOAD);
    return RES_OK;
}
